package agent

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func rssFileKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

func TestTrimStartupPagesReleasesExecutablePages(t *testing.T) {
	before := rssFileKB(t)
	if n := trimStartupPages(); n == 0 {
		t.Fatal("trimStartupPages trimmed no mapping of the test executable")
	}
	after := rssFileKB(t)
	t.Logf("file-backed RSS %d kB → %d kB", before, after)
	if after >= before {
		t.Errorf("file-backed RSS did not shrink: %d kB → %d kB", before, after)
	}
}
