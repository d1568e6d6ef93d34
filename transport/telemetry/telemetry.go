package telemetry

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/elmosoftware/eventprotocol/transport/telemetry"

// Config configures [New]. A nil *Config means the defaults.
type Config struct {
	// TracerProvider makes the spans; nil means otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// MeterProvider makes the metrics; nil means otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// PublishSystem and ConsumeSystem are the messaging.system of the two
	// sides. Default "aws.sns" and "aws_sqs", the SNS/SQS binding's.
	PublishSystem, ConsumeSystem string
	// UnhealthyAfter is how many receives in a row must fail before a
	// consumer's Health reports ErrUnhealthy. Default 3.
	UnhealthyAfter int
}

// Telemetry makes the hooks of publishers and consumers. It is safe for
// concurrent use.
type Telemetry struct {
	cfg    Config
	tracer trace.Tracer
	m      instruments

	mu        sync.Mutex
	producers map[string]metric.MeasurementOption // attribute sets by destination
}

// instruments are the metrics.
type instruments struct {
	sent, publishFailures, consumed, handled, retries, deadLetters, duplicates metric.Int64Counter
	publishDuration, processDuration, age                                      metric.Float64Histogram
	inFlight                                                                   metric.Int64UpDownCounter
}

// New returns the telemetry of cfg's providers.
func New(cfg *Config) (*Telemetry, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.UnhealthyAfter < 0 {
		return nil, &driver.ConfigError{Setting: "telemetry.Config.UnhealthyAfter", Problem: "must not be negative"}
	}
	if c.TracerProvider == nil {
		c.TracerProvider = otel.GetTracerProvider()
	}
	if c.MeterProvider == nil {
		c.MeterProvider = otel.GetMeterProvider()
	}
	if c.PublishSystem == "" {
		c.PublishSystem = "aws.sns"
	}
	if c.ConsumeSystem == "" {
		c.ConsumeSystem = "aws_sqs"
	}
	if c.UnhealthyAfter == 0 {
		c.UnhealthyAfter = 3
	}
	meter := c.MeterProvider.Meter(ScopeName)
	var m instruments
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		i, err := meter.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return i
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		i, err := meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc))
		errs = append(errs, err)
		return i
	}
	m.sent = counter("messaging.client.sent.messages", "{message}", "Events published and accepted by the transport.")
	m.publishFailures = counter("elmo.messaging.publish.failures", "{message}", "Events not certainly published, by outcome: rejected, or unknown (may have been published).")
	m.consumed = counter("messaging.client.consumed.messages", "{message}", "Messages received.")
	m.handled = counter("elmo.messaging.handled", "{message}", "Deliveries settled, by outcome.")
	m.retries = counter("elmo.messaging.retries", "{message}", "Deliveries that failed and were scheduled again.")
	m.deadLetters = counter("elmo.messaging.dead_letters", "{message}", "Messages dead-lettered, by reason class.")
	m.duplicates = counter("elmo.messaging.duplicates", "{message}", "Deliveries of events already handled, skipped.")
	m.publishDuration = histogram("messaging.client.operation.duration", "Duration of Publish calls.")
	m.processDuration = histogram("messaging.process.duration", "Duration of the handlers of one delivery.")
	m.age = histogram("elmo.messaging.message.age", "Time from an event's time to its receipt: consumer lag.")
	inFlight, err := meter.Int64UpDownCounter("elmo.messaging.in_flight", metric.WithUnit("{message}"), metric.WithDescription("Deliveries being handled."))
	errs = append(errs, err)
	m.inFlight = inFlight
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Telemetry{cfg: c, tracer: c.TracerProvider.Tracer(ScopeName), m: m, producers: map[string]metric.MeasurementOption{}}, nil
}

// Attribute keys of the messaging and CloudEvents semantic conventions.
const (
	keySystem      = attribute.Key("messaging.system")
	keyDestination = attribute.Key("messaging.destination.name")
	keyOperation   = attribute.Key("messaging.operation.type")
	keyOpName      = attribute.Key("messaging.operation.name")
	keyMessageID   = attribute.Key("messaging.message.id")
	keyBatchCount  = attribute.Key("messaging.batch.message_count")
	keyDelivery    = attribute.Key("messaging.message.delivery_count")
	keyCEID        = attribute.Key("cloudevents.event_id")
	keyCESource    = attribute.Key("cloudevents.event_source")
	keyCEType      = attribute.Key("cloudevents.event_type")
	keyCESubject   = attribute.Key("cloudevents.event_subject")
	keyOutcome     = attribute.Key("elmo.outcome")
	keyReason      = attribute.Key("elmo.deadletter.reason")
	keyFailures    = attribute.Key("elmo.failures")
	keyDelay       = attribute.Key("elmo.retry.delay_ms")
)

var propagator = propagation.TraceContext{}

// eventAttributes are the CloudEvents attributes of e, and its id as the
// message id.
func eventAttributes(e *envelope.Envelope) []attribute.KeyValue {
	kv := []attribute.KeyValue{keyMessageID.String(e.ID), keyCEID.String(e.ID), keyCESource.String(e.Source), keyCEType.String(e.Type)}
	if e.Subject != "" {
		kv = append(kv, keyCESubject.String(e.Subject))
	}
	return kv
}

// destination is the topic of a Publish call's events: their domain, or ""
// when they have several.
func destination(events []*envelope.Envelope) string {
	dest := ""
	for _, e := range events {
		if e == nil {
			continue
		}
		t, err := naming.ParseType(e.Type)
		if err != nil {
			return ""
		}
		if dest != "" && dest != t.Domain() {
			return ""
		}
		dest = t.Domain()
	}
	return dest
}

// producerSet returns the metric attributes of a destination, made once.
func (t *Telemetry) producerSet(dest string) metric.MeasurementOption {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.producers[dest]
	if !ok {
		o = metric.WithAttributeSet(attribute.NewSet(keySystem.String(t.cfg.PublishSystem), keyDestination.String(dest)))
		t.producers[dest] = o
	}
	return o
}

type publishKey struct{}

type publishCall struct {
	span  trace.Span
	start time.Time
	dest  string
}

// PublishHooks returns the hooks of a Publisher (transport.PublisherConfig.Hooks).
func (t *Telemetry) PublishHooks() *transport.PublishHooks {
	return &transport.PublishHooks{Publishing: t.publishing, Published: t.published}
}

func (t *Telemetry) publishing(ctx context.Context, events []*envelope.Envelope) context.Context {
	dest := destination(events)
	name := "publish"
	if dest != "" {
		name += " " + dest
	}
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindProducer))
	if span.IsRecording() {
		kv := []attribute.KeyValue{keySystem.String(t.cfg.PublishSystem), keyOperation.String("send"), keyOpName.String("publish"),
			keyBatchCount.Int(len(events))}
		if dest != "" {
			kv = append(kv, keyDestination.String(dest))
		}
		if len(events) == 1 && events[0] != nil {
			kv = append(kv, eventAttributes(events[0])...)
		}
		span.SetAttributes(kv...)
	}
	if sc := span.SpanContext(); sc.IsValid() {
		carrier := propagation.MapCarrier{}
		propagator.Inject(ctx, carrier)
		ctx = transport.WithTraceContext(ctx, carrier["traceparent"], carrier["tracestate"])
	}
	return context.WithValue(ctx, publishKey{}, &publishCall{span: span, start: time.Now(), dest: dest})
}

func (t *Telemetry) published(ctx context.Context, events []*envelope.Envelope, err error) {
	call, ok := ctx.Value(publishKey{}).(*publishCall)
	if !ok {
		return
	}
	set := t.producerSet(call.dest)
	t.m.publishDuration.Record(ctx, time.Since(call.start).Seconds(), set)
	failed, unknown := 0, 0
	var perr *transport.PublishError
	if errors.As(err, &perr) {
		for _, f := range perr.Failed {
			failed++
			if f.Unknown {
				unknown++
			}
		}
	} else if err != nil {
		failed = len(events)
	}
	if n := len(events) - failed; n > 0 {
		t.m.sent.Add(ctx, int64(n), set)
	}
	if unknown > 0 {
		t.m.publishFailures.Add(ctx, int64(unknown), set, outcomeSet("unknown"))
	}
	if rejected := failed - unknown; rejected > 0 {
		t.m.publishFailures.Add(ctx, int64(rejected), set, outcomeSet("rejected"))
	}
	if err != nil {
		call.span.RecordError(err)
		call.span.SetStatus(codes.Error, "not every event was certainly published")
	}
	call.span.End()
}

// outcomeSets are the attribute sets of outcomes and reasons, made once.
var outcomeSets sync.Map // string -> metric.MeasurementOption

func outcomeSet(outcome string) metric.MeasurementOption { return cachedSet(keyOutcome, outcome) }

func cachedSet(k attribute.Key, v string) metric.MeasurementOption {
	key := string(k) + "=" + v
	if o, ok := outcomeSets.Load(key); ok {
		return o.(metric.MeasurementOption)
	}
	o, _ := outcomeSets.LoadOrStore(key, metric.WithAttributeSet(attribute.NewSet(k.String(v))))
	return o.(metric.MeasurementOption)
}

// reasonClass names why a message was dead-lettered, without its text.
func reasonClass(reason error, afterFailures bool) string {
	switch {
	case errors.Is(reason, transport.ErrUndecodable):
		return "undecodable"
	case errors.Is(reason, transport.ErrAttributeMismatch):
		return "attribute_mismatch"
	case errors.Is(reason, transport.ErrInvalidPayload):
		return "invalid_payload"
	case errors.Is(reason, transport.ErrNoHandler):
		return "no_handler"
	case afterFailures && !errors.Is(reason, transport.ErrPermanent):
		return "max_attempts"
	}
	return "permanent"
}
