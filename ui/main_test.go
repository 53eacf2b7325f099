package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"piecestray/apiclient"
	"piecestray/app"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testNow is the clock of the text tests.
var testNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// call is one action a fake client received.
type call struct {
	Action app.Action
	Args   any
}

// fakeClient is a hand-written Client: Watch hands out states the test
// sends, Do records calls and answers with reply.
type fakeClient struct {
	states     chan app.State
	watchErr   error
	watchBlock bool // Watch waits for ctx to end, then fails

	mu    sync.Mutex // guards calls and reply
	calls []call
	reply func(app.Action, any) (app.Result, error)
}

func newFakeClient() *fakeClient {
	return &fakeClient{states: make(chan app.State)}
}

func (f *fakeClient) Watch(ctx context.Context) (<-chan app.State, error) {
	if f.watchBlock {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.watchErr != nil {
		return nil, f.watchErr
	}
	return f.states, nil
}

func (f *fakeClient) Do(ctx context.Context, a app.Action, args any) (app.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{a, args})
	reply := f.reply
	f.mu.Unlock()
	if reply == nil {
		return app.Result{}, nil
	}
	return reply(a, args)
}

func (f *fakeClient) setReply(r func(app.Action, any) (app.Result, error)) {
	f.mu.Lock()
	f.reply = r
	f.mu.Unlock()
}

func (f *fakeClient) answer(res app.Result, err error) {
	f.setReply(func(app.Action, any) (app.Result, error) { return res, err })
}

func (f *fakeClient) callList() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// harness plays Fyne's main goroutine: background goroutines of a window
// queue their UI updates, and the test runs them with step, so that every
// widget is touched by the test goroutine only.
type harness struct {
	t      *testing.T
	client *fakeClient
	q      chan func()
	stop   chan struct{}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t, client: newFakeClient(), q: make(chan func()), stop: make(chan struct{})}
}

func (h *harness) opts() options {
	return options{
		do: func(f func()) {
			select {
			case h.q <- f:
			case <-h.stop:
			}
		},
		pictures: func(ctx context.Context, url string) (fyne.Resource, error) {
			return nil, errors.New("no pictures in tests")
		},
		startAtLogin: &fakeOffer{}, // offered before: tests that want the offer set their own
	}
}

// own makes the test close b's window and wait for its goroutines at the
// end.
func (h *harness) own(b *base) {
	h.t.Cleanup(func() {
		if !b.closed {
			b.win.Close()
		}
		close(h.stop)
		b.wait()
	})
}

// step runs the next UI update a window goroutine queued.
func (h *harness) step() {
	h.t.Helper()
	select {
	case f := <-h.q:
		f()
	case <-time.After(10 * time.Second):
		h.t.Fatal("no UI update arrived")
	}
}

// push sends s as the agent's state and applies it.
func (h *harness) push(s app.State) {
	h.t.Helper()
	select {
	case h.client.states <- s:
	case <-time.After(10 * time.Second):
		h.t.Fatal("the window does not read states")
	}
	h.step()
}

// States and profiles used across the tests.

func profile(mods ...func(*apiclient.UserProfile)) *apiclient.UserProfile {
	p := &apiclient.UserProfile{
		ID:         "4b1d6f0e-6b2c-4d8e-9a51-0c9d3c2f7a10",
		Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}},
		Name:       "Ada Lovelace",
		Email:      "ada@example.com",
		Username:   "ada",
		Picture:    "https://example.com/ada.png",
		Auth0:      &apiclient.Auth0UserMetadata{GlobalID: "g-1"},
		Allocation: &apiclient.AllocationCloud{
			ID: "alloc-1", Project: "p", User: "u",
			Status: &apiclient.AllocationCloudStatus{Cloud: apiclient.AllocationRunning},
			URLs: &apiclient.AllocationCloudURLs{
				Base: &apiclient.AllocationCloudURL{URL: "https://4b1d6f0e.pieces.cloud", Status: apiclient.AllocationRunning},
				ID:   &apiclient.AllocationCloudURL{URL: "https://4b1d6f0e.pieces.cloud", Status: apiclient.AllocationRunning},
			},
		},
	}
	for _, m := range mods {
		m(p)
	}
	return p
}

func withVanity(name string) func(*apiclient.UserProfile) {
	return func(p *apiclient.UserProfile) {
		p.VanityName = name
		p.Allocation.URLs.Vanity = &apiclient.AllocationCloudURL{URL: "https://" + name + ".pieces.cloud", Status: apiclient.AllocationRunning}
	}
}

func withBeta(p *apiclient.UserProfile) {
	yes := true
	p.Auth0.Beta = &apiclient.AnonymousTemporalRange{Continuous: &yes, From: &apiclient.GroupedTimestamp{Value: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}}
}

var piecesOS = app.PiecesOSInfo{URL: "http://127.0.0.1:39300", Version: "12.3.0"}

func signedIn(p *apiclient.UserProfile) app.State {
	return app.State{Seq: 3, Phase: app.PhaseSignedIn, PiecesOS: piecesOS, User: p,
		Stream: app.StreamInfo{Status: app.StreamLive}, Storage: app.StorageInfo{Kind: app.StorageKeyring}}
}

func signedOut() app.State {
	return app.State{Seq: 2, Phase: app.PhaseSignedOut, PiecesOS: piecesOS,
		Stream: app.StreamInfo{Status: app.StreamLive}, Storage: app.StorageInfo{Kind: app.StorageNone}}
}

func notRunning() app.State {
	return app.State{Seq: 1, Phase: app.PhaseNotRunning,
		PiecesOS: app.PiecesOSInfo{Tried: []string{"http://127.0.0.1:39300", "http://127.0.0.1:1000"}},
		Stream:   app.StreamInfo{Status: app.StreamNotRunning}, Storage: app.StorageInfo{Kind: app.StorageKeyring}}
}

func busy(s app.State, a app.Action) app.State {
	s.Busy = a
	return s
}

// actionErr is the error a client returns for a failed action.
func actionErr(code app.ErrorCode, msg string) error {
	return &app.ActionError{Code: code, Message: msg}
}

// typeKey sends a key to the focused widget, or to the canvas when none
// has focus, as the desktop driver does.
func typeKey(c fyne.Canvas, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// wait blocks until every goroutine of the window has ended (after close).
func (b *base) wait() { b.wg.Wait() }

// shownLabels returns the text of every label a person sees on c: visible,
// inside visible containers.
func shownLabels(c fyne.Canvas) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *widget.Label:
			out = append(out, o.Text)
		case *fyne.Container:
			for _, child := range o.Objects {
				walk(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(o).Objects() {
				walk(child)
			}
		}
	}
	walk(c.Content())
	return out
}

// shownWith returns the labels shown on c that contain s.
func shownWith(c fyne.Canvas, s string) []string {
	var out []string
	for _, l := range shownLabels(c) {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// fakeOffer is a StartAtLoginOffer in memory.
type fakeOffer struct {
	mu      sync.Mutex
	fresh   bool // never offered, and off
	answers []bool
	err     error
}

func (f *fakeOffer) ShouldOffer() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.fresh }
func (f *fakeOffer) Answer(yes bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fresh = false
	f.answers = append(f.answers, yes)
	return f.err
}
