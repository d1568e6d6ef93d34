package transport

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ErrNotPush matches the error of Deliver on a consumer that receives its
// messages itself (ConsumerConfig.Push unset), or that is not running.
var ErrNotPush = errors.New("transport: the consumer takes no deliveries: it must be started with ConsumerConfig.Push")

// Deliver runs messages that its runtime received (a batch of an AWS Lambda
// SQS event source mapping) through a started push consumer's pipeline,
// the one its own receiving feeds: envelope and attribute checks, payload
// validation, idempotency, middleware, panic recovery, retries with
// backoff, dead letters with their reason, message groups in order. It
// returns when every message is settled, with each one's Outcome in the
// order of msgs:
//
//   - Handled, Duplicate and DeadLettered messages are done: the runtime
//     deletes them (the consumer acknowledges nothing itself);
//   - Retried and Released ones must come back: the runtime reports them
//     failed. A Retried message had its visibility set to its backoff
//     delay; a message that could not be dead-lettered is Retried.
//
// No message starts once ctx is done: the ones not yet started are
// Released, so that a runtime can stop starting work ahead of its deadline
// without cutting a handler off; handlers already running are waited for.
// In a message group, a message that is Retried or Released releases the
// group's later messages of the batch, as the consumer's own receiving
// does. The handlers run with the consumer's context, not ctx: on
// ConsumerConfig.Concurrency workers, or, with Concurrency 1, one after
// the other in the calling goroutine (no hand-over between goroutines:
// the cheapest for handlers that do not wait on I/O).
//
// Each message's Handle must be unique among the messages in flight.
func (c *Consumer) Deliver(ctx context.Context, msgs []*driver.Message) ([]Outcome, error) {
	c.mu.Lock()
	ok := c.started && !c.stopped && c.cfg.Push
	// Shutdown waits for the handing over as for a poller's, and for the
	// handlers run inline as for a worker's.
	wait := &c.pollers
	if c.inline {
		wait = &c.workers
	}
	if ok {
		wait.Add(1)
	}
	c.mu.Unlock()
	if !ok {
		return nil, ErrNotPush
	}
	to := &delivery{out: make([]Outcome, len(msgs)), told: make([]atomic.Bool, len(msgs))}
	to.wg.Add(len(msgs))
	// Handing over stops at ctx's end, or when Shutdown begins.
	hand, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.recvCtx, cancel)()
	c.accept(hand, msgs, ctx, to)
	wait.Done()
	to.wg.Wait()
	return to.out, nil
}

// delivery learns the fates of a Deliver call's messages.
type delivery struct {
	out  []Outcome
	told []atomic.Bool // whether out[i] is set
	wg   sync.WaitGroup
}

// Receiver returns the consumer's receiver, the driver's: a runtime that
// delivers messages (Deliver) converts them with it.
func (c *Consumer) Receiver() driver.Receiver { return c.recv }
