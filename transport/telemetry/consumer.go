package telemetry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ErrUnhealthy matches the error of [ConsumerTelemetry.Health] while
// receiving keeps failing.
var ErrUnhealthy = errors.New("telemetry: the consumer's receives keep failing")

// ConsumerTelemetry is the telemetry of one consumer: its hooks and its
// health. It is safe for concurrent use.
type ConsumerTelemetry struct {
	t    *Telemetry
	name string
	set  metric.MeasurementOption // messaging.system and destination

	mu           sync.Mutex
	receiveFails int
	lastErr      error
}

// Consumer returns the telemetry of the consumer of a subscription, named
// as its destination (messaging.destination.name), e.g. the service.
func (t *Telemetry) Consumer(name string) *ConsumerTelemetry {
	return &ConsumerTelemetry{t: t, name: name,
		set: metric.WithAttributeSet(attribute.NewSet(keySystem.String(t.cfg.ConsumeSystem), keyDestination.String(name)))}
}

// Hooks returns the consumer's hooks (transport.ConsumerConfig.Hooks).
func (c *ConsumerTelemetry) Hooks() *transport.ConsumerHooks {
	return &transport.ConsumerHooks{Received: c.received, Handling: c.handling, Settled: c.settled, Refused: c.refused}
}

// Health reports whether the consumer receives: nil, or an error matching
// ErrUnhealthy (with the last receive error) once Config.UnhealthyAfter
// receives in a row have failed, until one succeeds. Put it behind the
// readiness probe.
func (c *ConsumerTelemetry) Health() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.receiveFails >= c.t.cfg.UnhealthyAfter {
		return fmt.Errorf("%w: %d in a row, the last: %w", ErrUnhealthy, c.receiveFails, c.lastErr)
	}
	return nil
}

func (c *ConsumerTelemetry) received(ctx context.Context, msgs []*driver.Message, err error) {
	c.mu.Lock()
	if err != nil {
		c.receiveFails++
		c.lastErr = err
	} else {
		c.receiveFails, c.lastErr = 0, nil
	}
	c.mu.Unlock()
	if len(msgs) > 0 {
		c.t.m.consumed.Add(ctx, int64(len(msgs)), c.set)
	}
}

type handlingKey struct{}

type handling struct {
	span trace.Span
}

// start begins the CONSUMER span of an event: a child of its creation
// context, and linked to it.
func (c *ConsumerTelemetry) start(ctx context.Context, e *envelope.Envelope) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	if e != nil && e.TraceParent != "" {
		created := trace.SpanContextFromContext(propagator.Extract(context.Background(),
			propagation.MapCarrier{"traceparent": e.TraceParent, "tracestate": e.TraceState}))
		if created.IsValid() {
			ctx = trace.ContextWithRemoteSpanContext(ctx, created)
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: created}))
		}
	}
	ctx, span := c.t.tracer.Start(ctx, "process "+c.name, opts...)
	if span.IsRecording() {
		kv := []attribute.KeyValue{keySystem.String(c.t.cfg.ConsumeSystem), keyDestination.String(c.name),
			keyOperation.String("process"), keyOpName.String("process")}
		if e != nil {
			kv = append(kv, eventAttributes(e)...)
		}
		span.SetAttributes(kv...)
	}
	return ctx, span
}

func (c *ConsumerTelemetry) handling(ctx context.Context, d *transport.Delivery) context.Context {
	ctx, span := c.start(ctx, d.Envelope)
	if span.IsRecording() {
		span.SetAttributes(keyDelivery.Int(d.ReceiveCount))
	}
	c.t.m.inFlight.Add(ctx, 1, c.set)
	if !d.Envelope.Time.IsZero() {
		c.t.m.age.Record(ctx, time.Since(d.Envelope.Time).Seconds(), c.set)
	}
	return context.WithValue(ctx, handlingKey{}, &handling{span: span})
}

func (c *ConsumerTelemetry) settled(ctx context.Context, d *transport.Delivery, s transport.Settlement) {
	h, ok := ctx.Value(handlingKey{}).(*handling)
	if !ok {
		return
	}
	c.t.m.inFlight.Add(ctx, -1, c.set)
	c.t.m.handled.Add(ctx, 1, c.set, outcomeSet(s.Outcome.String()))
	c.t.m.processDuration.Record(ctx, s.Duration.Seconds(), c.set)
	span := h.span
	switch s.Outcome {
	case transport.Duplicate:
		c.t.m.duplicates.Add(ctx, 1, c.set)
		span.AddEvent("duplicate_skipped")
	case transport.Retried:
		c.t.m.retries.Add(ctx, 1, c.set)
		span.RecordError(s.Err)
		span.SetStatus(codes.Error, "the handler failed; retry scheduled")
		span.AddEvent("retry_scheduled", trace.WithAttributes(keyFailures.Int(s.Failures), keyDelay.Int64(s.Delay.Milliseconds())))
	case transport.DeadLettered:
		class := reasonClass(s.Err, s.Failures > 0)
		c.t.m.deadLetters.Add(ctx, 1, c.set, cachedSet(keyReason, class))
		span.RecordError(s.Err)
		span.SetStatus(codes.Error, "dead-lettered: "+class)
		span.AddEvent("dead_lettered", trace.WithAttributes(keyReason.String(class), keyFailures.Int(s.Failures)))
	case transport.Released:
		span.AddEvent("released")
	}
	span.End()
}

func (c *ConsumerTelemetry) refused(ctx context.Context, _ *driver.Message, e *envelope.Envelope, reason error) {
	class := reasonClass(reason, false)
	c.t.m.deadLetters.Add(ctx, 1, c.set, cachedSet(keyReason, class))
	_, span := c.start(ctx, e)
	span.RecordError(reason)
	span.SetStatus(codes.Error, "dead-lettered: "+class)
	span.AddEvent("dead_lettered", trace.WithAttributes(keyReason.String(class)))
	span.End()
}
