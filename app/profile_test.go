package app

import (
	"strings"
	"testing"
	"unicode/utf8"

	"piecestray/apiclient"
)

// hostile holds profile text a person could set, or a server could send,
// to take over a terminal, split a menu item or read backwards.
var hostile = map[string]string{
	"ESC":    "Ada\x1b[2J\x1b[31mred",
	"OSC":    "Ada\x1b]0;owned title\x07",
	"CR/LF":  "Ada\r\nLovelace\n",
	"U+202E": "Ada \u202egpj.exe",
	"C1":     "Ada\u009b31m",
	"long":   strings.Repeat("A", 10000),
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{hostile["ESC"], "Ada[2J[31mred"},
		{hostile["OSC"], "Ada]0;owned title"},
		{hostile["CR/LF"], "Ada Lovelace"},
		{hostile["U+202E"], "Ada gpj.exe"},
		{hostile["C1"], "Ada31m"},
		{"  spaced\t\tout  ", "spaced out"},
		{"Zoë 🚀", "Zoë 🚀"},
		{"A\u200bd\ufeffa\u2060\u00ad", "Ada"}, // zero-width and other format characters
		{"bad \xff byte", "bad byte"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	long := Clean(hostile["long"])
	if n := utf8.RuneCountInString(long); n != maxField || !strings.HasSuffix(long, "…") {
		t.Errorf("Clean(10,000 characters) has %d characters ending %q; want %d ending with an ellipsis", n, long[len(long)-5:], maxField)
	}
}

// Every way a profile is named or an error is told is cleaned.
func TestDisplayTextIsClean(t *testing.T) {
	for name, text := range hostile {
		p := &apiclient.UserProfile{ID: "u", Name: text, Email: text + "@example.com", Username: text, VanityName: text}
		shown := map[string]string{
			"DisplayName": DisplayName(p),
			"VanityName":  VanityName(p),
			"last error":  Sentence("auth0: " + text),
			"error":       Human(&apiclient.StatusError{Op: apiclient.OpSignIntoOS, StatusCode: 500, Body: text}),
		}
		for where, s := range shown {
			if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u202e' }); i >= 0 {
				t.Errorf("%s: %s shows %q with a control character at %d", name, where, s, i)
			}
			if utf8.RuneCountInString(s) > 2*maxSentence {
				t.Errorf("%s: %s shows %d characters", name, where, utf8.RuneCountInString(s))
			}
		}
	}
}
