package apiclient_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
)

func validProfile() *apiclient.UserProfile {
	ts := &apiclient.GroupedTimestamp{Value: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &apiclient.UserProfile{
		ID:         "u1",
		Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}},
		Allocation: &apiclient.AllocationCloud{
			ID: "u1", Project: "p", User: "u1",
			Status: &apiclient.AllocationCloudStatus{Cloud: apiclient.AllocationRunning},
			URLs: &apiclient.AllocationCloudURLs{
				Base: &apiclient.AllocationCloudURL{URL: "https://pieces.cloud", Status: apiclient.AllocationRunning},
				ID:   &apiclient.AllocationCloudURL{URL: "https://u1.pieces.cloud", Status: apiclient.AllocationRunning},
			},
		},
		Auth0: &apiclient.Auth0UserMetadata{
			GlobalID:   "g",
			Allocation: &apiclient.Auth0UserAllocationMetadata{Project: "p", Region: "r"},
			Beta:       &apiclient.AnonymousTemporalRange{From: ts},
		},
		Descope: &apiclient.DescopeUserMetadata{DescopeID: "d", GlobalID: "g"},
		Providers: &apiclient.ExternalProviders{Iterable: []apiclient.ExternalProvider{
			{Type: "github", UserID: "1", Created: ts, Updated: ts},
		}},
		Entities:      &apiclient.FlattenedEntities{Iterable: []apiclient.ReferencedEntity{{ID: "e"}}},
		Subscriptions: &apiclient.FlattenedSubscriptions{Iterable: []apiclient.ReferencedSubscription{}},
		Created:       &apiclient.GroupedTimestamp{Value: ts.Value},
		Schema:        &apiclient.EmbeddedModelSchema{Semantic: "UNKNOWN"},
	}
}

func TestUserProfileValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *apiclient.UserProfile)
		want   string // missing path; "" = valid
	}{
		{"valid", func(p *apiclient.UserProfile) {}, ""},
		{"aesthetics", func(p *apiclient.UserProfile) { p.Aesthetics = nil }, "aesthetics"},
		{"theme", func(p *apiclient.UserProfile) { p.Aesthetics.Theme = nil }, "aesthetics.theme"},
		{"font", func(p *apiclient.UserProfile) { p.Aesthetics.Font = nil }, "aesthetics.font"},
		{"allocation.status", func(p *apiclient.UserProfile) { p.Allocation.Status = nil }, "allocation.status"},
		{"allocation.urls", func(p *apiclient.UserProfile) { p.Allocation.URLs = nil }, "allocation.urls"},
		{"allocation.urls.base", func(p *apiclient.UserProfile) { p.Allocation.URLs.Base = nil }, "allocation.urls.base"},
		{"allocation.urls.id", func(p *apiclient.UserProfile) { p.Allocation.URLs.ID = nil }, "allocation.urls.id"},
		{"providers.iterable", func(p *apiclient.UserProfile) { p.Providers.Iterable = nil }, "providers.iterable"},
		{"providers.iterable[0].created", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].Created = nil }, "providers.iterable[0].created"},
		{"providers.iterable[0].updated", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].Updated = nil }, "providers.iterable[0].updated"},
		{"entities.iterable", func(p *apiclient.UserProfile) { p.Entities.Iterable = nil }, "entities.iterable"},
		{"subscriptions.iterable", func(p *apiclient.UserProfile) { p.Subscriptions.Iterable = nil }, "subscriptions.iterable"},
		// A Go value cannot tell an empty string, a zero or false from an
		// absent field: those are values, as an empty string is for the SDKs.
		{"empty strings and zero values", func(p *apiclient.UserProfile) {
			p.ID, p.Allocation.ID, p.Allocation.Status.Cloud, p.Auth0.GlobalID = "", "", "", ""
			p.Providers.Iterable[0].Type, p.Entities.Iterable[0].ID, p.Schema.Semantic = "", "", ""
			p.Created.Value = time.Time{}
			p.Subscriptions.Iterable = []apiclient.ReferencedSubscription{{}}
			p.Entities.Score = &apiclient.Score{Schema: &apiclient.EmbeddedModelSchema{}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProfile()
			tt.mutate(p)
			checkMissing(t, "UserProfile", p.Validate(), tt.want)
		})
	}
	var nilProfile *apiclient.UserProfile
	checkMissing(t, "UserProfile", nilProfile.Validate(), "id")
}

func checkMissing(t *testing.T, model string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s.Validate() = %v; want nil", model, err)
		}
		return
	}
	var mf *apiclient.MissingFieldError
	if !errors.As(err, &mf) || mf.Path != want || mf.Model != model {
		t.Errorf("%s.Validate() = %v; want %s missing %q", model, err, model, want)
		return
	}
	if msg := err.Error(); !strings.Contains(msg, `"`+want+`"`) || !strings.HasPrefix(msg, "apiclient: ") {
		t.Errorf("%s.Validate() message = %q; want the prefix and the path %q", model, msg, want)
	}
}

func TestOAuthTokenValidate(t *testing.T) {
	tests := []struct {
		name    string
		tok     *apiclient.OAuthToken
		missing string
		invalid string
	}{
		{"bearer", &apiclient.OAuthToken{AccessToken: "a", ExpiresIn: 60, TokenType: "Bearer"}, "", ""},
		{"unknown type", &apiclient.OAuthToken{AccessToken: "a", TokenType: "UNKNOWN"}, "", ""},
		{"nil", nil, "access_token", ""},
		{"empty access_token", &apiclient.OAuthToken{ExpiresIn: 60, TokenType: "Bearer"}, "", ""},
		{"empty token_type", &apiclient.OAuthToken{AccessToken: "a", ExpiresIn: 60}, "", `must be "Bearer" or "UNKNOWN", not ""`},
		{"lower-case bearer", &apiclient.OAuthToken{AccessToken: "a", TokenType: "bearer"}, "", `must be "Bearer" or "UNKNOWN"`},
		{"negative expiry", &apiclient.OAuthToken{AccessToken: "a", TokenType: "Bearer", ExpiresIn: -1}, "", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tok.Validate()
			if tt.invalid != "" {
				if err == nil || !strings.Contains(err.Error(), tt.invalid) {
					t.Errorf("OAuthToken.Validate() = %v; want an error containing %q", err, tt.invalid)
				}
				return
			}
			checkMissing(t, "OAuthToken", err, tt.missing)
		})
	}
}

func TestUserBetaStatusValidate(t *testing.T) {
	empty := &apiclient.GroupedTimestamp{}
	tests := []struct {
		name string
		s    *apiclient.UserBetaStatus
		want string
	}{
		{"user only", &apiclient.UserBetaStatus{User: "u"}, ""},
		{"nil", nil, "user"},
		{"empty user and windows", &apiclient.UserBetaStatus{Auth0: &apiclient.Auth0UserBetaStatus{
			Vision: &apiclient.AnonymousTemporalRange{From: empty}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMissing(t, "UserBetaStatus", tt.s.Validate(), tt.want)
		})
	}
}

func TestAuth0UserValidate(t *testing.T) {
	tests := []struct {
		name string
		u    *apiclient.Auth0User
		want string
	}{
		{"nil", nil, ""},
		{"empty", &apiclient.Auth0User{}, ""},
		{"metadata", &apiclient.Auth0User{UserMetadata: &apiclient.Auth0UserMetadata{GlobalID: "g"}}, ""},
		{"metadata with empty values", &apiclient.Auth0User{UserMetadata: &apiclient.Auth0UserMetadata{
			Allocation: &apiclient.Auth0UserAllocationMetadata{}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMissing(t, "Auth0User", tt.u.Validate(), tt.want)
		})
	}
}

func TestListValidate(t *testing.T) {
	bad := validProfile()
	bad.Aesthetics = nil
	checkMissing(t, "ReturnedUserProfile", (&apiclient.ReturnedUserProfile{}).Validate(), "")
	checkMissing(t, "ReturnedUserProfile", (&apiclient.ReturnedUserProfile{User: validProfile()}).Validate(), "")
	checkMissing(t, "ReturnedUserProfile", (&apiclient.ReturnedUserProfile{User: bad}).Validate(), "user.aesthetics")
	checkMissing(t, "Users", (&apiclient.Users{Iterable: []apiclient.UserProfile{*validProfile()}}).Validate(), "")
	checkMissing(t, "Users", (&apiclient.Users{Iterable: []apiclient.UserProfile{*validProfile(), *bad}}).Validate(), "iterable[1].aesthetics")
}

// A key that differs from the wire name only in case counts, as for
// encoding/json, whose rule decides between several such keys (the last
// one wins), the same every time.
func TestDecodeKeyCase(t *testing.T) {
	b, err := json.Marshal(validProfile())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "id")
	rest, _ := json.Marshal(m)
	with := func(keys string) []byte { return append([]byte("{"+keys+","), rest[1:]...) }
	for range 50 {
		p, err := apiclient.DecodeProfile(with(`"ID":"u1"`))
		if err != nil || p.ID != "u1" {
			t.Fatalf("DecodeProfile with the id as \"ID\" = %+v, %v; want id u1", p, err)
		}
		if _, err := apiclient.DecodeProfile(with(`"ID":"u1","Id":null`)); !errors.Is(err, apiclient.ErrUnreadableProfile) {
			t.Fatalf("DecodeProfile with \"ID\" then a null \"Id\" = %v; want the id missing, as encoding/json reads it", err)
		}
	}
}
