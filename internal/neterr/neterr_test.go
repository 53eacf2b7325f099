package neterr

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// opError wraps errno as net reports a failed socket call.
func opError(op, call string, errno syscall.Errno) error {
	return fmt.Errorf("context: %w", &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(call, errno)})
}

func TestPredicates(t *testing.T) {
	preds := []struct {
		name string
		is   func(error) bool
	}{
		{"IsAddrInUse", IsAddrInUse},
		{"IsRefused", IsRefused},
		{"IsReset", IsReset},
		{"IsAFNotSupported", IsAFNotSupported},
	}
	tests := []struct {
		name string
		err  error
		want string // the one predicate that holds; "" none
	}{
		{"nil", nil, ""},
		{"other", errors.New("boom"), ""},
		{"EOF", io.EOF, ""},
		{"EADDRINUSE", opError("listen", "bind", syscall.EADDRINUSE), "IsAddrInUse"},
		{"WSAEADDRINUSE", opError("listen", "bind", 10048), "IsAddrInUse"},
		{"ECONNREFUSED", opError("dial", "connectex", syscall.ECONNREFUSED), "IsRefused"},
		{"WSAECONNREFUSED", opError("dial", "connectex", 10061), "IsRefused"},
		{"ECONNRESET", opError("read", "read", syscall.ECONNRESET), "IsReset"},
		{"WSAECONNRESET", opError("read", "wsarecv", 10054), "IsReset"},
		{"ECONNABORTED", opError("read", "read", syscall.ECONNABORTED), "IsReset"},
		{"WSAECONNABORTED", opError("read", "wsarecv", 10053), "IsReset"},
		{"EPIPE", opError("write", "write", syscall.EPIPE), "IsReset"},
		{"WSAESHUTDOWN", opError("write", "wsasend", 10058), "IsReset"},
		{"EAFNOSUPPORT", opError("listen", "socket", syscall.EAFNOSUPPORT), "IsAFNotSupported"},
		{"WSAEAFNOSUPPORT", opError("listen", "socket", 10047), "IsAFNotSupported"},
		{"joined", errors.Join(errors.New("first"), opError("listen", "bind", 10048)), "IsAddrInUse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range preds {
				if got, want := p.is(tt.err), p.name == tt.want; got != want {
					t.Errorf("%s(%v) = %v; want %v", p.name, tt.err, got, want)
				}
			}
		})
	}
}

// TestNetnameDeleted: error 64 is a reset on Windows only; on Linux it is
// ENONET, which is not.
func TestNetnameDeleted(t *testing.T) {
	err := opError("read", "wsarecv", 64)
	if got, want := IsReset(err), runtime.GOOS == "windows"; got != want {
		t.Errorf("IsReset(%v) on %s = %v; want %v", err, runtime.GOOS, got, want)
	}
}

// The tests below make the failure for real on this system.

func TestRealAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ln2, err := net.Listen("tcp", ln.Addr().String())
	if err == nil {
		ln2.Close()
		t.Fatalf("second Listen(%s) succeeded", ln.Addr())
	}
	if !IsAddrInUse(err) || IsReset(err) || IsRefused(err) {
		t.Errorf("IsAddrInUse(%v) = %v (IsReset %v, IsRefused %v); want only IsAddrInUse", err, IsAddrInUse(err), IsReset(err), IsRefused(err))
	}
}

func TestRealRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err == nil {
		c.Close()
		t.Skipf("something took %s meanwhile", addr)
	}
	if !IsRefused(err) {
		t.Errorf("IsRefused(%v) = false; want true", err)
	}
}

// TestRealReset: a write to a connection the peer has reset fails so. (A
// read would too on Linux, but under Wine only a read already waiting when
// the reset comes says so; a later one sees EOF.)
func TestRealReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			closed <- err
			return
		}
		_, err = io.ReadFull(c, make([]byte, 1)) // the connection is up
		c.(*net.TCPConn).SetLinger(0)            // close sends RST, not FIN
		c.Close()
		closed <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	_, err = c.Write([]byte("b"))
	if !IsReset(err) {
		t.Errorf("IsReset(%v) = false for a write after the peer reset; want true", err)
	}
}
