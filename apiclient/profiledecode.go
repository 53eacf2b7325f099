package apiclient

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The stream decodes a profile on every frame. json.Unmarshal costs 78
// allocations for the benchmark's 2 kB profile: one per string, one per
// nested object, and its own bookkeeping. decodeProfileFast decodes the common frame with three:
// one copy of the frame as a string, whose parts become the string fields,
// one profileArena, which holds the nested objects a typical profile has,
// and the decoder's own state.
//
// It must give exactly what json.Unmarshal gives. Where the two could differ
// (for example invalid JSON, a key that only matches a field when case is
// ignored, an escaped or non-ASCII key, a list key repeated, a number that is
// not a plain integer, a value of the wrong JSON kind), it returns errUnsure
// and the caller asks encoding/json. FuzzDecodeProfileFast checks that the two
// agree on any valid JSON.

// maxSharedFrame is the largest frame decodeProfileFast takes. Its string
// fields share one copy of the frame, which lives as long as any of them:
// up to this size that costs less than copying each string. A larger frame
// is mostly bytes the strings do not need (unknown fields, free-form maps,
// which are decoded into maps of their own), so it goes to encoding/json,
// which copies only the strings it keeps.
const maxSharedFrame = 64 << 10

// errUnsure means that decodeProfileFast leaves the frame to encoding/json.
var errUnsure = errors.New("apiclient: frame left to encoding/json")

// profileArena holds a profile and the nested objects a typical profile has,
// so that decoding them costs one allocation. More objects than it holds are
// allocated one by one; so are the rarer models (Descope, OpenAI metadata,
// entities, subscriptions, scores).
type profileArena struct {
	profile     UserProfile
	aesthetics  [1]Aesthetics
	themes      [1]Theme
	fonts       [1]Font
	allocations [1]AllocationCloud
	statuses    [1]AllocationCloudStatus
	urlSets     [1]AllocationCloudURLs
	urls        [3]AllocationCloudURL
	metadata    [1]Auth0UserMetadata
	allocMeta   [1]Auth0UserAllocationMetadata
	ranges      [1]AnonymousTemporalRange
	providers   [1]ExternalProviders
	provider    [2]ExternalProvider // the backing array of providers.iterable
	stamps      [8]GroupedTimestamp
	schemas     [6]EmbeddedModelSchema
}

// slots hands out the elements of a fixed store one by one, then new ones.
// A nil *slots always hands out new ones.
type slots[T any] []T

func (s *slots[T]) take() *T {
	if s == nil || len(*s) == 0 {
		return new(T)
	}
	p := &(*s)[0]
	*s = (*s)[1:]
	return p
}

// profileDecoder reads one profile from a frame that json.Valid accepted.
type profileDecoder struct {
	data []byte // the frame
	text string // a copy of data; string values without escapes, in valid UTF-8, are parts of it
	i    int    // the read position in data

	aesthetics  slots[Aesthetics]
	themes      slots[Theme]
	fonts       slots[Font]
	allocations slots[AllocationCloud]
	statuses    slots[AllocationCloudStatus]
	urlSets     slots[AllocationCloudURLs]
	urls        slots[AllocationCloudURL]
	metadata    slots[Auth0UserMetadata]
	allocMeta   slots[Auth0UserAllocationMetadata]
	ranges      slots[AnonymousTemporalRange]
	providers   slots[ExternalProviders]
	provider    []ExternalProvider
	stamps      slots[GroupedTimestamp]
	schemas     slots[EmbeddedModelSchema]
}

// decodeProfileFast decodes b as json.Unmarshal into a UserProfile would, or
// returns errUnsure. It does not validate the profile. Frames that are not
// valid JSON or are over maxSharedFrame bytes are left to encoding/json.
//
// json.Valid runs first (it does not allocate): the reading helpers below
// rely on valid JSON and do not check syntax or bounds again.
func decodeProfileFast(b []byte) (*UserProfile, error) {
	if len(b) > maxSharedFrame || !json.Valid(b) {
		return nil, errUnsure
	}
	a := new(profileArena)
	d := profileDecoder{
		data: b, text: string(b),
		aesthetics: a.aesthetics[:], themes: a.themes[:], fonts: a.fonts[:],
		allocations: a.allocations[:], statuses: a.statuses[:], urlSets: a.urlSets[:], urls: a.urls[:],
		metadata: a.metadata[:], allocMeta: a.allocMeta[:], ranges: a.ranges[:],
		providers: a.providers[:], provider: a.provider[:0],
		stamps: a.stamps[:], schemas: a.schemas[:],
	}
	if d.peek() != '{' {
		return nil, errUnsure
	}
	p := &a.profile
	if err := d.object(func(key string) error { return profileField(&d, p, key) }); err != nil {
		return nil, err
	}
	return p, nil
}

func profileField(d *profileDecoder, p *UserProfile, key string) error {
	switch key {
	case "id":
		return decodeString(d, &p.ID)
	case "aesthetics":
		return decodeObject(d, &p.Aesthetics, &d.aesthetics, aestheticsField)
	case "allocation":
		return decodeObject(d, &p.Allocation, &d.allocations, allocationField)
	case "apiKeys":
		return decodeList(d, &p.APIKeys, nil, decodeString[string])
	case "auth0":
		return decodeObject(d, &p.Auth0, &d.metadata, auth0MetadataField)
	case "created":
		return decodeObject(d, &p.Created, &d.stamps, timestampField)
	case "descope":
		return decodeObject(d, &p.Descope, nil, descopeMetadataField)
	case "email":
		return decodeString(d, &p.Email)
	case "entities":
		return decodeObject(d, &p.Entities, nil, entitiesField)
	case "name":
		return decodeString(d, &p.Name)
	case "picture":
		return decodeString(d, &p.Picture)
	case "providers":
		return decodeObject(d, &p.Providers, &d.providers, providersField)
	case "schema":
		return decodeObject(d, &p.Schema, &d.schemas, schemaField)
	case "subscriptions":
		return decodeObject(d, &p.Subscriptions, nil, subscriptionsField)
	case "updated":
		return decodeObject(d, &p.Updated, &d.stamps, timestampField)
	case "username":
		return decodeString(d, &p.Username)
	case "vanityname":
		return decodeString(d, &p.VanityName)
	}
	return d.unknown(key)
}

func aestheticsField(d *profileDecoder, a *Aesthetics, key string) error {
	switch key {
	case "theme":
		return decodeObject(d, &a.Theme, &d.themes, themeField)
	case "font":
		return decodeObject(d, &a.Font, &d.fonts, fontField)
	case "schema":
		return decodeObject(d, &a.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func themeField(d *profileDecoder, t *Theme, key string) error {
	switch key {
	case "dark":
		return d.bool(&t.Dark)
	case "schema":
		return decodeObject(d, &t.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func fontField(d *profileDecoder, f *Font, key string) error {
	switch key {
	case "size":
		return d.int(&f.Size)
	case "schema":
		return decodeObject(d, &f.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func schemaField(d *profileDecoder, s *EmbeddedModelSchema, key string) error {
	switch key {
	case "migration":
		return d.int(&s.Migration)
	case "semantic":
		return decodeString(d, &s.Semantic)
	}
	return d.unknown(key)
}

func timestampField(d *profileDecoder, t *GroupedTimestamp, key string) error {
	switch key {
	case "value":
		// As encoding/json does, hand the raw value to time.Time.
		if err := t.Value.UnmarshalJSON(d.skip()); err != nil {
			return errUnsure
		}
		return nil
	case "readable":
		return decodeString(d, &t.Readable)
	case "schema":
		return decodeObject(d, &t.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func allocationField(d *profileDecoder, a *AllocationCloud, key string) error {
	switch key {
	case "id":
		return decodeString(d, &a.ID)
	case "project":
		return decodeString(d, &a.Project)
	case "user":
		return decodeString(d, &a.User)
	case "status":
		return decodeObject(d, &a.Status, &d.statuses, allocationStatusField)
	case "urls":
		return decodeObject(d, &a.URLs, &d.urlSets, cloudURLsField)
	case "region":
		return decodeString(d, &a.Region)
	case "updated":
		return decodeObject(d, &a.Updated, &d.stamps, timestampField)
	case "version":
		return decodeString(d, &a.Version)
	case "schema":
		return decodeObject(d, &a.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func allocationStatusField(d *profileDecoder, s *AllocationCloudStatus, key string) error {
	switch key {
	case "cloud":
		return decodeString(d, &s.Cloud)
	case "schema":
		return decodeObject(d, &s.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func cloudURLsField(d *profileDecoder, u *AllocationCloudURLs, key string) error {
	switch key {
	case "base":
		return decodeObject(d, &u.Base, &d.urls, cloudURLField)
	case "id":
		return decodeObject(d, &u.ID, &d.urls, cloudURLField)
	case "vanity":
		return decodeObject(d, &u.Vanity, &d.urls, cloudURLField)
	case "schema":
		return decodeObject(d, &u.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func cloudURLField(d *profileDecoder, u *AllocationCloudURL, key string) error {
	switch key {
	case "url":
		return decodeString(d, &u.URL)
	case "status":
		return decodeString(d, &u.Status)
	case "schema":
		return decodeObject(d, &u.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func auth0MetadataField(d *profileDecoder, m *Auth0UserMetadata, key string) error {
	switch key {
	case "global_id":
		return decodeString(d, &m.GlobalID)
	case "allocation":
		return decodeObject(d, &m.Allocation, &d.allocMeta, allocationMetadataField)
	case "beta":
		return decodeObject(d, &m.Beta, &d.ranges, temporalRangeField)
	case "cloud_key":
		return decodeString(d, &m.CloudKey)
	case "open_AI":
		return decodeObject(d, &m.OpenAI, nil, openAIField)
	case "stripe_customer_id":
		return decodeString(d, &m.StripeCustomerID)
	case "vanityname":
		return decodeString(d, &m.VanityName)
	case "schema":
		return decodeObject(d, &m.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func descopeMetadataField(d *profileDecoder, m *DescopeUserMetadata, key string) error {
	switch key {
	case "descope_id":
		return decodeString(d, &m.DescopeID)
	case "global_id":
		return decodeString(d, &m.GlobalID)
	case "allocation":
		return decodeObject(d, &m.Allocation, &d.allocMeta, allocationMetadataField)
	case "beta":
		return decodeObject(d, &m.Beta, &d.ranges, temporalRangeField)
	case "open_AI":
		return decodeObject(d, &m.OpenAI, nil, openAIField)
	case "vanityname":
		return decodeString(d, &m.VanityName)
	case "schema":
		return decodeObject(d, &m.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func allocationMetadataField(d *profileDecoder, m *Auth0UserAllocationMetadata, key string) error {
	switch key {
	case "project":
		return decodeString(d, &m.Project)
	case "region":
		return decodeString(d, &m.Region)
	}
	return d.unknown(key)
}

func temporalRangeField(d *profileDecoder, r *AnonymousTemporalRange, key string) error {
	switch key {
	case "from":
		return decodeObject(d, &r.From, &d.stamps, timestampField)
	case "to":
		return decodeObject(d, &r.To, &d.stamps, timestampField)
	case "between":
		return d.boolPtr(&r.Between)
	case "continuous":
		return d.boolPtr(&r.Continuous)
	case "schema":
		return decodeObject(d, &r.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func openAIField(d *profileDecoder, m *Auth0OpenAIUserMetadata, key string) error {
	switch key {
	case "api_key":
		return decodeString(d, &m.APIKey)
	case "api_key_name":
		return decodeString(d, &m.APIKeyName)
	case "organization_key":
		return decodeString(d, &m.OrganizationKey)
	case "schema":
		return decodeObject(d, &m.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func providersField(d *profileDecoder, ps *ExternalProviders, key string) error {
	switch key {
	case "iterable":
		return decodeList(d, &ps.Iterable, d.provider, func(d *profileDecoder, e *ExternalProvider) error {
			return decodeFields(d, e, providerField)
		})
	case "schema":
		return decodeObject(d, &ps.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func providerField(d *profileDecoder, e *ExternalProvider, key string) error {
	switch key {
	case "type":
		return decodeString(d, &e.Type)
	case "user_id":
		return decodeString(d, &e.UserID)
	case "created":
		return decodeObject(d, &e.Created, &d.stamps, timestampField)
	case "updated":
		return decodeObject(d, &e.Updated, &d.stamps, timestampField)
	case "access_token":
		return decodeString(d, &e.AccessToken)
	case "expires_in":
		return d.intPtr(&e.ExpiresIn)
	case "connection":
		return decodeString(d, &e.Connection)
	case "isSocial":
		return d.boolPtr(&e.IsSocial)
	case "profileData":
		return d.generic(&e.ProfileData)
	case "schema":
		return decodeObject(d, &e.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func entitiesField(d *profileDecoder, f *FlattenedEntities, key string) error {
	return flattenedField(d, &f.Iterable, &f.Indices, &f.Score, &f.Schema, key)
}

func subscriptionsField(d *profileDecoder, f *FlattenedSubscriptions, key string) error {
	return flattenedField(d, &f.Iterable, &f.Indices, &f.Score, &f.Schema, key)
}

// flattenedField decodes a field of FlattenedEntities or
// FlattenedSubscriptions, which have the same fields; their elements have
// the same fields too, so both decode as ReferencedEntity.
func flattenedField[R ReferencedEntity | ReferencedSubscription](d *profileDecoder, iterable *[]R,
	indices *map[string]int, score **Score, schema **EmbeddedModelSchema, key string) error {
	switch key {
	case "iterable":
		return decodeList(d, iterable, nil, func(d *profileDecoder, r *R) error {
			e := ReferencedEntity(*r)
			err := decodeFields(d, &e, referenceField)
			*r = R(e)
			return err
		})
	case "indices":
		return d.generic(indices)
	case "score":
		return decodeObject(d, score, nil, scoreField)
	case "schema":
		return decodeObject(d, schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func referenceField(d *profileDecoder, r *ReferencedEntity, key string) error {
	switch key {
	case "id":
		return decodeString(d, &r.ID)
	case "reference":
		return d.generic(&r.Reference)
	case "schema":
		return decodeObject(d, &r.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

func scoreField(d *profileDecoder, s *Score, key string) error {
	switch key {
	case "manual":
		return d.int(&s.Manual)
	case "automatic":
		return d.int(&s.Automatic)
	case "priority":
		return d.intPtr(&s.Priority)
	case "reference":
		return d.intPtr(&s.Reference)
	case "reuse":
		return d.intPtr(&s.Reuse)
	case "searched":
		return d.intPtr(&s.Searched)
	case "update":
		return d.intPtr(&s.Update)
	case "schema":
		return decodeObject(d, &s.Schema, &d.schemas, schemaField)
	}
	return d.unknown(key)
}

// decodeObject decodes a pointer to a model. null sets it to nil, as in
// encoding/json; an object is decoded into the model it already points to
// (a repeated key) or into one taken from s.
func decodeObject[T any](d *profileDecoder, dst **T, s *slots[T], field func(*profileDecoder, *T, string) error) error {
	switch d.peek() {
	case 'n':
		d.i += len("null")
		*dst = nil
		return nil
	case '{':
	default:
		return errUnsure
	}
	if *dst == nil {
		*dst = s.take()
	}
	return decodeFields(d, *dst, field)
}

// decodeFields decodes the object at the read position into v, field by
// field.
func decodeFields[T any](d *profileDecoder, v *T, field func(*profileDecoder, *T, string) error) error {
	if d.peek() != '{' {
		return errUnsure
	}
	return d.object(func(key string) error { return field(d, v, key) })
}

// decodeList decodes a list: null sets it to nil, [] to an empty list.
// Elements go into backing while it has room. A list key seen twice is left
// to encoding/json, which reuses the first list's elements. So backing is
// used again only when the list it held was set to nil: d.provider serves
// providers.iterable alone, and must not be given to another list.
func decodeList[T any](d *profileDecoder, dst *[]T, backing []T, elem func(*profileDecoder, *T) error) error {
	switch d.peek() {
	case 'n':
		d.i += len("null")
		*dst = nil
		return nil
	case '[':
	default:
		return errUnsure
	}
	if *dst != nil {
		return errUnsure
	}
	list := backing[:0]
	if list == nil {
		list = []T{}
	}
	d.i++
	for {
		switch d.peek() {
		case ']':
			d.i++
			*dst = list
			return nil
		case ',':
			d.i++
		}
		var zero T
		list = append(list, zero)
		if err := elem(d, &list[len(list)-1]); err != nil {
			return err
		}
	}
}

// decodeString decodes a string. null leaves dst as it is, as in
// encoding/json.
func decodeString[S ~string](d *profileDecoder, dst *S) error {
	switch d.peek() {
	case 'n':
		d.i += len("null")
		return nil
	case '"':
	default:
		return errUnsure
	}
	start := d.i
	plain := true // no escapes, valid UTF-8
	ascii := true
	for d.i++; d.data[d.i] != '"'; d.i++ {
		switch c := d.data[d.i]; {
		case c == '\\':
			plain = false
			d.i++
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.i++
	if plain && (ascii || utf8.ValidString(d.text[start+1:d.i-1])) {
		*dst = S(d.text[start+1 : d.i-1])
		return nil
	}
	// Escapes and invalid UTF-8: let encoding/json unquote, so that the
	// result is exactly its own.
	if err := json.Unmarshal(d.data[start:d.i], dst); err != nil {
		return errUnsure
	}
	return nil
}

// int decodes an integer; null leaves dst as it is.
func (d *profileDecoder) int(dst *int) error {
	switch c := d.peek(); {
	case c == 'n':
		d.i += len("null")
		return nil
	case c == '-' || c >= '0' && c <= '9':
	default:
		return errUnsure
	}
	start := d.i
	d.literal()
	n, err := strconv.ParseInt(d.text[start:d.i], 10, strconv.IntSize)
	if err != nil { // a fraction, an exponent or an overflow
		return errUnsure
	}
	*dst = int(n)
	return nil
}

// intPtr decodes an optional integer: null sets dst to nil.
func (d *profileDecoder) intPtr(dst **int) error {
	if d.peek() == 'n' {
		d.i += len("null")
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = new(int)
	}
	return d.int(*dst)
}

// bool decodes a boolean; null leaves dst as it is.
func (d *profileDecoder) bool(dst *bool) error {
	switch d.peek() {
	case 'n':
		d.i += len("null")
	case 't':
		d.i += len("true")
		*dst = true
	case 'f':
		d.i += len("false")
		*dst = false
	default:
		return errUnsure
	}
	return nil
}

// boolPtr decodes an optional boolean: null sets dst to nil.
func (d *profileDecoder) boolPtr(dst **bool) error {
	if d.peek() == 'n' {
		d.i += len("null")
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = new(bool)
	}
	return d.bool(*dst)
}

// generic decodes a free-form value (a map) with encoding/json itself.
func (d *profileDecoder) generic(dst any) error {
	if err := json.Unmarshal(d.skip(), dst); err != nil {
		return errUnsure
	}
	return nil
}

// object calls field for each key of the object at the read position, with
// the read position at the key's value; field must read the value.
func (d *profileDecoder) object(field func(key string) error) error {
	d.i++ // {
	for {
		switch d.peek() {
		case '}':
			d.i++
			return nil
		case ',':
			d.i++
			d.space()
		}
		key, err := d.key()
		if err != nil {
			return err
		}
		d.space()
		d.i++ // :
		d.space()
		if err := field(key); err != nil {
			return err
		}
	}
}

// key reads an object key. A key with escapes is left to encoding/json,
// which unescapes it before matching.
func (d *profileDecoder) key() (string, error) {
	start := d.i + 1
	for j := start; j < len(d.data); j++ {
		switch d.data[j] {
		case '\\':
			return "", errUnsure
		case '"':
			d.i = j + 1
			return d.text[start:j], nil
		}
	}
	return "", errUnsure
}

// unknown skips the value of a key that names no field. encoding/json also
// matches keys to fields ignoring case (with some Unicode folding), so a key
// that is not plain ASCII, or that names a field of any profile model when
// case is ignored, is left to it.
func (d *profileDecoder) unknown(key string) error {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return errUnsure
		}
	}
	for _, name := range profileFieldNames {
		if strings.EqualFold(key, name) {
			return errUnsure
		}
	}
	d.skip()
	return nil
}

// skip moves past the value at the read position and returns it.
func (d *profileDecoder) skip() []byte {
	d.space()
	start := d.i
	depth := 0
	for {
		switch c := d.data[d.i]; {
		case c == '"':
			for d.i++; d.data[d.i] != '"'; d.i++ {
				if d.data[d.i] == '\\' {
					d.i++
				}
			}
			d.i++
		case c == '{' || c == '[':
			depth++
			d.i++
		case c == '}' || c == ']':
			depth--
			d.i++
		case isLiteralByte(c):
			d.literal()
		default: // a comma, a colon or whitespace inside an object or a list
			d.i++
			continue
		}
		if depth == 0 {
			return d.data[start:d.i]
		}
	}
}

// literal moves past a number, true, false or null.
func (d *profileDecoder) literal() {
	for d.i < len(d.data) && isLiteralByte(d.data[d.i]) {
		d.i++
	}
}

// peek skips whitespace and returns the byte at the read position.
func (d *profileDecoder) peek() byte {
	d.space()
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

func (d *profileDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// profileFieldNames are the JSON names of the fields of every model a
// profile holds.
var profileFieldNames = jsonFieldNames(reflect.TypeFor[UserProfile](), map[reflect.Type]bool{})

// jsonFieldNames lists the JSON names of t's fields and of the fields of the
// structs t holds.
func jsonFieldNames(t reflect.Type, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() || seen[t] {
		return nil
	}
	seen[t] = true
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		names = append(names, jsonFieldNames(f.Type, seen)...)
	}
	return names
}
