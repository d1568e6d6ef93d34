package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// job is a message ready for its handler.
type job struct {
	m     *driver.Message
	d     *Delivery
	batch uint64 // the receive that brought it
	// until, for a delivered message (Deliver), ends when it must no
	// longer start: its runtime's deadline is near.
	until context.Context
}

// late reports whether the job must not start: Deliver's deadline came.
func (j job) late() bool { return j.until != nil && j.until.Err() != nil }

// groupRun is a message group (FIFO transports) whose messages are being
// run: the ones waiting, in order. held is set, to the receive that
// brought the message, when the run ended on a message left for a retry:
// the group's other messages of that receive are released as they come
// (the transport delivers the retried one first, in a later receive).
type groupRun struct {
	pending []job
	held    uint64
}

func (c *Consumer) worker(ctx context.Context) {
	defer c.workers.Done()
	for j := range c.work {
		c.run(ctx, j)
	}
}

// run processes a job, and goes on with its group's next messages.
func (c *Consumer) run(ctx context.Context, j job) {
	if ctx.Err() != nil {
		return // Shutdown's deadline passed and released the message
	}
	next := false
	if j.late() {
		c.release(context.WithoutCancel(ctx), j.m)
	} else {
		next = c.process(ctx, j.m, j.d)
	}
	if j.m.GroupID != "" {
		c.runGroup(ctx, j, next)
	}
}

// dispatchJob hands a prepared message to the workers. Messages of one
// message group (FIFO transports) run one at a time, in the order they
// were received: a group's first message goes to a worker, the others
// wait in the group's queue for that worker (see runGroup).
func (c *Consumer) dispatchJob(ctx context.Context, j job) bool {
	if g := j.m.GroupID; g != "" {
		c.mu.Lock()
		run := c.groups[g]
		switch {
		case run == nil || (run.held != 0 && run.held != j.batch):
			c.groups[g] = &groupRun{} // a new run; a held message came back first
		case run.held != 0:
			c.mu.Unlock()
			c.release(context.WithoutCancel(ctx), j.m) // behind a message left for a retry
			return true
		default:
			run.pending = append(run.pending, j)
			c.mu.Unlock()
			return true
		}
		c.mu.Unlock()
	}
	if c.inline {
		c.run(c.handlerCtx, j)
		return true
	}
	select {
	case c.work <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// runGroup goes on with the messages of a group after one of them was
// processed: the next in order, while each is handled or dead-lettered.
// A message left for a retry holds its group, as SQS FIFO does: the
// group's waiting messages are released to come back after it.
func (c *Consumer) runGroup(ctx context.Context, j job, next bool) {
	group := j.m.GroupID
	for {
		c.mu.Lock()
		run := c.groups[group]
		if ctx.Err() != nil {
			delete(c.groups, group)
			c.mu.Unlock()
			return // Shutdown releases what is left
		}
		if !next {
			waiting := run.pending
			run.pending, run.held = nil, j.batch
			c.mu.Unlock()
			for _, w := range waiting {
				c.release(context.WithoutCancel(ctx), w.m)
			}
			return
		}
		if len(run.pending) == 0 {
			delete(c.groups, group)
			c.mu.Unlock()
			return
		}
		j = run.pending[0]
		run.pending = run.pending[1:]
		c.mu.Unlock()
		if j.late() {
			c.release(context.WithoutCancel(ctx), j.m)
			next = false
			continue
		}
		next = c.process(ctx, j.m, j.d)
	}
}

// prepare decodes and validates a received message, in the receiving
// goroutine so that it overlaps with the handlers' work. A message that can
// never succeed is dead-lettered and prepare returns nil.
func (c *Consumer) prepare(ctx context.Context, m *driver.Message) *Delivery {
	e, err := c.validator.Check(m.Body)
	if err != nil {
		c.refuse(ctx, m, nil, fmt.Errorf("%w: %w", ErrUndecodable, err))
		return nil
	}
	if m.Conflict != nil {
		c.refuse(ctx, m, &e, fmt.Errorf("%w: %w", ErrAttributeMismatch, m.Conflict))
		return nil
	}
	if err := checkAttributes(m.Attributes, &e); err != nil {
		c.refuse(ctx, m, &e, err)
		return nil
	}
	c.mu.Lock()
	if t := c.inflight[m.Handle]; t != nil {
		t.id = e.ID
	}
	c.mu.Unlock()
	box := &struct { // one allocation for the delivery and its envelope
		d Delivery
		e envelope.Envelope
	}{e: e}
	box.d = Delivery{Envelope: &box.e, ReceiveCount: m.ReceiveCount, Attributes: m.Attributes, Body: m.Body}
	return &box.d
}

// refuse dead-letters a message before any handler runs.
func (c *Consumer) refuse(ctx context.Context, m *driver.Message, e *envelope.Envelope, reason error) {
	if c.hooks.Refused != nil {
		c.hooks.Refused(ctx, m, e, reason)
	}
	id := ""
	if e != nil {
		id = e.ID
	}
	c.deadLetter(ctx, m, id, reason)
}

// process runs the handler chain and settles the message: ack, redelivery
// after a backoff, or dead letter. It reports whether the message's group
// may go on to its next message: the message was handled or dead-lettered
// (not left for a retry, nor released by Shutdown).
func (c *Consumer) process(ctx context.Context, m *driver.Message, d *Delivery) (next bool) {
	e := d.Envelope
	hctx := context.WithValue(ctx, deliveryKey{}, d) // also its trace context, see TraceContext
	if c.hooks.Handling != nil {
		hctx = c.hooks.Handling(hctx, d)
	}
	var began time.Time
	if c.hooks.Settled != nil { // no clock reads for nobody
		began = c.cfg.Clock.Now()
	}
	err := c.chain(hctx, d)
	s := Settlement{Err: err}
	if c.hooks.Settled != nil {
		s.Duration = c.cfg.Clock.Now().Sub(began)
		defer func() { c.hooks.Settled(hctx, d, s) }()
	}
	attrs := func() []slog.Attr {
		return []slog.Attr{slog.String("id", e.ID), slog.String("type", e.Type), slog.String("source", e.Source), slog.Int("receive_count", m.ReceiveCount)}
	}
	key := failureKey{e.Source, e.ID}
	if err == nil || errors.Is(err, ErrPermanent) {
		c.failures.forget(key)
	}
	switch {
	case err == nil:
		if d.duplicate {
			s.Outcome = Duplicate
		}
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "handled", attrs()...)
		}
		c.ack(m, s.Outcome)
		return true
	case errors.Is(err, ErrPermanent):
		s.Outcome = DeadLettered
		c.deadLetter(ctx, m, e.ID, err)
		return true
	case ctx.Err() != nil:
		// Shutdown cancelled the handler: a release, not a failure. The
		// message is released by Shutdown.
		s.Outcome = Released
		return false
	default:
		failed := 1
		if !errors.Is(err, ErrInProgress) {
			// A twin being handled is no failure: once it is done this
			// delivery finds it done and is acknowledged, so a handler
			// that succeeds never leads to a dead letter.
			failed = c.failures.add(key)
		}
		s.Failures = failed
		if failed >= c.cfg.MaxAttempts && !errors.Is(err, ErrInProgress) {
			c.failures.forget(key)
			s.Outcome, s.Err = DeadLettered, fmt.Errorf("handler failed %d times, the consumer's MaxAttempts; last error: %w", failed, err)
			c.deadLetter(ctx, m, e.ID, s.Err)
			return true
		}
		t := c.settle(m)
		if t == nil {
			s.Outcome = Released
			return false // released by Shutdown already
		}
		delay := c.backoff.Delay(failed, c.cfg.Rand)
		s.Outcome, s.Delay = Retried, delay
		c.log.LogAttrs(ctx, slog.LevelWarn, "handler failed; will retry", append(attrs(), slog.Duration("retry_in", delay), slog.Any("error", err))...)
		if err := c.recv.SetVisibility(context.WithoutCancel(ctx), m.Handle, delay); err != nil {
			c.log.LogAttrs(ctx, slog.LevelWarn, "could not delay the redelivery; the visibility timeout will", append(attrs(), slog.Any("error", err))...)
		}
		t.settled(Retried)
		return false
	}
}

// checkAttributes refuses mirrored attributes that contradict the envelope.
// An attribute the message lacks is not a contradiction.
func checkAttributes(attrs map[string]string, e *envelope.Envelope) error {
	for _, a := range [...]struct{ name, want string }{
		{driver.AttrType, e.Type}, {driver.AttrSource, e.Source}, {driver.AttrTenantID, e.TenantID},
	} {
		if got, ok := attrs[a.name]; ok && got != a.want {
			return fmt.Errorf("%w: %s is %q in the message, %q in the envelope", ErrAttributeMismatch, a.name, got, a.want)
		}
	}
	return nil
}
