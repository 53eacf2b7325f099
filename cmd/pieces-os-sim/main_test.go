package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/internal/scriptbrowser"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startCommand runs the command with args until the test ends and returns
// the lines it printed first ("auth0: ..." and/or "pieces-os: ...").
func startCommand(t *testing.T, args []string, lines int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the pipe closes
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not end after cancel")
		}
	})
	var out []string
	sc := bufio.NewScanner(pr)
	for len(out) < lines && sc.Scan() {
		out = append(out, sc.Text())
	}
	if len(out) < lines {
		t.Fatalf("printed %q; want %d lines", out, lines)
	}
	return out
}

func TestCommandStartsBothServers(t *testing.T) {
	out := startCommand(t, []string{"--addr", "127.0.0.1:0", "--user", "ada@example.com", "--taken", "a, b", "--version", "12.0.1"}, 2)
	if !strings.HasPrefix(out[0], "auth0: http://127.0.0.1:") {
		t.Errorf("first line = %q; want auth0: http://127.0.0.1:PORT", out[0])
	}
	base, ok := strings.CutPrefix(out[1], "pieces-os: ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("second line = %q; want pieces-os: http://127.0.0.1:PORT", out[1])
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/user")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		User *struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.User == nil || got.User.Email != "ada@example.com" {
		t.Fatalf("GET /user = %v %+v; want ada signed in", err, got.User)
	}
	v, err := c.Get(base + "/.well-known/version")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(v.Body)
	v.Body.Close()
	if string(b) != "12.0.1" {
		t.Errorf("version = %q; want 12.0.1", b)
	}
}

func TestCommandWithAuth0URL(t *testing.T) {
	out := startCommand(t, []string{"--addr", "127.0.0.1:0", "--auth0-url", "http://127.0.0.1:1", "-v"}, 1)
	if !strings.HasPrefix(out[0], "pieces-os: http://127.0.0.1:") {
		t.Errorf("line = %q; want only pieces-os (no auth0 server started)", out[0])
	}
}

func TestCommandErrors(t *testing.T) {
	tests := [][]string{
		{"--nope"},
		{"extra"},
		{"--addr", "256.1.1.1:0", "--auth0-url", "http://x"},
		{"--addr", "127.0.0.1:0", "--auth0-url", "http://x", "--allow-callback", "http://127.0.0.1:1/cb"},
		{"--addr", "127.0.0.1:0", "--allow-callback", "not a URL"},
		{"--auth0-only", "--auth0-url", "http://x"},
		{"--auth0-only", "--taken", "a"},
		{"--auth0-only", "--addr", "127.0.0.1:0"},
	}
	for _, args := range tests {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
	}
}

// TestCommandVerifiesTokensWithItsAuth0Server gets an access token from the
// Auth0-compatible server the command started (PKCE, prompt=none, on a
// callback URL allowed with --allow-callback) and signs in with it through
// from_token: the simulator must have been given that server to verify
// tokens with. A vanity name from --taken then answers 409.
func TestCommandVerifiesTokensWithItsAuth0Server(t *testing.T) {
	const callback = "http://127.0.0.1:1/callback"
	out := startCommand(t, []string{"--addr", "127.0.0.1:0", "--taken", "Taken-One, other",
		"--allow-callback", callback, "--allow-callback", "http://127.0.0.1:2/other"}, 2)
	auth0, _ := strings.CutPrefix(out[0], "auth0: ")
	base, _ := strings.CutPrefix(out[1], "pieces-os: ")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The default callback URLs stay allowed beside --allow-callback ones.
	for _, redirect := range []string{"http://localhost:3000/pkce/response/code", "http://127.0.0.1:2/other"} {
		accessToken(t, c, auth0, "ada@example.com", redirect)
	}
	resp := fromToken(t, c, base, accessToken(t, c, auth0, "grace@example.com", callback))
	var p struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	err := json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || p.Email != "grace@example.com" {
		t.Fatalf("from_token with the started server's token = %d (%v) %+v; want 200 and grace signed in", resp.StatusCode, err, p)
	}

	resp = fromToken(t, c, base, "forged")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("from_token with a forged token = %d; want 401", resp.StatusCode)
	}

	vanity := `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":false},"font":{"size":12}},"vanityname":"taken-one"}`
	resp, err = c.Post(base+"/user/update/vanity", "application/json", strings.NewReader(vanity))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("vanity name from --taken = %d; want 409", resp.StatusCode)
	}
}

// TestCommandAuth0Only runs the Auth0-compatible server alone and two
// simulators, one after the other, that verify tokens with it: a token it
// issued signs in at both, as a session survives a restarted Pieces OS.
func TestCommandAuth0Only(t *testing.T) {
	const callback = "http://127.0.0.1:1/callback"
	out := startCommand(t, []string{"--auth0-only", "--allow-callback", callback}, 1)
	auth0, ok := strings.CutPrefix(out[0], "auth0: ")
	if !ok || !strings.HasPrefix(auth0, "http://127.0.0.1:") {
		t.Fatalf("line = %q; want auth0: http://127.0.0.1:PORT", out[0])
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := c.Get(auth0 + "/.well-known/version"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /.well-known/version on the Auth0 server = %v, %v; want 404: no Pieces OS there", resp, err)
	} else {
		resp.Body.Close()
	}
	access := accessToken(t, c, auth0, "grace@example.com", callback)
	for i := range 2 {
		sim := startCommand(t, []string{"--addr", "127.0.0.1:0", "--auth0-url", auth0}, 1)
		base, _ := strings.CutPrefix(sim[0], "pieces-os: ")
		resp := fromToken(t, c, base, access)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("simulator %d: from_token with the Auth0 server's token = %d; want 200", i+1, resp.StatusCode)
		}
	}
}

// fromToken hands access to the Pieces OS simulator at base, as
// pieces-tray does (body and Bearer header), and returns its answer.
func fromToken(t *testing.T, c *http.Client, base, access string) *http.Response {
	t.Helper()
	body := `{"access_token":"` + access + `","expires_in":3600,"token_type":"Bearer"}`
	req, err := http.NewRequest(http.MethodPost, base+"/users/authenticate/from_token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// accessToken signs email in at the Auth0-compatible server at base
// (authorization code with PKCE S256, prompt=none, back to redirect) and
// returns the access token.
func accessToken(t *testing.T, c *http.Client, base, email, redirect string) string {
	t.Helper()
	const clientID = "9sW4Pa1LEjX67l6VO14u0207NLYeXnu1"
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"openid email"}, "state": {"st"}, "prompt": {"none"}, "login_hint": {email},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	resp, err := c.Get(base + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize to %s = %d, Location %q; want a redirect with a code", redirect, resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.PostForm(base+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"code": {loc.Query().Get("code")}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token exchange = %d, %v; want an access token", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestCommandSignIn: POST /os/sign_in opens $BROWSER at the Auth0-compatible
// server the command started, which allows the simulator's own callback:
// the person signs in there and the call answers their profile.
func TestCommandSignIn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in browser is a shell script")
	}
	dir := t.TempDir()
	opened := filepath.Join(dir, "url")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s' \"$1\" > \""+opened+".tmp\" && mv \""+opened+".tmp\" \""+opened+"\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", script)
	out := startCommand(t, []string{"--addr", "127.0.0.1:0"}, 2)
	base, _ := strings.CutPrefix(out[1], "pieces-os: ")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	type answer struct {
		status int
		body   string
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := c.Post(base+"/os/sign_in", "", nil)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- answer{resp.StatusCode, string(b), err}
	}()
	var authURL []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if authURL, err = os.ReadFile(opened); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("$BROWSER was not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := scriptbrowser.Visit(t.Context(), string(authURL), "grace@example.com", scriptbrowser.Approve); err != nil {
		t.Fatalf("sign-in in the browser: %v", err)
	}
	a := <-done
	if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, `"email":"grace@example.com"`) {
		t.Errorf("POST /os/sign_in = %d %q (%v); want 200 and grace's profile", a.status, a.body, a.err)
	}
}
