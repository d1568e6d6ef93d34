package transport

import (
	"context"
	"log/slog"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

func (c *Consumer) batchSize() int {
	if n := c.recv.Limits().MaxBatch; n > 0 {
		return n
	}
	return 10
}

// poll receives messages and hands each to a worker. Messages it cannot
// hand over because receiving stopped are released at once.
func (c *Consumer) poll(ctx context.Context) {
	defer c.pollers.Done()
	for ctx.Err() == nil {
		msgs, err := c.recv.Receive(ctx, c.batchSize())
		if c.hooks.Received != nil && ctx.Err() == nil {
			c.hooks.Received(ctx, msgs, err)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fails := c.receiveFailed(ctx, err)
			config.Sleep(ctx, c.cfg.Clock, min(c.backoff.Delay(fails, c.cfg.Rand), maxReceivePause)) // do not spin
			continue
		}
		c.receiveSucceeded()
		if !c.accept(ctx, msgs, nil, nil) {
			return
		}
	}
}

// accept tracks received messages and hands each to a worker, after
// decoding and validating it (prepare). Messages it cannot hand over
// because ctx ended are released at once, and accept reports false. A
// delivered batch (Deliver) has until and the delivery that learns each
// message's fate; a polled one has neither.
func (c *Consumer) accept(ctx context.Context, msgs []*driver.Message, until context.Context, to *delivery) bool {
	c.mu.Lock()
	now := c.cfg.Clock.Now()
	ts := make([]tracked, len(msgs)) // one allocation for the batch
	for i, m := range msgs {
		ts[i] = tracked{msg: m, extended: now, delivery: to, index: i}
		c.inflight[m.Handle] = &ts[i]
	}
	c.batches++
	batch := c.batches
	c.mu.Unlock()
	for i, m := range msgs {
		d := c.prepare(ctx, m)
		if d == nil {
			continue // dead-lettered
		}
		if !c.dispatchJob(ctx, job{m, d, batch, until}) {
			final, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			for _, rest := range msgs[i:] {
				c.release(final, rest)
			}
			cancel()
			return false
		}
	}
	return true
}

// maxReceivePause bounds the pause after a failed receive: pauses grow
// with the consumer's Backoff up to it.
const maxReceivePause = 10 * time.Second

// receiveFailed records a failed receive and returns the failures in a
// row. The one that makes the consumer unhealthy is logged at Error.
func (c *Consumer) receiveFailed(ctx context.Context, err error) int {
	n, unhealthy := c.health.Failed(err)
	switch {
	case unhealthy:
		c.alarm.LogAttrs(ctx, slog.LevelError, "receiving keeps failing; the consumer is unhealthy", slog.Int("failures", n), slog.Any("error", err))
	case c.health.Err() == nil:
		c.log.LogAttrs(ctx, slog.LevelWarn, "receive failed", slog.Any("error", err))
	}
	return n
}

func (c *Consumer) receiveSucceeded() {
	if c.health.Succeeded() {
		c.alarm.LogAttrs(context.Background(), slog.LevelInfo, "receiving works again")
	}
}

// Health reports whether the consumer can do its work: nil, or a
// *HealthError matching [ErrUnhealthy] (with the last receive error) once
// ConsumerConfig.UnhealthyAfter receives in a row have failed, until one
// succeeds. Put it behind a readiness probe: a consumer with expired
// credentials or a deleted queue otherwise idles silently. A consumer that
// was shut down reports [ErrShutdown].
func (c *Consumer) Health() error {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return ErrShutdown
	}
	return c.health.Err()
}
