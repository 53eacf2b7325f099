package auth

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// A token's expiry is wall-clock time: the monotonic clock stops while the
// computer sleeps, and a renewal due after a night's sleep must be due.
func TestExpiryIsWallClock(t *testing.T) {
	tok := fromOAuth2(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)})
	if strings.Contains(tok.Expiry.String(), "m=") {
		t.Errorf("Expiry %v carries a monotonic reading", tok.Expiry)
	}
}
