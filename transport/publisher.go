package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// MaxMessageBytes is the largest encoded message (body and mirrored
// attributes) the protocol allows: the SNS and SQS limit of 256 KiB.
const MaxMessageBytes = 256 << 10

// PublisherConfig configures a [Publisher]. A nil *PublisherConfig, like the
// zero value, means the defaults.
type PublisherConfig struct {
	// Validator checks every envelope before anything is sent. The zero
	// value is the ELMO profile.
	Validator envelope.Validator
	// Catalog, when set, also validates every payload against its schema.
	Catalog *schema.Catalog
	// Topic names the topic of an event type. Default: its domain, e.g.
	// "leave" for elmo.leave.balance.adjusted.v1. A driver maps the name
	// onto its own resources (SNS: naming.AWSNames.Topic).
	Topic func(naming.Type) string
	// MaxAttempts bounds the sends of one message when the transport
	// reports a retryable error. Default 3.
	MaxAttempts int
	// Backoff spaces the attempts. Default: 100ms doubling, at most 2s.
	Backoff Backoff
	// Logger receives one record per failed send; nil means no logging.
	// Payloads are never logged.
	Logger *slog.Logger
}

// Publisher publishes envelopes through a driver.Sender. It is safe for
// concurrent use.
type Publisher struct {
	sender driver.Sender
	cfg    PublisherConfig
	log    *slog.Logger
}

// NewPublisher returns a Publisher over the sender.
func NewPublisher(s driver.Sender, cfg *PublisherConfig) (*Publisher, error) {
	if s == nil {
		return nil, errors.New("transport: NewPublisher: nil sender")
	}
	var c PublisherConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Topic == nil {
		c.Topic = naming.Type.Domain
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.Backoff == (Backoff{}) {
		c.Backoff = Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second}
	}
	return &Publisher{sender: s, cfg: c, log: logger(c.Logger)}, nil
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// outgoing is one event on its way out.
type outgoing struct {
	index     int
	id        string
	topic     string
	msg       *driver.Message
	maybeSent bool // an attempt's outcome was unknown
}

// Publish validates, encodes and sends the events. Events without trace
// context get the one ctx carries (see [WithTraceContext]); the caller's
// envelopes are not modified.
//
// Every event is checked first: if any envelope or payload is invalid or
// its encoded message exceeds [MaxMessageBytes], nothing is sent and the
// returned *PublishError names each such event. Otherwise the events are
// sent in batches within the driver's limits, and messages the transport
// refuses, or whose outcome is unknown, with a retryable error are sent
// again, up to MaxAttempts (an event whose reply was lost may then be
// delivered twice; consumers deduplicate). The returned *PublishError then
// names every event that was not certainly accepted, each either refused
// or of unknown outcome ([FailedEvent].Unknown, [ErrOutcomeUnknown]);
// those it does not name were accepted.
func (p *Publisher) Publish(ctx context.Context, events ...*envelope.Envelope) error {
	out, failed := p.prepare(ctx, events)
	if len(failed) > 0 {
		return &PublishError{Failed: failed}
	}
	limits := p.sender.Limits()
	for _, batch := range batches(out, limits) {
		failed = append(failed, p.send(ctx, batch)...)
	}
	if len(failed) > 0 {
		return &PublishError{Failed: failed}
	}
	return nil
}

func (p *Publisher) prepare(ctx context.Context, events []*envelope.Envelope) ([]outgoing, []FailedEvent) {
	traceparent, tracestate := TraceContext(ctx)
	out := make([]outgoing, 0, len(events))
	var failed []FailedEvent
	for i, ev := range events {
		if ev == nil {
			failed = append(failed, FailedEvent{Index: i, Err: errors.New("nil event")})
			continue
		}
		e := *ev
		if e.TraceParent == "" && traceparent != "" {
			e.TraceParent, e.TraceState = traceparent, tracestate
		}
		fail := func(err error) { failed = append(failed, FailedEvent{Index: i, ID: e.ID, Err: err}) }
		if err := p.cfg.Validator.Validate(&e); err != nil {
			fail(err)
			continue
		}
		if p.cfg.Catalog != nil {
			if err := p.cfg.Catalog.Validate(&e); err != nil {
				fail(err)
				continue
			}
		}
		t, err := naming.ParseType(e.Type)
		if err != nil {
			fail(err)
			continue
		}
		body, err := e.AppendJSON(nil)
		if err != nil {
			fail(err)
			continue
		}
		msg := &driver.Message{Body: body, Attributes: MirroredAttributes(&e), GroupID: e.PartitionKey, DedupID: e.ID}
		if size := msg.Size(); size > MaxMessageBytes {
			fail(&TooLargeError{ID: e.ID, Size: size, Limit: MaxMessageBytes})
			continue
		}
		out = append(out, outgoing{index: i, id: e.ID, topic: p.cfg.Topic(t), msg: msg})
	}
	return out, failed
}

// MirroredAttributes returns the attributes a message carries beside the
// envelope: type, source and, when set, tenantid.
func MirroredAttributes(e *envelope.Envelope) map[string]string {
	attrs := map[string]string{driver.AttrType: e.Type, driver.AttrSource: e.Source}
	if e.TenantID != "" {
		attrs[driver.AttrTenantID] = e.TenantID
	}
	return attrs
}

// batches groups the messages by topic, in order, into batches within the
// limits.
func batches(out []outgoing, l driver.Limits) [][]outgoing {
	var order []string
	byTopic := map[string][]outgoing{}
	for _, o := range out {
		if _, ok := byTopic[o.topic]; !ok {
			order = append(order, o.topic)
		}
		byTopic[o.topic] = append(byTopic[o.topic], o)
	}
	var result [][]outgoing
	for _, topic := range order {
		var cur []outgoing
		bytes := 0
		for _, o := range byTopic[topic] {
			size := o.msg.Size()
			if len(cur) > 0 && ((l.MaxBatch > 0 && len(cur) >= l.MaxBatch) || (l.MaxBatchBytes > 0 && bytes+size > l.MaxBatchBytes)) {
				result = append(result, cur)
				cur, bytes = nil, 0
			}
			cur = append(cur, o)
			bytes += size
		}
		if len(cur) > 0 {
			result = append(result, cur)
		}
	}
	return result
}

// send sends one batch, retrying what the driver says may succeed, and
// returns the events that were not certainly accepted.
func (p *Publisher) send(ctx context.Context, batch []outgoing) []FailedEvent {
	pending := batch
	var failed []FailedEvent
	giveUp := func(o *outgoing, err error) {
		f := FailedEvent{Index: o.index, ID: o.id, Err: err}
		if o.maybeSent || !errors.Is(err, driver.ErrNotSent) {
			f.Unknown, f.Err = true, fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		failed = append(failed, f)
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		msgs := make([]*driver.Message, len(pending))
		for i, o := range pending {
			msgs[i] = o.msg
		}
		err := p.sender.Send(ctx, pending[0].topic, msgs)
		if err == nil {
			return failed
		}
		var results []error // per pending message, nil when accepted
		var berr *driver.BatchError
		if errors.As(err, &berr) {
			results = make([]error, len(pending))
			for _, f := range berr.Failed {
				if f.Index >= 0 && f.Index < len(pending) {
					results[f.Index] = f.Err
				}
			}
		} else {
			results = slices.Repeat([]error{err}, len(pending))
		}
		var retry []outgoing
		var lastErr error
		for i := range pending {
			o, err := pending[i], results[i]
			if err == nil {
				continue
			}
			lastErr = err
			o.maybeSent = o.maybeSent || !errors.Is(err, driver.ErrNotSent)
			if attempt < p.cfg.MaxAttempts && p.sender.IsRetryable(err) && ctx.Err() == nil {
				retry = append(retry, o)
			} else {
				giveUp(&o, err)
			}
		}
		p.log.LogAttrs(ctx, slog.LevelWarn, "publish failed", slog.String("topic", pending[0].topic),
			slog.Int("attempt", attempt), slog.Int("retrying", len(retry)), slog.Any("error", lastErr))
		if len(retry) > 0 && !sleep(ctx, p.cfg.Backoff.Delay(attempt, rand.Float64)) {
			for i := range retry {
				giveUp(&retry[i], fmt.Errorf("%w (after %w)", ctx.Err(), lastErr))
			}
			return failed
		}
		pending = retry
	}
	return failed
}

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
