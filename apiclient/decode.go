package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// DecodeProfile decodes one UserProfile and rejects it when a required field
// is absent or null at any level, or a value has the wrong kind (errors.Is
// ErrUnreadableProfile). Unknown fields are ignored; unknown enum values
// become UNKNOWN. Its errors never quote the input.
func DecodeProfile(b []byte) (*UserProfile, error) {
	var p UserProfile
	if err := decode(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// DecodeFrame decodes one text frame of WS /user/stream. Each frame is one
// UserProfile, not wrapped in ReturnedUserProfile.
//
// An empty frame, a frame of whitespace only, or JSON null means that nobody
// is signed in: DecodeFrame returns nil, nil. Anything else is decoded as
// DecodeProfile does. The error says what is wrong and how long the frame
// was but never quotes the frame, which may carry tokens and personal data,
// so it is safe to log; it matches ErrUnreadableProfile unless the frame is
// not JSON at all.
func DecodeFrame(b []byte) (*UserProfile, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	p, err := DecodeProfile(t)
	if err != nil {
		return nil, fmt.Errorf("apiclient: invalid stream frame (%d bytes): %w", len(b), unprefix(err))
	}
	return p, nil
}

// decode reads the JSON body b into out, a pointer to a model, and then
// checks that b carries the required fields (missingField). Unknown fields
// are ignored. The errors name the model by its type name and never quote
// b.
func decode(b []byte, out any) error {
	t := reflect.TypeOf(out).Elem()
	model := t.Name()
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errorf("decode %s: empty body", model)
	}
	if b[0] != '{' && json.Valid(b) {
		return &shapeError{model, "want a JSON object, got " + jsonKind(b[0])}
	}
	if err := json.Unmarshal(b, out); err != nil {
		if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
			return errorf("decode %s: not valid JSON (at byte %d)", model, syn.Offset)
		}
		if typ, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return &shapeError{model, fmt.Sprintf("%q must be %s, not %s", typ.Field, kindOf(typ.Type), valueKind(typ.Value))}
		}
		// Any other error is an UnmarshalJSON's. The enums' are
		// *json.UnmarshalTypeError, so this is time.Time's, whose message
		// quotes the value.
		return &shapeError{model, "a date-time field is not in ISO-8601 form"}
	}
	return checkRequired(b, t)
}

// jsonKind names the kind of the JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '"':
		return "a string"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// kindOf names the JSON kind that a Go type decodes from.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return kindOf(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// valueKind names the JSON kind in an UnmarshalTypeError's Value, which is
// "string", "bool", "array", "object" or "number", but "number 1.5" for a
// number that does not fit: the number itself is left out.
func valueKind(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case "bool":
		return "a boolean"
	case "array", "object":
		return "an " + v
	}
	return "a " + v
}
