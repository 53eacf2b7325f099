package desktoptest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if built.dir != "" {
			os.RemoveAll(built.dir)
		}
		os.Exit(code)
	}))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeMenu is a minimal com.canonical.dbusmenu with two entries.
type fakeMenu struct {
	mu      sync.Mutex
	clicked []int32
}

func (m *fakeMenu) GetLayout(parent, depth int32, props []string) (uint32, layoutNode, *dbus.Error) {
	child := func(id int32, label string, enabled bool) dbus.Variant {
		return dbus.MakeVariant(layoutNode{ID: id, Props: map[string]dbus.Variant{
			"label": dbus.MakeVariant(label), "enabled": dbus.MakeVariant(enabled)}, Children: []dbus.Variant{}})
	}
	sep := dbus.MakeVariant(layoutNode{ID: 3, Props: map[string]dbus.Variant{"type": dbus.MakeVariant("separator")},
		Children: []dbus.Variant{}})
	hidden := dbus.MakeVariant(layoutNode{ID: 4, Props: map[string]dbus.Variant{"label": dbus.MakeVariant("Hidden"),
		"visible": dbus.MakeVariant(false)}, Children: []dbus.Variant{}})
	return 1, layoutNode{ID: 0, Props: map[string]dbus.Variant{}, Children: []dbus.Variant{
		child(1, "Header", false), sep, child(2, "Do it", true), hidden}}, nil
}

func (m *fakeMenu) Event(id int32, event string, data dbus.Variant, ts uint32) *dbus.Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if event == "clicked" {
		m.clicked = append(m.clicked, id)
	}
	return nil
}

// exportItem puts a minimal StatusNotifierItem on conn.
func exportItem(t *testing.T, conn *dbus.Conn) *fakeMenu {
	t.Helper()
	menu := &fakeMenu{}
	if err := conn.Export(menu, "/Menu", menuIface); err != nil {
		t.Fatal(err)
	}
	_, err := prop.Export(conn, "/StatusNotifierItem", map[string]map[string]*prop.Prop{itemIface: {
		"Id":         {Value: "test-item"},
		"Title":      {Value: "Test"},
		"Status":     {Value: "Active"},
		"Category":   {Value: "ApplicationStatus"},
		"IconPixmap": {Value: []Pixmap{{W: 1, H: 1, Pix: []byte{255, 1, 2, 3}}}},
		"ToolTip":    {Value: Tooltip{Title: "Tip", Icons: []Pixmap{}}},
		"Menu":       {Value: dbus.ObjectPath("/Menu")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return menu
}

func register(ctx context.Context, conn *dbus.Conn) error {
	return conn.Object(WatcherName, WatcherPath).CallWithContext(ctx,
		watcherIface+".RegisterStatusNotifierItem", 0, "/StatusNotifierItem").Err
}

func TestWatcherAndItem(t *testing.T) {
	Require(t)
	StartBus(t)
	ctx := testContext(t)
	w, err := StartWatcher()
	if err != nil {
		t.Fatalf("StartWatcher: %v", err)
	}
	defer w.Stop()
	if _, err := StartWatcher(); err == nil {
		t.Error("a second watcher started on the same bus; want an error")
	}

	app := Connect(t)
	menu := exportItem(t, app)
	if err := register(ctx, app); err != nil {
		t.Fatalf("register: %v", err)
	}
	regs, err := w.WaitRegistrations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if regs[0].Sender != app.Names()[0] || regs[0].Path() != "/StatusNotifierItem" {
		t.Errorf("registration = %+v; want sender %s and path /StatusNotifierItem", regs[0], app.Names()[0])
	}

	host := Connect(t)
	var items []string
	if err := host.Object(WatcherName, WatcherPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		watcherIface, "RegisteredStatusNotifierItems").Store(&items); err != nil {
		t.Fatalf("Get RegisteredStatusNotifierItems: %v", err)
	}
	if len(items) != 1 || !strings.HasPrefix(items[0], ":") {
		t.Errorf("RegisteredStatusNotifierItems = %q; want one item", items)
	}

	it, err := OpenItem(ctx, host, regs[0])
	if err != nil {
		t.Fatalf("OpenItem: %v", err)
	}
	defer it.Close()
	p, err := it.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "test-item" || p.Title != "Test" || p.Tooltip.Title != "Tip" || len(p.Icons) != 1 || len(p.Icons[0].Pix) != 4 {
		t.Errorf("Properties() = %+v", p)
	}
	m, err := it.Menu(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(Labels(m), "|"), "Header (off)|Do it"; got != want {
		t.Errorf("Labels(Menu()) = %q; want %q", got, want)
	}
	if err := it.Click(ctx, "Header"); err == nil {
		t.Error("Click on a disabled entry succeeded")
	}
	if err := it.Click(ctx, "Hidden"); err == nil {
		t.Error("Click on a hidden entry succeeded")
	}
	if err := it.Click(ctx, "Do it"); err != nil {
		t.Fatalf("Click: %v", err)
	}
	menu.mu.Lock()
	clicked := menu.clicked
	menu.mu.Unlock()
	if len(clicked) != 1 || clicked[0] != 2 {
		t.Errorf("clicked ids %v; want [2]", clicked)
	}
	if err := it.WaitQuiet(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := it.WaitMenu(ctx, HasLabel("Do it")); err != nil {
		t.Fatal(err)
	}

	// A restart loses the name for a moment and keeps the record.
	if err := w.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := register(ctx, app); err != nil {
		t.Fatalf("register after restart: %v", err)
	}
	if regs, err := w.WaitRegistrations(ctx, 2); err != nil || len(regs) != 2 {
		t.Fatalf("WaitRegistrations(2) = %v, %v", regs, err)
	}
}

func TestNotificationServer(t *testing.T) {
	Require(t)
	StartBus(t)
	ctx := testContext(t)
	s, err := StartNotificationServer()
	if err != nil {
		t.Fatalf("StartNotificationServer: %v", err)
	}
	defer s.Stop()
	conn := Connect(t)
	notify := func(replaces uint32, summary string) uint32 {
		var id uint32
		err := conn.Object(NotificationsName, notificationsPath).CallWithContext(ctx, NotificationsName+".Notify", 0,
			"app", replaces, "", summary, "body", []string{}, map[string]dbus.Variant{}, int32(5000)).Store(&id)
		if err != nil {
			t.Fatalf("Notify: %v", err)
		}
		return id
	}
	a := notify(0, "one")
	b := notify(a, "one again")
	c := notify(0, "two")
	if b != a || c == a {
		t.Errorf("ids %d, %d, %d; want the second to replace the first and the third new", a, b, c)
	}
	got, err := s.Wait(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].ReplacesID != a || got[1].Summary != "one again" || got[2].Timeout != 5000 || got[0].AppName != "app" {
		t.Errorf("recorded %+v", got)
	}
	var name, vendor, version, spec string
	if err := conn.Object(NotificationsName, notificationsPath).CallWithContext(ctx,
		NotificationsName+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil || name != "desktoptest" {
		t.Errorf("GetServerInformation = %q, %v", name, err)
	}
}
