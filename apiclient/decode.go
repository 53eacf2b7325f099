package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
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

// decode reads the JSON body b into out, a pointer to a model, with one
// json.Unmarshal. It decodes into the wire form of the model (wireType), in
// which a required field absent from b or null in it stays nil, checks the
// required fields there (missingField), and copies the result into out.
// Unknown fields are ignored. The errors name the model by its type name
// and never quote b.
func decode(b []byte, out any) error {
	dst := reflect.ValueOf(out).Elem()
	model := dst.Type().Name()
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errorf("decode %s: empty body", model)
	}
	if b[0] != '{' && json.Valid(b) {
		return &shapeError{model, "want a JSON object, got " + jsonKind(b[0])}
	}
	wire := reflect.New(wireType(dst.Type()))
	if err := json.Unmarshal(b, wire.Interface()); err != nil {
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
	if p := missingField(wire.Elem()); p != "" {
		return &MissingFieldError{Model: model, Path: p}
	}
	fromWire(dst, wire.Elem())
	return nil
}

// wireTypes caches wireType's answers for model structs.
var wireTypes sync.Map // reflect.Type → reflect.Type

// wireType returns the type that decode unmarshals a model of type t into:
// the same fields with the same tags, except that a required field that
// cannot be nil (a string, number, boolean, enum or time) becomes a pointer,
// so that an absent or null key leaves it nil, and nested models have their
// wire types too. Types that are not models are their own wire type. Model
// structs must therefore have no UnmarshalJSON of their own and no
// unexported fields.
func wireType(t reflect.Type) reflect.Type {
	switch {
	case t.Kind() == reflect.Pointer:
		return reflect.PointerTo(wireType(t.Elem()))
	case t.Kind() == reflect.Slice:
		return reflect.SliceOf(wireType(t.Elem()))
	case !isModel(t):
		return t
	}
	if w, ok := wireTypes.Load(t); ok {
		return w.(reflect.Type)
	}
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		f := t.Field(i)
		ft := wireType(f.Type)
		if k := ft.Kind(); required(f) && k != reflect.Pointer && k != reflect.Slice && k != reflect.Map {
			ft = reflect.PointerTo(ft)
		}
		fields[i] = reflect.StructField{Name: f.Name, Type: ft, Tag: f.Tag}
	}
	w, _ := wireTypes.LoadOrStore(t, reflect.StructOf(fields))
	return w.(reflect.Type)
}

// fromWire sets v, a model value, from w, its wire form.
func fromWire(v, w reflect.Value) {
	if v.Type() == w.Type() {
		v.Set(w)
		return
	}
	switch w.Kind() {
	case reflect.Pointer: // a nested model, or a required value
		if w.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			v.Set(reflect.New(v.Type().Elem()))
			v = v.Elem()
		}
		fromWire(v, w.Elem())
	case reflect.Slice:
		if w.IsNil() {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), w.Len(), w.Len()))
		for i := range w.Len() {
			fromWire(v.Index(i), w.Index(i))
		}
	case reflect.Struct:
		for i := range w.NumField() {
			fromWire(v.Field(i), w.Field(i))
		}
	}
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
