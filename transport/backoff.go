package transport

import (
	"errors"
	"math"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// Backoff computes exponential delays with jitter: attempt n (from 1)
// waits Initial × Multiplier^(n-1), at most Max, then moved at random by up
// to ±Jitter of itself. A configuration takes a *Backoff: nil means the
// configuration's default; a Backoff given is taken as written.
type Backoff struct {
	Initial    time.Duration // the first delay; must be positive
	Max        time.Duration // the longest delay; at least Initial
	Multiplier float64       // growth per attempt, at least 1; zero means 2
	Jitter     float64       // fraction of the delay, 0 to 1; zero means none
}

// check reports what is invalid in b, naming it as setting.
func (b *Backoff) check(setting string) []error {
	if b == nil {
		return nil
	}
	var errs []error
	bad := func(field, problem string) {
		errs = append(errs, &config.Error{Setting: setting + "." + field, Problem: problem})
	}
	if b.Initial <= 0 {
		bad("Initial", "must be positive")
	}
	if b.Max < b.Initial {
		bad("Max", "must be at least Initial")
	}
	if b.Multiplier != 0 && !(b.Multiplier >= 1) || math.IsInf(b.Multiplier, 0) {
		bad("Multiplier", "must be 0 (doubling) or a finite number of at least 1")
	}
	if !(b.Jitter >= 0 && b.Jitter <= 1) {
		bad("Jitter", "must be from 0 to 1")
	}
	return errs
}

// Validate reports every invalid field of b, each a *config.Error
// named after setting (e.g. "RelayConfig.Backoff"); nil b is valid (the
// defaults). Other packages' configs use it to check theirs.
func (b *Backoff) Validate(setting string) error { return errors.Join(b.check(setting)...) }

// Delay returns the delay before attempt n+1 after n failed attempts. rnd
// returns a number in [0, 1); it is the only source of randomness, and is
// not called when Jitter is zero.
func (b Backoff) Delay(n int, rnd func() float64) time.Duration {
	m := b.Multiplier
	if m == 0 {
		m = 2
	}
	d := float64(b.Initial) * math.Pow(m, float64(max(n, 1)-1))
	d = min(d, float64(b.Max))
	if b.Jitter > 0 {
		d += d * b.Jitter * (2*rnd() - 1)
	}
	return time.Duration(max(d, 0))
}
