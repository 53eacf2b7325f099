package piecesos

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"piecestray/apiclient"
)

func TestStreamFramesInOrder(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	w := dialStream(t, s.URL())

	if f := w.next(t); f != "" {
		t.Fatalf("first frame signed out = %q; want an empty frame", f)
	}
	ada := testProfile("ada@example.com")
	s.SetUser(ada) // sign-in
	if p := w.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("sign-in frame id = %q; want %q", p.ID, ada.ID)
	}
	s.SetUser(ada) // no change: no frame
	s.UpdateUser(func(p *apiclient.UserProfile) { p.Name = "Countess" })
	if p := w.nextProfile(t); p.Name != "Countess" {
		t.Fatalf("change frame name = %q; want Countess", p.Name)
	}
	s.SetUser(nil) // sign-out
	if f := w.next(t); f != "" {
		t.Fatalf("sign-out frame = %q; want empty", f)
	}
	s.SetUser(nil) // already signed out: no frame
	w.noFrame(t, 50*time.Millisecond)

	// A new connection gets the current profile at once.
	s.SetUser(ada)
	w.nextProfile(t)
	w2 := dialStream(t, s.URL())
	if p := w2.nextProfile(t); p.ID != ada.ID || p.Name != ada.Name {
		t.Fatalf("first frame signed in = %s; want ada", mustJSON(t, p))
	}

	// Endpoints push frames too: clear, vanity (a change), select, disconnect.
	if r := call(t, c, "POST", s.URL()+"/user/clear", ""); r.status != 204 {
		t.Fatalf("clear = %d", r.status)
	}
	for _, x := range []*wsClient{w, w2} {
		if f := x.next(t); f != "" {
			t.Fatalf("clear frame = %q; want empty", f)
		}
	}
	r := call(t, c, "POST", s.URL()+"/user/select", `{"email":"ada@example.com"}`)
	if r.status != 200 {
		t.Fatalf("select = %d %q", r.status, r.body)
	}
	if p := w.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("select frame = %s", p.ID)
	}
	r = call(t, c, "POST", s.URL()+"/user/update/vanity", vanityBody(t, ada, "Ada"))
	if r.status != 200 {
		t.Fatalf("vanity = %d %q", r.status, r.body)
	}
	if p := w.nextProfile(t); p.VanityName != "ada" {
		t.Fatalf("vanity frame vanityname = %q; want ada", p.VanityName)
	}
	if r := call(t, c, "POST", s.URL()+"/users/"+ada.ID+"/disconnect", ""); r.status != 200 {
		t.Fatalf("disconnect = %d", r.status)
	}
	if f := w.next(t); f != "" {
		t.Fatalf("disconnect frame = %q; want empty", f)
	}
	if n := s.Streams(); n != 2 {
		t.Errorf("Streams() = %d; want 2", n)
	}
}

// TestStreamRegisteredBeforeUpgradeAnswer: once a client has its upgrade
// answer, its connection is registered, so a drop or raw frame right after
// reaches it (clients are live after the upgrade and GET /user; a test that
// saw them live must not race with the registration).
func TestStreamRegisteredBeforeUpgradeAnswer(t *testing.T) {
	s := startSim(t, Config{})
	for i := 1; i <= 20; i++ {
		dialStream(t, s.URL())
		if n := s.Streams(); n != i {
			t.Fatalf("Streams() right after dial %d = %d; want %d", i, n, i)
		}
	}
	s.SendRaw([]byte("x")) // reaches all of them (checked by Close, which waits)
	s.DropStreams()
	waitFor(t, "no streams", func() bool { return s.Streams() == 0 })
}

func TestStreamSendRawAndDrop(t *testing.T) {
	s := startSim(t, Config{})
	ada := testProfile("ada@example.com")
	s.SetUser(ada)
	w := dialStream(t, s.URL())
	w.nextProfile(t)

	s.SendRaw([]byte(`{"name":"no id"}`))
	if f := w.next(t); f != `{"name":"no id"}` {
		t.Fatalf("raw frame = %q", f)
	}
	// After a raw frame the real state is sent again even if unchanged.
	s.SetUser(ada)
	if p := w.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("frame after raw = %s", p.ID)
	}

	s.DropStreams()
	err := w.ended(t)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("read after DropStreams = %v; want close 1001", err)
	}
	waitFor(t, "no streams", func() bool { return s.Streams() == 0 })

	// Reconnecting works and gets the state.
	w2 := dialStream(t, s.URL())
	if p := w2.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("after reconnect = %s", p.ID)
	}
}

func TestStreamPingAndStall(t *testing.T) {
	s := startSim(t, Config{})
	w := dialStream(t, s.URL())
	w.next(t)

	ping := func(data string) {
		t.Helper()
		if err := w.conn.WriteControl(websocket.PingMessage, []byte(data), time.Now().Add(waitLong)); err != nil {
			t.Fatalf("ping: %v", err)
		}
	}
	ping("one")
	select {
	case p := <-w.pongs:
		if p != "one" {
			t.Fatalf("pong = %q; want one", p)
		}
	case <-time.After(waitLong):
		t.Fatal("no pong")
	}

	s.Stall(true)
	s.Stall(true) // idempotent
	ping("two")
	ada := testProfile("ada@example.com")
	s.SetUser(ada)
	select {
	case p := <-w.pongs:
		t.Fatalf("pong %q while stalled", p)
	case f := <-w.frames:
		t.Fatalf("frame %q while stalled", f)
	case <-time.After(100 * time.Millisecond):
	}

	s.Stall(false)
	s.Stall(false)
	select {
	case p := <-w.pongs:
		if p != "two" {
			t.Fatalf("pong after stall = %q; want two", p)
		}
	case <-time.After(waitLong):
		t.Fatal("no pong after the stall ended")
	}
	if p := w.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("held frame = %s; want ada", p.ID)
	}
}

func TestStreamDropWhileStalled(t *testing.T) {
	s := startSim(t, Config{})
	w := dialStream(t, s.URL())
	w.next(t)
	s.Stall(true)
	t.Cleanup(func() { s.Stall(false) })
	s.DropStreams() // no close frame: the socket just closes
	err := w.ended(t)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure {
		t.Errorf("read after a drop while stalled = %v; want the connection cut (1006, no close frame)", err)
	}
	waitFor(t, "no streams", func() bool { return s.Streams() == 0 })
}

func TestStreamSlowClientIsDropped(t *testing.T) {
	s := startSim(t, Config{})
	w := dialStream(t, s.URL())
	w.next(t)
	s.Stall(true) // the writer holds its frames: the queue fills
	for i := 0; i <= sendQueue+1; i++ {
		s.SendRaw([]byte("x"))
	}
	waitFor(t, "the slow stream to be closed", func() bool { return s.Streams() == 0 })
	s.Stall(false)
	w.ended(t)
}

func TestStreamRestartSamePort(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	addr := s.Addr()
	ada := testProfile("ada@example.com")
	s.SetUser(ada)
	w := dialStream(t, s.URL())
	w.nextProfile(t)

	s.Stall(true) // a hung Pieces OS that gets restarted
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	w.ended(t)
	if s.Addr() != addr {
		t.Fatalf("Addr after Restart = %q; want %q", s.Addr(), addr)
	}
	w2 := dialStream(t, s.URL())
	if p := w2.nextProfile(t); p.ID != ada.ID {
		t.Fatalf("after restart the stream sends %s; want ada (state kept)", p.ID)
	}

	// Stop: nothing answers; Start on the same address serves again.
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	w2.ended(t)
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := c.Get(s.URL() + "/.well-known/health"); err == nil {
		t.Fatal("health answered while stopped")
	}
	if err := s.Start(addr); err != nil {
		t.Fatalf("Start again: %v", err)
	}
	if r := call(t, c, "GET", s.URL()+"/.well-known/health", ""); r.status != 200 {
		t.Fatalf("health after Start = %d", r.status)
	}
}

func TestStreamThroughHandler(t *testing.T) {
	s := New(Config{})
	ts := httptest.NewServer(s)
	w := dialStream(t, ts.URL)
	if f := w.next(t); f != "" {
		t.Fatalf("first frame = %q", f)
	}
	// Close ends the streams it serves through another server too.
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	w.ended(t)
	ts.Close()
	// After Close a new stream is refused.
	s2 := New(Config{})
	_ = s2.Close()
	ts2 := httptest.NewServer(s2)
	defer ts2.Close()
	d := websocket.Dialer{HandshakeTimeout: waitLong}
	conn, resp, err := d.Dial("ws"+ts2.URL[len("http"):]+"/user/stream", nil)
	if err == nil {
		resp.Body.Close()
		if _, _, err := conn.ReadMessage(); err == nil {
			t.Error("stream served after Close")
		}
		conn.Close()
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("stream after Close = %d", resp.StatusCode)
	}
}
