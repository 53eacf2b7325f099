package tray

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary stands in for the programs the tray starts (a browser, a
// window process), so that those tests run on every system, Windows under
// Wine included. Started with standInLog set to a file, it appends one line
// there: its arguments, then the value of each variable named in
// standInEnv, in brackets. Then it waits until the file named in
// standInRelease (when set) exists, for a minute at most, and exits.
const (
	standInLog     = "PIECES_TRAY_TEST_STANDIN"
	standInEnv     = "PIECES_TRAY_TEST_STANDIN_ENV"
	standInRelease = "PIECES_TRAY_TEST_RELEASE"
)

func TestMain(m *testing.M) {
	if log := os.Getenv(standInLog); log != "" {
		os.Exit(runStandIn(log))
	}
	goleak.VerifyTestMain(m)
}

func runStandIn(log string) int {
	line := strings.Join(os.Args[1:], " ")
	for _, name := range strings.Fields(os.Getenv(standInEnv)) {
		line += " [" + os.Getenv(name) + "]"
	}
	f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.WriteString(line + "\n") // one write: lines of processes running at once do not mix
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in:", err)
		return 1
	}
	if release := os.Getenv(standInRelease); release != "" {
		// Bounded: a test that failed before releasing leaves no process behind for long.
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(release); err == nil {
				return 0
			}
		}
		fmt.Fprintln(os.Stderr, "stand-in: never released")
		return 1
	}
	return 0
}

// standIn makes this test binary, started by the code under test for the
// rest of t, log to log (waiting for release to exist first, unless it is
// "") and log the variables env too. It returns the binary's path.
func standIn(t *testing.T, log, release string, env ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(standInLog, log)
	t.Setenv(standInRelease, release)
	t.Setenv(standInEnv, strings.Join(env, " "))
	return exe
}

// testLogger logs through t.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
