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

// goldenModel ties a fixture family to the model it decodes into.
type goldenModel struct {
	model string
	shape *jsonShape
	new   func() interface{ Validate() error }
}

var goldenModels = map[string]goldenModel{
	"profile":          {"UserProfile", profileShape, func() interface{ Validate() error } { return new(UserProfile) }},
	"returned":         {"ReturnedUserProfile", returnedShape, func() interface{ Validate() error } { return new(ReturnedUserProfile) }},
	"users":            {"Users", usersShape, func() interface{ Validate() error } { return new(Users) }},
	"oauth_token":      {"OAuthToken", oauthTokenShape, func() interface{ Validate() error } { return new(OAuthToken) }},
	"user_beta_status": {"UserBetaStatus", betaStatusShape, func() interface{ Validate() error } { return new(UserBetaStatus) }},
	"auth0_user":       {"Auth0User", auth0UserShape, func() interface{ Validate() error } { return new(Auth0User) }},
}

// modelOf returns the model of a fixture file, by the longest matching name
// prefix.
func modelOf(t *testing.T, name string) goldenModel {
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
	return goldenModels[best]
}

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
			gm := modelOf(t, name)
			b := readFixture(t, name)
			v := gm.new()
			if err := decodeChecked(b, gm.model, gm.shape, v); err != nil {
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
	if err := decodeChecked(readFixture(t, "returned_empty.json"), "ReturnedUserProfile", returnedShape, &r); err != nil || r.User != nil {
		t.Errorf("returned_empty.json: user = %v, err = %v; want nil, nil", r.User, err)
	}
	var tok OAuthToken
	if err := decodeChecked(readFixture(t, "oauth_token_minimal.json"), "OAuthToken", oauthTokenShape, &tok); err != nil || tok.TokenType != "UNKNOWN" {
		t.Errorf("oauth_token_minimal.json: token_type = %q, err = %v; want UNKNOWN, nil", tok.TokenType, err)
	}
	var u Auth0User
	if err := decodeChecked(readFixture(t, "auth0_user.json"), "Auth0User", auth0UserShape, &u); err != nil {
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

// mutation is a fixture with one required field removed or nulled.
type mutation struct {
	path string // JSON path of the field, as MissingFieldError reports it
	doc  any
}

// requiredMutations walks doc along shape and returns, for every required
// key present in doc at any depth, a copy of doc without that key and a copy
// with it set to null.
func requiredMutations(doc any, shape *jsonShape) []mutation {
	var out []mutation
	var walk func(at string, node map[string]any, s *jsonShape, rebuild func(map[string]any) any)
	walk = func(at string, node map[string]any, s *jsonShape, rebuild func(map[string]any) any) {
		for _, k := range s.required {
			if _, ok := node[k]; !ok {
				continue
			}
			without := cloneMap(node)
			delete(without, k)
			nulled := cloneMap(node)
			nulled[k] = nil
			out = append(out, mutation{join(at, k), rebuild(without)}, mutation{join(at, k), rebuild(nulled)})
		}
		for _, k := range sortedKeys(s.objects) {
			child, ok := node[k].(map[string]any)
			if !ok {
				continue
			}
			walk(join(at, k), child, s.objects[k], func(c map[string]any) any {
				n := cloneMap(node)
				n[k] = c
				return rebuild(n)
			})
		}
		for _, k := range sortedKeys(s.arrays) {
			list, ok := node[k].([]any)
			if !ok {
				continue
			}
			for i, e := range list {
				child, ok := e.(map[string]any)
				if !ok {
					continue
				}
				walk(join(at, k)+"["+itoa(i)+"]", child, s.arrays[k], func(c map[string]any) any {
					l := slices.Clone(list)
					l[i] = c
					n := cloneMap(node)
					n[k] = l
					return rebuild(n)
				})
			}
		}
	}
	walk("", doc.(map[string]any), shape, func(m map[string]any) any { return m })
	return out
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
		gm := modelOf(t, name)
		muts := requiredMutations(generic(t, readFixture(t, name)), gm.shape)
		if len(muts) == 0 && name != "auth0_user.json" {
			t.Errorf("%s: no required fields found; fixture or shape broken", name)
		}
		total += len(muts)
		for _, m := range muts {
			b, err := json.Marshal(m.doc)
			if err != nil {
				t.Fatal(err)
			}
			err = decodeChecked(b, gm.model, gm.shape, gm.new())
			var mf *MissingFieldError
			if !errors.As(err, &mf) || mf.Path != m.path || mf.Model != gm.model {
				t.Errorf("%s without %s: error = %v; want %s is missing required field %q", name, m.path, err, gm.model, m.path)
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d mutations checked; want the fixtures to cover every level (>= 100)", total)
	}
}

// TestMissingRequiredExamples lists readable cases, including ones the
// generic walk cannot express (empty strings, wrong kinds).
func TestMissingRequiredExamples(t *testing.T) {
	const aes = `"aesthetics":{"theme":{"dark":false},"font":{"size":12}}`
	tests := []struct {
		name, json, want string
	}{
		{"no id", `{` + aes + `}`, `missing required field "id"`},
		{"empty id", `{"id":"",` + aes + `}`, `missing required field "id"`},
		{"no aesthetics", `{"id":"u"}`, `missing required field "aesthetics"`},
		{"no font", `{"id":"u","aesthetics":{"theme":{"dark":true}}}`, `"aesthetics.font"`},
		{"no dark", `{"id":"u","aesthetics":{"theme":{},"font":{"size":1}}}`, `"aesthetics.theme.dark"`},
		{"allocation without urls", `{"id":"u",` + aes + `,"allocation":{"id":"u","project":"p","user":"u","status":{"cloud":"RUNNING"}}}`, `"allocation.urls"`},
		{"vanity url without status", `{"id":"u",` + aes + `,"allocation":{"id":"u","project":"p","user":"u","status":{"cloud":"RUNNING"},"urls":{"base":{"url":"b","status":"RUNNING"},"id":{"url":"i","status":"RUNNING"},"vanity":{"url":"v"}}}}`, `"allocation.urls.vanity.status"`},
		{"auth0 without global_id", `{"id":"u",` + aes + `,"auth0":{"vanityname":"x"}}`, `"auth0.global_id"`},
		{"beta timestamp without value", `{"id":"u",` + aes + `,"auth0":{"global_id":"g","beta":{"to":{"readable":"now"}}}}`, `"auth0.beta.to.value"`},
		{"schema without semantic", `{"id":"u",` + aes + `,"schema":{"migration":0}}`, `"schema.semantic"`},
		{"provider without created", `{"id":"u",` + aes + `,"providers":{"iterable":[{"type":"github","user_id":"1","updated":{"value":"2025-01-01T00:00:00Z"}}]}}`, `"providers.iterable[0].created"`},
		{"entities without iterable", `{"id":"u",` + aes + `,"entities":{}}`, `"entities.iterable"`},
		{"aesthetics is a string", `{"id":"u","aesthetics":"dark"}`, `"aesthetics" must be an object, not a string`},
		{"iterable is an object", `{"id":"u",` + aes + `,"subscriptions":{"iterable":{}}}`, `"subscriptions.iterable" must be an array`},
		{"null document", `null`, `want a JSON object, got null`},
		{"array document", `[]`, `want a JSON object, got an array`},
		{"empty body", ``, `empty body`},
		{"syntax error", `{"id":`, `decode UserProfile`},
		{"wrong type", `{"id":5,` + aes + `}`, `decode UserProfile`},
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
		})
	}
}
