package autostart

import (
	"testing"

	"golang.org/x/sys/windows/registry"
)

// The Run value is written, read back and removed in the real registry
// (Wine has one too).
func TestRunKey(t *testing.T) {
	const exe = `C:\Program Files\Pieces Tray\pieces-tray.exe`
	if err := Disable(Env{}); err != nil {
		t.Fatal(err)
	}
	if st, err := Get(Env{}); err != nil || st.Enabled {
		t.Fatalf("before: %+v, %v; want off", st, err)
	}
	if err := Enable(Env{}, exe); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Disable(Env{}) }) //nolint:errcheck // best effort
	k, err := registry.OpenKey(registry.CURRENT_USER, runPath, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := k.GetStringValue(runValue)
	k.Close()
	if err != nil || v != `"`+exe+`"` {
		t.Errorf("Run value = %q, %v; want the quoted path", v, err)
	}
	if st, err := Get(Env{}); err != nil || !st.Enabled || st.Command != exe {
		t.Errorf("after enable: %+v, %v; want on, starting %q", st, err, exe)
	}
	if err := Disable(Env{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := Get(Env{}); st.Enabled {
		t.Error("still on after Disable")
	}
}
