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

// TestKeyringServiceSetting checks --keyring-service and
// PIECES_TRAY_KEYRING_SERVICE, and that the default is the real one.
func TestKeyringServiceSetting(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", "pieces-tray"},
		{nil, "pieces-tray-demo", "pieces-tray-demo"},
		{[]string{"--keyring-service", "pieces-tray-test"}, "pieces-tray-demo", "pieces-tray-test"},
	}
	for _, tt := range tests {
		var o Options
		fs := flag.NewFlagSet("pieces-tray", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		RegisterFlags(fs, &o, func(k string) string {
			if k == "PIECES_TRAY_KEYRING_SERVICE" {
				return tt.env
			}
			return ""
		})
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if o.KeyringService != tt.want {
			t.Errorf("args %q, environment %q: keyring service %q; want %q", tt.args, tt.env, o.KeyringService, tt.want)
		}
	}
}
