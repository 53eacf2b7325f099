package desktoptest

import (
	"context"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	itemIface = "org.kde.StatusNotifierItem"
	menuIface = "com.canonical.dbusmenu"
)

// Item reads a registered StatusNotifierItem and its menu, as a panel does.
type Item struct {
	conn *dbus.Conn
	bus  string
	path dbus.ObjectPath
	menu dbus.ObjectPath
	sigs chan *dbus.Signal // LayoutUpdated and ItemsPropertiesUpdated of the menu
}

// Pixmap is one IconPixmap entry.
type Pixmap struct {
	W, H int32
	Pix  []byte // ARGB32, network byte order
}

// Tooltip is the ToolTip property.
type Tooltip struct {
	IconName    string
	Icons       []Pixmap
	Title, Text string
}

// ItemProps are the item's properties.
type ItemProps struct {
	ID, Title string
	Icons     []Pixmap
	Tooltip   Tooltip
	Menu      dbus.ObjectPath
}

// MenuEntry is one item of the menu (children of the root, in order).
type MenuEntry struct {
	ID         int32
	Label      string
	Enabled    bool
	Visible    bool
	Separator  bool
	ToggleType string // "checkmark", "radio" or ""
}

// OpenItem reads the item named by a registration over conn (a connection
// of the test's own; Connect gives one) and starts listening to its menu's
// signals. Close it when done.
func OpenItem(ctx context.Context, conn *dbus.Conn, reg Registration) (*Item, error) {
	it := &Item{conn: conn, bus: reg.Sender, path: reg.Path(), sigs: make(chan *dbus.Signal, 256)}
	p, err := it.Properties(ctx)
	if err != nil {
		return nil, err
	}
	it.menu = p.Menu
	if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(it.bus), dbus.WithMatchInterface(menuIface)); err != nil {
		return nil, fmt.Errorf("desktoptest: watch the menu: %w", err)
	}
	conn.Signal(it.sigs)
	return it, nil
}

// Close stops listening to the menu's signals.
func (it *Item) Close() {
	it.conn.RemoveSignal(it.sigs)
	it.conn.RemoveMatchSignal(dbus.WithMatchSender(it.bus), dbus.WithMatchInterface(menuIface)) //nolint:errcheck // best effort
}

// Properties reads every org.kde.StatusNotifierItem property.
func (it *Item) Properties(ctx context.Context) (ItemProps, error) {
	var all map[string]dbus.Variant
	err := it.conn.Object(it.bus, it.path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, itemIface).Store(&all)
	if err != nil {
		return ItemProps{}, fmt.Errorf("desktoptest: GetAll %s: %w", itemIface, err)
	}
	var p ItemProps
	for k, dst := range map[string]any{"Id": &p.ID, "Title": &p.Title, "Menu": &p.Menu, "IconPixmap": &p.Icons, "ToolTip": &p.Tooltip} {
		if v, ok := all[k]; ok {
			if err := v.Store(dst); err != nil {
				return p, fmt.Errorf("desktoptest: %s property: %w", k, err)
			}
		}
	}
	return p, nil
}

// Menu reads the whole menu with GetLayout(0, -1, []) and returns the
// entries under the root, in order.
func (it *Item) Menu(ctx context.Context) ([]MenuEntry, error) {
	var rev uint32
	var root layoutNode
	err := it.conn.Object(it.bus, it.menu).CallWithContext(ctx, menuIface+".GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&rev, &root)
	if err != nil {
		return nil, fmt.Errorf("desktoptest: GetLayout: %w", err)
	}
	var out []MenuEntry
	for _, c := range root.Children {
		var n layoutNode
		if err := c.Store(&n); err != nil {
			return nil, fmt.Errorf("desktoptest: a menu child: %w", err)
		}
		out = append(out, MenuEntry{
			ID:         n.ID,
			Label:      menuProp(n.Props, "label", ""),
			Enabled:    menuProp(n.Props, "enabled", true),
			Visible:    menuProp(n.Props, "visible", true),
			Separator:  menuProp(n.Props, "type", "") == "separator",
			ToggleType: menuProp(n.Props, "toggle-type", ""),
		})
	}
	return out, nil
}

// layoutNode is the (ia{sv}av) layout of dbusmenu.
type layoutNode struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// menuProp is the menu property k of type T in props, or def when it is not
// there (dbusmenu's defaults).
func menuProp[T any](props map[string]dbus.Variant, k string, def T) T {
	if v, ok := props[k].Value().(T); ok {
		return v
	}
	return def
}

// Visible returns the visible, non-separator entries.
func Visible(entries []MenuEntry) []MenuEntry {
	var out []MenuEntry
	for _, e := range entries {
		if e.Visible && !e.Separator {
			out = append(out, e)
		}
	}
	return out
}

// Labels returns the labels of the visible entries, disabled ones marked
// with " (off)".
func Labels(entries []MenuEntry) []string {
	var out []string
	for _, e := range Visible(entries) {
		l := e.Label
		if !e.Enabled {
			l += " (off)"
		}
		out = append(out, l)
	}
	return out
}

// WaitQuiet waits until the menu has sent no LayoutUpdated or
// ItemsPropertiesUpdated signal for quiet (about 150 ms is enough).
func (it *Item) WaitQuiet(ctx context.Context, quiet time.Duration) error {
	t := time.NewTimer(quiet)
	defer t.Stop()
	for {
		select {
		case <-it.sigs:
			t.Reset(quiet)
		case <-t.C:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("desktoptest: the menu never went quiet: %w", ctx.Err())
		}
	}
}

// WaitMenu polls the menu until ok accepts it, and returns it.
func (it *Item) WaitMenu(ctx context.Context, ok func([]MenuEntry) bool) ([]MenuEntry, error) {
	m, err := poll(ctx, it.Menu, ok)
	if err != nil {
		return m, fmt.Errorf("desktoptest: menu %q never became as expected: %w", Labels(m), err)
	}
	return m, nil
}

// WaitProperties polls the item's properties until ok accepts them, and
// returns them.
func (it *Item) WaitProperties(ctx context.Context, ok func(ItemProps) bool) (ItemProps, error) {
	p, err := poll(ctx, it.Properties, ok)
	if err != nil {
		return p, fmt.Errorf("desktoptest: item properties never became as expected (title %q, tooltip %q): %w",
			p.Title, p.Tooltip.Title, err)
	}
	return p, nil
}

// poll calls get every 20 ms until ok accepts what it returns, or ctx ends.
func poll[T any](ctx context.Context, get func(context.Context) (T, error), ok func(T) bool) (T, error) {
	for {
		v, err := get(ctx)
		if err == nil && ok(v) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// IsEnabled returns an ok function for WaitMenu: a visible entry shows
// label and is enabled.
func IsEnabled(label string) func([]MenuEntry) bool {
	return func(m []MenuEntry) bool {
		e, ok := find(m, label)
		return ok && e.Enabled
	}
}

// HasLabel returns an ok function for WaitMenu: some visible entry shows
// label.
func HasLabel(label string) func([]MenuEntry) bool {
	return func(m []MenuEntry) bool {
		_, ok := find(m, label)
		return ok
	}
}

// find returns the first visible entry labelled label.
func find(m []MenuEntry, label string) (MenuEntry, bool) {
	for _, e := range Visible(m) {
		if e.Label == label {
			return e, true
		}
	}
	return MenuEntry{}, false
}

// Click reads the menu and clicks the visible entry labelled label, as a
// panel does: Event(id, "clicked", "", timestamp). Read the menu after the
// last change went quiet: ids of a rebuilt menu change.
func (it *Item) Click(ctx context.Context, label string) error {
	m, err := it.Menu(ctx)
	if err != nil {
		return err
	}
	e, ok := find(m, label)
	if !ok {
		return fmt.Errorf("desktoptest: no visible menu entry %q in %q", label, Labels(m))
	}
	if !e.Enabled {
		return fmt.Errorf("desktoptest: %q is disabled", label)
	}
	err = it.conn.Object(it.bus, it.menu).CallWithContext(ctx, menuIface+".Event", 0,
		e.ID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
	if err != nil {
		return fmt.Errorf("desktoptest: click %q: %w", label, err)
	}
	return nil
}
