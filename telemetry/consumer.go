package telemetry

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ConsumerTelemetry is the telemetry of one consumer: its hooks. It
// measures; the consumer's health is the Consumer's own (its Health
// method). It is safe for concurrent use.
type ConsumerTelemetry struct {
	t    *Telemetry
	name string
	set  attribute.Set // messaging.system and destination
	opt  metric.MeasurementOption
	rec  []metric.RecordOption // opt, made once: Record takes no new slice
	span string                // the span name, "process <name>"

	consumed, retries, duplicates, inFlight atomic.Int64
	handled                                 [transport.Released + 1]atomic.Int64 // by outcome
	dead                                    [len(reasonClasses)]atomic.Int64     // by reason class
}

// Consumer returns the telemetry of the consumer of a subscription, named
// as its destination (messaging.destination.name), e.g. the service.
func (t *Telemetry) Consumer(name string) *ConsumerTelemetry {
	c := &ConsumerTelemetry{t: t, name: name, set: attribute.NewSet(keySystem.String(t.cfg.ConsumeSystem), keyDestination.String(name)), span: "process " + name}
	c.opt = metric.WithAttributeSet(c.set)
	c.rec = []metric.RecordOption{c.opt}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.consumers = append(t.consumers, c)
	return c
}

// observe hands the consumer's counts to the meter.
func (c *ConsumerTelemetry) observe(o metric.Observer, consumed, handled, retries, deadLetters, duplicates, inFlight metric.Int64Observable) {
	with := func(kv attribute.KeyValue) metric.ObserveOption {
		return metric.WithAttributes(append(c.set.ToSlice(), kv)...)
	}
	o.ObserveInt64(consumed, c.consumed.Load(), c.opt)
	for i := range c.handled {
		o.ObserveInt64(handled, c.handled[i].Load(), with(outcomeAttr.String(transport.Outcome(i).String())))
	}
	o.ObserveInt64(retries, c.retries.Load(), c.opt)
	for i, class := range reasonClasses {
		o.ObserveInt64(deadLetters, c.dead[i].Load(), with(keyReason.String(class)))
	}
	o.ObserveInt64(duplicates, c.duplicates.Load(), c.opt)
	o.ObserveInt64(inFlight, c.inFlight.Load(), c.opt)
}

// Hooks returns the consumer's hooks (transport.ConsumerConfig.Hooks).
func (c *ConsumerTelemetry) Hooks() *transport.ConsumerHooks {
	return &transport.ConsumerHooks{Received: c.received, Handling: c.handling, Settled: c.settled, Refused: c.refused}
}

func (c *ConsumerTelemetry) received(_ context.Context, msgs []*driver.Message, err error) {
	c.consumed.Add(int64(len(msgs)))
}

// consumerKind is the start option of CONSUMER spans, made once (Start
// only reads it).
var consumerKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}

// start begins the CONSUMER span of an event: a child of its creation
// context, and linked to it. With no provider registered it makes none,
// and the context carries a non-recording span of the creation context
// (else of ctx's), as the global no-op tracer would make it.
func (c *ConsumerTelemetry) start(ctx context.Context, e *envelope.Envelope) (context.Context, trace.Span) {
	var created trace.SpanContext
	if e != nil && e.TraceParent != "" {
		if sc, ok := parseTraceParent(e.TraceParent, e.TraceState); ok {
			created = sc // remote
		}
	}
	if !c.t.tracing() {
		sc := created
		if !sc.IsValid() {
			if trace.SpanFromContext(ctx) == noSpan {
				return ctx, noSpan // nothing to carry, nothing for Settled to end
			}
			sc = trace.SpanContextFromContext(ctx)
		}
		ctx = trace.ContextWithSpanContext(ctx, sc)
		return ctx, trace.SpanFromContext(ctx)
	}
	if created.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, created)
	}
	ctx, span := c.t.tracer.Start(ctx, c.span, consumerKind...)
	if span.IsRecording() {
		if created.IsValid() {
			// After Start, so that nothing is built when nothing records.
			// Samplers do not see the link; they see the same context as
			// the parent.
			span.AddLink(trace.Link{SpanContext: created})
		}
		buf := c.t.attrs.Get().(*[maxAttributes]attribute.KeyValue)
		kv := append(buf[:0], c.t.consumeSystem, keyDestination.String(c.name), operationProcess)
		if e != nil {
			kv = eventAttributes(kv, e)
		}
		span.SetAttributes(kv...)
		c.t.attrs.Put(buf)
	}
	return ctx, span
}

func (c *ConsumerTelemetry) handling(ctx context.Context, d *transport.Delivery) context.Context {
	ctx, span := c.start(ctx, d.Envelope)
	if replay := d.Replayed(); replay != "" && span.IsRecording() {
		span.SetAttributes(keyReplay.String(replay)) // a replay (archive.Replay), handled again
	}
	if d.UpcastFrom != "" && span.IsRecording() {
		span.SetAttributes(keyUpcastFrom.String(d.UpcastFrom))
	}
	c.inFlight.Add(1)
	if !d.Envelope.Time.IsZero() && c.t.measuring() {
		c.t.age.Record(ctx, time.Since(d.Envelope.Time).Seconds(), c.rec...)
	}
	return ctx
}

func (c *ConsumerTelemetry) settled(ctx context.Context, _ *transport.Delivery, s transport.Settlement) {
	c.inFlight.Add(-1)
	if s.Outcome >= 0 && int(s.Outcome) < len(c.handled) {
		c.handled[s.Outcome].Add(1)
	}
	c.t.processDuration.Record(ctx, s.Duration.Seconds(), c.rec...)
	span := trace.SpanFromContext(ctx)
	switch s.Outcome {
	case transport.Duplicate:
		c.duplicates.Add(1)
		span.AddEvent("duplicate_skipped")
	case transport.Retried:
		c.retries.Add(1)
		if span.IsRecording() {
			span.RecordError(s.Err)
			span.SetStatus(codes.Error, "the handler failed; retry scheduled")
			span.AddEvent("retry_scheduled", trace.WithAttributes(keyFailures.Int(s.Failures), keyDelay.Int64(s.Delay.Milliseconds())))
		}
	case transport.DeadLettered:
		class := reasonClass(s.Err, s.Failures > 0)
		c.dead[class].Add(1)
		if span.IsRecording() {
			span.RecordError(s.Err)
			span.SetStatus(codes.Error, "dead-lettered: "+reasonClasses[class])
			span.AddEvent("dead_lettered", trace.WithAttributes(keyReason.String(reasonClasses[class]), keyFailures.Int(s.Failures)))
		}
	case transport.Released:
		span.AddEvent("released")
	}
	span.End()
}

func (c *ConsumerTelemetry) refused(ctx context.Context, _ *driver.Message, e *envelope.Envelope, reason error) {
	class := reasonClass(reason, false)
	c.dead[class].Add(1)
	_, span := c.start(ctx, e)
	if span.IsRecording() {
		span.RecordError(reason)
		span.SetStatus(codes.Error, "dead-lettered: "+reasonClasses[class])
		span.AddEvent("dead_lettered", trace.WithAttributes(keyReason.String(reasonClasses[class])))
	}
	span.End()
}
