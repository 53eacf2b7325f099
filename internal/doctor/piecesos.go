package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
)

// Words shared by several checks.
const (
	notFound   = "not checked: Pieces OS was not found"
	restartPOS = "Quit Pieces OS and start it again"
)

// piecesOSFacts is what probePiecesOS learned; the checks are worded from it.
type piecesOSFacts struct {
	loc       apiclient.Location
	err       error  // Locate's
	setURL    string // with an explicit URL where nothing answers: that URL,
	elsewhere string // and where a scan found Pieces OS instead
	portFile  string // the port file read ("" when an explicit URL is set)

	version        string
	versionErr     error
	user           *apiclient.UserProfile // nil: nobody signed in
	userErr        error
	live           bool      // the stream went live
	streamErr      error     // the last failure before it did (or did not)
	date, localNow time.Time // Pieces OS's Date header (zero when none), and this computer's clock then
	signInStatus   int       // HEAD /os/sign_in's status (sign-in mode pieces-os)
	signInErr      error
}

func (f piecesOSFacts) found() bool { return f.err == nil && f.loc.URL != "" }

// probePiecesOS finds Pieces OS and asks it what the checks need.
func probePiecesOS(ctx context.Context, env Env, mode app.SignInMode) piecesOSFacts {
	var f piecesOSFacts
	if env.Discovery.URL == "" {
		f.portFile = cmp.Or(env.Discovery.PortFile, apiclient.DefaultPortFile())
	}
	lctx, cancel := context.WithTimeout(ctx, netWait)
	f.loc, f.err = env.Discovery.Locate(lctx)
	cancel()
	var nr *apiclient.NotRunningError
	if env.Discovery.URL != "" && errors.As(f.err, &nr) {
		// Pieces OS may run on another port than the one set.
		scan := env.Discovery
		scan.URL = ""
		sctx, cancel := context.WithTimeout(ctx, netWait)
		if loc, err := scan.Locate(sctx); err == nil {
			f.setURL, f.elsewhere = strings.Join(nr.Tried, ", "), loc.URL
		}
		cancel()
	}
	if !f.found() {
		return f
	}
	base := f.loc.URL
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: netWait}
	c := apiclient.New(base, apiclient.WithHTTPClient(hc), apiclient.WithTimeout(netWait))
	f.version, f.versionErr = c.Version(ctx)
	if resp, err := head(ctx, hc, base+"/.well-known/health"); err == nil {
		f.localNow = time.Now()
		f.date, _ = http.ParseTime(resp.Header.Get("Date"))
	}
	if ret, err := c.UserSnapshot(ctx); err != nil {
		f.userErr = err
	} else {
		f.user = ret.User
	}
	if mode == app.ModePiecesOS {
		// HEAD never runs the POST handler: it starts no sign-in.
		if resp, err := head(ctx, hc, base+"/os/sign_in"); err != nil {
			f.signInErr = err
		} else {
			f.signInStatus = resp.StatusCode
		}
	}
	f.live, f.streamErr = followStream(ctx, base, env.StreamWait)
	return f
}

// head asks for url with HEAD and returns the answer, its body closed.
func head(ctx context.Context, hc *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
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

// howWords says how Discovery found Pieces OS.
var howWords = map[string]string{
	apiclient.FoundBySetting:  "set by --pieces-os-url or PIECES_OS_URL",
	apiclient.FoundByPortFile: "named by its port file",
	apiclient.FoundByScan:     "found by a port scan",
	apiclient.FoundByLegacy:   "found on the legacy port " + strconv.Itoa(apiclient.LegacyPort),
}

// check is the Pieces OS line: found where and how, by whom it is run, its
// version and health.
func (f piecesOSFacts) check() Check {
	var foreign *apiclient.ForeignListenerError
	var status *apiclient.StatusError
	switch {
	case f.found():
		version := "version unknown"
		if f.versionErr == nil {
			version = "version " + app.Clean(f.version)
		}
		by := ""
		if runtime.GOOS == "linux" {
			by = ", run by you" // Discovery passes over other users' listeners
		}
		return ok(fmt.Sprintf("%s at %s, %s%s, healthy", version, f.loc.URL, howWords[f.loc.How], by))
	case errors.As(f.err, &foreign):
		return fail(fmt.Sprintf("port %d belongs to a program of another user (uid %d); Pieces Tray does not use it", foreign.Port, foreign.UID),
			"Start Pieces OS as yourself; if it runs, ask the other user to quit the program on that port")
	case errors.As(f.err, &status):
		return fail(fmt.Sprintf("running, but its health check answered %d %s", status.StatusCode, http.StatusText(status.StatusCode)), restartPOS)
	case f.elsewhere != "":
		return fail(fmt.Sprintf("nothing answers at %s (--pieces-os-url or PIECES_OS_URL), but Pieces OS answers at %s", f.setURL, f.elsewhere),
			fmt.Sprintf("Set PIECES_OS_URL (or --pieces-os-url) to %s, or unset it so that Pieces Tray finds Pieces OS by itself", f.elsewhere))
	case errors.Is(f.err, apiclient.ErrNotRunning):
		return fail("not running"+strings.TrimPrefix(f.err.Error(), apiclient.ErrNotRunning.Error()),
			"Start Pieces OS (or wait until it has started); if it listens elsewhere, set PIECES_OS_URL=http://127.0.0.1:PORT")
	}
	return fail("could not be reached: "+because(f.err), restartPOS)
}

// portFileCheck is the port file line: whether the port it names answers.
func (f piecesOSFacts) portFileCheck() Check {
	path := shortPath(f.portFile)
	switch {
	case f.portFile == "":
		return skip("not read: the Pieces OS URL is set")
	case f.loc.StalePort != 0:
		fix := "Pieces OS left it behind when it stopped: start (or restart) Pieces OS so that it writes its port again"
		if f.found() {
			fix = "Pieces OS left it behind; restart Pieces OS so that it writes its port again (meanwhile Pieces Tray finds it by scanning)"
		}
		return warn(fmt.Sprintf("%s names port %d, where nothing answers", path, f.loc.StalePort), fix)
	case f.loc.How == apiclient.FoundByPortFile:
		u, _ := url.Parse(f.loc.URL)
		return ok(fmt.Sprintf("%s names port %s, where Pieces OS answers", path, u.Port()))
	}
	// Locate found no port in it.
	if _, err := os.Stat(f.portFile); err != nil {
		return skip("none at " + path)
	}
	return warn(path+" names no port", "Quit Pieces OS and start it again so that it writes its port again")
}

// streamCheck is the user stream line.
func (f piecesOSFacts) streamCheck(env Env) Check {
	switch {
	case !f.found():
		return skip(notFound)
	case f.live:
		return ok("connects and goes live")
	}
	found := fmt.Sprintf("not live within %v", env.StreamWait)
	if f.streamErr != nil {
		found += ": " + because(f.streamErr)
	}
	return fail(found, "Quit Pieces OS and start it again; if it still refuses, a firewall or security program may block local WebSocket connections")
}

// osSignInCheck is the line of Pieces OS's own sign-in, which sign-in mode
// pieces-os uses. 404 means Pieces OS has none; 405 (the path exists for
// another method), 200 or 204 that it has.
func (f piecesOSFacts) osSignInCheck(mode app.SignInMode) Check {
	switch s := f.signInStatus; {
	case mode != app.ModePiecesOS:
		return skip("not used in sign-in mode auth0")
	case !f.found():
		return skip(notFound)
	case f.signInErr != nil:
		return fail("Pieces OS did not answer whether it has /os/sign_in: "+because(f.signInErr), restartPOS)
	case s == http.StatusNotFound:
		return fail("this Pieces OS has no /os/sign_in", "Update Pieces OS, or use --sign-in auth0 (PIECES_TRAY_SIGN_IN=auth0)")
	case s == http.StatusMethodNotAllowed || s == http.StatusOK || s == http.StatusNoContent:
		return ok("Pieces OS offers /os/sign_in")
	}
	return warn(fmt.Sprintf("Pieces OS answered %d to a look at /os/sign_in", f.signInStatus), "If signing in fails, update Pieces OS or use --sign-in auth0")
}

// clockCheck compares this computer's clock with Pieces OS's Date header.
func (f piecesOSFacts) clockCheck() Check {
	skew := f.localNow.Sub(f.date)
	switch {
	case !f.found():
		return skip(notFound)
	case f.date.IsZero():
		return skip("not checked: Pieces OS sent no date")
	case skew.Abs() <= maxSkew: // Date has whole seconds: a second of difference is rounding
		return ok(fmt.Sprintf("agrees with Pieces OS's (within %d s)", int(maxSkew/time.Second)))
	}
	way := "ahead of"
	if skew < 0 {
		way = "behind"
	}
	return warn(fmt.Sprintf("%s %s Pieces OS's", roughDuration(skew.Abs()), way),
		"Set the clocks to the network time (NTP) on this computer and where Pieces OS runs: sign-in tokens expire by the clock")
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
