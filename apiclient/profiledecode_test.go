package apiclient

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fastAgrees checks one input against encoding/json: decodeProfileFast
// either leaves it to encoding/json or gives exactly what json.Unmarshal
// gives. It reports whether the fast decoder took the input.
func fastAgrees(t *testing.T, b []byte) bool {
	t.Helper()
	got, err := decodeProfileFast(b)
	if errors.Is(err, errUnsure) {
		return false
	}
	if err != nil {
		t.Fatalf("decodeProfileFast(%q) = %v; want a profile or errUnsure", b, err)
	}
	var want UserProfile
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("decodeProfileFast(%q) took a frame json.Unmarshal rejects: %v", b, err)
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("decodeProfileFast(%q) =\n%#v\njson.Unmarshal gives\n%#v", b, got, &want)
	}
	return true
}

// fill sets every field reachable from v to a value that encoding/json
// writes out (nothing is omitted as empty), numbering strings and numbers.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + itoa(*n))
	case reflect.Int:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), n)
		fill(v.Index(1), n)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k := reflect.ValueOf("k" + itoa(*n))
		e := reflect.New(v.Type().Elem()).Elem()
		if e.Kind() == reflect.Interface {
			e.Set(reflect.ValueOf(map[string]any{"nested": []any{"x", 1.5, true, nil}}))
		} else {
			fill(e, n)
		}
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2025, 3, 14, 9, 26, 53, *n*1e6, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	}
}

// TestDecodeProfileFastEveryField decodes a profile with every field of
// every model set: the fast decoder must know them all.
func TestDecodeProfileFastEveryField(t *testing.T) {
	var p UserProfile
	n := 0
	fill(reflect.ValueOf(&p).Elem(), &n)
	b, err := json.Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	if !fastAgrees(t, b) {
		t.Fatalf("decodeProfileFast left a profile with every field set to encoding/json:\n%s", b)
	}
	got, _ := decodeProfileFast(b)
	if got.Providers.Iterable[1].ProfileData == nil || got.Entities.Score.Update == nil || got.Descope.Beta.Between == nil {
		t.Errorf("decodeProfileFast lost fields: %+v", got)
	}
}

// TestDecodeProfileFastTakesRealProfiles checks that the profiles of the
// reference and the benchmark's take the fast path.
func TestDecodeProfileFastTakesRealProfiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/profile_*.json")
	frames := [][]byte{profileFrame(benchProfile("ada"))}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
	for _, b := range frames {
		if !fastAgrees(t, b) {
			t.Errorf("decodeProfileFast left %.60q… to encoding/json", b)
		}
	}
}

// TestDecodeProfileFastAgrees covers what encoding/json does in its own
// way: null, repeated keys, case-insensitive keys, escapes, bad UTF-8,
// numbers, unknown values. Each input is either decoded exactly as
// encoding/json does or left to it, as the table says.
func TestDecodeProfileFastAgrees(t *testing.T) {
	const head = `{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}}`
	tests := []struct {
		name  string
		frame string
		fast  bool // the fast decoder takes it
	}{
		{"minimal", minimalFrame, true},
		{"spaces", " {\n\t\"id\" : \"u\" ,\r\n \"name\" :\"n\" } ", true},
		{"empty object", `{}`, true},
		{"null string keeps the earlier value", head + `,"name":"a","name":null}`, true},
		{"null pointer clears", head + `,"aesthetics":null}`, true},
		{"null bool and int keep values", `{"aesthetics":{"theme":{"dark":true,"dark":null},"font":{"size":3,"size":null}}}`, true},
		{"repeated object merges", head + `,"aesthetics":{"font":{"size":9}}}`, true},
		{"repeated string", head + `,"email":"a","email":"b"}`, true},
		{"empty list is not nil", head + `,"apiKeys":[]}`, true},
		{"null list", head + `,"apiKeys":null}`, true},
		{"null list element", head + `,"apiKeys":["a",null,"c"]}`, true},
		{"list after null", head + `,"apiKeys":null,"apiKeys":["a"]}`, true},
		{"repeated list", head + `,"apiKeys":["a","b"],"apiKeys":["c"]}`, false},
		{"three providers", head + `,"providers":{"iterable":[` +
			`{"type":"a","user_id":"1","created":{"value":"2025-01-01T00:00:00Z"},"updated":{"value":"2025-01-01T00:00:00Z"}},` +
			`{"type":"b","user_id":"2","created":{"value":"2025-01-01T00:00:00Z"},"updated":{"value":"2025-01-01T00:00:00Z"}},` +
			`{"type":"c","user_id":"3","created":{"value":"2025-01-01T00:00:00Z"},"updated":{"value":"2025-01-01T00:00:00Z"},"isSocial":false,"expires_in":null}]}}`, true},
		{"repeated list in a repeated object", head + `,"providers":{"iterable":[]},"providers":{"iterable":[]}}`, false},
		{"unknown values skipped", head + `,"x":{"a":[1,"]}",{"b":null}],"c":"\"{"},"y":[[],{}],"z":-1.5e3,"w":true}`, true},
		{"unknown key folding to a field", head + `,"ID":"other"}`, false},
		{"unknown key folding to a nested field", head + `,"URL":"x"}`, false},
		{"key with an escape", head + `,"n\u0061me":"x"}`, false},
		{"non-ASCII key (Kelvin sign folds to k)", head + `,"\u212a":1,"café":2}`, false},
		{"escaped string", head + `,"name":"A\"da\u00e9\n\/"}`, true},
		{"non-ASCII string", head + `,"name":"Adá Łovelace 🎉"}`, true},
		{"invalid UTF-8", head + ",\"name\":\"A\xffda\"}", true},
		{"time with an offset", head + `,"created":{"value":"2025-01-01T00:00:00+02:00"}}`, true},
		{"time null", head + `,"created":{"value":null}}`, true},
		{"time not a string", head + `,"created":{"value":5}}`, false},
		{"time not ISO-8601", head + `,"created":{"value":"yesterday"}}`, false},
		{"negative zero", `{"aesthetics":{"font":{"size":-0}}}`, true},
		{"fraction", `{"aesthetics":{"font":{"size":1.0}}}`, false},
		{"exponent", `{"aesthetics":{"font":{"size":1e2}}}`, false},
		{"overflow", `{"aesthetics":{"font":{"size":99999999999999999999}}}`, false},
		{"string for a number", `{"aesthetics":{"font":{"size":"1"}}}`, false},
		{"number for a string", `{"id":1}`, false},
		{"list for an object", `{"aesthetics":[]}`, false},
		{"object for a list", head + `,"apiKeys":{}}`, false},
		{"string for a bool", `{"aesthetics":{"theme":{"dark":"true"}}}`, false},
		{"optional int and bool", head + `,"entities":{"iterable":[{"id":"e","reference":{"a":[1]}}],"indices":{"e":0},` +
			`"score":{"manual":1,"automatic":2,"priority":3,"update":null}}}`, true},
		{"wrong kind in a map", head + `,"entities":{"iterable":[],"indices":{"e":"zero"}}}`, false},
		{"not an object", `[1]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.frame)) {
				t.Fatalf("test frame is not valid JSON: %s", tt.frame)
			}
			if got := fastAgrees(t, []byte(tt.frame)); got != tt.fast {
				t.Errorf("fast decoder took it = %v; want %v", got, tt.fast)
			}
		})
	}
}

// TestLargeFrameIsNotShared checks that a frame mostly made of data the
// profile does not keep goes to encoding/json, so that the profile does not
// keep the whole frame alive, and still decodes.
func TestLargeFrameIsNotShared(t *testing.T) {
	big := []byte(minimalFrame[:len(minimalFrame)-1] + `,"unknown":"` + strings.Repeat("x", maxSharedFrame) + `","name":"Ada"}`)
	if _, err := decodeProfileFast(big); !errors.Is(err, errUnsure) {
		t.Fatalf("decodeProfileFast(%d-byte frame) = %v; want errUnsure", len(big), err)
	}
	p, err := DecodeFrame(big)
	if err != nil || p == nil || p.Name != "Ada" || p.ID != "u-1" {
		t.Fatalf("DecodeFrame(%d-byte frame) = %+v, %v; want u-1 named Ada", len(big), p, err)
	}
}

// TestProfileFieldNames checks the list the unknown-key check folds
// against: every model's fields, and nothing of time.Time.
func TestProfileFieldNames(t *testing.T) {
	names := strings.Join(profileFieldNames, " ")
	for _, want := range []string{"id", "aesthetics", "dark", "migration", "urls", "vanity", "stripe_customer_id", "descope_id",
		"open_AI", "organization_key", "isSocial", "profileData", "indices", "automatic", "readable", "continuous"} {
		if !strings.Contains(" "+names+" ", " "+want+" ") {
			t.Errorf("profileFieldNames lacks %q", want)
		}
	}
	if strings.Contains(names, "wall") {
		t.Errorf("profileFieldNames holds time.Time's fields: %s", names)
	}
}

// FuzzDecodeProfileFast checks, for any valid JSON, that the fast decoder
// does not panic and either agrees with json.Unmarshal exactly or leaves the
// input to it.
func FuzzDecodeProfileFast(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(profileFrame(benchProfile("ada")))
	var p UserProfile
	n := 0
	fill(reflect.ValueOf(&p).Elem(), &n)
	full, _ := json.Marshal(&p)
	f.Add(full)
	for _, s := range []string{minimalFrame, `{}`, `{"apiKeys":["a",null],"apiKeys":null,"apiKeys":[]}`,
		`{"aesthetics":{"font":{"size":1}},"aesthetics":{"theme":{"dark":false}}}`, `{"name":"\u00e9\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // decodeProfileFast is only called on valid JSON
		}
		fastAgrees(t, b)
	})
}

// TestDecodeFrameAllocations guards issue 3's bound of 20 allocations for a
// 2 kB frame (BenchmarkStreamFrame measures the whole round): decoding and
// validating the benchmark's profile takes 3 today, json.Unmarshal alone 78.
func TestDecodeFrameAllocations(t *testing.T) {
	b := profileFrame(benchProfile("ada"))
	allocs := testing.AllocsPerRun(100, func() {
		if p, err := DecodeFrame(b); err != nil || p == nil {
			t.Fatalf("DecodeFrame = %v, %v", p, err)
		}
	})
	if allocs > 20 {
		t.Errorf("DecodeFrame of a %d-byte profile: %.0f allocations; want at most 20", len(b), allocs)
	}
}

// BenchmarkDecodeFrame measures decoding and validating the benchmark's
// 2 kB profile, without the connection: the fast path, and encoding/json as
// it was used before (required-key scan, json.Unmarshal, Validate).
func BenchmarkDecodeFrame(b *testing.B) {
	frame := profileFrame(benchProfile("ada"))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeFrame(frame); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := new(UserProfile)
			if !shapeOK(frame, profileShape) || json.Unmarshal(frame, p) != nil || p.Validate() != nil {
				b.Fatal("the benchmark's profile does not decode")
			}
		}
	})
}
