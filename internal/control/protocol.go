package control

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Version is the major version of the wire protocol this package speaks.
const Version = 1

// MaxRequestSize is the longest request line (without its newline) a server
// accepts. A longer line gets a "too_large" error and the connection is
// closed.
const MaxRequestSize = 64 << 10

// maxReplySize is the longest line a client accepts from the server: states
// and results are larger than requests but still small.
const maxReplySize = 4 << 20

// maxWindowName is the longest window name a register request may carry.
const maxWindowName = 64

// Operations of the protocol ("op" field).
const (
	opHello    = "hello"
	opWatch    = "watch"
	opCall     = "call"
	opRegister = "register"
	opCancel   = "cancel"
	opState    = "state"
	opEnd      = "end"
	opResult   = "result"
	opError    = "error"
	opOK       = "ok"
	opRaise    = "raise"
)

// Error codes the server itself uses in error replies. Handlers use their
// own codes (see app.ErrorCode).
const (
	CodeBadRequest         = "bad_request"
	CodeUnknownOp          = "unknown_op"
	CodeUnsupportedVersion = "unsupported_version"
	CodeHelloRequired      = "hello_required"
	CodeDuplicateID        = "duplicate_id"
	CodeBusy               = "busy"
	CodeTooLarge           = "too_large"
	CodeAlreadyRegistered  = "already_registered"
	CodeInternal           = "internal"
)

// ErrAlreadyRunning is returned by Listen when another agent already serves
// the socket. The caller can Dial it (for example to show a window) and exit.
var ErrAlreadyRunning = errors.New("control: the pieces-tray agent is already running")

// RemoteError is a failure reported by the other end of the socket: a code
// for programs and a message for people.
type RemoteError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the message.
func (e *RemoteError) Error() string { return e.Message }

// message is every line of the protocol, in both directions. Fields unused
// by an op are omitted.
type message struct {
	V      int             `json:"v"`
	ID     uint64          `json:"id,omitempty"`
	Op     string          `json:"op"`
	Action string          `json:"action,omitempty"` // call
	Args   json.RawMessage `json:"args,omitempty"`   // call
	Window string          `json:"window,omitempty"` // register, raise
	Ref    uint64          `json:"ref,omitempty"`    // cancel: the id to cancel
	Result json.RawMessage `json:"result,omitempty"` // result
	State  json.RawMessage `json:"state,omitempty"`  // state
	Error  *RemoteError    `json:"error,omitempty"`  // error
}

// encode returns m as one protocol line, newline included. RawMessage fields
// are compacted by encoding/json, so a line never holds a raw newline.
func encode(m *message) ([]byte, error) {
	m.V = Version
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("control: encode %s: %w", m.Op, err)
	}
	return append(b, '\n'), nil
}

// decodeRequest parses and validates one request line (without its
// newline). On failure it returns the id it could read (0 when none) and a
// RemoteError to send back. It never panics, whatever line holds.
func decodeRequest(line []byte) (message, *RemoteError) {
	var m message
	if len(line) > MaxRequestSize {
		return message{}, &RemoteError{Code: CodeTooLarge, Message: fmt.Sprintf("request larger than %d bytes", MaxRequestSize)}
	}
	if err := json.Unmarshal(line, &m); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			// Syntax error: nothing in m can be trusted.
			return message{}, &RemoteError{Code: CodeBadRequest, Message: "request is not a JSON object: " + err.Error()}
		}
		return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: "bad request: " + err.Error()}
	}
	switch {
	case m.V > Version:
		return message{ID: m.ID}, &RemoteError{Code: CodeUnsupportedVersion, Message: fmt.Sprintf(
			"protocol version %d is newer than this agent's version %d: restart pieces-tray so both are the same version", m.V, Version)}
	case m.V < 1:
		return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: `bad request: "v" must be 1`}
	case m.ID == 0:
		return message{}, &RemoteError{Code: CodeBadRequest, Message: `bad request: "id" must be a positive integer`}
	}
	switch m.Op {
	case opHello, opWatch:
	case opCall:
		if m.Action == "" {
			return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: `bad request: call needs an "action"`}
		}
	case opRegister:
		if err := validWindow(m.Window); err != nil {
			return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: "bad request: " + err.Error()}
		}
	case opCancel:
		if m.Ref == 0 {
			return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: `bad request: cancel needs a "ref"`}
		}
	case "":
		return message{ID: m.ID}, &RemoteError{Code: CodeBadRequest, Message: `bad request: no "op"`}
	default:
		return message{ID: m.ID}, &RemoteError{Code: CodeUnknownOp, Message: fmt.Sprintf("unknown op %q", truncate(m.Op, 40))}
	}
	return m, nil
}

// validWindow checks the window name of a register request.
func validWindow(name string) error {
	switch {
	case name == "":
		return errors.New(`register needs a "window"`)
	case len(name) > maxWindowName:
		return fmt.Errorf("window name longer than %d bytes", maxWindowName)
	case !utf8.ValidString(name):
		return errors.New("window name is not UTF-8")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errors.New("window name has control characters")
		}
	}
	return nil
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// errLineTooLong is returned by readLine for a line over its limit.
var errLineTooLong = errors.New("control: line too long")

// readLine reads one line, newline included, of at most max bytes (newline
// included). The result may alias r's buffer until the next read. A longer
// line gives errLineTooLong and leaves r in the middle of it.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var long []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(long)+len(chunk) > max {
			return nil, errLineTooLong
		}
		switch {
		case err == nil && long == nil:
			return chunk, nil
		case err == nil:
			return append(long, chunk...), nil
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
		default:
			return nil, err
		}
	}
}
