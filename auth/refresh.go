package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// Refresh trades refreshToken for a new token set (the refresh_token
// grant). With rotation the answer carries a new refresh token and the old
// one is dead: save it before using the access token (NewTokenSource does).
//
// A rejected refresh token (invalid_grant, which Auth0 sends as 403) gives
// an error that errors.Is ErrSignInNeeded. Network errors, 429 and 5xx give
// one that errors.Is ErrUnavailable: the session is still good, try later.
func (s *Signer) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, &kindError{kind: ErrSignInNeeded, detail: "no refresh token"}
	}
	oc, err := s.oauthConfig("")
	if err != nil {
		return nil, err
	}
	ot, err := oc.TokenSource(s.clientContext(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("auth: refresh: %w", ctx.Err())
		}
		return nil, tokenError("refresh the session", err, true)
	}
	tok := fromOAuth2(ot)
	if err := s.verify(ctx, tok); err != nil {
		return nil, err
	}
	s.log.Debug("auth: token refreshed", "rotated", tok.RefreshToken != refreshToken, "expires_in", tok.ExpiresIn(s.now()))
	return tok, nil
}

// tokenError classifies a failed token request. The message never carries
// the response body verbatim (only the RFC 6749 error code and
// description). invalid_grant means ErrSignInNeeded only for a refresh; for
// a code exchange it means this sign-in failed.
func tokenError(op string, err error, refresh bool) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// No answer at all: DNS, refused, reset, timeout.
		return &kindError{kind: ErrUnavailable, detail: op + ": " + err.Error(), cause: err}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	detail := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if re.ErrorCode != "" {
		detail = re.ErrorCode
		if re.ErrorDescription != "" {
			detail += ": " + re.ErrorDescription
		}
	}
	switch {
	case re.ErrorCode == "invalid_grant" && refresh:
		return &kindError{kind: ErrSignInNeeded, detail: detail, cause: err}
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout:
		return &kindError{kind: ErrUnavailable, detail: op + ": " + detail, cause: err}
	}
	return &kindError{kind: errRefused, msg: "auth: the sign-in service refused to " + op, detail: detail, cause: err}
}

// errRefused is the kind of a token request refused for a reason other than
// an invalid grant (a misconfigured client, for example).
var errRefused = errors.New("auth: request refused")

// NewTokenSource returns the one refresher of a session: an
// oauth2.TokenSource, safe for concurrent use, that hands out tok's access
// token while it is valid and then refreshes it with s. Every new token set
// is saved to store (as a Session, see NewSession) before its access token
// is handed out, because with rotation an unsaved refresh token is lost.
// onToken, when not nil, is called with each new token set and the result of
// saving it; a failed save does not withhold the token (the session then
// lives in memory for this run, and onToken lets the caller say so).
//
// ctx must outlive the session (not a sign-in's context): it bounds every
// refresh and save.
func NewTokenSource(ctx context.Context, s *Signer, store Store, tok *Token, onToken func(tok *Token, saveErr error)) oauth2.TokenSource {
	return &tokenSource{ctx: ctx, signer: s, store: store, onToken: onToken, tok: tok}
}

type tokenSource struct {
	ctx     context.Context
	signer  *Signer
	store   Store
	onToken func(*Token, error)

	mu   sync.Mutex // guards tok and sess; held across a refresh so there is one refresher
	tok  *Token
	sess *Session // last session saved, for subject and email when a refresh has no id_token
}

func (ts *tokenSource) Token() (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok.valid(ts.signer.now()) {
		return ts.tok.OAuth2(), nil
	}
	if ts.tok == nil || ts.tok.RefreshToken == "" {
		return nil, &kindError{kind: ErrSignInNeeded, detail: "no refresh token"}
	}
	tok, err := ts.signer.Refresh(ts.ctx, ts.tok.RefreshToken)
	if err != nil {
		return nil, err
	}
	if tok.claims == nil && ts.tok.claims != nil {
		tok.claims = ts.tok.claims // same account; the refresh answer had no id_token
	}
	sess := NewSession(ts.signer.cfg, tok, ts.sess, ts.signer.now())
	saveErr := ts.store.Save(ts.ctx, sess)
	if saveErr != nil {
		ts.signer.log.Warn("auth: could not save the refreshed session; keeping it in memory", "err", saveErr)
	}
	ts.tok, ts.sess = tok, sess
	if ts.onToken != nil {
		ts.onToken(tok, saveErr)
	}
	return tok.OAuth2(), nil
}
