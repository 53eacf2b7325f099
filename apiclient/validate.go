package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

func (c *fieldCheck) need(ok bool, at *fieldPath) {
	if !ok && c.err == nil {
		c.err = &MissingFieldError{Model: c.model, Path: at.String()}
	}
}

func (c *fieldCheck) invalid(at *fieldPath, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("apiclient: %s has an invalid %q: %s", c.model, at.String(), fmt.Sprintf(format, args...))
	}
}

// fieldPath is the JSON path of a checked field, as a chain of parts from
// the root (a nil *fieldPath) down. The checks build it on the stack and
// turn it into a string only when a field is missing, so that validating a
// good value allocates nothing: the stream validates every frame.
type fieldPath struct {
	up    *fieldPath
	name  string // one or more dotted keys, like "urls.base"
	index int    // the element of the array name, or -1
}

// key is the path of the object key (or dotted keys) name below p.
func (p *fieldPath) key(name string) *fieldPath { return &fieldPath{up: p, name: name, index: -1} }

// elem is the path of element i of the array name below p.
func (p *fieldPath) elem(name string, i int) *fieldPath {
	return &fieldPath{up: p, name: name, index: i}
}

// String is the path as MissingFieldError.Path shows it:
// "allocation.urls.base.url", "providers.iterable[2].type".
func (p *fieldPath) String() string { return string(p.appendTo(nil)) }

// appendTo appends the path to b. It copies bytes rather than returning a
// part of p, so that p stays on its caller's stack.
func (p *fieldPath) appendTo(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.up.appendTo(b)
	if len(b) > 0 {
		b = append(b, '.')
	}
	b = append(b, p.name...)
	if p.index >= 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.index), 10)
		b = append(b, ']')
	}
	return b
}

// join is the dotted path of key name below the path prefix.
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
	c := fieldCheck{model: "UserProfile"}
	c.profile(nil, p)
	return c.err
}

func (c *fieldCheck) profile(at *fieldPath, p *UserProfile) {
	c.need(p.ID != "", at.key("id"))
	c.need(p.Aesthetics != nil, at.key("aesthetics"))
	if a := p.Aesthetics; a != nil {
		c.need(a.Theme != nil, at.key("aesthetics.theme"))
		c.need(a.Font != nil, at.key("aesthetics.font"))
		if a.Theme != nil {
			c.schema(at.key("aesthetics.theme.schema"), a.Theme.Schema)
		}
		if a.Font != nil {
			c.schema(at.key("aesthetics.font.schema"), a.Font.Schema)
		}
		c.schema(at.key("aesthetics.schema"), a.Schema)
	}
	if a := p.Allocation; a != nil {
		c.allocation(at.key("allocation"), a)
	}
	if m := p.Auth0; m != nil {
		c.userMetadata(at.key("auth0"), m)
	}
	if m := p.Descope; m != nil {
		at := at.key("descope")
		c.need(m.DescopeID != "", at.key("descope_id"))
		c.metadata(at, m.GlobalID, m.Allocation, m.Beta, m.OpenAI, m.Schema)
	}
	c.timestamp(at.key("created"), p.Created)
	c.timestamp(at.key("updated"), p.Updated)
	if e := p.Entities; e != nil {
		flattened(c, at.key("entities"), e.Iterable, e.Score, e.Schema)
	}
	if s := p.Subscriptions; s != nil {
		flattened(c, at.key("subscriptions"), s.Iterable, s.Score, s.Schema)
	}
	if ps := p.Providers; ps != nil {
		at := at.key("providers")
		c.need(ps.Iterable != nil, at.key("iterable"))
		for i := range ps.Iterable {
			c.provider(at.elem("iterable", i), &ps.Iterable[i])
		}
		c.schema(at.key("schema"), ps.Schema)
	}
	c.schema(at.key("schema"), p.Schema)
}

func (c *fieldCheck) userMetadata(at *fieldPath, m *Auth0UserMetadata) {
	c.metadata(at, m.GlobalID, m.Allocation, m.Beta, m.OpenAI, m.Schema)
}

// metadata checks the fields Auth0UserMetadata and DescopeUserMetadata share.
func (c *fieldCheck) metadata(at *fieldPath, globalID string, alloc *Auth0UserAllocationMetadata,
	beta *AnonymousTemporalRange, openAI *Auth0OpenAIUserMetadata, schema *EmbeddedModelSchema) {
	c.need(globalID != "", at.key("global_id"))
	c.allocationMetadata(at.key("allocation"), alloc)
	c.temporalRange(at.key("beta"), beta)
	if openAI != nil {
		c.schema(at.key("open_AI.schema"), openAI.Schema)
	}
	c.schema(at.key("schema"), schema)
}

// flattened checks FlattenedEntities or FlattenedSubscriptions, whose
// elements have the same fields.
func flattened[R ReferencedEntity | ReferencedSubscription](c *fieldCheck, at *fieldPath, iterable []R,
	score *Score, schema *EmbeddedModelSchema) {
	c.need(iterable != nil, at.key("iterable"))
	for i := range iterable {
		r := ReferencedEntity(iterable[i])
		c.need(r.ID != "", at.elem("iterable", i).key("id"))
		c.schema(at.elem("iterable", i).key("schema"), r.Schema)
	}
	c.score(at.key("score"), score)
	c.schema(at.key("schema"), schema)
}

func (c *fieldCheck) provider(at *fieldPath, e *ExternalProvider) {
	c.need(e.Type != "", at.key("type"))
	c.need(e.UserID != "", at.key("user_id"))
	c.need(e.Created != nil, at.key("created"))
	c.need(e.Updated != nil, at.key("updated"))
	c.timestamp(at.key("created"), e.Created)
	c.timestamp(at.key("updated"), e.Updated)
	c.schema(at.key("schema"), e.Schema)
}

func (c *fieldCheck) allocation(at *fieldPath, a *AllocationCloud) {
	c.need(a.ID != "", at.key("id"))
	c.need(a.Project != "", at.key("project"))
	c.need(a.User != "", at.key("user"))
	c.need(a.Status != nil, at.key("status"))
	c.need(a.URLs != nil, at.key("urls"))
	if s := a.Status; s != nil {
		c.need(s.Cloud != "", at.key("status.cloud"))
		c.schema(at.key("status.schema"), s.Schema)
	}
	if u := a.URLs; u != nil {
		at := at.key("urls")
		c.need(u.Base != nil, at.key("base"))
		c.need(u.ID != nil, at.key("id"))
		c.cloudURL(at.key("base"), u.Base)
		c.cloudURL(at.key("id"), u.ID)
		c.cloudURL(at.key("vanity"), u.Vanity)
		c.schema(at.key("schema"), u.Schema)
	}
	c.timestamp(at.key("updated"), a.Updated)
	c.schema(at.key("schema"), a.Schema)
}

func (c *fieldCheck) cloudURL(at *fieldPath, u *AllocationCloudURL) {
	if u == nil {
		return
	}
	c.need(u.URL != "", at.key("url"))
	c.need(u.Status != "", at.key("status"))
	c.schema(at.key("schema"), u.Schema)
}

func (c *fieldCheck) allocationMetadata(at *fieldPath, m *Auth0UserAllocationMetadata) {
	if m == nil {
		return
	}
	c.need(m.Project != "", at.key("project"))
	c.need(m.Region != "", at.key("region"))
}

func (c *fieldCheck) temporalRange(at *fieldPath, r *AnonymousTemporalRange) {
	if r == nil {
		return
	}
	c.timestamp(at.key("from"), r.From)
	c.timestamp(at.key("to"), r.To)
	c.schema(at.key("schema"), r.Schema)
}

func (c *fieldCheck) timestamp(at *fieldPath, t *GroupedTimestamp) {
	if t == nil {
		return
	}
	c.need(!t.Value.IsZero(), at.key("value"))
	c.schema(at.key("schema"), t.Schema)
}

func (c *fieldCheck) score(at *fieldPath, s *Score) {
	if s != nil {
		c.schema(at.key("schema"), s.Schema)
	}
}

func (c *fieldCheck) schema(at *fieldPath, s *EmbeddedModelSchema) {
	if s != nil {
		c.need(s.Semantic != "", at.key("semantic"))
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
	var root *fieldPath
	c := &fieldCheck{model: "OAuthToken"}
	c.need(t.AccessToken != "", root.key("access_token"))
	c.need(t.TokenType != "", root.key("token_type"))
	if t.TokenType != "" && t.TokenType != "Bearer" && t.TokenType != "UNKNOWN" {
		c.invalid(root.key("token_type"), "must be \"Bearer\" or \"UNKNOWN\", not %q", t.TokenType)
	}
	if t.ExpiresIn < 0 {
		c.invalid(root.key("expires_in"), "must not be negative")
	}
	c.schema(root.key("schema"), t.Schema)
	return c.err
}

// Validate reports a missing user or a nested required field.
func (s *UserBetaStatus) Validate() error {
	if s == nil {
		return &MissingFieldError{Model: "UserBetaStatus", Path: "user"}
	}
	var root *fieldPath
	c := &fieldCheck{model: "UserBetaStatus"}
	c.need(s.User != "", root.key("user"))
	for _, b := range []struct {
		name string
		st   *Auth0UserBetaStatus
	}{{"auth0", s.Auth0}, {"descope", s.Descope}} {
		if b.st != nil {
			at := root.key(b.name)
			c.temporalRange(at.key("vision"), b.st.Vision)
			c.schema(at.key("schema"), b.st.Schema)
		}
	}
	c.schema(root.key("schema"), s.Schema)
	return c.err
}

// Validate checks the nested objects of u; every field of Auth0User itself is
// optional.
func (u *Auth0User) Validate() error {
	if u == nil {
		return nil
	}
	var root *fieldPath
	c := &fieldCheck{model: "Auth0User"}
	if m := u.UserMetadata; m != nil {
		c.userMetadata(root.key("user_metadata"), m)
	}
	return c.err
}

// Validate checks the profile, when there is one.
func (r *ReturnedUserProfile) Validate() error {
	if r == nil || r.User == nil {
		return nil
	}
	var root *fieldPath
	c := &fieldCheck{model: "ReturnedUserProfile"}
	c.profile(root.key("user"), r.User)
	if c.err == nil {
		c.schema(root.key("schema"), r.Schema)
	}
	return c.err
}

// Validate checks every profile of the list.
func (u *Users) Validate() error {
	if u == nil {
		return nil
	}
	var root *fieldPath
	c := &fieldCheck{model: "Users"}
	for i := range u.Iterable {
		c.profile(root.elem("iterable", i), &u.Iterable[i])
	}
	c.schema(root.key("schema"), u.Schema)
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
