package piecesos

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"piecestray/apiclient"
)

func TestFailNext(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	s.FailNext(2, http.StatusInternalServerError)
	for i := 0; i < 2; i++ {
		if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 500 {
			t.Fatalf("request %d = %d; want 500", i, r.status)
		}
	}
	if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 200 {
		t.Fatalf("third request = %d; want 200", r.status)
	}

	s.FailNext(1, http.StatusServiceUnavailable)
	if r := call(t, c, "GET", s.URL()+"/__sim/state", ""); r.status != 200 {
		t.Fatalf("admin request = %d; want 200 (not affected)", r.status)
	}
	if r := call(t, c, "HEAD", s.URL()+"/.well-known/health", ""); r.status != 503 {
		t.Fatalf("health = %d; want 503", r.status)
	}

	s.FailNext(5, 500)
	s.FailNext(-1, 500) // cancels
	if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 200 {
		t.Fatalf("after cancelling = %d; want 200", r.status)
	}
}

func TestLatency(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	const d = 50 * time.Millisecond
	s.SetLatency(d)
	start := time.Now()
	if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 200 {
		t.Fatalf("GET /user = %d", r.status)
	}
	if el := time.Since(start); el < d {
		t.Errorf("request took %v; want at least %v", el, d)
	}

	// A request given up by its client ends the wait.
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/user", nil)
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request answered despite an hour of latency")
	}
	s.SetLatency(-time.Second) // treated as none
	if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 200 {
		t.Fatalf("GET /user without latency = %d", r.status)
	}
}

func TestStopEndsLatencyWait(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := startSim(t, Config{Logger: slog.New(&requestSignal{arrived: arrived})})
	c := newClient(t)
	s.SetLatency(time.Hour)
	errc := make(chan error, 1)
	go func() {
		resp, err := c.Get(s.URL() + "/user")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	// The request is logged just before its latency wait: Stop must end
	// a wait in progress, not refuse a request that came too late.
	select {
	case <-arrived:
	case err := <-errc:
		t.Fatalf("GET /user ended before Stop: %v", err)
	case <-time.After(waitLong):
		t.Fatal("GET /user never reached the simulator")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case err := <-errc:
		// As from a killed Pieces OS: the connection drops, no answer
		// (an empty 200 would read as a broken profile, not an outage).
		if err == nil {
			t.Error("GET /user in flight was answered by the stopped simulator; want the connection dropped")
		}
	case <-time.After(waitLong):
		t.Fatal("the request outlived Stop")
	}
}

func TestSetUserRefusesInvalidProfiles(t *testing.T) {
	s := New(Config{})
	defer s.Close()
	ada := testProfile("ada@example.com")
	s.SetUser(ada)

	bad := *ada
	bad.Aesthetics = nil
	s.SetUser(&bad)
	if u := s.User(); u == nil || u.Aesthetics == nil {
		t.Fatal("SetUser accepted a profile without aesthetics")
	}
	noURLs := cloneProfile(ada)
	noURLs.ID = "other"
	noURLs.Allocation.URLs = nil
	s.SetUser(noURLs)
	if u := s.User(); u.ID != ada.ID {
		t.Fatal("SetUser accepted an allocation without urls")
	}

	s.UpdateUser(func(p *apiclient.UserProfile) { p.Aesthetics.Font = nil })
	if u := s.User(); u.Aesthetics.Font == nil {
		t.Fatal("UpdateUser removed a required field")
	}
	s.UpdateUser(func(p *apiclient.UserProfile) { p.ID = "another" })
	if u := s.User(); u.ID != ada.ID {
		t.Fatal("UpdateUser changed the id")
	}
	// The caller's copy is not the store's.
	ada.Name = "changed outside"
	if u := s.User(); u.Name == "changed outside" {
		t.Fatal("SetUser kept the caller's pointer")
	}

	s.SetUser(nil)
	called := false
	s.UpdateUser(func(*apiclient.UserProfile) { called = true })
	if called {
		t.Error("UpdateUser called fn with nobody signed in")
	}
}

// requestSignal is a slog.Handler that signals (without blocking) each
// "piecesos: request" record: the simulator logs it when a request of the
// API arrives, before the added latency.
type requestSignal struct{ arrived chan<- struct{} }

func (h *requestSignal) Enabled(context.Context, slog.Level) bool { return true }

func (h *requestSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "piecesos: request" {
		select {
		case h.arrived <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h *requestSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *requestSignal) WithGroup(string) slog.Handler      { return h }
