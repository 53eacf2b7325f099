package apiclient

import (
	"strings"
	"testing"
)

func TestShortBody(t *testing.T) {
	long := strings.Repeat("x", maxErrorBody-1) + "é" // the é is cut in half at the limit
	tests := []struct{ in, want string }{
		{"  not\n found \t", "not found"},
		{"bad \xff byte in the middle", "bad byte in the middle"},
		{long, strings.Repeat("x", maxErrorBody-1)},
	}
	for _, tt := range tests {
		if got := shortBody([]byte(tt.in)); got != tt.want {
			t.Errorf("shortBody(%.40q) = %.40q; want %.40q", tt.in, got, tt.want)
		}
	}
}
