package config

import (
	"context"
	"sync"
	"time"
)

// Clock is a source of time. Every component that waits or stamps time
// takes one, so that tests can run them all on one [ManualClock].
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// At returns a channel that receives once the clock reaches t (at once
	// if it has). The channel has a buffer of one: nobody needs to read it.
	At(t time.Time) <-chan time.Time
}

// After returns a channel that receives once c has moved on by d.
func After(c Clock, d time.Duration) <-chan time.Time { return c.At(c.Now().Add(d)) }

// Sleep waits until c has moved on by d, or ctx ends; it reports whether
// the time passed.
func Sleep(ctx context.Context, c Clock, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-After(c, d):
		return true
	}
}

// SystemClock is the Clock of the system's time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// At returns a channel that receives at t.
func (SystemClock) At(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }

// ManualClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewManualClock returns a ManualClock set to start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// At returns a channel that receives when the clock is moved to t or past
// it.
func (c *ManualClock) At(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{t, ch})
	return ch
}

// Waiting returns how many channels from At wait for a later time: a test
// can tell that a component is blocked on the clock before moving it.
func (c *ManualClock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Advance moves the clock forward by d and wakes the waiters that are due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(c.now.Add(d))
}

// Set moves the clock to t, backwards too (a component that must never go
// back, such as the event store's recorded time, keeps its own order), and
// wakes the waiters that are due.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(t)
}

func (c *ManualClock) set(t time.Time) {
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
}
