package apiclient

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoffCeilings(t *testing.T) {
	b := newBackoff(250*time.Millisecond, 10*time.Second, nil)
	want := []time.Duration{250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}
	for i, w := range want {
		if got := b.ceiling(i); got != w*time.Millisecond {
			t.Errorf("ceiling(%d) = %v; want %v", i, got, w*time.Millisecond)
		}
	}
	if got := b.ceiling(1000); got != 10*time.Second { // no overflow
		t.Errorf("ceiling(1000) = %v; want 10s", got)
	}
}

func TestBackoffFullJitterBounds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	b := newBackoff(250*time.Millisecond, 10*time.Second, rnd.Int64N)
	for round := range 3 {
		for i := range 40 {
			ceil := b.ceiling(min(i, 6))
			d := b.Next()
			if d < 0 || d >= ceil {
				t.Fatalf("round %d: wait %d = %v; want in [0, %v)", round, i, d, ceil)
			}
		}
		b.Reset()
		if d := b.Next(); d >= 250*time.Millisecond {
			t.Fatalf("after reset: wait = %v; want < 250ms", d)
		}
		b.Reset()
	}
}

func TestBackoffSchedule(t *testing.T) {
	tests := []struct {
		name string
		rand func(n int64) int64
		want []time.Duration // ms, then adjusted
		adj  time.Duration
	}{
		{"top of range", func(n int64) int64 { return n - 1 },
			[]time.Duration{250, 500, 1000, 2000, 4000, 8000, 10000, 10000}, -1},
		{"bottom of range", func(n int64) int64 { return 0 },
			[]time.Duration{0, 0, 0, 0, 0, 0, 0, 0}, 0},
		{"middle", func(n int64) int64 { return n / 2 },
			[]time.Duration{125, 250, 500, 1000, 2000, 4000, 5000, 5000}, 0},
		{"misbehaving rand", func(n int64) int64 { return n * 3 },
			[]time.Duration{250, 500, 1000, 2000, 4000, 8000, 10000, 10000}, -1},
		{"negative rand", func(n int64) int64 { return -n },
			[]time.Duration{0, 0, 0, 0, 0, 0, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff(minBackoff, maxBackoff, tt.rand)
			for i, w := range tt.want {
				want := w*time.Millisecond + tt.adj
				if w == 0 {
					want = 0
				}
				if got := b.Next(); got != want {
					t.Errorf("next() #%d = %v; want %v", i, got, want)
				}
			}
			b.Reset()
			first := tt.want[0]*time.Millisecond + tt.adj
			if tt.want[0] == 0 {
				first = 0
			}
			if got := b.Next(); got != first {
				t.Errorf("next() after reset = %v; want %v", got, first)
			}
		})
	}
}

func TestNewBackoffDefaults(t *testing.T) {
	b := newBackoff(0, 0, nil)
	if b.Min != minBackoff || b.Max != minBackoff || b.Rand == nil {
		t.Errorf("newBackoff(0, 0, nil) = min %v max %v; want %v, %v", b.Min, b.Max, minBackoff, minBackoff)
	}
}

// Without Rand a Backoff waits its ceiling: Min, doubling, up to Max.
func TestBackoffWithoutJitter(t *testing.T) {
	b := Backoff{Min: 15 * time.Second, Max: time.Minute}
	for i, want := range []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, time.Minute} {
		if got := b.Next(); got != want {
			t.Errorf("Next() #%d = %v; want %v", i+1, got, want)
		}
	}
	b.Reset()
	if got := b.Next(); got != 15*time.Second {
		t.Errorf("Next() after Reset = %v; want 15s", got)
	}
}
