package doctor

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"piecestray/auth"
	"piecestray/auth/authtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s\nwant:\n%s", name, got, want)
	}
}

// stable replaces what changes from run to run (ports, temporary paths)
// with names.
func (w *world) stable(text string, more ...string) string {
	pairs := []string{
		w.pos.URL, "http://127.0.0.1:PIECES_OS",
		strings.TrimPrefix(w.idp.URL, "https://"), "127.0.0.1:AUTH0",
		portOfURLString(w.env.RedirectURLs[0]), "FIRST",
		portOfURLString(w.env.RedirectURLs[1]), "SECOND",
		shortPath(w.env.Discovery.PortFile), "PORT_FILE",
		"port " + strconv.Itoa(portOfURL(w.t, w.pos.URL)), "port PIECES_OS",
	}
	return strings.NewReplacer(append(pairs, more...)...).Replace(text)
}

// TestTextGolden pins the text of a report where every link works, and of
// one with two links broken on purpose: the keyring is locked and the port
// file names a port where nothing answers.
func TestTextGolden(t *testing.T) {
	w := newWorld(t)
	golden(t, "report_ok.txt", w.stable(w.run().Text()))

	dead := strconv.Itoa(closedPort(t))
	w.env.Discovery.PortFile = writePortFile(t, mustAtoi(t, dead))
	w.env.Discovery.Ports = []int{portOfURL(t, w.pos.URL)}
	w.store.SetErr(authtest.OpLoad, auth.ErrLocked)
	r := w.run()
	if r.Exit() != 1 {
		t.Errorf("Exit() = %d; want 1", r.Exit())
	}
	golden(t, "report_broken.txt", w.stable(r.Text(), "port "+dead, "port DEAD"))
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJSONKeys pins the keys of --json: version, exit and checks, and in
// each check id, status, title, found and fix.
func TestJSONKeys(t *testing.T) {
	w := newWorld(t)
	w.env.Desktop = &fakeDesktop{} // one failure: exit 1
	var buf bytes.Buffer
	code := Print(w.run(), true, &buf, &bytes.Buffer{})
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatalf("--json printed no JSON object: %v\n%s", err, buf.String())
	}
	if got := keys(top); !slices.Equal(got, []string{"checks", "exit", "version"}) {
		t.Errorf("keys = %v; want checks, exit, version", got)
	}
	var version string
	var exit int
	var checks []map[string]json.RawMessage
	if json.Unmarshal(top["version"], &version) != nil || version != testVersion ||
		json.Unmarshal(top["exit"], &exit) != nil || exit != 1 || code != 1 ||
		json.Unmarshal(top["checks"], &checks) != nil {
		t.Fatalf("version %s, exit %s (returned %d); want %q and 1", top["version"], top["exit"], code, testVersion)
	}
	var ids []string
	for _, c := range checks {
		if got := keys(c); !slices.Equal(got, []string{"fix", "found", "id", "status", "title"}) {
			t.Errorf("check keys = %v; want fix, found, id, status, title", got)
		}
		var id, status string
		json.Unmarshal(c["id"], &id)
		json.Unmarshal(c["status"], &status)
		if !slices.Contains([]string{"ok", "fail", "warn", "skip"}, status) {
			t.Errorf("check %s has status %q", id, status)
		}
		ids = append(ids, id)
	}
	if !slices.Equal(ids, allIDs) {
		t.Errorf("ids = %v;\nwant %v", ids, allIDs)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPrintText(t *testing.T) {
	r := Report{Version: "1", Checks: []Check{
		{ID: "a", Status: OK, Title: "Short", Found: "fine"},
		{ID: "b", Status: Fail, Title: "A longer title", Found: "broken", Fix: "Mend it"},
		{ID: "c", Status: Warn, Title: "W", Found: "odd", Fix: "Look"},
		{ID: "d", Status: Skip, Title: "S", Found: "not checked"},
	}}
	var out bytes.Buffer
	if code := Print(r, false, &out, &bytes.Buffer{}); code != 1 {
		t.Errorf("Print() = %d; want 1", code)
	}
	want := "✓ Short           fine\n" +
		"✗ A longer title  broken → Mend it\n" +
		"! W               odd → Look\n" +
		"– S               not checked\n" +
		"1 problem and 1 warning (Pieces Tray 1).\n"
	if out.String() != want {
		t.Errorf("Print() wrote\n%s\nwant\n%s", out.String(), want)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada@example.com", "a***@example.com"},
		{"Signed in as Ada.Lovelace+pieces@mail.example.co.uk today", "Signed in as A***@mail.example.co.uk today"},
		{"a***@example.com", "a***@example.com"}, // masked once
		{"x@y.z", "x***@y.z"},
		{"no address @ here", "no address @ here"},
		{"token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl end", "token [token] end"},
		{"http://localhost:3000/cb?code=abc123&state=xyz", "http://localhost:3000/cb?code=…&state=…"},
		{"refresh_token=rt-1 access_token=at-2", "refresh_token=… access_token=…"},
	}
	for _, tt := range tests {
		if got := scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestNothingSecretShown: text from outside that carries an address or a
// token reaches the report masked, and the stored refresh token never
// does.
func TestNothingSecretShown(t *testing.T) {
	w := newWorld(t)
	w.env.Desktop = &fakeDesktop{host: true, name: "notes for grace@example.com", version: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefgh"}
	r := w.run()
	var js bytes.Buffer
	Print(r, true, &js, &bytes.Buffer{})
	for _, out := range []string{r.Text(), js.String()} {
		for _, secret := range []string{"grace@", "ada@", "eyJ", "rt-secret-never-shown"} {
			if strings.Contains(out, secret) {
				t.Errorf("the report shows %q:\n%s", secret, out)
			}
		}
	}
	want(t, mustCheck(t, r, IDNotifications), OK, "notes for g***@example.com [token] answers", "")
}
