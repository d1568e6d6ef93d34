package memory

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

type sender struct{ b *Broker }

func (s sender) Limits() driver.Limits {
	return driver.Limits{MaxBatch: s.b.cfg.MaxBatch} // bytes: the topic's limit, as SNS
}

func (s sender) IsRetryable(err error) bool { return errors.Is(err, driver.ErrQueueFull) }

// Send stores a copy of each message in every matching subscription of the
// topic. A message is accepted by all its subscriptions or by none.
func (s sender) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", driver.ErrNotSent, err)
	}
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	subs, ok := b.topics[topic]
	direct := false // to a service's own queue (a command): no filter applies
	if service, isQueue := driver.QueueOf(topic); isQueue {
		q, found := b.queues[service]
		subs, ok, direct = []*queue{q}, found, true
	}
	if !ok {
		return fmt.Errorf("%w: %w: topic %q", driver.ErrNotSent, driver.ErrNotFound, topic)
	}
	now := b.clock.Now()
	var failed []driver.BatchFailure
	limit := b.cfg.MaxMessageBytes
	if l, ok := b.limits[topic]; ok {
		limit = l
	}
	for i, m := range msgs {
		if size := m.Size(); size > limit {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("%w: %w: %d bytes, limit %d", driver.ErrNotSent, driver.ErrTooLarge, size, limit)})
			continue
		}
		var targets []*queue
		full := false
		for _, q := range subs {
			if direct || q.matches(m) {
				targets = append(targets, q)
				full = full || q.count >= b.cfg.MaxMessages
			}
		}
		if full {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("%w: %w", driver.ErrNotSent, driver.ErrQueueFull)})
			continue
		}
		if len(targets) == 0 {
			continue
		}
		for _, q := range targets { // body and attributes are handed over, see driver.Sender
			q.enqueue(&message{body: m.Body, attrs: m.Attributes, group: m.GroupID, dedup: m.DedupID, index: -1}, now)
		}
	}
	if len(failed) > 0 {
		if len(failed) == len(msgs) && len(msgs) == 1 {
			return failed[0].Err
		}
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

type receiver struct{ q *queue }

func (r receiver) Limits() driver.Limits { return driver.Limits{MaxBatch: r.q.b.cfg.MaxBatch} }

func (r receiver) IsRetryable(error) bool { return false }

// VisibilityTimeout implements driver.VisibilitySource: the subscription's.
func (r receiver) VisibilityTimeout(context.Context) (time.Duration, error) {
	return r.q.cfg.VisibilityTimeout, nil
}

// Receive returns the visible messages; when there are none it waits until
// one is visible or ctx is done. With a done ctx it is a poll that does not
// wait.
func (r receiver) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	q, b := r.q, r.q.b
	if max <= 0 || max > b.cfg.MaxBatch {
		max = b.cfg.MaxBatch
	}
	for {
		b.mu.Lock()
		now := b.clock.Now()
		msgs, next := q.take(max, now)
		notify := q.notify
		b.mu.Unlock()
		if len(msgs) > 0 {
			return msgs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = b.clock.At(next)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-notify:
		case <-timer:
		}
	}
}

func (r receiver) Ack(ctx context.Context, handles []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	var failed []driver.BatchFailure
	for i, h := range handles {
		m, ok := r.q.inflight[h]
		if !ok {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("%w", driver.ErrInvalidHandle)})
			continue
		}
		r.q.remove(m)
	}
	if len(failed) > 0 {
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

func (r receiver) SetVisibility(ctx context.Context, handle string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := r.q.inflight[handle]
	if !ok {
		return fmt.Errorf("%w", driver.ErrInvalidHandle)
	}
	m.visibleAt = b.clock.Now().Add(max(d, 0))
	if m.index >= 0 {
		heap.Fix(&r.q.waiting, m.index)
	}
	r.q.wake()
	return nil
}

func (r receiver) DeadLetter(ctx context.Context, dm *driver.Message, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := r.q.inflight[dm.Handle]
	if !ok {
		return fmt.Errorf("%w", driver.ErrInvalidHandle)
	}
	if len(r.q.dlq) >= b.cfg.MaxMessages {
		return fmt.Errorf("memory: dead-letter queue: %w", driver.ErrQueueFull)
	}
	r.q.remove(m)
	m.attrs = withReason(m.attrs, reason, m.receiveCount)
	r.q.deadLetter(m, b.clock.Now())
	return nil
}
