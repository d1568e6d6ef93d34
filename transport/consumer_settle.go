package transport

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// settle stops tracking a message whose fate is decided. It returns the
// message's tracking, nil when it was no longer tracked (released by
// Shutdown); the caller reports the fate on it once the fate is sealed.
func (c *Consumer) settle(m *driver.Message) *tracked {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.inflight[m.Handle]
	delete(c.inflight, m.Handle)
	return t
}

// settled reports a delivered message's fate to Deliver's caller, once; a
// polled message has nobody to tell.
func (t *tracked) settled(o Outcome) {
	if t != nil && t.delivery != nil && t.delivery.told[t.index].CompareAndSwap(false, true) {
		t.delivery.out[t.index] = o
		t.delivery.wg.Done()
	}
}

// ack queues the acknowledgement of a handled message, unless Shutdown
// released it already. A handler that ignored its context and finished
// after Shutdown returned finds its message released and the queue closed.
func (c *Consumer) ack(m *driver.Message, o Outcome) {
	t := c.settle(m)
	if t == nil {
		return
	}
	if !c.cfg.Push { // a push consumer's runtime deletes what Deliver reports done
		c.ackMu.RLock()
		if !c.acksClosed {
			c.acks <- m.Handle
		}
		c.ackMu.RUnlock()
	}
	t.settled(o)
}

func (c *Consumer) release(ctx context.Context, m *driver.Message) {
	t := c.settle(m)
	if err := c.recv.SetVisibility(ctx, m.Handle, 0); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "could not release a message; its visibility timeout will", slog.Any("error", err))
	}
	t.settled(Released)
}

func (c *Consumer) deadLetter(ctx context.Context, m *driver.Message, id string, reason error) {
	t := c.settle(m)
	if t == nil {
		return // released by Shutdown already
	}
	text := reasonText(reason)
	attrs := []slog.Attr{slog.String("id", id), slog.String("type", m.Attributes[driver.AttrType]), slog.Int("receive_count", m.ReceiveCount), slog.String("reason", text)}
	if err := c.recv.DeadLetter(context.WithoutCancel(ctx), m, text); err != nil {
		// Not lost: the message stays in its queue and comes back after
		// its visibility timeout, and the queue's redrive policy is the
		// backstop.
		c.log.LogAttrs(ctx, slog.LevelError, "could not dead-letter a message; it stays in its queue", append(attrs, slog.Any("error", err))...)
		t.settled(Retried)
		return
	}
	c.log.LogAttrs(ctx, slog.LevelError, "dead-lettered", attrs...)
	t.settled(DeadLettered)
}

// reasonText is the dead-letter reason of err as every transport can carry
// it: at most driver.MaxReasonBytes, cut at a character boundary, holding
// only characters an SQS message attribute accepts (tab, line feed,
// carriage return, U+0020-U+D7FF, U+E000-U+FFFC, U+10000-U+10FFFF; others,
// and U+FFFD, which cannot be told from invalid UTF-8 here, become '?').
// The reasons the runtime writes name JSON pointers and rules, never
// payload values.
func reasonText(err error) string {
	const ellipsis = "..."
	s := err.Error()
	clean := []byte(strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r', r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r < utf8.RuneError, r >= 0x10000:
			return r
		}
		return '?' // also invalid UTF-8, which strings.Map reads as U+FFFD
	}, s))
	if len(clean) <= driver.MaxReasonBytes {
		return string(clean)
	}
	cut := driver.MaxReasonBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(clean[cut]) {
		cut--
	}
	return string(clean[:cut]) + ellipsis
}

// acker batches acknowledgements.
// maxAckFlights bounds the acknowledgement calls in flight at once: with
// network latency, one call at a time would cap a consumer at a batch per
// round trip.
const maxAckFlights = 8

func (c *Consumer) acker() {
	defer c.helpers.Done()
	size := c.batchSize()
	var pending []string
	var flights sync.WaitGroup
	slots := make(chan struct{}, maxAckFlights)
	var due <-chan time.Time // when pending must go, nil while none is
	flush := func() {
		if len(pending) == 0 {
			return
		}
		batch := slices.Clone(pending)
		pending = pending[:0]
		slots <- struct{}{} // waits while maxAckFlights calls are in flight
		flights.Add(1)
		go func() {
			defer func() { <-slots; flights.Done() }()
			ctx, cancel := context.WithTimeout(c.ackCtx, c.cfg.VisibilityTimeout)
			defer cancel()
			if err := c.recv.Ack(ctx, batch); err != nil {
				c.log.LogAttrs(ctx, slog.LevelWarn, "acknowledgement failed; the messages will be delivered again and deduplicated", slog.Int("messages", len(batch)), slog.Any("error", err))
			}
		}()
	}
	for {
		select {
		case h, ok := <-c.acks:
			if !ok {
				flights.Wait()
				c.finalFlush(pending)
				return
			}
			if len(pending) == 0 {
				due = config.After(c.cfg.Clock, c.cfg.AckDelay)
			}
			pending = append(pending, h)
			if len(pending) >= size {
				due = nil
				flush()
			}
		case <-due:
			due = nil
			flush()
		}
	}
}

// finalFlush acknowledges what is pending at Shutdown, within
// shutdownGrace: what it cannot is delivered again and deduplicated.
func (c *Consumer) finalFlush(pending []string) {
	if len(pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := c.recv.Ack(ctx, pending); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "final acknowledgement failed; the messages will be delivered again and deduplicated", slog.Int("messages", len(pending)), slog.Any("error", err))
	}
}

// extender keeps the messages in flight invisible while they are handled.
func (c *Consumer) extender(ctx context.Context) {
	defer c.helpers.Done()
	period := c.cfg.VisibilityTimeout / 3
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-config.After(c.cfg.Clock, period):
			var due []string
			c.mu.Lock()
			for h, t := range c.inflight {
				if now.Sub(t.extended) >= period {
					t.extended = now
					due = append(due, h)
				}
			}
			c.mu.Unlock()
			for _, h := range due {
				if err := c.recv.SetVisibility(ctx, h, c.cfg.VisibilityTimeout); err != nil && ctx.Err() == nil {
					c.log.LogAttrs(ctx, slog.LevelWarn, "could not extend a message's visibility", slog.Any("error", err))
				}
			}
		}
	}
}
