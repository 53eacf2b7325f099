package app

import (
	"reflect"
	"testing"
	"time"

	"piecestray/apiclient"
)

func TestBetaOptedIn(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	yes := true
	ts := func(d time.Duration) *apiclient.GroupedTimestamp {
		return &apiclient.GroupedTimestamp{Value: now.Add(d)}
	}
	tests := []struct {
		name string
		beta *apiclient.AnonymousTemporalRange
		want bool
	}{
		{"no window", nil, false},
		{"continuous", &apiclient.AnonymousTemporalRange{Continuous: &yes, From: ts(-time.Hour)}, true},
		{"continuous but ended", &apiclient.AnonymousTemporalRange{Continuous: &yes, To: ts(-time.Minute)}, false},
		{"opted out now", &apiclient.AnonymousTemporalRange{To: ts(0)}, false},
		{"bounded and running", &apiclient.AnonymousTemporalRange{From: ts(-time.Hour), To: ts(time.Hour)}, true},
		{"not started", &apiclient.AnonymousTemporalRange{From: ts(time.Hour)}, false},
		{"from alone", &apiclient.AnonymousTemporalRange{From: ts(-time.Hour)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &apiclient.UserProfile{ID: "u", Auth0: &apiclient.Auth0UserMetadata{GlobalID: "g", Beta: tt.beta}}
			if got := BetaOptedIn(p, now); got != tt.want {
				t.Errorf("BetaOptedIn = %v; want %v", got, tt.want)
			}
		})
	}
	if BetaOptedIn(nil, now) {
		t.Error("BetaOptedIn(nil) = true; want false")
	}
}

func TestProfileChanges(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	yes := true
	base := apiclient.UserProfile{ID: "u", Name: "Ada", Email: "ada@example.com", Picture: "p1"}
	tests := []struct {
		name   string
		change func(p *apiclient.UserProfile)
		want   []string
	}{
		{"nothing", func(*apiclient.UserProfile) {}, nil},
		{"name", func(p *apiclient.UserProfile) { p.Name = "Ada L." }, []string{"name"}},
		{"email and picture", func(p *apiclient.UserProfile) { p.Email = "a@x"; p.Picture = "p2" }, []string{"email", "picture"}},
		{"vanity", func(p *apiclient.UserProfile) { p.VanityName = "ada" }, []string{"vanity name"}},
		{"beta", func(p *apiclient.UserProfile) {
			p.Auth0 = &apiclient.Auth0UserMetadata{GlobalID: "g", Beta: &apiclient.AnonymousTemporalRange{Continuous: &yes}}
		}, []string{"beta program"}},
		{"username is not news", func(p *apiclient.UserProfile) { p.Username = "other" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			tt.change(&b)
			if got := profileChanges(&base, &b, now); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("profileChanges = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestChangeSentence(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"name"}, "Your name changed."},
		{[]string{"email", "name"}, "Your email and name changed."},
		{[]string{"email", "name", "vanity name"}, "Your email, name and vanity name changed."},
	}
	for _, tt := range tests {
		if got := changeSentence(tt.in); got != tt.want {
			t.Errorf("changeSentence(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestVanityAndCloudURL(t *testing.T) {
	p := &apiclient.UserProfile{ID: "u", Auth0: &apiclient.Auth0UserMetadata{GlobalID: "g", VanityName: "ada"}}
	if got := VanityName(p); got != "ada" {
		t.Errorf("VanityName from auth0 = %q; want ada", got)
	}
	p.VanityName = "top"
	if got := VanityName(p); got != "top" {
		t.Errorf("VanityName = %q; want top", got)
	}
	if got := CloudURL(p); got != "" {
		t.Errorf("CloudURL without allocation = %q; want empty", got)
	}
	p.Allocation = &apiclient.AllocationCloud{URLs: &apiclient.AllocationCloudURLs{Vanity: &apiclient.AllocationCloudURL{URL: "https://top.pieces.cloud"}}}
	if got := CloudURL(p); got != "https://top.pieces.cloud" {
		t.Errorf("CloudURL = %q", got)
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		p    *apiclient.UserProfile
		want string
	}{
		{&apiclient.UserProfile{Name: "Ada Lovelace", Email: "ada@example.com"}, "Ada Lovelace (ada@example.com)"},
		{&apiclient.UserProfile{Name: "ada@example.com", Email: "ada@example.com"}, "ada@example.com"},
		{&apiclient.UserProfile{Email: "ada@example.com"}, "ada@example.com"},
		{&apiclient.UserProfile{Username: "ada"}, "ada"},
		{&apiclient.UserProfile{}, "Your account"},
		{nil, "Nobody"},
	}
	for _, tt := range tests {
		if got := DisplayName(tt.p); got != tt.want {
			t.Errorf("DisplayName(%+v) = %q; want %q", tt.p, got, tt.want)
		}
	}
}
