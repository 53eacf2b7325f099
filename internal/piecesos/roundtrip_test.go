package piecesos

import (
	"encoding/json"
	"testing"

	"piecestray/apiclient"
)

// fullProfile sets every field of the reference's UserProfile (§4).
const fullProfile = `{
 "id":"0b7d2c9e-6a55-4c8e-9d3e-1f0a2b3c4d5e",
 "aesthetics":{"theme":{"dark":true,"schema":{"migration":0,"semantic":"MAJOR_0_MINOR_0_PATCH_1"}},"font":{"size":14},"schema":{"migration":0,"semantic":"UNKNOWN"}},
 "allocation":{"id":"0b7d2c9e-6a55-4c8e-9d3e-1f0a2b3c4d5e","project":"p1","user":"0b7d2c9e-6a55-4c8e-9d3e-1f0a2b3c4d5e",
  "status":{"cloud":"RUNNING"},
  "urls":{"base":{"url":"https://p1.a.run.app","status":"RUNNING"},"id":{"url":"0b7d2c9e-6a55-4c8e-9d3e-1f0a2b3c4d5e.pieces.cloud","status":"RUNNING"},"vanity":{"url":"ada.pieces.cloud","status":"PENDING"}},
  "region":"us-central1","updated":{"value":"2026-01-01T00:00:00Z","readable":"just now"},"version":"12.3.0"},
 "apiKeys":["k1","k2"],
 "auth0":{"global_id":"g1","allocation":{"project":"p1","region":"us-central1"},"beta":{"from":{"value":"2026-01-01T00:00:00Z"},"continuous":true},
  "cloud_key":"ck","open_AI":{"api_key":"sk","api_key_name":"n","organization_key":"o"},"stripe_customer_id":"cus","vanityname":"ada"},
 "created":{"value":"2025-12-31T23:59:59.123Z"},
 "descope":{"descope_id":"d1","global_id":"g1","vanityname":"ada"},
 "email":"ada@example.com",
 "entities":{"iterable":[{"id":"e1","reference":{"k":"v"}}],"indices":{"e1":0},"score":{"manual":1,"automatic":2,"priority":3}},
 "name":"Ada",
 "picture":"https://example.com/a.png",
 "providers":{"iterable":[{"type":"github","user_id":"42","created":{"value":"2025-01-01T00:00:00Z"},"updated":{"value":"2025-01-02T00:00:00Z"},
  "access_token":"gh","expires_in":3600,"connection":"github","isSocial":true,"profileData":{"login":"ada"}}]},
 "schema":{"migration":0,"semantic":"MAJOR_0_MINOR_0_PATCH_1"},
 "subscriptions":{"iterable":[{"id":"s1"}]},
 "updated":{"value":"2026-01-01T00:00:00Z"},
 "username":"ada",
 "vanityname":"ada"
}`

// TestFullProfileRoundTrip: a profile with every field goes through the
// store, GET /user, /users and the stream without losing a field.
func TestFullProfileRoundTrip(t *testing.T) {
	p, err := apiclient.DecodeProfile([]byte(fullProfile))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	s := startSim(t, Config{})
	c := newClient(t)
	w := dialStream(t, s.URL())
	w.next(t)
	s.SetUser(p)

	want := canonical(t, fullProfile)
	if got := canonical(t, w.next(t)); got != want {
		t.Errorf("stream frame =\n%s\nwant\n%s", got, want)
	}
	r := call(t, c, "GET", s.URL()+"/user", "")
	var ret struct {
		User json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal([]byte(r.body), &ret); err != nil {
		t.Fatal(err)
	}
	if got := canonical(t, string(ret.User)); got != want {
		t.Errorf("GET /user =\n%s\nwant\n%s", got, want)
	}
	r = call(t, c, "GET", s.URL()+"/users/"+p.ID, "")
	if got := canonical(t, r.body); got != want {
		t.Errorf("GET /users/{id} =\n%s\nwant\n%s", got, want)
	}
}

// canonical re-encodes a JSON document with sorted keys and normalised
// timestamps.
func canonical(t *testing.T, doc string) string {
	t.Helper()
	p, err := apiclient.DecodeProfile([]byte(doc))
	if err != nil {
		t.Fatalf("decode %q: %v", doc, err)
	}
	b, _ := json.Marshal(p)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	var raw any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	// Every key of the document must survive decoding too.
	if missing := missingKeys(raw, v, ""); missing != "" {
		t.Errorf("field %s lost", missing)
	}
	return string(out)
}

// missingKeys names the first key of a (recursively) absent from b.
func missingKeys(a, b any, path string) string {
	switch av := a.(type) {
	case map[string]any:
		bv, _ := b.(map[string]any)
		for k, x := range av {
			y, ok := bv[k]
			if !ok {
				return path + "." + k
			}
			if m := missingKeys(x, y, path+"."+k); m != "" {
				return m
			}
		}
	case []any:
		bv, _ := b.([]any)
		for i, x := range av {
			if i >= len(bv) {
				return path + "[]"
			}
			if m := missingKeys(x, bv[i], path+"[]"); m != "" {
				return m
			}
		}
	}
	return ""
}
