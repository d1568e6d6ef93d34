package transport

import (
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// DefaultUnhealthyAfter is how many failures in a row make a component
// unhealthy when its config leaves the threshold at zero.
const DefaultUnhealthyAfter = 3

// Health is the health model of the runtime, one for every component that
// works in a loop: it counts the failures in a row of the component's
// work and reports it unhealthy once they reach a threshold, until one
// attempt succeeds. The Consumer keeps one for its receives and the outbox
// relay for its publishes; a service's own loops may keep one too. Its
// zero value is not usable: make one with [NewHealth]. It is safe for
// concurrent use.
type Health struct {
	component string
	threshold int
	clock     config.Clock

	mu    sync.Mutex
	fails int
	since time.Time
	last  error
}

// NewHealth returns the health of component, unhealthy after threshold
// failures in a row (zero means DefaultUnhealthyAfter; a negative
// threshold is a *config.Error), dating them by clock (nil means the
// system's).
func NewHealth(component string, threshold int, clock config.Clock) (*Health, error) {
	if threshold < 0 {
		return nil, &config.Error{Setting: "transport.NewHealth threshold", Problem: "must not be negative"}
	}
	if threshold == 0 {
		threshold = DefaultUnhealthyAfter
	}
	if clock == nil {
		clock = config.SystemClock{}
	}
	return &Health{component: component, threshold: threshold, clock: clock}, nil
}

// Failed records a failure and returns how many happened in a row, and
// whether this one made the component unhealthy (exactly at the
// threshold: log it once).
func (h *Health) Failed(err error) (inARow int, becameUnhealthy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fails == 0 {
		h.since = h.clock.Now()
	}
	h.fails++
	h.last = err
	return h.fails, h.fails == h.threshold
}

// Succeeded records a success and reports whether it made an unhealthy
// component healthy again.
func (h *Health) Succeeded() (recovered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recovered = h.fails >= h.threshold
	h.fails, h.last = 0, nil
	return recovered
}

// Err returns nil while the component is healthy, else a *HealthError.
func (h *Health) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fails < h.threshold {
		return nil
	}
	return &HealthError{Component: h.component, Failures: h.fails, Since: h.since, Last: h.last}
}
