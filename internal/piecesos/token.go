package piecesos

import (
	"context"
	"crypto/sha1" // #nosec: name-based (version 5) uuids are defined on SHA-1 (RFC 9562 §5.5)
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"piecestray/apiclient"
)

// auth0Timeout bounds one GET /userinfo to the Auth0-compatible server.
const auth0Timeout = 10 * time.Second

// maxAuth0Answer bounds an answer of the Auth0-compatible server read.
const maxAuth0Answer = 64 << 10

// claims are the OpenID Connect userinfo claims a profile is built from.
type claims struct {
	Sub      string `json:"sub"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Nickname string `json:"nickname"`
	Picture  string `json:"picture"`
}

// handleFromToken serves POST /users/authenticate/from_token: the OAuthToken
// must carry access_token, expires_in (an integer) and token_type (Bearer or
// UNKNOWN), else 400; the request must also carry the same access token in
// "Authorization: Bearer", as the SDK's auth0 security scheme declares, else
// 401. The access token is verified with the Auth0 server's GET /userinfo:
// 401 when it is rejected, 502 when the server cannot be reached or answers
// nonsense, 503 when none is configured. The user built from the claims is
// signed in and returned.
func (s *Server) handleFromToken(w http.ResponseWriter, r *http.Request) {
	var tok apiclient.OAuthToken
	if !decodeBody(w, r, "OAuthToken", &tok) {
		return
	}
	if tok.TokenType != "Bearer" && tok.TokenType != "UNKNOWN" {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid OAuthToken: token_type must be Bearer or UNKNOWN, not %q", tok.TokenType))
		return
	}
	if tok.ExpiresIn < 0 {
		writeText(w, http.StatusBadRequest, "invalid OAuthToken: expires_in cannot be negative")
		return
	}
	if msg := checkBearer(r.Header.Get("Authorization"), tok.AccessToken); msg != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Pieces OS"`)
		writeText(w, http.StatusUnauthorized, msg)
		return
	}
	if _, err := url.Parse(s.cfg.Auth0URL); s.cfg.Auth0URL == "" || err != nil {
		writeText(w, http.StatusServiceUnavailable, "Pieces OS has no usable sign-in server configured to verify the token")
		return
	}
	c, status, err := s.userinfo(r.Context(), tok.AccessToken)
	if err != nil {
		s.log.Warn("piecesos: from_token rejected", "status", status, "err", err) // never the token
		writeText(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.signInClaims(c))
}

// checkBearer returns why the Authorization header does not carry
// "Bearer <accessToken>", or "".
func checkBearer(header, accessToken string) string {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(header), " ")
	switch {
	case header == "":
		return "Unauthorized: the request has no Authorization header; send Authorization: Bearer <access_token>"
	case !strings.EqualFold(scheme, "Bearer"):
		return "Unauthorized: the Authorization header must use the Bearer scheme"
	case subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(accessToken)) != 1:
		return "Unauthorized: the Authorization bearer token is not the OAuthToken's access_token"
	}
	return ""
}

// userinfo verifies accessToken with GET {Auth0URL}/userinfo and returns
// its claims, or the status to answer and an error whose message is the
// body.
func (s *Server) userinfo(ctx context.Context, accessToken string) (claims, int, error) {
	var c claims
	status, err := s.askAuth0(ctx, "/userinfo", nil, accessToken, &c)
	switch {
	case status == 0:
		return c, http.StatusBadGateway, err
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return c, http.StatusUnauthorized, errors.New("unauthorized: the sign-in server rejected the access token (invalid or expired)")
	case status != http.StatusOK:
		return c, http.StatusBadGateway, fmt.Errorf("the sign-in server answered %d while verifying the token", status)
	case err != nil || strings.TrimSpace(c.Sub) == "":
		return c, http.StatusBadGateway, errors.New("the sign-in server's userinfo answer has no subject (sub)")
	}
	return c, http.StatusOK, nil
}

// askAuth0 sends a request to path on the sign-in server (a POST of form
// when it is not nil, else a GET; with the bearer token when it is not
// empty) and decodes its JSON answer into dst. It returns the answer's
// status and the decoding error, or 0 and an error for people when there
// is no answer.
func (s *Server) askAuth0(ctx context.Context, path string, form url.Values, bearer string, dst any) (int, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, s.cfg.Auth0URL+path, body)
	if err != nil {
		return 0, fmt.Errorf("the sign-in server address %q is not usable", s.cfg.Auth0URL)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.auth0.Do(req)
	if err != nil {
		return 0, errors.New("the sign-in server could not be reached")
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(io.LimitReader(resp.Body, maxAuth0Answer)).Decode(dst)
}

// profileFromClaims builds the profile of the user with claims c: the known
// profile old (kept: aesthetics, vanity, beta, cloud) with the identity
// fields refreshed, or a new profile with a running personal cloud.
// Called with s.mu held (for the clock only).
func (s *Server) profileFromClaims(c claims, old *apiclient.UserProfile) *apiclient.UserProfile {
	now := s.now()
	id := userIDForSubject(c.Sub)
	var p *apiclient.UserProfile
	if old != nil {
		p = cloneProfile(old)
	} else {
		p = newProfile(id, now)
	}
	local, _, _ := strings.Cut(c.Email, "@")
	p.Email = firstNonEmpty(c.Email, p.Email)
	p.Name = firstNonEmpty(c.Name, c.Nickname, p.Name, local)
	p.Username = firstNonEmpty(p.Username, c.Nickname, local)
	p.Picture = firstNonEmpty(c.Picture, p.Picture)
	if p.Auth0 == nil {
		p.Auth0 = &apiclient.Auth0UserMetadata{GlobalID: id}
	}
	p.Updated = stamp(now)
	return p
}

// newProfile is a new user with id, default aesthetics and a running
// personal cloud.
func newProfile(id string, now time.Time) *apiclient.UserProfile {
	project := "pieces-cloud-" + id[:8]
	const region = "us-central1"
	running := func(url string) *apiclient.AllocationCloudURL {
		return &apiclient.AllocationCloudURL{URL: url, Status: apiclient.AllocationRunning}
	}
	return &apiclient.UserProfile{
		ID: id,
		Aesthetics: &apiclient.Aesthetics{
			Theme: &apiclient.Theme{Dark: false},
			Font:  &apiclient.Font{Size: 12},
		},
		Auth0: &apiclient.Auth0UserMetadata{
			GlobalID:   id,
			Allocation: &apiclient.Auth0UserAllocationMetadata{Project: project, Region: region},
		},
		Allocation: &apiclient.AllocationCloud{
			ID:      id,
			Project: project,
			User:    id,
			Region:  region,
			Status:  &apiclient.AllocationCloudStatus{Cloud: apiclient.AllocationRunning},
			URLs: &apiclient.AllocationCloudURLs{
				Base: running("https://" + project + ".a.run.app"),
				ID:   running(id + "." + cloudDomain),
			},
		},
		Created: stamp(now),
		Updated: stamp(now),
	}
}

// userIDForSubject is the stable user uuid of an Auth0 subject: a version 5
// uuid of the subject in the RFC 9562 URL namespace
// (6ba7b811-9dad-11d1-80b4-00c04fd430c8).
func userIDForSubject(sub string) string {
	h := sha1.New()
	h.Write([]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8})
	h.Write([]byte("auth0:" + sub))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
