package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
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
		{"raw long s folding to a field", head + `,"ſchema":{"migration":1,"semantic":"x"}}`, false},
		{"raw Kelvin sign folding to a field", `{"aesthetics":{"theme":{"darK":true}}}`, false},
		{"any non-ASCII key, even one folding to nothing", head + `,"café":{"a":[1]}}`, false},
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

// TestDecodeProfileFastInvalidJSON checks that invalid JSON is left to
// encoding/json, which words the error, rather than misread or a panic.
func TestDecodeProfileFastInvalidJSON(t *testing.T) {
	for _, frame := range []string{`{"name":"abc`, `{"zz":[1,2`, `{"a" 1}`, `{"id":"u",}`, `{"id":"u" "name":"n"}`,
		`{"id":"u"}x`, `{"id":"u"`, `{`, ``, `{"apiKeys":["a" "b"]}`} {
		if p, err := decodeProfileFast([]byte(frame)); !errors.Is(err, errUnsure) {
			t.Errorf("decodeProfileFast(%q) = %+v, %v; want errUnsure", frame, p, err)
		}
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

// FuzzDecodeProfileFast checks, for any input, that the fast decoder does
// not panic and either agrees with json.Unmarshal exactly or leaves the
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

// frameGen writes random JSON shaped like a type: the right keys, but
// repeated, null, of the wrong kind, in another case, or unknown, with
// awkward strings, numbers and times. Mutating the fuzz seeds rarely makes
// such well-typed odd frames.
type frameGen struct {
	r *rand.Rand
	b bytes.Buffer
}

var (
	genStrings = []string{`"plain"`, `""`, `"é ü"`, `"a\"b"`, `"\u00e9\n"`, "\"\xff\"", `"\ud800"`, `"2025-01-01T00:00:00Z"`}
	genInts    = []string{`0`, `-0`, `7`, `-3`, `1.5`, `1e2`, `99999999999999999999`}
	genTimes   = []string{`"2025-01-01T00:00:00Z"`, `"2025-01-01T00:00:00.5+02:00"`, `"2025-01-01"`, `"2025-01-01T00:00:00\u005a"`, `5`}
	genOdd     = []string{`1`, `"x"`, `[]`, `{}`, `true`, `[1,{"a":null}]`}
)

func (g *frameGen) pick(list []string) { g.b.WriteString(list[g.r.IntN(len(list))]) }

func (g *frameGen) value(t reflect.Type, depth int) {
	switch n := g.r.IntN(40); {
	case depth == 0: // the frame itself is an object
	case n < 3:
		g.b.WriteString("null")
		return
	case n < 5 || depth > 6:
		g.pick(genOdd)
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		g.pick(genTimes)
	case t.Kind() == reflect.Struct:
		g.b.WriteByte('{')
		for i := range g.r.IntN(t.NumField() + 2) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			f := t.Field(g.r.IntN(t.NumField()))
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch g.r.IntN(20) {
			case 0:
				name = strings.ToUpper(name[:1]) + name[1:]
			case 1:
				name = "unknown_" + name
			}
			fmt.Fprintf(&g.b, "%q:", name)
			g.value(f.Type, depth+1)
		}
		g.b.WriteByte('}')
	case t.Kind() == reflect.Slice:
		g.b.WriteByte('[')
		for i := range g.r.IntN(4) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.value(t.Elem(), depth+1)
		}
		g.b.WriteByte(']')
	case t.Kind() == reflect.Map:
		g.b.WriteString(`{"k":`)
		if t.Elem().Kind() == reflect.Int {
			g.pick(genInts)
		} else {
			g.pick(genOdd)
		}
		g.b.WriteByte('}')
	case t.Kind() == reflect.String:
		g.pick(genStrings)
	case t.Kind() == reflect.Int:
		g.pick(genInts)
	case t.Kind() == reflect.Bool:
		g.b.WriteString([]string{"true", "false"}[g.r.IntN(2)])
	default:
		g.pick(genOdd)
	}
}

// TestDecodeProfileFastRandomFrames checks the agreement with encoding/json
// on thousands of random profile-shaped frames (a fixed seed, so a failure
// repeats).
func TestDecodeProfileFastRandomFrames(t *testing.T) {
	g := &frameGen{r: rand.New(rand.NewPCG(3, 2026))}
	const n = 5000
	fast := 0
	for range n {
		g.b.Reset()
		g.value(reflect.TypeFor[UserProfile](), 0)
		if fastAgrees(t, g.b.Bytes()) {
			fast++
		}
	}
	t.Logf("%d of %d random frames decoded on the fast path", fast, n)
	if fast < n/20 {
		t.Errorf("only %d of %d random frames took the fast path: the test no longer exercises it", fast, n)
	}
}
