package apiclient

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// goldenModels gives, for each fixture family, a new value of the model it
// decodes into.
var goldenModels = map[string]func() any{
	"profile":          func() any { return new(UserProfile) },
	"returned":         func() any { return new(ReturnedUserProfile) },
	"users":            func() any { return new(Users) },
	"oauth_token":      func() any { return new(OAuthToken) },
	"user_beta_status": func() any { return new(UserBetaStatus) },
	"auth0_user":       func() any { return new(Auth0User) },
}

// modelOf returns a new value of the model of a fixture file, by the
// longest matching name prefix.
func modelOf(t *testing.T, name string) any {
	t.Helper()
	best := ""
	for prefix := range goldenModels {
		if strings.HasPrefix(name, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		t.Fatalf("no model for fixture %s", name)
	}
	return goldenModels[best]()
}

// modelName is the name decode gives the model v points to.
func modelName(v any) string { return reflect.TypeOf(v).Elem().Name() }

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return v
}

// TestGoldenRoundTrip decodes every fixture into its model and encodes it
// again: the two JSON documents must be equal, so no field is lost or added.
func TestGoldenRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v, %v", files, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			v := modelOf(t, name)
			b := readFixture(t, name)
			if err := decode(b, v); err != nil {
				t.Fatalf("decode %s: %v", name, err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			want, got := generic(t, b), generic(t, out)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip of %s changed it:\n got %s\nwant %s", name, out, b)
			}
		})
	}
}

// TestGoldenValues spot-checks that fixture values land in the right fields.
func TestGoldenValues(t *testing.T) {
	p, err := DecodeProfile(readFixture(t, "profile_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", p.ID, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"aesthetics.theme.dark", p.Aesthetics.Theme.Dark, true},
		{"aesthetics.font.size", p.Aesthetics.Font.Size, 14},
		{"allocation.status.cloud", p.Allocation.Status.Cloud, AllocationRunning},
		{"allocation.urls.vanity.url", p.Allocation.URLs.Vanity.URL, "https://ada.pieces.cloud"},
		{"auth0.vanityname", p.Auth0.VanityName, "ada"},
		{"auth0.beta.continuous", *p.Auth0.Beta.Continuous, true},
		{"auth0.beta.from.value", p.Auth0.Beta.From.Value, time.Date(2025, 1, 1, 12, 0, 0, 5e8, time.UTC)},
		{"auth0.open_AI.api_key_name", p.Auth0.OpenAI.APIKeyName, "default"},
		{"descope.descope_id", p.Descope.DescopeID, "U2abc"},
		{"descope.beta.to.value", p.Descope.Beta.To.Value, time.Date(2025, 2, 1, 12, 0, 0, 5e8, time.UTC)},
		{"providers.iterable[0].type", p.Providers.Iterable[0].Type, ExternalProviderType("github")},
		{"providers.iterable[0].isSocial", *p.Providers.Iterable[0].IsSocial, true},
		{"providers.iterable[0].expires_in", *p.Providers.Iterable[0].ExpiresIn, 28800},
		{"providers.iterable[0].profileData.login", p.Providers.Iterable[0].ProfileData["login"], "ada"},
		{"entities.iterable[1].id", p.Entities.Iterable[1].ID, "ent-2"},
		{"entities.score.update", *p.Entities.Score.Update, 7},
		{"subscriptions.indices.sub-pro", p.Subscriptions.Indices["sub-pro"], 0},
		{"apiKeys", p.APIKeys, []string{"key-one", "key-two"}},
		{"vanityname", p.VanityName, "ada"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("profile_full.json %s = %#v; want %#v", c.name, c.got, c.want)
		}
	}

	var r ReturnedUserProfile
	if err := decode(readFixture(t, "returned_empty.json"), &r); err != nil || r.User != nil {
		t.Errorf("returned_empty.json: user = %v, err = %v; want nil, nil", r.User, err)
	}
	var tok OAuthToken
	if err := decode(readFixture(t, "oauth_token_minimal.json"), &tok); err != nil || tok.TokenType != "UNKNOWN" {
		t.Errorf("oauth_token_minimal.json: token_type = %q, err = %v; want UNKNOWN, nil", tok.TokenType, err)
	}
	var u Auth0User
	if err := decode(readFixture(t, "auth0_user.json"), &u); err != nil {
		t.Fatal(err)
	}
	if got := *u.LoginsCount; got != 42 {
		t.Errorf("auth0_user.json logins_count = %d; want 42", got)
	}
	if got := u.Identities[1].IsSocial; got == nil || *got {
		t.Errorf("auth0_user.json identities[1].isSocial = %v; want false", got)
	}
}

// TestDecodeTolerance: unknown fields are ignored, null optionals are
// absent, and a readable time with .000 decodes to the same instant.
func TestDecodeTolerance(t *testing.T) {
	b := []byte(`{"id":"u1","aesthetics":{"theme":{"dark":false,"hue":3},"font":{"size":12}},
		"futureField":{"nested":[1,2]},"allocation":null,"email":null,
		"created":{"value":"2025-01-01T12:00:00.000Z"}}`)
	p, err := DecodeProfile(b)
	if err != nil {
		t.Fatalf("DecodeProfile(unknown fields) = %v; want nil", err)
	}
	if p.Allocation != nil || p.Email != "" {
		t.Errorf("null optionals decoded as %v, %q; want absent", p.Allocation, p.Email)
	}
	if want := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC); !p.Created.Value.Equal(want) {
		t.Errorf("created.value = %v; want %v", p.Created.Value, want)
	}
	out, _ := json.Marshal(p)
	for _, absent := range []string{"futureField", "allocation", "email", "null"} {
		if strings.Contains(string(out), absent) {
			t.Errorf("re-encoded profile %s contains %q; want it omitted", out, absent)
		}
	}
}

// referenceRequired is the compact table of required wire fields per model
// of the Pieces OS SDKs (UserLastCheckedInStreamOutput left out: the client
// does not read that stream). The `required` tags of the models must say
// exactly this, and every model reachable from the bodies must be listed.
var referenceRequired = map[string][]string{
	"UserProfile":                 {"id", "aesthetics"},
	"ReturnedUserProfile":         {},
	"Users":                       {},
	"OAuthToken":                  {"access_token", "expires_in", "token_type"},
	"Auth0User":                   {},
	"Auth0Identity":               {},
	"Auth0UserMetadata":           {"global_id"},
	"Auth0UserAllocationMetadata": {"project", "region"},
	"Auth0OpenAIUserMetadata":     {},
	"DescopeUserMetadata":         {"descope_id", "global_id"},
	"UserBetaStatus":              {"user"},
	"Auth0UserBetaStatus":         {},
	"AnonymousTemporalRange":      {},
	"GroupedTimestamp":            {"value"},
	"EmbeddedModelSchema":         {"migration", "semantic"},
	"Aesthetics":                  {"theme", "font"},
	"Theme":                       {"dark"},
	"Font":                        {"size"},
	"AllocationCloud":             {"id", "project", "user", "status", "urls"},
	"AllocationCloudStatus":       {"cloud"},
	"AllocationCloudURLs":         {"base", "id"}, // AllocationCloudUrls
	"AllocationCloudURL":          {"url", "status"},
	"ExternalProviders":           {"iterable"},
	"ExternalProvider":            {"type", "user_id", "created", "updated"},
	"FlattenedEntities":           {"iterable"},
	"ReferencedEntity":            {"id"},
	"FlattenedSubscriptions":      {"iterable"},
	"ReferencedSubscription":      {"id"},
	"Score":                       {"manual", "automatic"},
}

// TestRequiredFollowsReference pins the `required` tags to the reference
// table.
func TestRequiredFollowsReference(t *testing.T) {
	seen := map[string]bool{}
	var visit func(reflect.Type)
	visit = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if !isModel(typ) || seen[typ.Name()] {
			return
		}
		seen[typ.Name()] = true
		var got []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			if required(f) {
				got = append(got, jsonName(f))
			}
			if tag := f.Tag.Get("required"); tag != "" && tag != "true" {
				t.Errorf("%s.%s: required tag %q; want \"true\" or none", typ.Name(), f.Name, tag)
			}
			visit(f.Type)
		}
		want, ok := referenceRequired[typ.Name()]
		if !ok {
			t.Errorf("model %s is not in the reference table", typ.Name())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: required %q; the reference says %q", typ.Name(), got, want)
		}
	}
	for _, m := range goldenModels {
		visit(reflect.TypeOf(m()))
	}
	for name := range referenceRequired {
		if !seen[name] {
			t.Errorf("reference model %s is not reachable from the bodies", name)
		}
	}
}

// mutation is a fixture with one required field removed or nulled.
type mutation struct {
	path string // JSON path of the field, as MissingFieldError reports it
	doc  any
}

// requiredMutations walks doc along the model type typ and returns, for
// every required key present in doc at any depth, a copy of doc without that
// key and a copy with it set to null.
func requiredMutations(doc any, typ reflect.Type) []mutation {
	var out []mutation
	var walk func(at string, node map[string]any, typ reflect.Type, rebuild func(map[string]any) any)
	walk = func(at string, node map[string]any, typ reflect.Type, rebuild func(map[string]any) any) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			k := jsonName(f)
			path := join(at, k)
			if _, ok := node[k]; ok && required(f) {
				without := cloneMap(node)
				delete(without, k)
				nulled := cloneMap(node)
				nulled[k] = nil
				out = append(out, mutation{path, rebuild(without)}, mutation{path, rebuild(nulled)})
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch v := node[k].(type) {
			case map[string]any:
				if isModel(ft) {
					walk(path, v, ft, func(c map[string]any) any {
						n := cloneMap(node)
						n[k] = c
						return rebuild(n)
					})
				}
			case []any:
				if ft.Kind() != reflect.Slice || !isModel(ft.Elem()) {
					continue
				}
				for i, e := range v {
					child, ok := e.(map[string]any)
					if !ok {
						continue
					}
					walk(path+"["+itoa(i)+"]", child, ft.Elem(), func(c map[string]any) any {
						l := slices.Clone(v)
						l[i] = c
						n := cloneMap(node)
						n[k] = l
						return rebuild(n)
					})
				}
			}
		}
	}
	walk("", doc.(map[string]any), typ, func(m map[string]any) any { return m })
	return out
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// TestMissingRequiredEveryLevel removes (or nulls) each required field of
// the rich fixtures, one at a time, at every nesting level: decoding must
// fail with a *MissingFieldError naming exactly that field.
func TestMissingRequiredEveryLevel(t *testing.T) {
	fixtures := []string{
		"profile_full.json", "profile_no_cloud.json", "returned_user.json", "users.json",
		"oauth_token.json", "user_beta_status.json", "auth0_user.json",
	}
	total := 0
	for _, name := range fixtures {
		model := reflect.TypeOf(modelOf(t, name)).Elem()
		muts := requiredMutations(generic(t, readFixture(t, name)), model)
		if len(muts) == 0 {
			t.Errorf("%s: no required fields found; fixture or tags broken", name)
		}
		total += len(muts)
		for _, m := range muts {
			b, err := json.Marshal(m.doc)
			if err != nil {
				t.Fatal(err)
			}
			v := modelOf(t, name)
			err = decode(b, v)
			var mf *MissingFieldError
			if !errors.As(err, &mf) || mf.Path != m.path || mf.Model != modelName(v) {
				t.Errorf("%s without %s: error = %v; want %s is missing required field %q", name, m.path, err, modelName(v), m.path)
			}
			if got, want := errors.Is(err, ErrUnreadableProfile), carriesProfile(modelName(v)); got != want {
				t.Errorf("%s without %s: errors.Is(ErrUnreadableProfile) = %v; want %v", name, m.path, got, want)
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d mutations checked; want the fixtures to cover every level (>= 100)", total)
	}
}

// TestMissingRequiredExamples lists readable cases, including ones the
// generic walk cannot express (wrong kinds, documents that are not objects).
func TestMissingRequiredExamples(t *testing.T) {
	const aes = `"aesthetics":{"theme":{"dark":false},"font":{"size":12}}`
	tests := []struct {
		name, json, want string
		unreadable       bool
	}{
		{"no id", `{` + aes + `}`, `missing required field "id"`, true},
		{"no aesthetics", `{"id":"u"}`, `missing required field "aesthetics"`, true},
		{"no font", `{"id":"u","aesthetics":{"theme":{"dark":true}}}`, `"aesthetics.font"`, true},
		{"no dark", `{"id":"u","aesthetics":{"theme":{},"font":{"size":1}}}`, `"aesthetics.theme.dark"`, true},
		{"allocation without urls", `{"id":"u",` + aes + `,"allocation":{"id":"u","project":"p","user":"u","status":{"cloud":"RUNNING"}}}`, `"allocation.urls"`, true},
		{"vanity url without status", `{"id":"u",` + aes + `,"allocation":{"id":"u","project":"p","user":"u","status":{"cloud":"RUNNING"},"urls":{"base":{"url":"b","status":"RUNNING"},"id":{"url":"i","status":"RUNNING"},"vanity":{"url":"v"}}}}`, `"allocation.urls.vanity.status"`, true},
		{"auth0 without global_id", `{"id":"u",` + aes + `,"auth0":{"vanityname":"x"}}`, `"auth0.global_id"`, true},
		{"beta timestamp without value", `{"id":"u",` + aes + `,"auth0":{"global_id":"g","beta":{"to":{"readable":"now"}}}}`, `"auth0.beta.to.value"`, true},
		{"schema without semantic", `{"id":"u",` + aes + `,"schema":{"migration":0}}`, `"schema.semantic"`, true},
		{"schema without migration", `{"id":"u",` + aes + `,"schema":{"semantic":"UNKNOWN"}}`, `"schema.migration"`, true},
		{"provider without created", `{"id":"u",` + aes + `,"providers":{"iterable":[{"type":"github","user_id":"1","updated":{"value":"2025-01-01T00:00:00Z"}}]}}`, `"providers.iterable[0].created"`, true},
		{"entities without iterable", `{"id":"u",` + aes + `,"entities":{}}`, `"entities.iterable"`, true},
		{"score without manual", `{"id":"u",` + aes + `,"entities":{"iterable":[],"score":{"automatic":0}}}`, `"entities.score.manual"`, true},
		{"aesthetics is a string", `{"id":"u","aesthetics":"dark"}`, `decode UserProfile: "aesthetics" must be an object, not a string`, true},
		{"iterable is an object", `{"id":"u",` + aes + `,"subscriptions":{"iterable":{}}}`, `"subscriptions.iterable" must be an array, not an object`, true},
		{"id is a number", `{"id":5,` + aes + `}`, `decode UserProfile: "id" must be a string, not a number`, true},
		{"null document", `null`, `decode UserProfile: want a JSON object, got null`, true},
		{"array document", `[]`, `decode UserProfile: want a JSON object, got an array`, true},
		{"empty body", ``, `decode UserProfile: empty body`, false},
		{"syntax error", `{"id":`, `decode UserProfile: not valid JSON (at byte 6)`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeProfile([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeProfile(%s) = %v, %v; want error containing %q", tt.json, p, err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "apiclient: ") {
				t.Errorf("DecodeProfile(%s) error %q lacks the package prefix", tt.json, err)
			}
			if got := errors.Is(err, ErrUnreadableProfile); got != tt.unreadable {
				t.Errorf("errors.Is(DecodeProfile(%s), ErrUnreadableProfile) = %v; want %v", tt.json, got, tt.unreadable)
			}
		})
	}
}

// TestPresentMeansEnough: required means present and not null, as in the
// SDKs; empty strings, zeros and false are values.
func TestPresentMeansEnough(t *testing.T) {
	tests := []struct {
		name, json string
		v          any
	}{
		{"profile", `{"id":"","aesthetics":{"theme":{"dark":false},"font":{"size":0}},"schema":{"migration":0,"semantic":"UNKNOWN"},
			"auth0":{"global_id":"","allocation":{"project":"","region":""}},"descope":{"descope_id":"","global_id":""},
			"entities":{"iterable":[{"id":""}],"score":{"manual":0,"automatic":0}}}`, new(UserProfile)},
		{"token", `{"access_token":"","expires_in":0,"token_type":"UNKNOWN"}`, new(OAuthToken)},
		{"beta status", `{"user":""}`, new(UserBetaStatus)},
	}
	for _, tt := range tests {
		if err := decode([]byte(tt.json), tt.v); err != nil {
			t.Errorf("%s: decode = %v; want nil", tt.name, err)
		}
	}
}
