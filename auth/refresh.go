package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// Refresh trades refreshToken for a new token set (the refresh_token
// grant). With rotation the answer carries a new refresh token and the old
// one is dead: save it before using the access token (app.Core does).
//
// A rejected refresh token (invalid_grant, which Auth0 sends as 403) gives
// an error that errors.Is ErrSignInNeeded. Network errors, 429 and 5xx give
// one that errors.Is ErrUnavailable: the session is still good, try later.
func (s *Signer) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, &kindError{kind: ErrSignInNeeded, detail: "no refresh token"}
	}
	oc, err := s.oauthConfig()
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
