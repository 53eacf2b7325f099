package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Required fields follow ../shared/pieces-os-reference.md §4. A nested object,
// once present, must carry its own required fields: the Python SDK rejects the
// whole profile otherwise. Two checks cooperate:
//
//   - Validate methods look at Go values, where a missing object is a nil
//     pointer and a missing string is "" (required strings must not be empty);
//   - the decoders below also look at the JSON itself, because a missing
//     `dark`, `size` or `migration` decodes to false or 0, which Validate cannot
//     tell from a real value, and because a required field must not be null.

// MissingFieldError reports a required field that is absent, null or empty.
// Path is the JSON path of the field, like "allocation.urls.base.url" or
// "iterable[2].id".
type MissingFieldError struct {
	Model string // "UserProfile", "OAuthToken", ...
	Path  string
}

// Error names the model and the field.
func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("apiclient: %s is missing required field %q", e.Model, e.Path)
}

// fieldCheck collects the first missing field while walking a value.
type fieldCheck struct {
	model string
	err   error
}

func (c *fieldCheck) need(ok bool, path string) {
	if !ok && c.err == nil {
		c.err = &MissingFieldError{Model: c.model, Path: path}
	}
}

func (c *fieldCheck) invalid(path, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("apiclient: %s has an invalid %q: %s", c.model, path, fmt.Sprintf(format, args...))
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// Validate reports the first required field missing from p or from a nested
// object of p.
func (p *UserProfile) Validate() error {
	if p == nil {
		return &MissingFieldError{Model: "UserProfile", Path: "id"}
	}
	c := &fieldCheck{model: "UserProfile"}
	c.profile("", p)
	return c.err
}

func (c *fieldCheck) profile(at string, p *UserProfile) {
	c.need(p.ID != "", join(at, "id"))
	c.need(p.Aesthetics != nil, join(at, "aesthetics"))
	if a := p.Aesthetics; a != nil {
		c.need(a.Theme != nil, join(at, "aesthetics.theme"))
		c.need(a.Font != nil, join(at, "aesthetics.font"))
		if a.Theme != nil {
			c.schema(join(at, "aesthetics.theme.schema"), a.Theme.Schema)
		}
		if a.Font != nil {
			c.schema(join(at, "aesthetics.font.schema"), a.Font.Schema)
		}
		c.schema(join(at, "aesthetics.schema"), a.Schema)
	}
	if a := p.Allocation; a != nil {
		c.allocation(join(at, "allocation"), a)
	}
	if m := p.Auth0; m != nil {
		c.need(m.GlobalID != "", join(at, "auth0.global_id"))
		c.allocationMetadata(join(at, "auth0.allocation"), m.Allocation)
		c.temporalRange(join(at, "auth0.beta"), m.Beta)
		if m.OpenAI != nil {
			c.schema(join(at, "auth0.open_AI.schema"), m.OpenAI.Schema)
		}
		c.schema(join(at, "auth0.schema"), m.Schema)
	}
	if m := p.Descope; m != nil {
		c.need(m.DescopeID != "", join(at, "descope.descope_id"))
		c.need(m.GlobalID != "", join(at, "descope.global_id"))
		c.allocationMetadata(join(at, "descope.allocation"), m.Allocation)
		c.temporalRange(join(at, "descope.beta"), m.Beta)
		if m.OpenAI != nil {
			c.schema(join(at, "descope.open_AI.schema"), m.OpenAI.Schema)
		}
		c.schema(join(at, "descope.schema"), m.Schema)
	}
	c.timestamp(join(at, "created"), p.Created)
	c.timestamp(join(at, "updated"), p.Updated)
	if e := p.Entities; e != nil {
		path := join(at, "entities")
		c.need(e.Iterable != nil, path+".iterable")
		for i, r := range e.Iterable {
			c.need(r.ID != "", fmt.Sprintf("%s.iterable[%d].id", path, i))
			c.schema(fmt.Sprintf("%s.iterable[%d].schema", path, i), r.Schema)
		}
		c.score(path+".score", e.Score)
		c.schema(path+".schema", e.Schema)
	}
	if s := p.Subscriptions; s != nil {
		path := join(at, "subscriptions")
		c.need(s.Iterable != nil, path+".iterable")
		for i, r := range s.Iterable {
			c.need(r.ID != "", fmt.Sprintf("%s.iterable[%d].id", path, i))
			c.schema(fmt.Sprintf("%s.iterable[%d].schema", path, i), r.Schema)
		}
		c.score(path+".score", s.Score)
		c.schema(path+".schema", s.Schema)
	}
	if ps := p.Providers; ps != nil {
		path := join(at, "providers")
		c.need(ps.Iterable != nil, path+".iterable")
		for i := range ps.Iterable {
			e := &ps.Iterable[i]
			ep := fmt.Sprintf("%s.iterable[%d]", path, i)
			c.need(e.Type != "", ep+".type")
			c.need(e.UserID != "", ep+".user_id")
			c.need(e.Created != nil, ep+".created")
			c.need(e.Updated != nil, ep+".updated")
			c.timestamp(ep+".created", e.Created)
			c.timestamp(ep+".updated", e.Updated)
			c.schema(ep+".schema", e.Schema)
		}
		c.schema(path+".schema", ps.Schema)
	}
	c.schema(join(at, "schema"), p.Schema)
}

func (c *fieldCheck) allocation(at string, a *AllocationCloud) {
	c.need(a.ID != "", at+".id")
	c.need(a.Project != "", at+".project")
	c.need(a.User != "", at+".user")
	c.need(a.Status != nil, at+".status")
	c.need(a.URLs != nil, at+".urls")
	if s := a.Status; s != nil {
		c.need(s.Cloud != "", at+".status.cloud")
		c.schema(at+".status.schema", s.Schema)
	}
	if u := a.URLs; u != nil {
		c.need(u.Base != nil, at+".urls.base")
		c.need(u.ID != nil, at+".urls.id")
		c.cloudURL(at+".urls.base", u.Base)
		c.cloudURL(at+".urls.id", u.ID)
		c.cloudURL(at+".urls.vanity", u.Vanity)
		c.schema(at+".urls.schema", u.Schema)
	}
	c.timestamp(at+".updated", a.Updated)
	c.schema(at+".schema", a.Schema)
}

func (c *fieldCheck) cloudURL(at string, u *AllocationCloudURL) {
	if u == nil {
		return
	}
	c.need(u.URL != "", at+".url")
	c.need(u.Status != "", at+".status")
	c.schema(at+".schema", u.Schema)
}

func (c *fieldCheck) allocationMetadata(at string, m *Auth0UserAllocationMetadata) {
	if m == nil {
		return
	}
	c.need(m.Project != "", at+".project")
	c.need(m.Region != "", at+".region")
}

func (c *fieldCheck) temporalRange(at string, r *AnonymousTemporalRange) {
	if r == nil {
		return
	}
	c.timestamp(at+".from", r.From)
	c.timestamp(at+".to", r.To)
	c.schema(at+".schema", r.Schema)
}

func (c *fieldCheck) timestamp(at string, t *GroupedTimestamp) {
	if t == nil {
		return
	}
	c.need(!t.Value.IsZero(), at+".value")
	c.schema(at+".schema", t.Schema)
}

func (c *fieldCheck) score(at string, s *Score) {
	if s != nil {
		c.schema(at+".schema", s.Schema)
	}
}

func (c *fieldCheck) schema(at string, s *EmbeddedModelSchema) {
	if s != nil {
		c.need(s.Semantic != "", at+".semantic")
	}
}

// Validate reports a missing access_token or token_type, or a token_type
// other than "Bearer" or "UNKNOWN" (the SDK's validator allows only those).
// expires_in is an integer and cannot be missing from a Go value; decoders
// check its presence in JSON.
func (t *OAuthToken) Validate() error {
	if t == nil {
		return &MissingFieldError{Model: "OAuthToken", Path: "access_token"}
	}
	c := &fieldCheck{model: "OAuthToken"}
	c.need(t.AccessToken != "", "access_token")
	c.need(t.TokenType != "", "token_type")
	if t.TokenType != "" && t.TokenType != "Bearer" && t.TokenType != "UNKNOWN" {
		c.invalid("token_type", "must be \"Bearer\" or \"UNKNOWN\", not %q", t.TokenType)
	}
	if t.ExpiresIn < 0 {
		c.invalid("expires_in", "must not be negative")
	}
	c.schema("schema", t.Schema)
	return c.err
}

// Validate reports a missing user or a nested required field.
func (s *UserBetaStatus) Validate() error {
	if s == nil {
		return &MissingFieldError{Model: "UserBetaStatus", Path: "user"}
	}
	c := &fieldCheck{model: "UserBetaStatus"}
	c.need(s.User != "", "user")
	for _, b := range []struct {
		name string
		st   *Auth0UserBetaStatus
	}{{"auth0", s.Auth0}, {"descope", s.Descope}} {
		if b.st != nil {
			c.temporalRange(b.name+".vision", b.st.Vision)
			c.schema(b.name+".schema", b.st.Schema)
		}
	}
	c.schema("schema", s.Schema)
	return c.err
}

// Validate checks the nested objects of u; every field of Auth0User itself is
// optional.
func (u *Auth0User) Validate() error {
	if u == nil {
		return nil
	}
	c := &fieldCheck{model: "Auth0User"}
	if m := u.UserMetadata; m != nil {
		c.need(m.GlobalID != "", "user_metadata.global_id")
		c.allocationMetadata("user_metadata.allocation", m.Allocation)
		c.temporalRange("user_metadata.beta", m.Beta)
		if m.OpenAI != nil {
			c.schema("user_metadata.open_AI.schema", m.OpenAI.Schema)
		}
		c.schema("user_metadata.schema", m.Schema)
	}
	return c.err
}

// Validate checks the profile, when there is one.
func (r *ReturnedUserProfile) Validate() error {
	if r == nil || r.User == nil {
		return nil
	}
	c := &fieldCheck{model: "ReturnedUserProfile"}
	c.profile("user", r.User)
	if c.err == nil {
		c.schema("schema", r.Schema)
	}
	return c.err
}

// Validate checks every profile of the list.
func (u *Users) Validate() error {
	if u == nil {
		return nil
	}
	c := &fieldCheck{model: "Users"}
	for i := range u.Iterable {
		c.profile(fmt.Sprintf("iterable[%d]", i), &u.Iterable[i])
	}
	c.schema("schema", u.Schema)
	return c.err
}

// DecodeProfile decodes one UserProfile and rejects it when a required field
// is missing or null at any level (a missing `id` is an error, not "").
// Unknown fields are ignored.
func DecodeProfile(b []byte) (*UserProfile, error) {
	var p UserProfile
	if err := decodeChecked(b, "UserProfile", profileShape, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// decodeChecked decodes b into v (a pointer to a model with a Validate
// method), checking the raw JSON against shape first.
func decodeChecked(b []byte, model string, shape *jsonShape, v interface{ Validate() error }) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("apiclient: decode %s: empty body", model)
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("apiclient: decode %s: %w", model, err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("apiclient: decode %s: want a JSON object, got %s", model, jsonKind(raw))
	}
	if err := shape.check(model, "", obj); err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("apiclient: decode %s: %w", model, err)
	}
	return v.Validate()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// jsonShape lists the required keys of a JSON object and the shapes of the
// nested objects (and arrays of objects) to check when they are present.
type jsonShape struct {
	required []string
	objects  map[string]*jsonShape
	arrays   map[string]*jsonShape
}

// check reports the first required key of obj (at path at) that is absent or
// null, or a nested value of the wrong JSON kind.
func (s *jsonShape) check(model, at string, obj map[string]any) error {
	for _, k := range s.required {
		if v, ok := obj[k]; !ok || v == nil {
			return &MissingFieldError{Model: model, Path: join(at, k)}
		}
	}
	for _, k := range sortedKeys(s.objects) {
		v, ok := obj[k]
		if !ok || v == nil {
			continue
		}
		o, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("apiclient: %s: %q must be an object, not %s", model, join(at, k), jsonKind(v))
		}
		if err := s.objects[k].check(model, join(at, k), o); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(s.arrays) {
		v, ok := obj[k]
		if !ok || v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("apiclient: %s: %q must be an array, not %s", model, join(at, k), jsonKind(v))
		}
		for i, e := range list {
			p := fmt.Sprintf("%s[%d]", join(at, k), i)
			o, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("apiclient: %s: %q must be an object, not %s", model, p, jsonKind(e))
			}
			if err := s.arrays[k].check(model, p, o); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]*jsonShape) []string {
	return slices.Sorted(maps.Keys(m))
}

// Shapes of §4. They are read-only after package initialisation.
var (
	schemaShape    = &jsonShape{required: []string{"migration", "semantic"}}
	timestampShape = &jsonShape{required: []string{"value"}, objects: map[string]*jsonShape{"schema": schemaShape}}
	rangeShape     = &jsonShape{objects: map[string]*jsonShape{"from": timestampShape, "to": timestampShape, "schema": schemaShape}}
	withSchema     = &jsonShape{objects: map[string]*jsonShape{"schema": schemaShape}}
	cloudURLShape  = &jsonShape{required: []string{"url", "status"}, objects: map[string]*jsonShape{"schema": schemaShape}}
	allocMetaShape = &jsonShape{required: []string{"project", "region"}}
	scoreShape     = &jsonShape{required: []string{"manual", "automatic"}, objects: map[string]*jsonShape{"schema": schemaShape}}
	referenceShape = &jsonShape{required: []string{"id"}, objects: map[string]*jsonShape{"schema": schemaShape}}
	flattenedShape = &jsonShape{
		required: []string{"iterable"},
		objects:  map[string]*jsonShape{"score": scoreShape, "schema": schemaShape},
		arrays:   map[string]*jsonShape{"iterable": referenceShape},
	}
	auth0MetaShape = &jsonShape{
		required: []string{"global_id"},
		objects: map[string]*jsonShape{
			"allocation": allocMetaShape, "beta": rangeShape, "open_AI": withSchema, "schema": schemaShape,
		},
	}
	descopeMetaShape = &jsonShape{
		required: []string{"descope_id", "global_id"},
		objects: map[string]*jsonShape{
			"allocation": allocMetaShape, "beta": rangeShape, "open_AI": withSchema, "schema": schemaShape,
		},
	}
	providerShape = &jsonShape{
		required: []string{"type", "user_id", "created", "updated"},
		objects:  map[string]*jsonShape{"created": timestampShape, "updated": timestampShape, "schema": schemaShape},
	}
	profileShape = &jsonShape{
		required: []string{"id", "aesthetics"},
		objects: map[string]*jsonShape{
			"aesthetics": {
				required: []string{"theme", "font"},
				objects: map[string]*jsonShape{
					"theme":  {required: []string{"dark"}, objects: map[string]*jsonShape{"schema": schemaShape}},
					"font":   {required: []string{"size"}, objects: map[string]*jsonShape{"schema": schemaShape}},
					"schema": schemaShape,
				},
			},
			"allocation": {
				required: []string{"id", "project", "user", "status", "urls"},
				objects: map[string]*jsonShape{
					"status": {required: []string{"cloud"}, objects: map[string]*jsonShape{"schema": schemaShape}},
					"urls": {
						required: []string{"base", "id"},
						objects: map[string]*jsonShape{
							"base": cloudURLShape, "id": cloudURLShape, "vanity": cloudURLShape, "schema": schemaShape,
						},
					},
					"updated": timestampShape,
					"schema":  schemaShape,
				},
			},
			"auth0":         auth0MetaShape,
			"descope":       descopeMetaShape,
			"created":       timestampShape,
			"updated":       timestampShape,
			"entities":      flattenedShape,
			"subscriptions": flattenedShape,
			"providers": {
				required: []string{"iterable"},
				objects:  map[string]*jsonShape{"schema": schemaShape},
				arrays:   map[string]*jsonShape{"iterable": providerShape},
			},
			"schema": schemaShape,
		},
	}
	returnedShape = &jsonShape{objects: map[string]*jsonShape{"user": profileShape, "schema": schemaShape}}
	usersShape    = &jsonShape{
		objects: map[string]*jsonShape{"schema": schemaShape},
		arrays:  map[string]*jsonShape{"iterable": profileShape},
	}
	betaStatusShape = &jsonShape{
		required: []string{"user"},
		objects: map[string]*jsonShape{
			"auth0":   {objects: map[string]*jsonShape{"vision": rangeShape, "schema": schemaShape}},
			"descope": {objects: map[string]*jsonShape{"vision": rangeShape, "schema": schemaShape}},
			"schema":  schemaShape,
		},
	}
	oauthTokenShape = &jsonShape{
		required: []string{"access_token", "expires_in", "token_type"},
		objects:  map[string]*jsonShape{"schema": schemaShape},
	}
	auth0UserShape = &jsonShape{objects: map[string]*jsonShape{"user_metadata": auth0MetaShape}}
)
