package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// DecodeFrame decodes one text frame of WS /user/stream (see
// ../shared/pieces-os-reference.md §2.1). Each frame is one UserProfile, not
// wrapped in ReturnedUserProfile.
//
// An empty frame, a frame of JSON whitespace only, or JSON null means that
// nobody is signed in: DecodeFrame returns nil, nil. A frame that is not a
// valid profile (bad JSON, not an object, a required field missing, here or
// in a nested object) is an error. The error's message says what is wrong
// and how long the frame was but never quotes the frame, which may carry
// tokens and personal data, so it is safe to log.
func DecodeFrame(b []byte) (*UserProfile, error) {
	t := trimJSONSpace(b)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	p, err := decodeFrameProfile(t)
	if err != nil {
		return nil, &frameError{size: len(b), reason: frameReason(err), err: err}
	}
	if p == nil { // a decoder must not hand back "signed out" for an object
		return nil, &frameError{size: len(b), reason: "no profile"}
	}
	return p, nil
}

// decodeFrameProfile is DecodeProfile with a fast path for the common case
// of a valid profile. DecodeProfile decodes every frame twice with
// encoding/json (into generic values to see which keys are present, then
// into UserProfile), which costs about 200 allocations for a 2 kB profile.
// Here a scanner checks the same required keys on the raw bytes without
// allocating; decodeProfileFast checks the syntax and decodes with three
// allocations, and Validate follows, exactly as in DecodeProfile.
// Anything the fast path is unsure of (an escaped key, a value of the wrong
// kind, a missing field) goes to DecodeProfile, which stays the authority
// and words the error. FuzzDecodeFrame checks that both paths agree.
func decodeFrameProfile(b []byte) (*UserProfile, error) {
	if !shapeOK(b, profileShape) {
		return DecodeProfile(b)
	}
	p, err := decodeProfileFast(b)
	if err != nil {
		return DecodeProfile(b)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// frameError is the error of DecodeFrame for an invalid frame.
type frameError struct {
	size   int    // bytes in the frame
	reason string // what is wrong, without any of the frame's content
	err    error  // the decoder's error, for errors.Is and errors.As only
}

func (e *frameError) Error() string {
	return fmt.Sprintf("apiclient: invalid stream frame (%d bytes): %s", e.size, e.reason)
}

func (e *frameError) Unwrap() error { return e.err }

// frameReason describes a decoding error without quoting the input. The
// messages of encoding/json and time may quote values (a number's literal, a
// date-time string), so only their structural parts are kept.
func frameReason(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		tim *time.ParseError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "not a JSON object"
		}
		return fmt.Sprintf("field %q has the wrong type (want %s)", typ.Field, typ.Type)
	case errors.As(err, &tim):
		return "a date-time field is not ISO-8601"
	}
	return validationReason(err)
}

// validationReason is the message of a shape or required-field error of
// DecodeProfile: those name a field path and a JSON kind, never a value.
func validationReason(err error) string {
	var missing *MissingFieldError
	if errors.As(err, &missing) {
		return fmt.Sprintf("required field %q is missing", missing.Path)
	}
	return "not a valid profile: " + strings.TrimPrefix(err.Error(), "apiclient: ")
}

// trimJSONSpace removes JSON whitespace (RFC 8259 §2: space, tab, LF, CR)
// from both ends of b.
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// sameProfile reports whether a and b describe the same state: both signed
// out (nil), or equal profiles field by field. Key order and whitespace of
// the frames they came from do not matter.
func sameProfile(a, b *UserProfile) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// maxScanDepth is the deepest nesting the shape scanner follows, as
// encoding/json's own limit.
const maxScanDepth = 10000

// shapeOK reports whether b is certainly a JSON object that passes the
// required-key check of s (the check DecodeProfile runs on generic values):
// every required key present and not null, every nested object and array of
// objects of s checked the same way. false means "not sure": the caller then
// asks DecodeProfile. The scan is lenient about JSON syntax outside the keys
// it checks; decodeProfileFast, which runs next, is not.
func shapeOK(b []byte, s *jsonShape) bool {
	sc := shapeScanner{b: b}
	sc.space()
	if !sc.object(s, 1) {
		return false
	}
	sc.space()
	return sc.i == len(sc.b)
}

// shapeScanner walks JSON bytes without allocating.
type shapeScanner struct {
	b []byte
	i int
}

func (sc *shapeScanner) space() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *shapeScanner) peek() byte {
	if sc.i < len(sc.b) {
		return sc.b[sc.i]
	}
	return 0
}

// object checks the object at sc.i against s and moves past it.
func (sc *shapeScanner) object(s *jsonShape, depth int) bool {
	if depth > maxScanDepth || sc.peek() != '{' || len(s.required) > 64 {
		return false
	}
	sc.i++
	var seen uint64 // bit n: s.required[n] was present and not null
	sc.space()
	if sc.peek() == '}' {
		sc.i++
		return len(s.required) == 0
	}
	for {
		sc.space()
		key, ok := sc.key()
		if !ok {
			return false
		}
		sc.space()
		if sc.peek() != ':' {
			return false
		}
		sc.i++
		sc.space()
		null := bytes.HasPrefix(sc.b[sc.i:], []byte("null"))
		for n, r := range s.required {
			if string(key) == r {
				if null { // also when an earlier duplicate was not null
					return false
				}
				seen |= 1 << n
			}
		}
		sub, arr := s.objects[string(key)], s.arrays[string(key)]
		switch {
		case null:
			sc.i += len("null")
		case sub != nil:
			if !sc.object(sub, depth+1) {
				return false
			}
		case arr != nil:
			if !sc.array(arr, depth+1) {
				return false
			}
		default:
			if !sc.skip(depth) {
				return false
			}
		}
		sc.space()
		switch sc.peek() {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return seen == 1<<len(s.required)-1
		default:
			return false
		}
	}
}

// array checks an array of objects, each against s.
func (sc *shapeScanner) array(s *jsonShape, depth int) bool {
	if depth > maxScanDepth || sc.peek() != '[' {
		return false
	}
	sc.i++
	sc.space()
	if sc.peek() == ']' {
		sc.i++
		return true
	}
	for {
		sc.space()
		if !sc.object(s, depth+1) {
			return false
		}
		sc.space()
		switch sc.peek() {
		case ',':
			sc.i++
		case ']':
			sc.i++
			return true
		default:
			return false
		}
	}
}

// key reads an object key without escapes (an escaped key might decode to a
// checked name, so it makes the scanner unsure).
func (sc *shapeScanner) key() ([]byte, bool) {
	if sc.peek() != '"' {
		return nil, false
	}
	start := sc.i + 1
	for j := start; j < len(sc.b); j++ {
		switch sc.b[j] {
		case '\\':
			return nil, false
		case '"':
			sc.i = j + 1
			return sc.b[start:j], true
		}
	}
	return nil, false
}

// skip moves past one value of any kind, tracking nesting and strings.
func (sc *shapeScanner) skip(depth int) bool {
	nest := 0
	for {
		sc.space()
		if sc.i >= len(sc.b) {
			return false
		}
		switch c := sc.b[sc.i]; c {
		case '{', '[':
			nest++
			if depth+nest > maxScanDepth {
				return false
			}
			sc.i++
			continue
		case '}', ']':
			if nest == 0 {
				return false
			}
			nest--
			sc.i++
		case ',', ':':
			if nest == 0 {
				return false
			}
			sc.i++
			continue
		case '"':
			if !sc.str() {
				return false
			}
		default: // number, true, false, null
			start := sc.i
			for sc.i < len(sc.b) && isLiteralByte(sc.b[sc.i]) {
				sc.i++
			}
			if sc.i == start {
				return false
			}
		}
		if nest == 0 {
			return true
		}
	}
}

// str moves past a string.
func (sc *shapeScanner) str() bool {
	for j := sc.i + 1; j < len(sc.b); j++ {
		switch sc.b[j] {
		case '\\':
			j++
		case '"':
			sc.i = j + 1
			return true
		}
	}
	return false
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}
