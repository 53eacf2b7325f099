package apiclient_test

import (
	"errors"
	"strings"
	"testing"

	"piecestray/apiclient"
)

func TestValidVanityName(t *testing.T) {
	tests := []struct {
		name string
		want error
	}{
		{"ada", nil},
		{"Ada-Lovelace", nil},
		{"a", nil},
		{"9lives", nil},
		{"x1-y2-z3", nil},
		{"  padded  ", nil},
		{strings.Repeat("a", 63), nil},
		{"", apiclient.ErrVanityEmpty},
		{"   ", apiclient.ErrVanityEmpty},
		{strings.Repeat("a", 64), apiclient.ErrVanityTooLong},
		{"-ada", apiclient.ErrVanityHyphen},
		{"ada-", apiclient.ErrVanityHyphen},
		{"-", apiclient.ErrVanityHyphen},
		{"ada lovelace", apiclient.ErrVanityCharacters},
		{"ada_lovelace", apiclient.ErrVanityCharacters},
		{"ada.cloud", apiclient.ErrVanityCharacters},
		{"adé", apiclient.ErrVanityCharacters},
		{"ada!", apiclient.ErrVanityCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiclient.ValidVanityName(tt.name); !errors.Is(got, tt.want) {
				t.Errorf("ValidVanityName(%q) = %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestVanityMessagesAreSentences(t *testing.T) {
	want := map[error]string{
		apiclient.ErrVanityEmpty:      "A vanity name cannot be empty",
		apiclient.ErrVanityCharacters: "A vanity name can only contain letters, digits and hyphens",
		apiclient.ErrVanityHyphen:     "A vanity name cannot start or end with a hyphen",
		apiclient.ErrVanityTooLong:    "A vanity name is at most 63 characters",
	}
	for err, msg := range want {
		if err.Error() != msg {
			t.Errorf("message = %q; want %q", err.Error(), msg)
		}
	}
}

func TestNormalizeVanityName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ada", "ada"},
		{"  My-Cloud ", "my-cloud"},
		{"already-lower", "already-lower"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := apiclient.NormalizeVanityName(tt.in); got != tt.want {
			t.Errorf("NormalizeVanityName(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
