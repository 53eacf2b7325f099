package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
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
	ids            *oidc.IDTokenVerifier // checks id_tokens; nil when the domain is bad

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
	// The issuer's signing keys, fetched when a token names one not seen
	// yet (keys rotate). Login and Refresh report a bad domain.
	if iss, err := cfg.Issuer(); err == nil {
		keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), s.hc), iss+".well-known/jwks.json")
		s.ids = oidc.NewVerifier(iss, keys, &oidc.Config{ClientID: cfg.ClientID, Now: s.now})
	}
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

// verify checks tok's id_token, when it has one (an RS256 signature by the
// issuer's key, the issuer, this client as audience, not expired), and
// records its claims.
func (s *Signer) verify(ctx context.Context, tok *Token) error {
	if tok.IDToken == "" {
		return nil
	}
	if s.ids == nil {
		_, err := s.cfg.Issuer()
		return err
	}
	id, err := s.ids.Verify(ctx, tok.IDToken)
	if err != nil {
		return fmt.Errorf("auth: id_token: %w", err)
	}
	var c idClaims
	if err := id.Claims(&c); err != nil {
		return fmt.Errorf("auth: id_token claims: %w", err)
	}
	if c.Subject == "" {
		return errors.New("auth: id_token has no subject")
	}
	tok.claims = &c
	return nil
}
