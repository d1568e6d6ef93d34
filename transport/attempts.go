package transport

import (
	"slices"
	"sync"
	"time"
)

// maxTrackedFailures bounds the failure counts a consumer keeps.
const maxTrackedFailures = 10_000

// failures counts the failed deliveries of each event, keyed by (source,
// id), so that MaxAttempts counts handler failures and not receives: a
// message released by a shutdown or a rolling deploy consumes no attempt.
// The count lives in the consumer: a message that fails in several
// consumer processes may get MaxAttempts in each, and the queue's redrive
// policy (maxReceiveCount) is the backstop. It is safe for concurrent use.
type failures struct {
	mu     sync.Mutex
	counts map[failureKey]*failureCount
	now    func() time.Time
}

// failureKey is an event's (source, id).
type failureKey struct{ source, id string }

type failureCount struct {
	n    int
	last time.Time
}

func newFailures(now func() time.Time) *failures {
	return &failures{counts: map[failureKey]*failureCount{}, now: now}
}

// add records a failure of the event and returns its failures so far.
func (f *failures) add(key failureKey) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.counts[key]
	if !ok {
		if len(f.counts) >= maxTrackedFailures {
			f.evictOldest()
		}
		c = &failureCount{}
		f.counts[key] = c
	}
	c.n++
	c.last = f.now()
	return c.n
}

// forget drops the count of an event that was handled or dead-lettered.
func (f *failures) forget(key failureKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.counts, key)
}

// evictOldest drops the tenth of the counts that failed longest ago: their
// messages were most likely handled by another consumer since.
func (f *failures) evictOldest() {
	lasts := make([]time.Time, 0, len(f.counts))
	for _, c := range f.counts {
		lasts = append(lasts, c.last)
	}
	slices.SortFunc(lasts, time.Time.Compare)
	cutoff := lasts[len(lasts)/10]
	for key, c := range f.counts {
		if !c.last.After(cutoff) {
			delete(f.counts, key)
		}
	}
}
