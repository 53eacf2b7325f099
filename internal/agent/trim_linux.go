package agent

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// madvPageout is MADV_PAGEOUT (Linux 5.4+): reclaim the given pages now.
const madvPageout = 21

// trimStartupPages gives back the pages of the agent's own executable that
// only start-up needed. The binary also holds the Fyne windows, and running
// every linked package's initialiser at exec touches most of its code and
// read-only data; the agent then idles on a small fraction of it. Like a
// Windows tray program calling EmptyWorkingSet after start-up, it asks the
// kernel to reclaim the executable's read-only mappings: pages still in use
// fault back in on demand. It reports how many mappings it trimmed.
func trimStartupPages() int {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := bytes.Fields(sc.Bytes())
		if len(f) < 6 || string(f[5]) != exe || bytes.IndexByte(f[1], 'w') >= 0 {
			continue
		}
		start, end, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			continue
		}
		lo, err1 := strconv.ParseUint(string(start), 16, 64)
		hi, err2 := strconv.ParseUint(string(end), 16, 64)
		if err1 != nil || err2 != nil || hi <= lo {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(lo), uintptr(hi-lo), madvPageout); errno == 0 {
			n++
		}
	}
	return n
}
