package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
)

// Titles of the Pieces OS checks.
const (
	titlePiecesOS = "Pieces OS"
	titlePortFile = "Port file"
	titleStream   = "User stream"
	titleAccount  = "Signed in"
	titleOSSignIn = "Pieces OS sign-in"
	titleClock    = "Clock"
)

// piecesOSFacts is what probePiecesOS learned; the checks are worded from it.
type piecesOSFacts struct {
	loc       apiclient.Location
	err       error  // Locate's
	elsewhere string // with an explicit URL that failed: where a scan found Pieces OS
	portFile  string // the port file read ("" when an explicit URL is set)

	version    string
	versionErr error

	user    *apiclient.UserProfile // nil: nobody signed in
	userErr error

	live       bool          // the stream went live
	streamErr  error         // the last failure before it did (or did not)
	streamWait time.Duration // how long it had

	date     time.Time // Pieces OS's Date header; zero when none
	localNow time.Time // this computer's clock when it arrived

	signInStatus int // HEAD /os/sign_in's status (sign-in mode pieces-os)
	signInErr    error
}

func (f piecesOSFacts) found() bool { return f.err == nil && f.loc.URL != "" }

// probePiecesOS finds Pieces OS and asks it what the checks need.
func probePiecesOS(ctx context.Context, env Env, mode app.SignInMode) piecesOSFacts {
	var f piecesOSFacts
	if env.Discovery.URL == "" {
		f.portFile = env.Discovery.PortFile
		if f.portFile == "" {
			f.portFile = apiclient.DefaultPortFile()
		}
	}
	hc := env.HTTPClient
	if hc == nil {
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2}
		defer tr.CloseIdleConnections()
		hc = &http.Client{Transport: tr}
	}
	lctx, cancel := context.WithTimeout(ctx, env.NetWait)
	f.loc, f.err = env.Discovery.Locate(lctx)
	cancel()
	if f.err != nil && env.Discovery.URL != "" && errors.Is(f.err, apiclient.ErrNotRunning) {
		// Pieces OS may run on another port than the one set.
		scan := env.Discovery
		scan.URL = ""
		sctx, cancel := context.WithTimeout(ctx, env.NetWait)
		if loc, err := scan.Locate(sctx); err == nil {
			f.elsewhere = loc.URL
		}
		cancel()
	}
	if !f.found() {
		return f
	}
	base := f.loc.URL
	c := apiclient.New(base, apiclient.WithHTTPClient(hc), apiclient.WithTimeout(env.NetWait))
	f.version, f.versionErr = c.Version(ctx)
	f.date, f.localNow = serverDate(ctx, hc, base, env)
	if ret, err := c.UserSnapshot(ctx); err != nil {
		f.userErr = err
	} else {
		f.user = ret.User
	}
	if mode == app.ModePiecesOS {
		f.signInStatus, f.signInErr = probeSignIn(ctx, hc, base, env.NetWait)
	}
	f.streamWait = env.StreamWait
	f.live, f.streamErr = followStream(ctx, base, env.StreamWait)
	return f
}

// serverDate asks Pieces OS for its health and returns its Date header with
// this computer's time when the answer came (zero times when there is none).
func serverDate(ctx context.Context, hc *http.Client, base string, env Env) (time.Time, time.Time) {
	ctx, cancel := context.WithTimeout(ctx, env.NetWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, base+"/.well-known/health", nil)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	resp.Body.Close()
	now := env.Now()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}, time.Time{}
	}
	return date, now
}

// probeSignIn asks whether Pieces OS has POST /os/sign_in without starting
// a sign-in: HEAD never runs the POST handler. 404 means it has none; 405
// (the path exists for another method), 200 or 204 that it has.
func probeSignIn(ctx context.Context, hc *http.Client, base string, wait time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, base+"/os/sign_in", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// followStream follows the user stream of base until it goes live, for at
// most wait, and returns whether it did and the last failure before.
func followStream(ctx context.Context, base string, wait time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	f := apiclient.NewFollower(apiclient.FollowerConfig{Discovery: apiclient.Discovery{URL: base}})
	live := false
	var last error
	// handle runs on Run's goroutine, and Run returns only after it ended.
	f.Run(ctx, func(u apiclient.StreamUpdate) {
		switch {
		case u.Status == apiclient.StreamLive:
			live = true
			cancel()
		case u.Err != nil:
			last = u.Err
		}
	})
	return live, last
}

// check is the Pieces OS line: found where and how, by whom it is run, its
// version and health.
func (f piecesOSFacts) check() Check {
	c := Check{ID: IDPiecesOS, Title: titlePiecesOS}
	var foreign *apiclient.ForeignListenerError
	var status *apiclient.StatusError
	switch {
	case f.found():
		c.Status = OK
		version := "version unknown"
		if f.versionErr == nil {
			version = "version " + app.Clean(f.version)
		}
		c.Found = fmt.Sprintf("%s at %s, %s", version, f.loc.URL, howWords(f.loc.How))
		if runtime.GOOS == "linux" {
			c.Found += ", run by you" // Discovery passes over other users' listeners
		}
		c.Found += ", healthy"
	case errors.As(f.err, &foreign):
		c.Status = Fail
		c.Found = fmt.Sprintf("port %d belongs to a program of another user (uid %d); Pieces Tray does not use it", foreign.Port, foreign.UID)
		c.Fix = "Start Pieces OS as yourself; if it runs, ask the other user to quit the program on that port"
	case errors.As(f.err, &status):
		c.Status = Fail
		c.Found = fmt.Sprintf("running, but its health check answered %d %s", status.StatusCode, http.StatusText(status.StatusCode))
		c.Fix = "Quit Pieces OS and start it again"
	case f.err != nil && f.elsewhere != "":
		c.Status = Fail
		c.Found = fmt.Sprintf("nothing answers at %s (--pieces-os-url or PIECES_OS_URL), but Pieces OS answers at %s", notRunningAt(f.err), f.elsewhere)
		c.Fix = fmt.Sprintf("Set PIECES_OS_URL (or --pieces-os-url) to %s, or unset it so that Pieces Tray finds Pieces OS by itself", f.elsewhere)
	case f.err != nil && errors.Is(f.err, apiclient.ErrNotRunning):
		c.Status = Fail
		c.Found = "not running" + strings.TrimPrefix(f.err.Error(), apiclient.ErrNotRunning.Error())
		c.Fix = "Start Pieces OS (or wait until it has started); if it listens elsewhere, set PIECES_OS_URL=http://127.0.0.1:PORT"
	default:
		c.Status = Fail
		c.Found = "could not be reached: " + because(f.err)
		c.Fix = "Quit Pieces OS and start it again"
	}
	return c
}

// notRunningAt is the address a *NotRunningError of an explicit URL names.
func notRunningAt(err error) string {
	var nr *apiclient.NotRunningError
	if errors.As(err, &nr) && len(nr.Tried) == 1 {
		return nr.Tried[0]
	}
	return "the address set"
}

// howWords says how Discovery found Pieces OS.
func howWords(how string) string {
	switch how {
	case apiclient.FoundBySetting:
		return "set by --pieces-os-url or PIECES_OS_URL"
	case apiclient.FoundByPortFile:
		return "named by its port file"
	case apiclient.FoundByScan:
		return "found by a port scan"
	case apiclient.FoundByLegacy:
		return "found on the legacy port " + strconv.Itoa(apiclient.LegacyPort)
	}
	return "found"
}

// portFileCheck is the port file line: whether the port it names answers.
func (f piecesOSFacts) portFileCheck(env Env) Check {
	c := Check{ID: IDPortFile, Title: titlePortFile}
	path := shortPath(f.portFile)
	switch {
	case f.portFile == "":
		return skipped(c.ID, c.Title, "not read: the Pieces OS URL is set")
	case f.loc.StalePort != 0:
		c.Status = Warn
		c.Found = fmt.Sprintf("%s names port %d, where nothing answers", path, f.loc.StalePort)
		c.Fix = "Pieces OS left it behind when it stopped: start (or restart) Pieces OS so that it writes its port again"
		if f.found() {
			c.Fix = "Pieces OS left it behind; restart Pieces OS so that it writes its port again (meanwhile Pieces Tray finds it by scanning)"
		}
	case f.loc.How == apiclient.FoundByPortFile:
		c.Status = OK
		c.Found = fmt.Sprintf("%s names port %s, where Pieces OS answers", path, portOf(f.loc.URL))
	default: // Locate found no port in it
		if _, err := os.Stat(f.portFile); err != nil {
			return skipped(c.ID, c.Title, "none at "+path)
		}
		c.Status = Warn
		c.Found = path + " names no port"
		c.Fix = "Quit Pieces OS and start it again so that it writes its port again"
	}
	return c
}

// portOf is the port of a base URL.
func portOf(base string) string {
	if i := strings.LastIndexByte(base, ':'); i >= 0 {
		return base[i+1:]
	}
	return base
}

// streamCheck is the user stream line.
func (f piecesOSFacts) streamCheck() Check {
	c := Check{ID: IDStream, Title: titleStream}
	switch {
	case !f.found():
		return skipped(c.ID, c.Title, "not checked: Pieces OS was not found")
	case f.live:
		c.Status = OK
		c.Found = "connects and goes live"
	default:
		c.Status = Fail
		c.Found = fmt.Sprintf("not live within %v", f.streamWait)
		if f.streamErr != nil {
			c.Found += ": " + because(f.streamErr)
		}
		c.Fix = "Quit Pieces OS and start it again; if it still refuses, a firewall or security program may block local WebSocket connections"
	}
	return c
}

// osSignInCheck is the line of Pieces OS's own sign-in, which sign-in mode
// pieces-os uses.
func (f piecesOSFacts) osSignInCheck(mode app.SignInMode) Check {
	c := Check{ID: IDOSSignIn, Title: titleOSSignIn}
	switch {
	case mode != app.ModePiecesOS:
		return skipped(c.ID, c.Title, "not used in sign-in mode auth0")
	case !f.found():
		return skipped(c.ID, c.Title, "not checked: Pieces OS was not found")
	case f.signInErr != nil:
		c.Status = Fail
		c.Found = "Pieces OS did not answer whether it has /os/sign_in: " + because(f.signInErr)
		c.Fix = "Quit Pieces OS and start it again"
	case f.signInStatus == http.StatusNotFound:
		c.Status = Fail
		c.Found = "this Pieces OS has no /os/sign_in"
		c.Fix = "Update Pieces OS, or use --sign-in auth0 (PIECES_TRAY_SIGN_IN=auth0)"
	case f.signInStatus == http.StatusMethodNotAllowed || f.signInStatus == http.StatusOK || f.signInStatus == http.StatusNoContent:
		c.Status = OK
		c.Found = "Pieces OS offers /os/sign_in"
	default:
		c.Status = Warn
		c.Found = fmt.Sprintf("Pieces OS answered %d to a look at /os/sign_in", f.signInStatus)
		c.Fix = "If signing in fails, update Pieces OS or use --sign-in auth0"
	}
	return c
}

// clockCheck compares this computer's clock with Pieces OS's Date header.
func (f piecesOSFacts) clockCheck(env Env) Check {
	c := Check{ID: IDClock, Title: titleClock}
	switch {
	case !f.found():
		return skipped(c.ID, c.Title, "not checked: Pieces OS was not found")
	case f.date.IsZero():
		return skipped(c.ID, c.Title, "not checked: Pieces OS sent no date")
	}
	skew := f.localNow.Sub(f.date)
	// Date has whole seconds: a second of difference is rounding.
	if skew.Abs() <= maxSkew {
		c.Status = OK
		c.Found = fmt.Sprintf("agrees with Pieces OS's (within %d s)", int(maxSkew/time.Second))
		return c
	}
	way := "ahead of"
	if skew < 0 {
		way = "behind"
	}
	c.Status = Warn
	c.Found = fmt.Sprintf("%s %s Pieces OS's", roughDuration(skew.Abs()), way)
	c.Fix = "Set the clocks to the network time (NTP) on this computer and where Pieces OS runs: sign-in tokens expire by the clock"
	return c
}

// roughDuration says d in whole minutes, or hours and minutes.
func roughDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
