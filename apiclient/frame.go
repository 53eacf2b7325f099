package apiclient

import (
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
	p, err := DecodeProfile(t)
	if err != nil {
		return nil, &frameError{size: len(b), reason: frameReason(err), err: err}
	}
	if p == nil { // a decoder must not hand back "signed out" for an object
		return nil, &frameError{size: len(b), reason: "no profile"}
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
