package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const minimalFrame = `{"id":"u-1","aesthetics":{"theme":{"dark":false},"font":{"size":12}}}`

func TestDecodeFrameSignedOut(t *testing.T) {
	for _, frame := range []string{"", " ", "\n", " \t\r\n ", "null", " null\n"} {
		p, err := DecodeFrame([]byte(frame))
		if p != nil || err != nil {
			t.Errorf("DecodeFrame(%q) = %v, %v; want nil, nil (signed out)", frame, p, err)
		}
	}
}

func TestDecodeFrameProfiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/profile_*.json")
	if len(files) == 0 {
		t.Fatal("no testdata/profile_*.json")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := DecodeFrame(b)
			if err != nil || p == nil {
				t.Fatalf("DecodeFrame(%s) = %v, %v; want a profile", name, p, err)
			}
			want, err := DecodeProfile(b)
			if err != nil {
				t.Fatal(err)
			}
			if !sameProfile(p, want) {
				t.Errorf("DecodeFrame(%s) = %+v; want %+v (as DecodeProfile)", name, p, want)
			}
		})
	}
	p, err := DecodeFrame([]byte("\n " + minimalFrame + " \n"))
	if err != nil || p == nil || p.ID != "u-1" {
		t.Errorf("DecodeFrame(minimal with whitespace) = %+v, %v; want id u-1", p, err)
	}
}

func TestDecodeFrameInvalid(t *testing.T) {
	tests := []struct {
		name, frame, reason string
	}{
		{"truncated", `{"id":"secret-value"`, "not valid JSON"},
		{"text", `signed out`, "not valid JSON"},
		{"string", `"secret-value"`, "want a JSON object, got a string"},
		{"number", `12345678`, "got a number"},
		{"array", `[{"id":"secret-value"}]`, "got an array"},
		{"id missing", `{"aesthetics":{"theme":{"dark":true},"font":{"size":1}},"name":"secret-value"}`, `"id" is missing`},
		{"id null", `{"id":null,"aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, `"id" is missing`},
		{"aesthetics missing", `{"id":"secret-value"}`, `"aesthetics" is missing`},
		{"nested missing", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{}}}`, `"aesthetics.font.size" is missing`},
		{"wrong type", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":"secret-value"}}}`, `"aesthetics.font.size" has the wrong type`},
		{"wrong number", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1234567.5}}}`, `"aesthetics.font.size" has the wrong type`},
		{"bad time", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"created":{"value":"secret-value"}}`, "date-time"},
		{"two values", minimalFrame + minimalFrame, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeFrame([]byte(tt.frame))
			if p != nil || err == nil {
				t.Fatalf("DecodeFrame(%q) = %+v, %v; want an error", tt.frame, p, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.reason) {
				t.Errorf("DecodeFrame(%q) error = %q; want it to contain %q", tt.frame, msg, tt.reason)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "1234567") {
				t.Errorf("DecodeFrame(%q) error = %q quotes the frame", tt.frame, msg)
			}
			var fe *frameError
			if !errors.As(err, &fe) || fe.size != len(tt.frame) {
				t.Errorf("DecodeFrame(%q) error = %#v; want a *frameError of %d bytes", tt.frame, err, len(tt.frame))
			}
		})
	}
}

func TestShapeOK(t *testing.T) {
	tests := []struct {
		frame string
		want  bool
	}{
		{minimalFrame, true},
		{`{"id":"u","aesthetics":{"theme":{"dark":true,"x":[1,{"a":"}"}]},"font":{"size":1}},"z":null}`, true},
		{`{"id":"u","id":null,"aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, false},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{}}}`, false},
		{`{"\u0069d":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, false},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"allocation":{"id":"a"}}`, false},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"providers":{"iterable":[{}]}}`, false},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"providers":{"iterable":[]}}`, true},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}}} x`, false},
		{`[]`, false},
		{`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"a":` + strings.Repeat("[", 20000), false},
	}
	for _, tt := range tests {
		if got := shapeOK([]byte(tt.frame), profileShape); got != tt.want {
			t.Errorf("shapeOK(%.80q) = %v; want %v", tt.frame, got, tt.want)
		}
	}
}

func TestSameProfile(t *testing.T) {
	a, err := DecodeFrame([]byte(minimalFrame))
	if err != nil {
		t.Fatal(err)
	}
	// The same profile with other key order and spacing.
	b, err := DecodeFrame([]byte(`{ "aesthetics": {"font":{"size":12}, "theme":{"dark":false}}, "id": "u-1" }`))
	if err != nil {
		t.Fatal(err)
	}
	c := testProfile("u-1", "other")
	tests := []struct {
		name string
		x, y *UserProfile
		want bool
	}{
		{"both signed out", nil, nil, true},
		{"signed out and in", nil, a, false},
		{"signed in and out", a, nil, false},
		{"same frame reordered", a, b, true},
		{"different", a, c, false},
	}
	for _, tt := range tests {
		if got := sameProfile(tt.x, tt.y); got != tt.want {
			t.Errorf("%s: sameProfile = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// FuzzDecodeFrame checks that no frame makes DecodeFrame panic, that a
// decoded profile is valid and survives a round trip, and that errors are
// the content-free *frameError.
func FuzzDecodeFrame(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", " ", "null", "\tnull\n", "{}", "[]", `""`, "0", minimalFrame,
		`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"created":{"value":"2025-01-01T00:00:00+02:00"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeFrame(b)
		// The fast path agrees with DecodeProfile, the authority.
		if tr := trimJSONSpace(b); len(tr) != 0 && !bytes.Equal(tr, []byte("null")) {
			want, wantErr := DecodeProfile(tr)
			if (err == nil) != (wantErr == nil) || !sameProfile(p, want) {
				t.Fatalf("DecodeFrame(%q) = %+v, %v; DecodeProfile says %+v, %v", b, p, err, want, wantErr)
			}
		}
		if err != nil {
			if p != nil {
				t.Fatalf("DecodeFrame = %+v with error %v", p, err)
			}
			var fe *frameError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeFrame error %#v is not a *frameError", err)
			}
			return
		}
		if p == nil {
			if tr := trimJSONSpace(b); len(tr) != 0 && !bytes.Equal(tr, []byte("null")) {
				t.Fatalf("DecodeFrame(%q) = signed out; want a profile or an error", b)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("DecodeFrame accepted an invalid profile: %v", err)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("Marshal(decoded profile): %v", err)
		}
		q, err := DecodeFrame(out)
		if err != nil || q == nil {
			t.Fatalf("DecodeFrame(Marshal(decoded profile)) = %v, %v", q, err)
		}
		again, err := json.Marshal(q)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("round trip changed the profile:\n%s\n%s", out, again)
		}
	})
}
