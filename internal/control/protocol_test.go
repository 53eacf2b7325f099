package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		line     string
		wantOp   string // when valid
		wantID   uint64
		wantCode string // when invalid
	}{
		{line: `{"v":1,"id":1,"op":"hello"}`, wantOp: opHello, wantID: 1},
		{line: `{"v":1,"id":2,"op":"watch","future":{"x":1}}`, wantOp: opWatch, wantID: 2},
		{line: `{"v":1,"id":3,"op":"call","action":"sign_in"}`, wantOp: opCall, wantID: 3},
		{line: `{"v":1,"id":4,"op":"call","action":"set_vanity","args":{"name":"ada"}}`, wantOp: opCall, wantID: 4},
		{line: `{"v":1,"id":5,"op":"register","window":"vanity"}`, wantOp: opRegister, wantID: 5},
		{line: `{"v":1,"id":6,"op":"cancel","ref":5}`, wantOp: opCancel, wantID: 6},
		{line: `{"v":2,"id":7,"op":"hello"}`, wantID: 7, wantCode: CodeUnsupportedVersion},
		{line: `{"v":0,"id":8,"op":"hello"}`, wantID: 8, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":9,"op":"HELLO"}`, wantID: 9, wantCode: CodeUnknownOp},
		{line: `{"v":1,"id":10,"op":"register","window":"` + strings.Repeat("w", 65) + `"}`, wantID: 10, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":11,"op":"register","window":"a\u0007"}`, wantID: 11, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":12,"op":"call","action":"x","args":}`, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":1e400,"op":"hello"}`, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":18446744073709551616,"op":"hello"}`, wantCode: CodeBadRequest},
		{line: ``, wantCode: CodeBadRequest},
		{line: `{}`, wantCode: CodeBadRequest},
		{line: `"hello"`, wantCode: CodeBadRequest},
		{line: `{"v":1,"id":13,"op":"hello"}` + strings.Repeat(" ", MaxRequestSize), wantCode: CodeTooLarge},
	}
	for _, tt := range tests {
		name := tt.line
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			m, rerr := decodeRequest([]byte(tt.line))
			if tt.wantCode == "" {
				if rerr != nil || m.Op != tt.wantOp || m.ID != tt.wantID {
					t.Errorf("decodeRequest(%q) = {op %q id %d}, %v; want {op %q id %d}, nil", tt.line, m.Op, m.ID, rerr, tt.wantOp, tt.wantID)
				}
				return
			}
			if rerr == nil || rerr.Code != tt.wantCode || m.ID != tt.wantID {
				t.Errorf("decodeRequest(%q) = id %d, %v; want id %d, code %q", tt.line, m.ID, rerr, tt.wantID, tt.wantCode)
			}
		})
	}
}

func TestEncodeIsOneLine(t *testing.T) {
	m := &message{ID: 3, Op: opResult, Result: json.RawMessage("{\n  \"a\": \"x\\ny\"\n}")}
	b, err := encode(m)
	if err != nil {
		t.Fatalf("encode() = %v", err)
	}
	if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
		t.Errorf("encode() = %q; want one line ending in a newline", b)
	}
	if !strings.Contains(string(b), `"v":1`) {
		t.Errorf("encode() = %q; want \"v\":1", b)
	}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 10000)
	tests := []struct {
		name, in string
		max      int
		want     string
		wantErr  error
	}{
		{"short", "abc\ndef\n", 100, "abc\n", nil},
		{"exactly max", "abc\n", 4, "abc\n", nil},
		{"over max", "abcd\n", 4, "", errLineTooLong},
		{"long, fits", long + "\n", 20000, long + "\n", nil},
		{"long, too long", long + "\n", 5000, "", errLineTooLong},
		{"no newline", "abc", 100, "", nil}, // an io error
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
			got, err := readLine(r, tt.max)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("readLine(%.20q, %d) = %.20q; want an error", tt.in, tt.max, got)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("readLine(%.20q, %d) error = %v; want %v", tt.in, tt.max, err, tt.wantErr)
			case tt.want != "" && string(got) != tt.want:
				t.Errorf("readLine(%.20q, %d) = %.20q, %v; want %.20q", tt.in, tt.max, got, err, tt.want)
			}
		})
	}
}

func TestDialChecksVersion(t *testing.T) {
	tests := []struct {
		name, reply string
		wantCode    string // "" = any non-remote error
	}{
		{"newer agent", `{"v":2,"id":1,"op":"hello"}`, CodeUnsupportedVersion},
		{"refusal", `{"v":1,"id":1,"op":"error","error":{"code":"unsupported_version","message":"too old"}}`, CodeUnsupportedVersion},
		{"wrong reply", `{"v":1,"id":1,"op":"state"}`, ""},
		{"garbage", `<html>`, ""},
		{"silence", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := socketPath(t)
			fakeAgent(t, path, tt.reply)
			ctx, cancel := context.WithTimeout(context.Background(), waitLong)
			defer cancel()
			c, err := Dial(ctx, path)
			if err == nil {
				c.Close()
				t.Fatalf("Dial(%s) = nil; want an error", tt.name)
			}
			var re *RemoteError
			if tt.wantCode != "" && (!errors.As(err, &re) || re.Code != tt.wantCode) {
				t.Errorf("Dial(%s) = %v; want code %q", tt.name, err, tt.wantCode)
			}
		})
	}
}

func TestDialHonoursContext(t *testing.T) {
	// Something that accepts but never answers: Dial returns when ctx ends.
	path := socketPath(t)
	s, err := Listen(path) // listening, not serving: the kernel accepts
	if err != nil {
		t.Fatal(err)
	}
	defer stopServer(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if c, err := Dial(ctx, path); err == nil {
		c.Close()
		t.Fatal("Dial to a silent socket = nil; want an error")
	} else if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("Dial to a silent socket = %v; want a deadline error", err)
	}
	if d := time.Since(start); d > waitLong/2 {
		t.Errorf("Dial took %v; want about 100ms", d)
	}
}

// FuzzDecode feeds arbitrary lines to the request decoder: it must never
// panic, and what it accepts must be a well-formed request.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"id":1,"op":"hello"}`,
		`{"v":1,"id":2,"op":"watch"}`,
		`{"v":1,"id":3,"op":"call","action":"set_vanity","args":{"name":"ada"}}`,
		`{"v":1,"id":4,"op":"register","window":"vanity"}`,
		`{"v":1,"id":5,"op":"cancel","ref":2}`,
		`{"v":2,"id":1,"op":"hello"}`,
		`{"v":1,"id":"1","op":7}`,
		`{"v":1,"id":1,"op":"call","action":"x","args":[1,{"a":null}]}`,
		`[]`, `null`, `{`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m, rerr := decodeRequest(line)
		if rerr != nil {
			if rerr.Code == "" || rerr.Message == "" {
				t.Fatalf("decodeRequest(%q) = error %+v; want a code and a message", line, rerr)
			}
			if _, err := encode(&message{ID: m.ID, Op: opError, Error: rerr}); err != nil {
				t.Fatalf("error reply to %q does not encode: %v", line, err)
			}
			return
		}
		if m.V != Version || m.ID == 0 {
			t.Fatalf("decodeRequest(%q) accepted v %d id %d", line, m.V, m.ID)
		}
		switch m.Op {
		case opHello, opWatch:
		case opCall:
			if m.Action == "" {
				t.Fatalf("decodeRequest(%q) accepted a call without action", line)
			}
		case opRegister:
			if validWindow(m.Window) != nil {
				t.Fatalf("decodeRequest(%q) accepted window %q", line, m.Window)
			}
		case opCancel:
			if m.Ref == 0 {
				t.Fatalf("decodeRequest(%q) accepted a cancel without ref", line)
			}
		default:
			t.Fatalf("decodeRequest(%q) accepted op %q", line, m.Op)
		}
		if len(m.Args) > 0 && !json.Valid(m.Args) {
			t.Fatalf("decodeRequest(%q) accepted invalid args %q", line, m.Args)
		}
	})
}
