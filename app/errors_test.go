package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"piecestray/apiclient"
	"piecestray/auth"
)

func TestHuman(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("auth: load: %w: %w", auth.ErrTimeout, context.DeadlineExceeded), "The keyring did not answer in time: if your desktop asks to unlock the keyring, unlock it and choose Retry."},
		{fmt.Errorf("save: %w", auth.ErrLocked), "The keyring is locked: unlock it (log in to your desktop session) and choose Retry."},
		{&apiclient.NotRunningError{Tried: []string{"127.0.0.1:39300"}}, "Pieces OS is not running."},
		{context.DeadlineExceeded, "The request took too long."},
		{errors.New("apiclient: something odd"), "Something odd."},
		{&ActionError{Code: CodeTaken, Message: "Taken."}, "Taken."},
	}
	for _, tt := range tests {
		if got := Human(tt.err); got != tt.want {
			t.Errorf("Human(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want ErrorCode
	}{
		{&apiclient.StatusError{Op: "user_beta_status", StatusCode: 511}, CodeNotSignedIn},
		{&apiclient.StatusError{Op: "refresh_user", StatusCode: 500}, CodeServer},
		{&apiclient.NotRunningError{}, CodeNotRunning},
		{fmt.Errorf("login: %w", auth.ErrCancelled), CodeCancelled},
		{&ActionError{Code: CodeBusy}, CodeBusy},
		{errors.New("x"), CodeInternal},
	}
	for _, tt := range tests {
		if got := codeOf(tt.err); got != tt.want {
			t.Errorf("codeOf(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestHumanNamesAnotherUsersListener(t *testing.T) {
	err := &apiclient.NotRunningError{Tried: []string{"http://127.0.0.1:39300"}, Err: &apiclient.ForeignListenerError{Port: 39300, UID: 1001}}
	if got := Human(err); !strings.Contains(got, "something else is listening on port 39300") {
		t.Errorf("Human(%v) = %q; want it to name the other listener", err, got)
	}
}
