package transport

import (
	"math"
	"time"
)

// Backoff computes exponential delays with jitter: attempt n (from 1)
// waits Initial × Multiplier^(n-1), at most Max, then moved at random by up
// to ±Jitter of itself. The zero value means the defaults.
type Backoff struct {
	Initial    time.Duration // default 1s
	Max        time.Duration // default 5m
	Multiplier float64       // default 2
	Jitter     float64       // fraction, 0 to 1; default 0.2; negative means none
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = time.Second
	}
	if b.Max <= 0 {
		b.Max = 5 * time.Minute
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	switch {
	case b.Jitter == 0:
		b.Jitter = 0.2
	case b.Jitter < 0:
		b.Jitter = 0
	case b.Jitter > 1:
		b.Jitter = 1
	}
	return b
}

// Delay returns the delay before attempt n+1 after n failed attempts. rnd
// returns a number in [0, 1); it is the only source of randomness.
func (b Backoff) Delay(n int, rnd func() float64) time.Duration {
	b = b.withDefaults()
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(max(n, 1)-1))
	d = min(d, float64(b.Max))
	if b.Jitter > 0 {
		d += d * b.Jitter * (2*rnd() - 1)
	}
	return time.Duration(max(d, 0))
}
