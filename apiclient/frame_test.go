package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// TestDecodeFrameLenient: what the SDKs accept is accepted: present but
// empty required strings, zero values, and enum values this version does not
// know, which become UNKNOWN.
func TestDecodeFrameLenient(t *testing.T) {
	frame := `{"id":"","aesthetics":{"theme":{"dark":false},"font":{"size":0}},
		"allocation":{"id":"","project":"","user":"","status":{"cloud":"HIBERNATING"},
			"urls":{"base":{"url":"","status":"RUNNING"},"id":{"url":"","status":"NEW_STATE"}}},
		"providers":{"iterable":[{"type":"mastodon","user_id":"","created":{"value":"2025-01-01T00:00:00Z"},"updated":{"value":"2025-01-01T00:00:00Z"}}]},
		"schema":{"migration":0,"semantic":"MAJOR_9_MINOR_0_PATCH_0"}}`
	p, err := DecodeFrame([]byte(frame))
	if err != nil {
		t.Fatalf("DecodeFrame(lenient) = %v; want a profile", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", p.ID, ""},
		{"allocation.status.cloud", p.Allocation.Status.Cloud, AllocationUnknown},
		{"allocation.urls.base.status", p.Allocation.URLs.Base.Status, AllocationRunning},
		{"allocation.urls.id.status", p.Allocation.URLs.ID.Status, AllocationUnknown},
		{"providers.iterable[0].type", p.Providers.Iterable[0].Type, ExternalProviderType("UNKNOWN")},
		{"schema.semantic", p.Schema.Semantic, SchemaSemantic("UNKNOWN")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
		}
	}
}

func TestDecodeFrameInvalid(t *testing.T) {
	tests := []struct {
		name, frame, reason string
		unreadable          bool // errors.Is ErrUnreadableProfile
	}{
		{"truncated", `{"id":"secret-value"`, "not valid JSON", false},
		{"text", `signed out`, "not valid JSON", false},
		{"two values", minimalFrame + minimalFrame, "not valid JSON", false},
		{"string", `"secret-value"`, "want a JSON object, got a string", true},
		{"number", `12345678`, "got a number", true},
		{"array", `[{"id":"secret-value"}]`, "got an array", true},
		{"id missing", `{"aesthetics":{"theme":{"dark":true},"font":{"size":1}},"name":"secret-value"}`, `missing required field "id"`, true},
		{"id null", `{"id":null,"aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, `missing required field "id"`, true},
		{"id null after a value", `{"id":"u","id":null,"aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, `missing required field "id"`, true},
		{"aesthetics missing", `{"id":"secret-value"}`, `missing required field "aesthetics"`, true},
		{"nested missing", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{}}}`, `missing required field "aesthetics.font.size"`, true},
		{"wrong type", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":"secret-value"}}}`, `"aesthetics.font.size" must be an integer, not a string`, true},
		{"wrong number", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1234567.5}}}`, `"aesthetics.font.size" must be an integer, not a number`, true},
		{"enum of the wrong kind", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"schema":{"migration":0,"semantic":1234567}}`, `"schema.semantic" must be a string, not a number`, true},
		{"bad time", `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"created":{"value":"secret-value"}}`, "date-time", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeFrame([]byte(tt.frame))
			if p != nil || err == nil {
				t.Fatalf("DecodeFrame(%q) = %+v, %v; want an error", tt.frame, p, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.reason) || !strings.HasPrefix(msg, "apiclient: invalid stream frame") {
				t.Errorf("DecodeFrame(%q) error = %q; want it to contain %q", tt.frame, msg, tt.reason)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "1234567") {
				t.Errorf("DecodeFrame(%q) error = %q quotes the frame", tt.frame, msg)
			}
			if size := fmt.Sprintf("(%d bytes)", len(tt.frame)); !strings.Contains(msg, size) {
				t.Errorf("DecodeFrame(%q) error = %q; want it to give the size %s", tt.frame, msg, size)
			}
			if got := errors.Is(err, ErrUnreadableProfile); got != tt.unreadable {
				t.Errorf("errors.Is(%q, ErrUnreadableProfile) = %v; want %v", msg, got, tt.unreadable)
			}
		})
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

// FuzzDecodeFrame checks that no frame makes DecodeFrame panic, that only
// blank and null frames mean signed out, that a decoded profile is valid and
// survives a round trip, and that an error is a *frameError that never
// quotes the frame: the seeds carry the markers SECRET and 987654321 in
// values, keys and numbers, and no message may repeat them.
func FuzzDecodeFrame(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	const aes = `"aesthetics":{"theme":{"dark":true},"font":{"size":1}}`
	for _, s := range []string{"", " ", "null", "\tnull\n", "{}", "[]", `""`, "0", minimalFrame, "SECRET",
		`{"id":"u",` + aes + `,"created":{"value":"2025-01-01T00:00:00+02:00"}}`,
		`{"id":"SECRET",` + aes + `,"created":{"value":"SECRET"}}`,
		`{"id":"SECRET","aesthetics":{"theme":{"dark":"SECRET"},"font":{"size":987654321.5}}}`,
		`{"SECRET":"SECRET","id":987654321,` + aes + `}`,
		`{"id":"u",` + aes + `,"allocation":{"status":{"cloud":"SECRET"},"urls":{"base":{"url":"SECRET"}}}}`,
		`["SECRET",987654321]`, `"SECRET`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeFrame(b)
		blank := len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null"
		if err != nil {
			if p != nil || !strings.HasPrefix(err.Error(), "apiclient: invalid stream frame") {
				t.Fatalf("DecodeFrame = %+v, %v; want nil and an invalid-frame error", p, err)
			}
			if msg := err.Error(); strings.Contains(msg, "SECRET") || strings.Contains(msg, "987654321") {
				t.Fatalf("DecodeFrame(%q) error %q quotes the frame", b, msg)
			}
			return
		}
		if (p == nil) != blank {
			t.Fatalf("DecodeFrame(%q) = %+v; signed out only for a blank or null frame", b, p)
		}
		if p == nil {
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
