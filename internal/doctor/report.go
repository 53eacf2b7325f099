package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Status is the outcome of one check.
type Status string

// Values of Status.
const (
	OK   Status = "ok"   // the link works
	Fail Status = "fail" // the link is broken: Fix says what to do
	Warn Status = "warn" // it works, but something is off: Fix says what to do
	Skip Status = "skip" // not checked: not applicable, or an earlier link is broken
)

// Mark is how Text shows the status: ✓ ✗ ! or –.
func (s Status) Mark() string {
	return map[Status]string{OK: "✓", Fail: "✗", Warn: "!", Skip: "–"}[s]
}

// IDs of the checks, in the order Run reports them. They are stable: the
// --json output names checks by them.
const (
	IDPiecesOS      = "pieces_os"      // Pieces OS found, by whom it is run, its version and health
	IDPortFile      = "port_file"      // Pieces OS's port file names a port that answers
	IDStream        = "stream"         // the user stream goes live
	IDAccount       = "account"        // who is signed in, and whether the stored session agrees
	IDSignInMode    = "sign_in_mode"   // who runs the sign-in
	IDAuth0Domain   = "auth0_domain"   // the Auth0 domain resolves
	IDAuth0TLS      = "auth0_tls"      // it answers TLS with a trusted certificate
	IDAuth0Issuer   = "auth0_issuer"   // its OpenID configuration names the expected issuer
	IDRedirectPorts = "redirect_ports" // the sign-in's redirect ports are free
	IDOSSignIn      = "os_sign_in"     // Pieces OS offers /os/sign_in
	IDKeyring       = "keyring"        // the keyring answers, is unlocked, holds our item or not
	IDTrayHost      = "tray_host"      // a StatusNotifierWatcher is on the session bus
	IDNotifications = "notifications"  // a notification server answers
	IDIcons         = "icons"          // which icon colours the tray uses
	IDAgent         = "agent"          // the agent runs, the same version as this program
	IDClock         = "clock"          // this computer's clock agrees with Pieces OS's
)

// order is the checks in the order of the report, with their titles.
var order = []struct{ id, title string }{
	{IDPiecesOS, "Pieces OS"},
	{IDPortFile, "Port file"},
	{IDStream, "User stream"},
	{IDAccount, "Signed in"},
	{IDSignInMode, "Sign-in mode"},
	{IDAuth0Domain, "Auth0 domain"},
	{IDAuth0TLS, "Auth0 TLS"},
	{IDAuth0Issuer, "Auth0 issuer"},
	{IDRedirectPorts, "Redirect ports"},
	{IDOSSignIn, "Pieces OS sign-in"},
	{IDKeyring, "Keyring"},
	{IDTrayHost, "Tray host"},
	{IDNotifications, "Notifications"},
	{IDIcons, "Tray icons"},
	{IDAgent, "Agent"},
	{IDClock, "Clock"},
}

// Check is the outcome of one check: one line of the report.
type Check struct {
	ID     string `json:"id"`     // an ID* constant
	Status Status `json:"status"` // ok, fail, warn or skip
	Title  string `json:"title"`  // what was checked, like "Pieces OS"
	Found  string `json:"found"`  // what was found, in words
	Fix    string `json:"fix"`    // the one thing to do; "" when Status is ok or skip
}

// The outcomes the checks return; Run adds the ID and title.
func ok(found string) Check        { return Check{Status: OK, Found: found} }
func warn(found, fix string) Check { return Check{Status: Warn, Found: found, Fix: fix} }
func fail(found, fix string) Check { return Check{Status: Fail, Found: found, Fix: fix} }
func skip(why string) Check        { return Check{Status: Skip, Found: why} }

// Report is the outcome of Run.
type Report struct {
	Version string  // of this program
	Checks  []Check // in the order of the ID* constants
	// Incomplete is set when Run was stopped (its context ended) before
	// every check had run; Exit is then 2.
	Incomplete bool
}

// MarshalJSON writes the report as `pieces-tray doctor --json` prints it:
// {"version", "exit" (see Exit), "checks": [{"id", "status", "title",
// "found", "fix"}]}. The keys are stable: new ones may be added, none is
// renamed or removed.
func (r Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Version string  `json:"version"`
		Exit    int     `json:"exit"`
		Checks  []Check `json:"checks"`
	}{r.Version, r.Exit(), r.Checks})
}

// Exit is the exit code of `pieces-tray doctor`: 0 when no check failed
// (warnings allowed), 1 when one did, 2 when the checks could not all run.
func (r Report) Exit() int {
	if r.Incomplete {
		return 2
	}
	if fails, _ := r.count(); fails > 0 {
		return 1
	}
	return 0
}

func (r Report) count() (fails, warns int) {
	for _, c := range r.Checks {
		switch c.Status {
		case Fail:
			fails++
		case Warn:
			warns++
		}
	}
	return fails, warns
}

// Check returns the check with id, and whether the report has it.
func (r Report) Check(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Text is the report for a terminal or a clipboard: one line per check (its
// mark, title, what was found and, when it has one, the fix after an arrow)
// and a last line that counts the problems.
func (r Report) Text() string {
	width := 0
	for _, c := range r.Checks {
		width = max(width, utf8.RuneCountInString(c.Title))
	}
	var b strings.Builder
	for _, c := range r.Checks {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(c.Title))
		fmt.Fprintf(&b, "%s %s%s  %s", c.Status.Mark(), c.Title, pad, c.Found)
		if c.Fix != "" {
			b.WriteString(" → " + c.Fix)
		}
		b.WriteByte('\n')
	}
	b.WriteString(r.Summary() + "\n")
	return b.String()
}

// Summary says in one sentence how the checks went.
func (r Report) Summary() string {
	fails, warns := r.count()
	var s string
	switch {
	case fails == 0 && warns == 0:
		s = "All checks passed"
	case fails == 0:
		s = "No problems; " + count(warns, "warning")
	case warns == 0:
		s = count(fails, "problem")
	default:
		s = count(fails, "problem") + " and " + count(warns, "warning")
	}
	if r.Incomplete {
		s += "; stopped before every check had run"
	}
	return fmt.Sprintf("%s (Pieces Tray %s).", s, r.Version)
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// What the report never shows: a full email address (the local part is
// masked after its first character), a JSON Web Token, or the value of an
// OAuth parameter that carries a secret.
var (
	emailPattern = regexp.MustCompile(`([\p{L}\p{N}_%+-])[\p{L}\p{N}._%+-]*@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)`)
	jwtPattern   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	paramPattern = regexp.MustCompile(`(?i)\b((?:code|code_verifier|state|access_token|refresh_token|id_token|token)=)[^&\s"]+`)
)

// scrub masks what the report never shows (see emailPattern): an address
// becomes a***@example.com.
func scrub(s string) string {
	s = jwtPattern.ReplaceAllString(s, "[token]")
	s = paramPattern.ReplaceAllString(s, "${1}…")
	return emailPattern.ReplaceAllString(s, "${1}***@${2}")
}

// Print writes r to stdout as text, or as JSON when asJSON is set, and
// returns the exit code of `pieces-tray doctor` (r.Exit, or 2 when the
// report could not be written).
func Print(r Report, asJSON bool, stdout, stderr io.Writer) int {
	var err error
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		_, err = io.WriteString(stdout, r.Text())
	}
	if err != nil {
		fmt.Fprintln(stderr, "pieces-tray doctor:", err)
		return 2
	}
	return r.Exit()
}
