package auth

import (
	"net/http"
	"testing"
	"time"
)

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

// WithHTTPClient sets the client used to reach the identity provider.
// Default: a client with a 30-second timeout.
func WithHTTPClient(hc *http.Client) SignerOption {
	return func(s *Signer) {
		if hc != nil {
			s.hc = hc
		}
	}
}

// WithLoginTimeout bounds how long Login waits for the browser. Default
// DefaultLoginTimeout (5 minutes).
func WithLoginTimeout(d time.Duration) SignerOption {
	return func(s *Signer) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// WithKeyring makes the store use k instead of the system keyring.
func WithKeyring(k Keyring) KeyringOption {
	return func(s *keyringStore) {
		if k != nil {
			s.kr = k
		}
	}
}

// WithKeyringTimeouts replaces KeyringReadTimeout (Load, Delete) and
// KeyringSaveTimeout (Save). Zero keeps a default.
func WithKeyringTimeouts(read, save time.Duration) KeyringOption {
	return func(s *keyringStore) {
		if read > 0 {
			s.readTimeout = read
		}
		if save > 0 {
			s.saveTimeout = save
		}
	}
}
