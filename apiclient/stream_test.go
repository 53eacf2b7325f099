package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestStreamURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://127.0.0.1:39300", "ws://127.0.0.1:39300/user/stream"},
		{"http://127.0.0.1:39300/", "ws://127.0.0.1:39300/user/stream"},
		{"https://pieces.example/os?x=1#f", "wss://pieces.example/os/user/stream"},
		{"http://[::1]:1000", "ws://[::1]:1000/user/stream"},
	}
	for _, tt := range tests {
		if got, err := streamURL(tt.base); err != nil || got != tt.want {
			t.Errorf("streamURL(%q) = %q, %v; want %q", tt.base, got, err, tt.want)
		}
	}
	for _, bad := range []string{"ftp://127.0.0.1", "127.0.0.1:39300", "http://%zz"} {
		if got, err := streamURL(bad); err == nil {
			t.Errorf("streamURL(%q) = %q; want an error", bad, got)
		}
	}
}

// wsServer serves /user/stream: it upgrades, then writes whatever frames
// the test sends on frames, and reports the close frame it receives.
type wsServer struct {
	srv    *httptest.Server
	frames chan wsFrame
	closed chan int // close code received from the client
}

type wsFrame struct {
	kind int
	data []byte
}

func newWSServer(t testing.TB) *wsServer {
	s := &wsServer{frames: make(chan wsFrame, 16), closed: make(chan int, 1)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/user/stream" {
			http.NotFound(w, r)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetCloseHandler(func(code int, _ string) error {
			s.closed <- code
			return nil
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if _, _, err := ws.NextReader(); err != nil {
					return
				}
			}
		}()
		for {
			select {
			case f := <-s.frames:
				if err := ws.WriteMessage(f.kind, f.data); err != nil {
					return
				}
			case <-done:
				return
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func testStreamOptions(t testing.TB) *FollowerConfig {
	return &FollowerConfig{WriteWait: time.Second, PongWait: 5 * time.Second, PingPeriod: time.Second,
		HandshakeTimeout: 5 * time.Second, MaxFrameSize: maxFrameSize, Logger: testLogger(nil, nil)}
}

func TestStreamConnRun(t *testing.T) {
	s := newWSServer(t)
	conn, err := dialStream(context.Background(), s.srv.URL, testStreamOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	ada := testProfile("u-1", "ada")
	s.frames <- wsFrame{websocket.TextMessage, profileFrame(ada)}
	s.frames <- wsFrame{websocket.BinaryMessage, profileFrame(ada)} // ignored
	s.frames <- wsFrame{websocket.TextMessage, []byte("{not json")} // ignored
	s.frames <- wsFrame{websocket.TextMessage, []byte(`{"id":"u-1"}`)}
	s.frames <- wsFrame{websocket.TextMessage, nil} // signed out

	ctx, cancel := context.WithCancel(context.Background())
	var got []*UserProfile
	var errs []error
	errc := make(chan error, 1)
	go func() {
		errc <- conn.run(ctx, func(p *UserProfile, err error) {
			got, errs = append(got, p), append(errs, err)
			if len(got) == 3 {
				cancel()
			}
		})
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("run after cancel = %v; want context.Canceled", err)
		}
	case <-time.After(waitLong):
		t.Fatal("run did not return after cancel")
	}
	if len(got) != 3 || !sameProfile(got[0], ada) || got[1] != nil || got[2] != nil {
		t.Errorf("handled %v; want [ada, nil, nil]", got)
	}
	if len(errs) != 3 || errs[0] != nil || !errors.Is(errs[1], ErrUnreadableProfile) || errs[2] != nil {
		t.Errorf("handled errors %v; want [nil, ErrUnreadableProfile, nil]", errs)
	}
	select {
	case code := <-s.closed:
		if code != websocket.CloseNormalClosure {
			t.Errorf("close code = %d; want %d", code, websocket.CloseNormalClosure)
		}
	case <-time.After(waitLong):
		t.Error("no close frame after cancel")
	}
}

func TestDialStreamFails(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	defer s.Close()
	_, err := dialStream(context.Background(), s.URL, testStreamOptions(t))
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("dialStream(no stream) = %v; want an error with HTTP 404", err)
	}
	s.Close()
	if _, err := dialStream(context.Background(), s.URL, testStreamOptions(t)); err == nil {
		t.Error("dialStream(closed server) succeeded")
	}
}

// benchProfile is a realistic signed-in profile of about 2 kB of JSON.
func benchProfile(name string) *UserProfile {
	ts := func(s string) *GroupedTimestamp {
		v, _ := time.Parse(time.RFC3339Nano, s)
		return &GroupedTimestamp{Value: v, Readable: "a while ago"}
	}
	schema := &EmbeddedModelSchema{Migration: 0, Semantic: "MAJOR_0_MINOR_0_PATCH_1"}
	id := "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"
	return &UserProfile{
		ID:         id,
		Aesthetics: &Aesthetics{Theme: &Theme{Dark: true}, Font: &Font{Size: 14}, Schema: schema},
		Allocation: &AllocationCloud{
			ID: id, Project: "pieces-cloud-prod", User: id, Region: "us-central1", Version: "12.3.0",
			Status: &AllocationCloudStatus{Cloud: AllocationRunning},
			URLs: &AllocationCloudURLs{
				Base:   &AllocationCloudURL{URL: "https://pieces.cloud", Status: AllocationRunning},
				ID:     &AllocationCloudURL{URL: "https://" + id + ".pieces.cloud", Status: AllocationRunning},
				Vanity: &AllocationCloudURL{URL: "https://" + name + ".pieces.cloud", Status: AllocationSucceeded},
			},
			Updated: ts("2025-03-14T09:26:53.589Z"),
			Schema:  schema,
		},
		Auth0: &Auth0UserMetadata{
			CloudKey:         "ck-81f2a9c3d4e5f60718293a4b",
			StripeCustomerID: "cus_Q1w2E3r4T5y6U7",
			GlobalID:         "gid-7d2e9a41",
			Allocation:       &Auth0UserAllocationMetadata{Project: "pieces-cloud-prod", Region: "us-central1"},
			Beta:             &AnonymousTemporalRange{From: ts("2025-01-01T12:00:00.5Z")},
			VanityName:       name,
			Schema:           schema,
		},
		Created: ts("2024-06-01T08:15:30.25Z"),
		Updated: ts("2025-03-14T09:26:53.589Z"),
		Email:   name + "@example.com",
		Name:    "Ada Lovelace",
		Picture: "https://lh3.googleusercontent.com/a/ACg8ocJx2f9Qm7bWd3KpLrT1vZ8yN4sH6uE0iO5aG2cF7jD9kX3mB1nV=s96-c-rg-br100",
		Providers: &ExternalProviders{Iterable: []ExternalProvider{{
			Type: "github", UserID: "1815", Connection: "github",
			Created: ts("2024-06-01T08:15:30.25Z"), Updated: ts("2025-03-14T09:26:53.589Z"),
		}, {
			Type: "google-oauth2", UserID: "109876543210987654321", Connection: "google-oauth2",
			Created: ts("2024-06-02T08:15:30.25Z"), Updated: ts("2025-03-14T09:26:53.589Z"),
		}}},
		Schema:     schema,
		Username:   name,
		VanityName: name,
	}
}

// BenchmarkStreamFrame measures one frame from a loopback WebSocket server
// to the handler, decoded and validated: the server writes a 2 kB profile,
// the connection's reader decodes it and calls the handler, and the handler
// asks for the next frame. Consecutive frames differ (two profiles
// alternate). allocs/op counts both ends of the connection.
func BenchmarkStreamFrame(b *testing.B) {
	frames := [2][]byte{profileFrame(benchProfile("ada")), profileFrame(benchProfile("bob"))}
	b.SetBytes(int64(len(frames[0])))
	next := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for i := 0; ; i++ {
			if _, ok := <-next; !ok {
				return
			}
			if err := ws.WriteMessage(websocket.TextMessage, frames[i%2]); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	conn, err := dialStream(context.Background(), srv.URL, testStreamOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	n := 0
	done := make(chan struct{})
	go func() {
		defer wg.Done()
		conn.run(ctx, func(p *UserProfile, err error) {
			if p == nil || p.ID == "" || err != nil {
				b.Error("handler called without a profile")
			}
			n++
			if n == b.N {
				close(done)
				return
			}
			next <- struct{}{}
		})
	}()
	b.ReportAllocs()
	b.ResetTimer()
	next <- struct{}{}
	<-done
	b.StopTimer()
	cancel()
	close(next)
	wg.Wait()
}

func TestBenchProfileSize(t *testing.T) {
	b, _ := json.Marshal(benchProfile("ada"))
	if len(b) < 1800 || len(b) > 2300 {
		t.Errorf("bench profile is %d bytes; want about 2 kB", len(b))
	}
	if _, err := DecodeFrame(b); err != nil {
		t.Errorf("bench profile does not decode: %v", err)
	}
}
