package agent

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// TestScopesFlagAndEnvironmentAgree checks that --auth0-scopes and
// PIECES_AUTH0_SCOPES read a list the same way: spaces or commas.
func TestScopesFlagAndEnvironmentAgree(t *testing.T) {
	want := []string{"openid", "offline_access", "email"}
	for _, list := range []string{"openid offline_access email", "openid,offline_access, email"} {
		var fromFlag Options
		fs := flag.NewFlagSet("pieces-tray", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		RegisterFlags(fs, &fromFlag, func(string) string { return "" })
		if err := fs.Parse([]string{"--auth0-scopes", list}); err != nil {
			t.Fatal(err)
		}
		var fromEnv Options
		RegisterFlags(flag.NewFlagSet("pieces-tray", flag.ContinueOnError), &fromEnv, func(k string) string {
			if k == "PIECES_AUTH0_SCOPES" {
				return list
			}
			return ""
		})
		if !slices.Equal(fromFlag.Auth.Scopes, want) || !slices.Equal(fromEnv.Auth.Scopes, want) {
			t.Errorf("scopes %q: flag gives %q, environment %q; want %q", list, fromFlag.Auth.Scopes, fromEnv.Auth.Scopes, want)
		}
	}
}
