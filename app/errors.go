package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"piecestray/apiclient"
	"piecestray/auth"
)

// notRunningMessage is what a person reads when Pieces OS does not answer.
// Like the Pieces CLI it does not claim "not installed": that cannot be told
// apart from "not started yet".
const notRunningMessage = "Pieces OS is not running. Start Pieces OS (or wait for it to finish starting) and choose Retry."

// Human turns an error into a sentence for people. Errors from apiclient and
// auth already carry such messages; this adds the common cases.
func Human(err error) string {
	if err == nil {
		return ""
	}
	// The keyring and sign-in errors say what to do; prefer their sentence
	// to the generic one of a deadline or cancellation they may wrap.
	for _, known := range []error{auth.ErrLocked, auth.ErrNoSecretService, auth.ErrTimeout, auth.ErrTooLarge, auth.ErrSignInNeeded, auth.ErrUnavailable, auth.ErrInProgress} {
		if errors.Is(err, known) {
			return Sentence(known.Error())
		}
	}
	var foreign *apiclient.ForeignListenerError
	switch {
	case errors.As(err, &foreign):
		return Sentence("Pieces OS is not running; " + foreign.Error())
	case errors.Is(err, apiclient.ErrNotRunning):
		return "Pieces OS is not running."
	case errors.Is(err, context.DeadlineExceeded):
		return "The request took too long."
	case errors.Is(err, context.Canceled):
		return "It was cancelled."
	}
	if ae, ok := errors.AsType[*ActionError](err); ok {
		return ae.Message
	}
	return Sentence(err.Error())
}

// Sentence turns an error message into a sentence: it is cleaned like text
// from outside (see CleanLine), package prefixes such as "apiclient: " that
// mean nothing to people are dropped, the first letter is
// capitalised and a full stop ends it.
func Sentence(msg string) string {
	msg = CleanLine(msg, maxSentence) // it may quote Pieces OS or an identity provider
	for _, p := range []string{"app: ", "apiclient: ", "auth: ", "control: ", "windowcmd: ", "ui: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	msg = capitalize(msg)
	if msg != "" && !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// codeOf classifies an error for windows.
func codeOf(err error) ErrorCode {
	var ae *ActionError
	switch {
	case errors.As(err, &ae):
		return ae.Code
	case errors.Is(err, apiclient.ErrNotRunning):
		return CodeNotRunning
	case apiclient.IsNotSignedIn(err):
		return CodeNotSignedIn
	case apiclient.IsServerError(err):
		return CodeServer
	case errors.Is(err, auth.ErrCancelled), errors.Is(err, context.Canceled):
		return CodeCancelled
	}
	return CodeInternal
}

// vanityError maps the documented failures of POST /user/update/vanity to
// sentences that say what to do.
func vanityError(err error, name string) *ActionError {
	switch {
	case apiclient.IsVanityTaken(err):
		return &ActionError{Code: CodeTaken, Message: fmt.Sprintf("The name %q is already taken. Edit it and try another one.", name)}
	case apiclient.IsCloudNotReady(err):
		return &ActionError{Code: CodeCloudNotReady, Message: "Your personal cloud is not fully connected yet, so the name cannot be set. This can take a few minutes; try again later."}
	case apiclient.IsNotSignedIn(err):
		return &ActionError{Code: CodeNotSignedIn, Message: "You need to be signed in and connected to your personal cloud to set a vanity name."}
	case errors.Is(err, apiclient.ErrNotRunning):
		return &ActionError{Code: CodeNotRunning, Message: notRunningMessage}
	case apiclient.IsServerError(err):
		return &ActionError{Code: CodeServer, Message: "Pieces could not create the name right now. Try again in a moment."}
	}
	return &ActionError{Code: codeOf(err), Message: "The vanity name could not be saved: " + Human(err)}
}

// betaError maps the documented failures of POST /user/beta/status.
func betaError(err error) *ActionError {
	switch {
	case apiclient.IsNotSignedIn(err):
		return &ActionError{Code: CodeNotSignedIn, Message: "You need to be signed in to Pieces OS to change the beta program. Sign in and try again."}
	case errors.Is(err, apiclient.ErrNotRunning):
		return &ActionError{Code: CodeNotRunning, Message: notRunningMessage}
	case apiclient.IsServerError(err):
		return &ActionError{Code: CodeServer, Message: "Pieces could not change the beta program right now. Try again in a moment."}
	}
	return &ActionError{Code: codeOf(err), Message: "The beta program could not be changed: " + Human(err)}
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
