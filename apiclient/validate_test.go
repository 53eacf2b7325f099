package apiclient_test

import (
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
		{"id", func(p *apiclient.UserProfile) { p.ID = "" }, "id"},
		{"aesthetics", func(p *apiclient.UserProfile) { p.Aesthetics = nil }, "aesthetics"},
		{"theme", func(p *apiclient.UserProfile) { p.Aesthetics.Theme = nil }, "aesthetics.theme"},
		{"font", func(p *apiclient.UserProfile) { p.Aesthetics.Font = nil }, "aesthetics.font"},
		{"allocation.id", func(p *apiclient.UserProfile) { p.Allocation.ID = "" }, "allocation.id"},
		{"allocation.project", func(p *apiclient.UserProfile) { p.Allocation.Project = "" }, "allocation.project"},
		{"allocation.user", func(p *apiclient.UserProfile) { p.Allocation.User = "" }, "allocation.user"},
		{"allocation.status", func(p *apiclient.UserProfile) { p.Allocation.Status = nil }, "allocation.status"},
		{"allocation.status.cloud", func(p *apiclient.UserProfile) { p.Allocation.Status.Cloud = "" }, "allocation.status.cloud"},
		{"allocation.urls", func(p *apiclient.UserProfile) { p.Allocation.URLs = nil }, "allocation.urls"},
		{"allocation.urls.base", func(p *apiclient.UserProfile) { p.Allocation.URLs.Base = nil }, "allocation.urls.base"},
		{"allocation.urls.id.url", func(p *apiclient.UserProfile) { p.Allocation.URLs.ID.URL = "" }, "allocation.urls.id.url"},
		{"allocation.urls.vanity.status", func(p *apiclient.UserProfile) {
			p.Allocation.URLs.Vanity = &apiclient.AllocationCloudURL{URL: "https://x.pieces.cloud"}
		}, "allocation.urls.vanity.status"},
		{"allocation.updated.value", func(p *apiclient.UserProfile) { p.Allocation.Updated = &apiclient.GroupedTimestamp{} }, "allocation.updated.value"},
		{"auth0.global_id", func(p *apiclient.UserProfile) { p.Auth0.GlobalID = "" }, "auth0.global_id"},
		{"auth0.allocation.region", func(p *apiclient.UserProfile) { p.Auth0.Allocation.Region = "" }, "auth0.allocation.region"},
		{"auth0.beta.from.value", func(p *apiclient.UserProfile) { p.Auth0.Beta.From = &apiclient.GroupedTimestamp{} }, "auth0.beta.from.value"},
		{"auth0.open_AI.schema.semantic", func(p *apiclient.UserProfile) {
			p.Auth0.OpenAI = &apiclient.Auth0OpenAIUserMetadata{Schema: &apiclient.EmbeddedModelSchema{}}
		}, "auth0.open_AI.schema.semantic"},
		{"descope.descope_id", func(p *apiclient.UserProfile) { p.Descope.DescopeID = "" }, "descope.descope_id"},
		{"descope.global_id", func(p *apiclient.UserProfile) { p.Descope.GlobalID = "" }, "descope.global_id"},
		{"descope.allocation.project", func(p *apiclient.UserProfile) {
			p.Descope.Allocation = &apiclient.Auth0UserAllocationMetadata{Region: "r"}
		}, "descope.allocation.project"},
		{"providers.iterable", func(p *apiclient.UserProfile) { p.Providers.Iterable = nil }, "providers.iterable"},
		{"providers.iterable[0].type", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].Type = "" }, "providers.iterable[0].type"},
		{"providers.iterable[0].user_id", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].UserID = "" }, "providers.iterable[0].user_id"},
		{"providers.iterable[0].created", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].Created = nil }, "providers.iterable[0].created"},
		{"providers.iterable[0].updated", func(p *apiclient.UserProfile) { p.Providers.Iterable[0].Updated = nil }, "providers.iterable[0].updated"},
		{"entities.iterable", func(p *apiclient.UserProfile) { p.Entities.Iterable = nil }, "entities.iterable"},
		{"entities.iterable[0].id", func(p *apiclient.UserProfile) { p.Entities.Iterable[0].ID = "" }, "entities.iterable[0].id"},
		{"entities.score.schema.semantic", func(p *apiclient.UserProfile) {
			p.Entities.Score = &apiclient.Score{Schema: &apiclient.EmbeddedModelSchema{}}
		}, "entities.score.schema.semantic"},
		{"subscriptions.iterable", func(p *apiclient.UserProfile) { p.Subscriptions.Iterable = nil }, "subscriptions.iterable"},
		{"subscriptions.iterable[0].id", func(p *apiclient.UserProfile) {
			p.Subscriptions.Iterable = []apiclient.ReferencedSubscription{{}}
		}, "subscriptions.iterable[0].id"},
		{"created.value", func(p *apiclient.UserProfile) { p.Created.Value = time.Time{} }, "created.value"},
		{"schema.semantic", func(p *apiclient.UserProfile) { p.Schema.Semantic = "" }, "schema.semantic"},
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
		{"no access_token", &apiclient.OAuthToken{ExpiresIn: 60, TokenType: "Bearer"}, "access_token", ""},
		{"no token_type", &apiclient.OAuthToken{AccessToken: "a", ExpiresIn: 60}, "token_type", ""},
		{"lower-case bearer", &apiclient.OAuthToken{AccessToken: "a", TokenType: "bearer"}, "", `must be "Bearer" or "UNKNOWN"`},
		{"negative expiry", &apiclient.OAuthToken{AccessToken: "a", TokenType: "Bearer", ExpiresIn: -1}, "", "must not be negative"},
		{"schema", &apiclient.OAuthToken{AccessToken: "a", TokenType: "Bearer", Schema: &apiclient.EmbeddedModelSchema{}}, "schema.semantic", ""},
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
		{"no user", &apiclient.UserBetaStatus{Auth0: &apiclient.Auth0UserBetaStatus{}}, "user"},
		{"auth0 vision from", &apiclient.UserBetaStatus{User: "u", Auth0: &apiclient.Auth0UserBetaStatus{
			Vision: &apiclient.AnonymousTemporalRange{From: empty}}}, "auth0.vision.from.value"},
		{"descope vision to", &apiclient.UserBetaStatus{User: "u", Descope: &apiclient.Auth0UserBetaStatus{
			Vision: &apiclient.AnonymousTemporalRange{To: empty}}}, "descope.vision.to.value"},
		{"schema", &apiclient.UserBetaStatus{User: "u", Schema: &apiclient.EmbeddedModelSchema{}}, "schema.semantic"},
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
		{"metadata without global_id", &apiclient.Auth0User{UserMetadata: &apiclient.Auth0UserMetadata{}}, "user_metadata.global_id"},
		{"allocation without region", &apiclient.Auth0User{UserMetadata: &apiclient.Auth0UserMetadata{
			GlobalID: "g", Allocation: &apiclient.Auth0UserAllocationMetadata{Project: "p"}}}, "user_metadata.allocation.region"},
		{"beta without value", &apiclient.Auth0User{UserMetadata: &apiclient.Auth0UserMetadata{
			GlobalID: "g", Beta: &apiclient.AnonymousTemporalRange{To: &apiclient.GroupedTimestamp{}}}}, "user_metadata.beta.to.value"},
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
