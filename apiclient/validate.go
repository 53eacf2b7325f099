package apiclient

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Required fields are the ones tagged `required:"true"` in models.go. As in
// the SDKs, required means present and not null; a nested object, once
// present, must carry its own required fields (the Python SDK rejects the
// whole profile otherwise). One walker, missingField, checks them: on the
// wire form of a body while decoding (decode.go) and on Go values in
// Validate.

// ErrUnreadableProfile is matched (errors.Is) by the error of a profile that
// Pieces OS sent but this version cannot read: JSON that is not an object, a
// required field missing or null at any level, or a value of the wrong kind.
// Its message is a sentence for people.
var ErrUnreadableProfile = errors.New("Pieces OS sent a profile this version cannot read; update Pieces Tray")

// MissingFieldError reports a required field that is absent or null. Path is
// the JSON path of the field, like "allocation.urls.base.url" or
// "iterable[2].id".
type MissingFieldError struct {
	Model string // "UserProfile", "OAuthToken", ...
	Path  string
}

// Error names the model and the field.
func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("apiclient: %s is missing required field %q", e.Model, e.Path)
}

// Is makes errors.Is(err, ErrUnreadableProfile) true for the models that
// carry profiles: UserProfile, ReturnedUserProfile and Users.
func (e *MissingFieldError) Is(target error) bool {
	return target == ErrUnreadableProfile && carriesProfile(e.Model)
}

// shapeError reports JSON of the wrong kind for a model or for one of its
// fields. The message names the field and the kinds, never a value.
type shapeError struct {
	model, msg string
}

func (e *shapeError) Error() string { return "apiclient: decode " + e.model + ": " + e.msg }

// Is makes errors.Is(err, ErrUnreadableProfile) true for the models that
// carry profiles.
func (e *shapeError) Is(target error) bool {
	return target == ErrUnreadableProfile && carriesProfile(e.model)
}

func carriesProfile(model string) bool {
	return model == "UserProfile" || model == "ReturnedUserProfile" || model == "Users"
}

var timeType = reflect.TypeFor[time.Time]()

// isModel reports whether t is a model struct (or the wire form of one),
// whose fields missingField visits; time.Time is a value.
func isModel(t reflect.Type) bool { return t.Kind() == reflect.Struct && t != timeType }

// required reports whether f is tagged as a required field.
func required(f reflect.StructField) bool { return f.Tag.Get("required") == "true" }

// jsonName is the wire name of f.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// missingField returns the JSON path of the first required field of the
// model struct v that is nil, like "allocation.urls.base" or
// "providers.iterable[0].created", or "" when there is none. It looks into
// every nested object and list of objects that is present. On the wire
// form of a body (decode.go) every required field is nil when its key was
// absent or null; on a Go value only objects and lists can be nil.
func missingField(v reflect.Value) string {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		switch fv.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if fv.IsNil() {
				if required(f) {
					return jsonName(f)
				}
				continue
			}
		}
		switch {
		case fv.Kind() == reflect.Pointer && isModel(fv.Type().Elem()):
			if p := missingField(fv.Elem()); p != "" {
				return jsonName(f) + "." + p
			}
		case fv.Kind() == reflect.Slice && isModel(fv.Type().Elem()):
			for j := range fv.Len() {
				if p := missingField(fv.Index(j)); p != "" {
					return jsonName(f) + "[" + strconv.Itoa(j) + "]." + p
				}
			}
		}
	}
	return ""
}

// validate reports the first required object or list missing from the
// model that v, a pointer, points to (a Go value cannot tell an absent
// string from an empty one, nor false from absent). A nil v misses its
// first required field, if it has one.
func validate(v any) error {
	rv := reflect.ValueOf(v)
	t := rv.Type().Elem()
	var p string
	if rv.IsNil() {
		for i := range t.NumField() {
			if required(t.Field(i)) {
				p = jsonName(t.Field(i))
				break
			}
		}
	} else {
		p = missingField(rv.Elem())
	}
	if p != "" {
		return &MissingFieldError{Model: t.Name(), Path: p}
	}
	return nil
}

// Validate reports the first required object or list missing from p or from
// a nested object of p. A nil p is missing its id.
func (p *UserProfile) Validate() error { return validate(p) }

// Validate reports a token_type other than "Bearer" or "UNKNOWN" (the SDK's
// validator allows only those) and a negative expires_in. A nil t is missing
// its access_token.
func (t *OAuthToken) Validate() error {
	if err := validate(t); err != nil || t == nil {
		return err
	}
	if t.TokenType != "Bearer" && t.TokenType != "UNKNOWN" {
		return fmt.Errorf("apiclient: OAuthToken has an invalid \"token_type\": must be \"Bearer\" or \"UNKNOWN\", not %q", t.TokenType)
	}
	if t.ExpiresIn < 0 {
		return errors.New("apiclient: OAuthToken has an invalid \"expires_in\": must not be negative")
	}
	return nil
}

// Validate reports a missing nested required field. A nil s is missing its
// user.
func (s *UserBetaStatus) Validate() error { return validate(s) }

// Validate checks the nested objects of u; every field of Auth0User itself is
// optional.
func (u *Auth0User) Validate() error { return validate(u) }

// Validate checks the profile, when there is one.
func (r *ReturnedUserProfile) Validate() error { return validate(r) }

// Validate checks every profile of the list.
func (u *Users) Validate() error { return validate(u) }
