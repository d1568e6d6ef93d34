package transport

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// ClaimResult is the answer of [IdempotencyStore.Claim].
type ClaimResult int

// Results of a claim.
const (
	// Claimed: nobody has processed the key; the caller processes it and
	// then calls Complete, or Release if it failed.
	Claimed ClaimResult = iota
	// AlreadyDone: the key was processed; the delivery is a duplicate.
	AlreadyDone
	// InProgress: another delivery is processing the key right now.
	InProgress
)

// String returns the result's name, e.g. "already_done".
func (r ClaimResult) String() string {
	switch r {
	case Claimed:
		return "claimed"
	case AlreadyDone:
		return "already_done"
	case InProgress:
		return "in_progress"
	}
	return "ClaimResult(" + strconv.Itoa(int(r)) + ")"
}

// IdempotencyStore remembers which events were processed, so that a
// duplicate delivery is processed once. Keys are an event's source and id.
// Implementations must be safe for concurrent use; a shared store (a
// database table, Redis) deduplicates across instances of a service.
type IdempotencyStore interface {
	// Claim claims key for processing, unless it was processed or is being
	// processed.
	Claim(ctx context.Context, key string) (ClaimResult, error)
	// Complete records that key was processed.
	Complete(ctx context.Context, key string) error
	// Release forgets a claim whose processing failed, so a redelivery
	// can claim it again.
	Release(ctx context.Context, key string) error
}

// NoIdempotency is the IdempotencyStore that remembers nothing: every
// delivery is handled, duplicates included. Set it as
// ConsumerConfig.Idempotency for handlers that are idempotent themselves
// (an upsert keyed by the event's id), or that deduplicate in their own
// transaction.
type NoIdempotency struct{}

// Claim implements IdempotencyStore: always Claimed.
func (NoIdempotency) Claim(context.Context, string) (ClaimResult, error) { return Claimed, nil }

// Complete implements IdempotencyStore.
func (NoIdempotency) Complete(context.Context, string) error { return nil }

// Release implements IdempotencyStore.
func (NoIdempotency) Release(context.Context, string) error { return nil }

// MemoryStoreConfig configures a [MemoryStore]. A nil *MemoryStoreConfig
// means the defaults, as does a zero field; negative values are errors.
type MemoryStoreConfig struct {
	// TTL is the deduplication window: how long a processed key is
	// remembered. A duplicate that arrives later is processed again.
	// Default 1h, well beyond the redeliveries of a queue (visibility
	// timeout times maxReceiveCount) and a publisher's retries; set it to
	// the longest horizon of yours.
	TTL time.Duration
	// MaxEntries bounds the memory: the processed keys remembered. Only
	// when more than MaxEntries events are processed within TTL do the
	// oldest go early, shrinking the window below TTL. Default 1,000,000
	// (about 100 MB; 1h at 270 events/s). Claims in progress are never
	// dropped, so a twin of an event being handled never runs alongside.
	MaxEntries int
	// Clock is the time the window follows; nil means the system's.
	Clock config.Clock
}

// MemoryStore is the in-process IdempotencyStore, bounded in age and size:
// it deduplicates within its TTL (see [MemoryStoreConfig]), within one
// process only.
type MemoryStore struct {
	cfg MemoryStoreConfig

	mu         sync.Mutex
	entries    map[string]storeEntry
	inProgress int       // entries claimed and not yet done
	order      []written // completions, oldest first; a key's earlier ones are stale
	head       int       // index of the oldest completion not yet dropped
	seq        uint64
}

type storeEntry struct {
	done bool
	at   time.Time // of the latest write
	seq  uint64    // of the latest write
}

type written struct {
	key string
	seq uint64
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(cfg *MemoryStoreConfig) (*MemoryStore, error) {
	var c MemoryStoreConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if c.TTL < 0 {
		errs = append(errs, &config.Error{Setting: "MemoryStoreConfig.TTL", Problem: "must not be negative"})
	}
	if c.MaxEntries < 0 {
		errs = append(errs, &config.Error{Setting: "MemoryStoreConfig.MaxEntries", Problem: "must not be negative"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = 1_000_000
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	return &MemoryStore{cfg: c, entries: map[string]storeEntry{}}, nil
}

// Len returns the number of keys remembered.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Claim implements IdempotencyStore.
func (s *MemoryStore) Claim(_ context.Context, key string) (ClaimResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	s.expire(now)
	if e, ok := s.entries[key]; ok {
		if e.done {
			return AlreadyDone, nil
		}
		return InProgress, nil
	}
	// A claim is not in the order of completions: only completed keys age
	// out or make room.
	s.entries[key] = storeEntry{at: now}
	s.inProgress++
	return Claimed, nil
}

// Complete implements IdempotencyStore.
func (s *MemoryStore) Complete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if ok && !e.done {
		s.inProgress--
	}
	if !ok || !e.done {
		for len(s.entries)-s.inProgress >= s.cfg.MaxEntries && s.pop(time.Time{}) {
		}
	}
	s.complete(key, s.cfg.Clock.Now())
	return nil
}

// Release implements IdempotencyStore.
func (s *MemoryStore) Release(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[key]; ok && !e.done {
		delete(s.entries, key)
		s.inProgress--
	}
	return nil
}

func (s *MemoryStore) complete(key string, now time.Time) {
	s.seq++
	s.entries[key] = storeEntry{done: true, at: now, seq: s.seq}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0], s.order[s.head:]...) // drop the consumed front
		s.head = 0
	}
	s.order = append(s.order, written{key, s.seq})
}

// pop forgets the oldest completed key, or only one completed before
// cutoff when cutoff is not zero. It reports whether it forgot one.
func (s *MemoryStore) pop(cutoff time.Time) bool {
	for s.head < len(s.order) {
		w := s.order[s.head]
		e, ok := s.entries[w.key]
		if ok && e.done && e.seq == w.seq {
			if !cutoff.IsZero() && !e.at.Before(cutoff) {
				return false
			}
			delete(s.entries, w.key)
			s.order[s.head] = written{}
			s.head++
			return true
		}
		s.order[s.head] = written{} // a stale write
		s.head++
	}
	return false
}

func (s *MemoryStore) expire(now time.Time) {
	for s.pop(now.Add(-s.cfg.TTL)) {
	}
}
