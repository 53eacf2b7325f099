package apiclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/internal/winetest"
)

// loadedProbeTimeout replaces the 250 ms default where a server must
// answer: tests share a loaded 2-core machine, where a probe can stall for
// longer than a real desktop would ever see. Refused ports still fail at once.
const loadedProbeTimeout = 5 * time.Second

// healthServer starts a server whose health endpoint answers status.
func healthServer(t testing.TB, status int) (*httptest.Server, int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, portOf(t, srv.URL)
}

func portOf(t testing.TB, raw string) int {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func baseOf(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

func TestDefaultPorts(t *testing.T) {
	ports := apiclient.DefaultPorts()
	if len(ports) != 34 || ports[0] != 39300 || ports[33] != 39333 {
		t.Errorf("DefaultPorts() = %v; want 39300..39333", ports)
	}
}

func TestFindInPortList(t *testing.T) {
	srv, port := healthServer(t, http.StatusOK)
	ports := freePorts(t, 33)
	ports = slices.Insert(ports, 17, port)
	d := apiclient.Discovery{Ports: ports, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	got, err := d.Find(context.Background())
	if err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want %q", got, err, srv.URL)
	}
}

func TestFindPrefersRangeOverLegacy(t *testing.T) {
	srv, port := healthServer(t, http.StatusOK)
	_, legacy := healthServer(t, http.StatusOK)
	d := apiclient.Discovery{Ports: append(freePorts(t, 3), port), LegacyPorts: []int{legacy}, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want the range port %q", got, err, srv.URL)
	}
}

func TestFindLegacyPort(t *testing.T) {
	srv, port := healthServer(t, http.StatusOK)
	d := apiclient.Discovery{Ports: freePorts(t, 34), LegacyPorts: []int{port}, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want the legacy port %q", got, err, srv.URL)
	}
}

func TestFindSkipsUnhealthy(t *testing.T) {
	_, bad := healthServer(t, http.StatusNotFound)
	_, starting := healthServer(t, http.StatusServiceUnavailable)
	srv, good := healthServer(t, http.StatusOK)
	d := apiclient.Discovery{Ports: []int{bad, starting, good}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want the healthy %q", got, err, srv.URL)
	}
}

func TestFindHeadNotAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	d := apiclient.Discovery{Ports: []int{portOf(t, srv.URL)}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want %q found with GET", got, err, srv.URL)
	}
}

// TestFindDoesNotWaitForHungPorts: a port that accepts but never answers
// does not delay the winner, and its probe ends when the winner is found.
func TestFindDoesNotWaitForHungPorts(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release)
	srv, good := healthServer(t, http.StatusOK)
	d := apiclient.Discovery{
		Ports:        []int{portOf(t, hung.URL), good},
		LegacyPorts:  []int{},
		ProbeTimeout: time.Minute, // a wait for the hung probe would hang the test
	}
	start := time.Now()
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL {
		t.Errorf("Find() = %q, %v; want %q", got, err, srv.URL)
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Errorf("Find() took %v: it waited for the hung probe instead of cancelling it", waited)
	}
}

func TestFindNotRunning(t *testing.T) {
	ports := freePorts(t, 35)
	d := apiclient.Discovery{Ports: ports[:34], LegacyPorts: ports[34:]}
	got, err := d.Find(context.Background())
	var nr *apiclient.NotRunningError
	if got != "" || !errors.As(err, &nr) || !errors.Is(err, apiclient.ErrNotRunning) {
		t.Fatalf("Find() = %q, %v; want *NotRunningError", got, err)
	}
	want := make([]string, 0, 35)
	for _, p := range ports {
		want = append(want, baseOf(p))
	}
	if !slices.Equal(nr.Tried, want) {
		t.Errorf("Tried = %v; want %v", nr.Tried, want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "Pieces OS is not running (tried 127.0.0.1:") ||
		!strings.Contains(msg, fmt.Sprintf("127.0.0.1:%d)", ports[34])) {
		t.Errorf("message = %q; want it to list what was tried", msg)
	}
}

func TestFindRangeMessage(t *testing.T) {
	// The message of the real defaults, without probing them.
	var tried []string
	for _, p := range apiclient.DefaultPorts() {
		tried = append(tried, baseOf(p))
	}
	tried = append(tried, baseOf(apiclient.LegacyPort))
	err := &apiclient.NotRunningError{Tried: tried}
	if want := "Pieces OS is not running (tried 127.0.0.1:39300–39333 and 127.0.0.1:1000)"; err.Error() != want {
		t.Errorf("message = %q; want %q", err, want)
	}
}

func TestFindExplicitURL(t *testing.T) {
	srv, _ := healthServer(t, http.StatusOK)
	other, otherPort := healthServer(t, http.StatusOK)
	closed := baseOf(freePorts(t, 1)[0])
	tests := []struct {
		name    string
		url     string
		want    string
		tried   string // "" = success
		message string
	}{
		{"answers", srv.URL, srv.URL, "", ""},
		{"trailing slash", srv.URL + "/", srv.URL, "", ""},
		{"wins over the port list", srv.URL, srv.URL, "", ""},
		{"not answering", closed, "", closed, "Pieces OS is not running at " + closed},
		{"not http", "ftp://127.0.0.1:21", "", "ftp://127.0.0.1:21", "Pieces OS is not running at ftp://127.0.0.1:21"},
		{"unhealthy", other.URL + "/nope", "", other.URL + "/nope", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := apiclient.Discovery{URL: tt.url, Ports: []int{otherPort}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
			got, err := d.Find(context.Background())
			if tt.tried == "" {
				if err != nil || got != tt.want {
					t.Errorf("Find(URL %q) = %q, %v; want %q", tt.url, got, err, tt.want)
				}
				return
			}
			var nr *apiclient.NotRunningError
			if got != "" || !errors.As(err, &nr) || !slices.Equal(nr.Tried, []string{tt.tried}) {
				t.Fatalf("Find(URL %q) = %q, %v; want *NotRunningError tried [%s]", tt.url, got, err, tt.tried)
			}
			if tt.message != "" && err.Error() != tt.message {
				t.Errorf("message = %q; want %q", err, tt.message)
			}
		})
	}
}

func TestFindCancelled(t *testing.T) {
	_, port := healthServer(t, http.StatusOK)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := apiclient.Discovery{Ports: []int{port}, LegacyPorts: freePorts(t, 1)}
	got, err := d.Find(ctx)
	if got != "" || !errors.Is(err, apiclient.ErrNotRunning) || !errors.Is(err, context.Canceled) {
		t.Errorf("Find(cancelled) = %q, %v; want ErrNotRunning and context.Canceled", got, err)
	}
}

func TestFindCustomClientAndHost(t *testing.T) {
	srv, port := healthServer(t, http.StatusOK)
	used := false
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	d := apiclient.Discovery{Host: "127.0.0.1", Ports: []int{port}, LegacyPorts: []int{}, HTTPClient: hc, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(context.Background()); err != nil || got != srv.URL || !used {
		t.Errorf("Find() = %q, %v (client used: %v); want %q through the given client", got, err, used, srv.URL)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkDiscoverFound: Pieces OS answers on one of 34 probed ports, the
// other 33 refuse. Target: ≤ 20 ms per Find.
func BenchmarkDiscoverFound(b *testing.B) {
	srv, port := healthServer(b, http.StatusOK)
	ports := slices.Insert(freePorts(b, 33), 20, port)
	d := apiclient.Discovery{Ports: ports, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if got, err := d.Find(ctx); err != nil || got != srv.URL {
			b.Fatalf("Find() = %q, %v", got, err)
		}
	}
}

// BenchmarkDiscoverNotRunning: nothing answers on 34 ports nor on the
// legacy port. Target: ≤ 100 ms per Find.
func BenchmarkDiscoverNotRunning(b *testing.B) {
	ports := freePorts(b, 35)
	d := apiclient.Discovery{Ports: ports[:34], LegacyPorts: ports[34:]}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Find(ctx); !errors.Is(err, apiclient.ErrNotRunning) {
			b.Fatalf("Find() = %v; want ErrNotRunning", err)
		}
	}
}

// Pieces OS's port file is read first; one that names a port nothing
// answers on is reported; scanning follows.
func TestLocatePortFile(t *testing.T) {
	srv, port := healthServer(t, http.StatusOK)
	stale := freePorts(t, 1)[0]
	write := func(content string) string {
		path := filepath.Join(winetest.TempDir(t), ".port.txt")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name      string
		portFile  string
		ports     []int
		how       string
		stalePort int
	}{
		{"found", write(fmt.Sprintf("%d\n", port)), []int{}, apiclient.FoundByPortFile, 0},
		{"stale, then scan", write(strconv.Itoa(stale)), []int{port}, apiclient.FoundByScan, stale},
		{"missing", filepath.Join(winetest.TempDir(t), "absent"), []int{port}, apiclient.FoundByScan, 0},
		{"not a port", write("hello"), []int{port}, apiclient.FoundByScan, 0},
		{"none asked", "-", []int{port}, apiclient.FoundByScan, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := apiclient.Discovery{PortFile: tt.portFile, Ports: tt.ports, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
			loc, err := d.Locate(context.Background())
			if err != nil || loc.URL != srv.URL || loc.How != tt.how || loc.StalePort != tt.stalePort {
				t.Errorf("Locate() = %+v, %v; want %s by %q, stale port %d", loc, err, srv.URL, tt.how, tt.stalePort)
			}
		})
	}
	if !strings.HasSuffix(apiclient.DefaultPortFile(), filepath.Join("com.pieces.os", "production", "Config", ".port.txt")) {
		t.Errorf("DefaultPortFile() = %q", apiclient.DefaultPortFile())
	}
}

// A Pieces OS that answers its health check with a 5xx runs: the error says
// so, and is not "not running".
func TestLocateUnwellPiecesOS(t *testing.T) {
	_, port := healthServer(t, http.StatusInternalServerError)
	refused := freePorts(t, 1)[0]
	d := apiclient.Discovery{PortFile: "-", Ports: []int{refused, port}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	_, err := d.Locate(context.Background())
	if err == nil || errors.Is(err, apiclient.ErrNotRunning) || !strings.Contains(err.Error(), "running but answered an error") || !strings.Contains(err.Error(), "500") {
		t.Errorf("Locate() error = %v; want Pieces OS running but answering 500", err)
	}
}

// A loopback port whose listener belongs to another user is never used:
// it would get the access token on the next restore.
func TestLocateSkipsAnotherUsersListener(t *testing.T) {
	port, uid := otherUsersListener(t, 0)
	if uid < 0 {
		t.Fatal("the other user's listener did not start")
	}
	// It answers health checks like Pieces OS, to anyone who asks.
	if resp, err := http.Head(baseOf(port) + "/.well-known/health"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the other user's listener does not answer: %v", err)
	}
	for name, d := range map[string]apiclient.Discovery{
		"scan":      {PortFile: "-", Ports: []int{port}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout},
		"port file": {PortFile: writePortFile(t, port), Ports: []int{}, LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout},
		"setting":   {URL: baseOf(port), ProbeTimeout: loadedProbeTimeout},
	} {
		_, err := d.Locate(context.Background())
		var fl *apiclient.ForeignListenerError
		if !errors.Is(err, apiclient.ErrNotRunning) || !errors.As(err, &fl) || fl.UID != uid ||
			!strings.Contains(err.Error(), fmt.Sprintf("something else is listening on port %d", port)) {
			t.Errorf("%s: Locate() error = %v; want not running, something else on port %d", name, err, port)
		}
	}
}

func writePortFile(t *testing.T, port int) string {
	t.Helper()
	path := filepath.Join(winetest.TempDir(t), ".port.txt")
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
