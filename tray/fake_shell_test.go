package tray

import (
	"bytes"
	"fmt"
	"sync"

	"piecestray/assets"
)

// fakeShell records every systray call, in order, as text like
// "item 3 Disable" or "SetIcon signed_in".
type fakeShell struct {
	mu    sync.Mutex
	calls []string
	items []*fakeItem
}

func (f *fakeShell) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// take returns the calls recorded since the last take.
func (f *fakeShell) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func iconName(png []byte) string {
	for _, k := range assets.Kinds {
		for _, dark := range []bool{false, true} {
			if bytes.Equal(png, assets.Icon(k, dark)) {
				if dark {
					return string(k) + "/dark"
				}
				return string(k)
			}
		}
	}
	return fmt.Sprintf("unknown icon of %d bytes", len(png))
}

func (f *fakeShell) SetIcon(png []byte)        { f.record("SetIcon %s", iconName(png)) }
func (f *fakeShell) SetTooltip(tooltip string) { f.record("SetTooltip %q", tooltip) }
func (f *fakeShell) AddSeparator()             { f.record("AddSeparator") }

func (f *fakeShell) AddItem(label string, checkable, checked bool) (menuItem, <-chan struct{}) {
	f.mu.Lock()
	it := &fakeItem{sh: f, n: len(f.items), label: label, checked: checked, visible: true, enabled: true,
		clicked: make(chan struct{})}
	f.items = append(f.items, it)
	f.mu.Unlock()
	f.record("AddItem %d %q checkable=%v checked=%v", it.n, label, checkable, checked)
	return it, it.clicked
}

// item returns the n-th created item.
func (f *fakeShell) item(n int) *fakeItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[n]
}

type fakeItem struct {
	sh      *fakeShell
	n       int
	clicked chan struct{}

	mu                        sync.Mutex // guards the fields below
	label                     string
	enabled, visible, checked bool
}

func (i *fakeItem) set(f func()) {
	i.mu.Lock()
	defer i.mu.Unlock()
	f()
}

// Label returns the item's current label.
func (i *fakeItem) Label() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.label
}

// State returns the item's current label, enabled and visible flags.
func (i *fakeItem) State() (string, bool, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.label, i.enabled, i.visible
}

// Checked reports whether the item shows a check mark.
func (i *fakeItem) Checked() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.checked
}

func (i *fakeItem) SetTitle(t string) {
	i.set(func() { i.label = t })
	i.sh.record("item %d SetTitle %q", i.n, t)
}
func (i *fakeItem) Enable() { i.set(func() { i.enabled = true }); i.sh.record("item %d Enable", i.n) }
func (i *fakeItem) Disable() {
	i.set(func() { i.enabled = false })
	i.sh.record("item %d Disable", i.n)
}
func (i *fakeItem) Show()  { i.set(func() { i.visible = true }); i.sh.record("item %d Show", i.n) }
func (i *fakeItem) Hide()  { i.set(func() { i.visible = false }); i.sh.record("item %d Hide", i.n) }
func (i *fakeItem) Check() { i.set(func() { i.checked = true }); i.sh.record("item %d Check", i.n) }
func (i *fakeItem) Uncheck() {
	i.set(func() { i.checked = false })
	i.sh.record("item %d Uncheck", i.n)
}
