package auth

import (
	"time"

	"golang.org/x/oauth2"
)

// Token is one token set from the identity provider. Unlike oauth2.Token,
// whose JSON form drops them, it keeps the id_token and the granted scope.
// Tokens are secrets: never log or print one.
type Token struct {
	AccessToken  string
	RefreshToken string
	IDToken      string
	TokenType    string
	Scope        string
	Expiry       time.Time // zero = unknown

	// claims are the id_token's claims, set only after its signature,
	// issuer, audience and expiry were checked.
	claims *idClaims
}

// ExpiresIn returns the seconds left until Expiry at now, never negative:
// the expires_in to send to Pieces OS, recomputed at the time of sending.
// An unknown expiry gives 0.
func (t *Token) ExpiresIn(now time.Time) int {
	if t == nil || t.Expiry.IsZero() {
		return 0
	}
	return max(0, int(t.Expiry.Sub(now)/time.Second))
}

// Subject returns the id_token's "sub" claim (the account id, such as
// "auth0|…"), or "" when the token has no verified id_token.
func (t *Token) Subject() string {
	if t == nil || t.claims == nil {
		return ""
	}
	return t.claims.Subject
}

// Email returns the id_token's "email" claim, or "" when the token has no
// verified id_token or the claim is absent.
func (t *Token) Email() string {
	if t == nil || t.claims == nil {
		return ""
	}
	return t.claims.Email
}

// fromOAuth2 converts a token endpoint response.
func fromOAuth2(ot *oauth2.Token) *Token {
	t := &Token{
		AccessToken:  ot.AccessToken,
		RefreshToken: ot.RefreshToken,
		TokenType:    ot.TokenType,
		// Wall clock only: the monotonic clock stops while the computer
		// sleeps, and an expiry must not.
		Expiry: ot.Expiry.Round(0),
	}
	t.IDToken, _ = ot.Extra("id_token").(string)
	t.Scope, _ = ot.Extra("scope").(string)
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	return t
}

// Session is what the store keeps to restore a sign-in: the refresh token
// and small metadata, never the (large) access or id tokens. Its JSON form
// stays far below Windows' 2560-byte credential limit.
type Session struct {
	RefreshToken string    `json:"refresh_token"`
	Subject      string    `json:"sub,omitempty"`
	Email        string    `json:"email,omitempty"`
	Issuer       string    `json:"iss,omitempty"`
	ClientID     string    `json:"client_id,omitempty"`
	SavedAt      time.Time `json:"saved_at"`
}

// idClaims are the id_token claims pieces-tray reads.
type idClaims struct {
	Subject string `json:"sub"`
	Email   string `json:"email"`
}
