package auth

import "testing"

// WithVerifierTamper changes the PKCE verifier sent with the code exchange
// (tests: the server must reject a wrong one, and the logging test learns
// the verifier to look for it in the logs).
func WithVerifierTamper(f func(string) string) SignerOption {
	return func(s *Signer) { s.tamperVerifier = f }
}

// SetDefaultRedirects replaces the redirect URIs Login tries when none is
// configured until tb ends, so that tests use free ports of their own and
// never the real 3000 and 8080 (other packages' tests run at the same time).
func SetDefaultRedirects(tb testing.TB, uris ...string) {
	old := defaultRedirects
	defaultRedirects = uris
	tb.Cleanup(func() { defaultRedirects = old })
}

// DefaultRedirects returns the redirect URIs Login tries when none is
// configured.
func DefaultRedirects() []string { return defaultRedirects }
