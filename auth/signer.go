package auth

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// DefaultLoginTimeout bounds one browser sign-in.
const DefaultLoginTimeout = 5 * time.Minute

// Browser opens a URL in the person's browser. Open must not wait for the
// browser: it returns once the browser was asked to open the page.
type Browser interface {
	Open(url string) error
}

// Signer runs browser sign-ins (one at a time) and refreshes tokens. It is
// safe for concurrent use.
type Signer struct {
	cfg     Config
	browser Browser
	hc      *http.Client
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	// tamperVerifier, when set, changes the PKCE verifier sent with the code
	// exchange (tests: the server must reject it).
	tamperVerifier func(string) string
	keys           *keySet

	running atomic.Bool // a Login is in progress
}

// SignerOption changes a Signer built by NewSigner.
type SignerOption func(*Signer)

// WithLogger sets the logger. Default: discard. Tokens, codes, state values
// and verifiers are never logged.
func WithLogger(l *slog.Logger) SignerOption {
	return func(s *Signer) {
		if l != nil {
			s.log = l
		}
	}
}

// NewSigner returns a Signer for cfg that opens sign-in pages with b. A nil
// b opens nothing: the authorize URL is only handed to Login's onURL.
func NewSigner(cfg Config, b Browser, opts ...SignerOption) *Signer {
	s := &Signer{
		cfg:     cfg,
		browser: b,
		hc:      &http.Client{Timeout: 30 * time.Second},
		log:     slog.New(slog.DiscardHandler),
		now:     time.Now,
		timeout: DefaultLoginTimeout,
	}
	for _, o := range opts {
		o(s)
	}
	base, _ := cfg.baseURL() // Login and Refresh report a bad domain
	s.keys = &keySet{url: base + "/.well-known/jwks.json", hc: s.hc}
	return s
}

// oauthConfig is the oauth2 configuration of the Signer: a public client
// (no secret), credentials in the form body.
func (s *Signer) oauthConfig() (*oauth2.Config, error) {
	ep, err := s.cfg.Endpoint()
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{
		ClientID: s.cfg.ClientID,
		Endpoint: ep,
		Scopes:   s.cfg.Scopes,
	}, nil
}

// clientContext carries the Signer's HTTP client to golang.org/x/oauth2.
func (s *Signer) clientContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.hc)
}

// verify checks tok's id_token, when it has one, and records its claims.
func (s *Signer) verify(ctx context.Context, tok *Token) error {
	if tok.IDToken == "" {
		return nil
	}
	iss, err := s.cfg.Issuer()
	if err != nil {
		return err
	}
	c, err := verifyIDToken(ctx, s.keys, tok.IDToken, iss, s.cfg.ClientID, s.now())
	if err != nil {
		return err
	}
	tok.claims = c
	return nil
}
