package ui

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/internal/doctor"
)

// fakeRunner hands out the reports the test sends, one per run.
type fakeRunner struct {
	runs    atomic.Int32
	started chan struct{} // gets a value as each run starts, when someone waits
	reports chan doctor.Report
}

func (f *fakeRunner) run(ctx context.Context) doctor.Report {
	f.runs.Add(1)
	select {
	case f.started <- struct{}{}:
	default:
	}
	select {
	case r := <-f.reports:
		return r
	case <-ctx.Done():
		return doctor.Report{Incomplete: true}
	}
}

// finish hands the running check its report and applies it.
func (f *fakeRunner) finish(h *harness, r doctor.Report) {
	h.t.Helper()
	select {
	case f.reports <- r:
	case <-time.After(10 * time.Second):
		h.t.Fatal("no run of the checks is waiting")
	}
	h.step()
}

func newDoctorForTest(t *testing.T) (*harness, *doctorView, *fakeRunner, fyne.App) {
	t.Helper()
	a := test.NewTempApp(t)
	h := newHarness(t)
	f := &fakeRunner{started: make(chan struct{}, 1), reports: make(chan doctor.Report)}
	w := newDoctor(a, f.run, h.opts())
	h.own(w.base)
	return h, w, f, a
}

// sampleReport has a line of every kind, as a real run words them.
func sampleReport() doctor.Report {
	return doctor.Report{Version: "0.4.0", Checks: []doctor.Check{
		{ID: doctor.IDPiecesOS, Status: doctor.OK, Title: "Pieces OS", Found: "version 12.3.0 at http://127.0.0.1:39301, found by a port scan, run by you, healthy"},
		{ID: doctor.IDPortFile, Status: doctor.Warn, Title: "Port file", Found: "~/Documents/com.pieces.os/production/Config/.port.txt names port 39300, where nothing answers",
			Fix: "Pieces OS left it behind; restart Pieces OS so that it writes its port again (meanwhile Pieces Tray finds it by scanning)"},
		{ID: doctor.IDAccount, Status: doctor.OK, Title: "Signed in", Found: "a***@example.com on Pieces OS; a session of a***@example.com is stored here, the same account"},
		{ID: doctor.IDOSSignIn, Status: doctor.Skip, Title: "Pieces OS sign-in", Found: "not used in sign-in mode auth0"},
		{ID: doctor.IDKeyring, Status: doctor.Fail, Title: "Keyring", Found: "Secret Service is locked",
			Fix: "Unlock your keyring (log in to the desktop again, or unlock it in Passwords and Keys / KWallet), then run this again"},
	}}
}

func TestDoctorRenders(t *testing.T) {
	h, w, f, _ := newDoctorForTest(t)
	if n := f.runs.Load(); n != 0 {
		t.Fatalf("the checks ran %d times before the window was shown; want 0", n)
	}
	w.Show()
	test.AssertRendersToMarkup(t, "doctor_checking.xml", w.win.Canvas())
	if !w.copy.Disabled() || !w.again.Disabled() {
		t.Error("Copy report or Run again is enabled before there is a report")
	}
	f.finish(h, sampleReport())
	test.AssertRendersToMarkup(t, "doctor_report.xml", w.win.Canvas())
	test.AssertRendersToImage(t, "doctor_report.png", w.win.Canvas())
	if got := shownWith(w.win.Canvas(), "problem"); len(got) != 1 || got[0] != "1 problem and 1 warning (Pieces Tray 0.4.0)." {
		t.Errorf("heading = %q; want the report's summary", got)
	}
}

func TestDoctorCopiesTheReport(t *testing.T) {
	h, w, f, a := newDoctorForTest(t)
	w.Show()
	r := sampleReport()
	f.finish(h, r)
	test.Tap(w.copy)
	if got := a.Clipboard().Content(); got != r.Text() {
		t.Errorf("clipboard = %q;\nwant the report's text %q", got, r.Text())
	}
	if !w.copied.Visible() {
		t.Error("the window does not say it copied")
	}
}

func TestDoctorRunsAgain(t *testing.T) {
	h, w, f, _ := newDoctorForTest(t)
	w.Show()
	f.finish(h, sampleReport())
	test.Tap(w.again)
	if !w.again.Disabled() || !w.progress.Visible() || w.heading.Text != checkingText {
		t.Error("Run again shows no run under way")
	}
	test.Tap(w.again) // ignored while running
	f.finish(h, doctor.Report{Version: "0.4.0", Checks: []doctor.Check{{ID: doctor.IDPiecesOS, Status: doctor.OK, Title: "Pieces OS", Found: "fine"}}})
	if n := f.runs.Load(); n != 2 {
		t.Errorf("the checks ran %d times; want 2", n)
	}
	if w.heading.Text != "All checks passed (Pieces Tray 0.4.0)." || len(w.rows.Objects) != 1 || w.again.Disabled() {
		t.Errorf("after the second run: heading %q, %d rows; want the new report", w.heading.Text, len(w.rows.Objects))
	}
}

// TestDoctorCloseStopsTheChecks: closing the window cancels the run under
// way (the harness then waits for its goroutine).
func TestDoctorCloseStopsTheChecks(t *testing.T) {
	_, w, f, _ := newDoctorForTest(t)
	w.Show()
	select {
	case <-f.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the checks did not start")
	}
	typeKey(w.win.Canvas(), fyne.KeyEscape)
	if !w.closed {
		t.Fatal("Escape did not close the window")
	}
	w.wait() // returns: the run saw its context end
}
