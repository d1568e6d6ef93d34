package transport

import (
	"context"
	"sync"
	"time"
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

// IdempotencyStore remembers which events were processed, so that a
// duplicate delivery is processed once. Keys are an event's source and id.
// Implementations must be safe for concurrent use; a shared store (a
// database table, Redis) deduplicates across instances of a service.
type IdempotencyStore interface {
	Claim(ctx context.Context, key string) (ClaimResult, error)
	// Complete records that key was processed.
	Complete(ctx context.Context, key string) error
	// Release forgets a claim whose processing failed, so a redelivery
	// can claim it again.
	Release(ctx context.Context, key string) error
}

// MemoryStoreConfig configures a [MemoryStore]. The zero value means the
// defaults.
type MemoryStoreConfig struct {
	// MaxEntries bounds the keys remembered; the oldest go first. Default
	// 100,000.
	MaxEntries int
	// TTL is how long a key is remembered. Default 24h; it should exceed
	// the longest redelivery horizon of the queue.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MemoryStore is the in-process IdempotencyStore, bounded in size and age.
// It deduplicates within one process only.
type MemoryStore struct {
	cfg MemoryStoreConfig

	mu      sync.Mutex
	entries map[string]storeEntry
	order   []written // writes, oldest first; a key's earlier writes are stale
	head    int       // index of the oldest write not yet dropped
	seq     uint64
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
func NewMemoryStore(cfg MemoryStoreConfig) *MemoryStore {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 100_000
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryStore{cfg: cfg, entries: map[string]storeEntry{}}
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
	now := s.cfg.Now()
	s.expire(now)
	if e, ok := s.entries[key]; ok {
		if e.done {
			return AlreadyDone, nil
		}
		return InProgress, nil
	}
	s.put(key, false, now)
	return Claimed, nil
}

// Complete implements IdempotencyStore.
func (s *MemoryStore) Complete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(key, true, s.cfg.Now())
	return nil
}

// Release implements IdempotencyStore.
func (s *MemoryStore) Release(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[key]; ok && !e.done {
		delete(s.entries, key)
	}
	return nil
}

func (s *MemoryStore) put(key string, done bool, now time.Time) {
	if _, ok := s.entries[key]; !ok {
		for len(s.entries) >= s.cfg.MaxEntries && s.pop(time.Time{}) {
		}
	}
	s.seq++
	s.entries[key] = storeEntry{done: done, at: now, seq: s.seq}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0], s.order[s.head:]...) // drop the consumed front
		s.head = 0
	}
	s.order = append(s.order, written{key, s.seq})
}

// pop forgets the oldest key, or only a key written before cutoff when
// cutoff is not zero. It reports whether it forgot one.
func (s *MemoryStore) pop(cutoff time.Time) bool {
	for s.head < len(s.order) {
		w := s.order[s.head]
		e, ok := s.entries[w.key]
		if ok && e.seq == w.seq {
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
