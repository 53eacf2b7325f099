package apiclient

import (
	"encoding/json"
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
// whole profile otherwise). One walker, missingField, checks them on the
// JSON form of a model: the body being decoded, or the encoding of a Go
// value in Validate.

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

// isModel reports whether t is a model struct, whose fields missingField
// visits; time.Time is a value.
func isModel(t reflect.Type) bool { return t.Kind() == reflect.Struct && t != timeType }

// required reports whether f is tagged as a required field.
func required(f reflect.StructField) bool { return f.Tag.Get("required") == "true" }

// jsonName is the wire name of f.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// missingField returns the JSON path of the first required field of the
// model struct type t that the decoded JSON object v lacks or has as null,
// like "allocation.urls.base" or "providers.iterable[0].created", or ""
// when there is none. It looks into every nested object and list of objects
// that is present. Keys match field names as encoding/json matches them:
// exactly, or else without regard to case.
func missingField(t reflect.Type, v any) string {
	m, _ := v.(map[string]any)
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		val, ok := m[name]
		if !ok { // the same key in other case: of several, the first non-null in sorted order
			match := ""
			for k, kv := range m {
				if kv != nil && strings.EqualFold(k, name) && (match == "" || k < match) {
					match, val = k, kv
				}
			}
		}
		if val == nil {
			if required(f) {
				return name
			}
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case isModel(ft):
			if p := missingField(ft, val); p != "" {
				return name + "." + p
			}
		case ft.Kind() == reflect.Slice && isModel(ft.Elem()):
			list, _ := val.([]any)
			for j, e := range list {
				if p := missingField(ft.Elem(), e); p != "" {
					return name + "[" + strconv.Itoa(j) + "]." + p
				}
			}
		}
	}
	return ""
}

// checkRequired reports the first required field missing from b, the JSON
// form of a model of type t.
func checkRequired(b []byte, t reflect.Type) error {
	var v any
	_ = json.Unmarshal(b, &v) // b is valid JSON: it was decoded or encoded already
	if p := missingField(t, v); p != "" {
		return &MissingFieldError{Model: t.Name(), Path: p}
	}
	return nil
}

// validate reports the first required field missing from the model that v
// points to, by checking its JSON form as decode does: a nil object or list
// is missing (a Go value cannot tell an absent string from an empty one,
// nor false from absent).
func validate(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errorf("validate: %w", err)
	}
	return checkRequired(b, reflect.TypeOf(v).Elem())
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
