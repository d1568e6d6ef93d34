package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// MaxMessageBytes is the largest encoded message (body and mirrored
// attributes) of a topic that sets no limit of its own: the SNS and SQS
// default of 256 KiB. A topology's domain may raise its own to 1 MiB
// (topology.Domain.MaxMessageBytes; PublisherConfig.MaxMessageBytes).
const MaxMessageBytes = 256 << 10

// PublisherConfig configures a [Publisher]. A nil *PublisherConfig means
// the defaults, as does a zero field; invalid values are errors.
type PublisherConfig struct {
	// Validator checks every envelope before anything is sent. Nil means
	// the ELMO profile. Producers are strict: a Tolerant validator is an
	// error.
	Validator *envelope.Validator
	// Catalog, when set, validates every payload strictly against its
	// schema (Validate): usually a *schema.Catalog.
	Catalog PayloadValidator
	// Topic names the topic of an event type. Default: its domain, e.g.
	// "leave" for elmo.leave.balance.adjusted.v1. A driver maps the name
	// onto its own resources (SNS: naming.AWSNames.Topic).
	Topic func(naming.Type) string
	// MaxMessageBytes returns the largest encoded message of a topic, at
	// most 1 MiB: a larger one is refused before anything is sent, and a
	// batch of the topic's messages stays within it. Default: MaxMessageBytes
	// for every topic; a Bus gives each domain's
	// (topology.Domain.MessageLimit).
	MaxMessageBytes func(topic string) int
	// ClaimCheck, when set, keeps the data of an event too large for its
	// topic: the data is put there and the envelope sent with a dataref
	// and a datadigest in place of it (the protocol's claim check). A Bus
	// sets the driver's (driver.ClaimCheckProvider) when the topology
	// names a store. Nil: such an event is refused (*TooLargeError).
	ClaimCheck driver.ClaimCheck
	// MaxAttempts bounds the sends of one message when the transport
	// reports a retryable error. Default 3.
	MaxAttempts int
	// Backoff spaces the attempts. Default: 100ms doubling, at most 2s,
	// ±20% jitter.
	Backoff *Backoff
	// Logger receives one record per failed send; nil means no logging.
	// Payloads are never logged.
	Logger *slog.Logger
	// Rand returns numbers in [0, 1) for the backoff's jitter; nil means
	// math/rand/v2.
	Rand func() float64
	// Clock is the time the backoff between attempts follows; nil means
	// the system's.
	Clock config.Clock
	// Hooks observe publishing, for telemetry; nil means none.
	Hooks *PublishHooks
}

// PayloadValidator validates payloads against their schemas;
// *schema.Catalog implements it. The transport depends only on this, so
// that its users link no JSON Schema implementation unless they validate.
type PayloadValidator interface {
	// Validate checks the payload strictly against the schema its
	// dataschema names, as a producer must.
	Validate(e *envelope.Envelope) error
	// ValidateTolerant checks the payload as a consumer must, accepting
	// what routine evolution of the schema may add (newer minor versions).
	ValidateTolerant(e *envelope.Envelope) error
}

// Publisher publishes envelopes through a driver.Sender. It is safe for
// concurrent use.
type Publisher struct {
	sender    driver.Sender
	cfg       PublisherConfig
	validator envelope.Validator
	backoff   Backoff
	log       *slog.Logger

	mu     sync.Mutex
	queues map[string]*topicQueue // by topic
}

// NewPublisher returns a Publisher over the sender. Invalid settings are
// reported together, each a *config.Error (matching
// [ErrInvalidConfig]).
func NewPublisher(s driver.Sender, cfg *PublisherConfig) (*Publisher, error) {
	if s == nil {
		return nil, &config.Error{Setting: "NewPublisher's sender", Problem: "must not be nil"}
	}
	var c PublisherConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if c.Validator != nil && c.Validator.Tolerant {
		errs = append(errs, &config.Error{Setting: "PublisherConfig.Validator", Problem: "must not be Tolerant: producers are strict"})
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, &config.Error{Setting: "PublisherConfig.MaxAttempts", Problem: "must not be negative"})
	}
	errs = append(errs, c.Backoff.check("PublisherConfig.Backoff")...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p := &Publisher{sender: s, backoff: Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2}, log: logger(c.Logger), queues: map[string]*topicQueue{}}
	if c.Validator != nil {
		p.validator = *c.Validator
	}
	if kc, ok := c.Catalog.(kindCatalog); ok && p.validator.Commands == nil {
		// a command's action is not in the past tense
		p.validator.Commands = func(t naming.Type) bool { return kc.Kind(t) == "command" }
	}
	if c.Backoff != nil {
		p.backoff = *c.Backoff
	}
	if c.Topic == nil {
		c.Topic = naming.Type.Domain
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 3
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	p.cfg = c
	return p, nil
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
	// claim, for an event too large for its topic, is the event whose data
	// goes to the claim check before msg is made (see claimChecks).
	claim *envelope.Envelope
	limit int // the topic's
}

// Publish validates, encodes and sends the events. Events without trace
// context get the one ctx carries (see [WithTraceContext]); the caller's
// envelopes are not modified.
//
// Every event is checked first: if any envelope or payload is invalid or
// its encoded message exceeds its topic's limit (PublisherConfig.MaxMessageBytes,
// by default [MaxMessageBytes]), nothing is sent and the
// returned *PublishError names each such event. Otherwise the events are
// sent in batches within the driver's limits, and messages the transport
// refuses, or whose outcome is unknown, with a retryable error are sent
// again, up to MaxAttempts (an event whose reply was lost may then be
// delivered twice; consumers deduplicate). The returned *PublishError then
// names every event that was not certainly accepted, each either refused
// or of unknown outcome ([FailedEvent].Unknown, [ErrOutcomeUnknown]);
// those it does not name were accepted.
//
// Concurrent Publish calls share batches (group commit): while batches
// are on their way (up to eight per topic at once), the messages of other
// calls to the same topic gather and leave together in the next, each call getting the results of its own
// events. A call whose context ends while its events wait reports those
// not yet taken as refused (they are never sent) and those already on
// their way as of unknown outcome; a batch is sent as long as any call
// with a message in it still waits.
func (p *Publisher) Publish(ctx context.Context, events ...*envelope.Envelope) (err error) {
	if h := p.cfg.Hooks; h != nil {
		if h.Publishing != nil {
			ctx = h.Publishing(ctx, events)
		}
		if h.Published != nil {
			defer func() { h.Published(ctx, events, err) }()
		}
	}
	out, failed := p.prepare(ctx, events)
	if len(failed) > 0 {
		return &PublishError{Failed: failed}
	}
	out, failed = p.claimChecks(ctx, out)
	items := make([]*queued, len(out))
	for i, o := range out {
		items[i] = &queued{o: o, ctx: ctx, done: make(chan *FailedEvent, 1)}
	}
	for _, it := range items {
		p.queue(it.o.topic).add(it)
	}
	for _, it := range items {
		if f := p.await(ctx, it); f != nil {
			failed = append(failed, *f)
		}
	}
	if len(failed) > 0 {
		return &PublishError{Failed: failed}
	}
	return nil
}

// maxPublishFlights bounds the batches of one topic in flight at once.
// Each is sent by one of the waiting Publish calls; with a network round
// trip per batch, one at a time would cap a topic at a batch per round
// trip.
const maxPublishFlights = 8

// topicQueue gathers the messages Publish calls send to one topic. Up to
// maxPublishFlights calls lead at a time: each takes a batch within the
// driver's limits and sends it, then gives the lead up; meanwhile the
// others' messages wait and gather.
type topicQueue struct {
	mu      sync.Mutex
	pending []*queued
	flights int           // batches being sent
	free    chan struct{} // closed when a lead is given up with messages waiting
}

// queued is one message of a Publish call waiting for its result: nil
// when accepted.
type queued struct {
	o    outgoing
	ctx  context.Context // of the Publish call
	done chan *FailedEvent
}

func (p *Publisher) queue(topic string) *topicQueue {
	p.mu.Lock()
	defer p.mu.Unlock()
	q, ok := p.queues[topic]
	if !ok {
		q = &topicQueue{free: make(chan struct{})}
		p.queues[topic] = q
	}
	return q
}

// canLead reports whether a waiting call should send a batch now: when
// nothing is in flight, or when a full batch waits and a flight is free.
// While batches are in flight, smaller ones wait to fill up.
func (q *topicQueue) canLead(l driver.Limits) bool {
	switch {
	case len(q.pending) == 0 || q.flights >= maxPublishFlights:
		return false
	case q.flights == 0:
		return true
	}
	return l.MaxBatch <= 0 || len(q.pending) >= l.MaxBatch
}

func (q *topicQueue) add(it *queued) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, it)
}

// await waits for the result of one message, leading the topic's sends
// whenever nobody does.
func (p *Publisher) await(ctx context.Context, it *queued) *FailedEvent {
	q := p.queue(it.o.topic)
	for {
		select {
		case r := <-it.done:
			return r
		default:
		}
		if ctx.Err() != nil {
			return q.abandon(ctx, it)
		}
		q.mu.Lock()
		if q.canLead(p.sender.Limits()) {
			q.flights++
			batch := q.take(p.batchLimits(it.o.topic))
			q.mu.Unlock()
			p.sendQueued(ctx, batch)
			q.mu.Lock()
			q.flights--
			if len(q.pending) > 0 {
				close(q.free) // another waiting call takes the lead
				q.free = make(chan struct{})
			}
			q.mu.Unlock()
			continue
		}
		free := q.free
		q.mu.Unlock()
		select {
		case r := <-it.done:
			return r
		case <-free:
		case <-ctx.Done():
			return q.abandon(ctx, it)
		}
	}
}

// abandon gives up waiting for a message whose call's context ended: a
// message nobody took is withdrawn and reported not sent; one on its way
// is of unknown outcome.
func (q *topicQueue) abandon(ctx context.Context, it *queued) *FailedEvent {
	q.mu.Lock()
	i := slices.Index(q.pending, it)
	if i >= 0 {
		q.pending = slices.Delete(q.pending, i, i+1)
	}
	q.mu.Unlock()
	if i >= 0 {
		return &FailedEvent{Index: it.o.index, ID: it.o.id, Err: ctx.Err()}
	}
	select {
	case r := <-it.done: // it finished meanwhile
		return r
	default:
	}
	return &FailedEvent{Index: it.o.index, ID: it.o.id, Unknown: true, Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, ctx.Err())}
}

// take removes the next batch from the queue: the oldest messages within
// the driver's limits, at least one.
func (q *topicQueue) take(l driver.Limits) []*queued {
	n, bytes := 0, 0
	for n < len(q.pending) {
		size := q.pending[n].o.msg.Size()
		if n > 0 && ((l.MaxBatch > 0 && n >= l.MaxBatch) || (l.MaxBatchBytes > 0 && bytes+size > l.MaxBatchBytes)) {
			break
		}
		n++
		bytes += size
	}
	batch := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	return batch
}

// sendQueued sends one batch and gives each message its result. The batch
// holds other calls' messages too: it is sent until every call with a
// message in it has given up (its context ended), so that one call's
// deadline neither fails the others' messages nor is ignored when the
// batch is its own.
func (p *Publisher) sendQueued(ctx context.Context, batch []*queued) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		for _, it := range batch {
			select {
			case <-it.ctx.Done():
			case <-sendCtx.Done():
				return
			}
		}
		cancel() // every caller has given up
	}()
	out := make([]outgoing, len(batch))
	for i, it := range batch {
		out[i] = it.o
		out[i].index = i // positions in the batch, mapped back below
	}
	results := make([]*FailedEvent, len(batch))
	for _, f := range p.send(sendCtx, out) {
		pos := f.Index
		f.Index = batch[pos].o.index
		results[pos] = &f
	}
	for i, it := range batch {
		it.done <- results[i]
	}
}

func (p *Publisher) prepare(ctx context.Context, events []*envelope.Envelope) ([]outgoing, []FailedEvent) {
	traceparent, tracestate := TraceContext(ctx)
	out := make([]outgoing, 0, len(events))
	var failed []FailedEvent
	for i, ev := range events {
		if ev == nil {
			failed = append(failed, FailedEvent{Index: i, Err: fmt.Errorf("%w: nil event", envelope.ErrInvalid), Invalid: true})
			continue
		}
		e := *ev
		if e.TraceParent == "" && traceparent != "" {
			e.TraceParent, e.TraceState = traceparent, tracestate
		}
		fail := func(err error) { failed = append(failed, FailedEvent{Index: i, ID: e.ID, Err: err, Invalid: true}) }
		if err := p.validator.Validate(&e); err != nil {
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
		topic, err := p.destination(&e, t)
		if err != nil {
			fail(err)
			continue
		}
		limit := p.limit(topic)
		if limit <= 0 || limit > topology.MaxMessageBytesLimit {
			fail(&config.Error{Setting: "PublisherConfig.MaxMessageBytes", Problem: fmt.Sprintf("gives %d bytes for topic %q: must be 1 to %d", limit, topic, topology.MaxMessageBytesLimit)})
			continue
		}
		if len(e.Data) > limit && p.cfg.ClaimCheck != nil { // too large whatever else it holds: no need to encode it
			out = append(out, outgoing{index: i, id: e.ID, topic: topic, claim: &e, limit: limit})
			continue
		}
		body, err := e.MarshalJSON() // sized once
		if err != nil {
			fail(err)
			continue
		}
		msg := &driver.Message{Body: body, Attributes: MirroredAttributes(&e), GroupID: e.PartitionKey, DedupID: e.ID}
		if msg.Size() > limit {
			if p.cfg.ClaimCheck == nil || e.Data == nil {
				fail(&TooLargeError{ID: e.ID, Size: msg.Size(), Limit: limit})
				continue
			}
			out = append(out, outgoing{index: i, id: e.ID, topic: topic, claim: &e, limit: limit})
			continue
		}
		out = append(out, outgoing{index: i, id: e.ID, topic: topic, msg: msg})
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
		if len(retry) > 0 && !config.Sleep(ctx, p.cfg.Clock, p.backoff.Delay(attempt, p.cfg.Rand)) {
			for i := range retry {
				giveUp(&retry[i], fmt.Errorf("%w (after %w)", ctx.Err(), lastErr))
			}
			return failed
		}
		pending = retry
	}
	return failed
}
