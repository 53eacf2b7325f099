package apiclient

import (
	"errors"
	"strings"
)

// MaxVanityNameLength is the longest vanity name: a DNS label has at most
// 63 characters.
const MaxVanityNameLength = 63

// Vanity name errors. Their messages are sentences for people.
var (
	ErrVanityEmpty      = errors.New("A vanity name cannot be empty")
	ErrVanityCharacters = errors.New("A vanity name can only contain letters, digits and hyphens")
	ErrVanityHyphen     = errors.New("A vanity name cannot start or end with a hyphen")
	ErrVanityTooLong    = errors.New("A vanity name is at most 63 characters")
)

// ValidVanityName reports whether name can become NAME.pieces.cloud: a DNS
// label of ASCII letters, digits and hyphens, 1–63 characters, not starting
// or ending with a hyphen (case-insensitive). Surrounding spaces are
// ignored, as NormalizeVanityName removes them. The error is one of the
// ErrVanity values.
func ValidVanityName(name string) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return ErrVanityEmpty
	case len(name) > MaxVanityNameLength:
		return ErrVanityTooLong
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return ErrVanityCharacters
		}
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return ErrVanityHyphen
	}
	return nil
}

// NormalizeVanityName returns name trimmed of surrounding spaces and in
// lower case, the form Pieces OS stores.
func NormalizeVanityName(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}
