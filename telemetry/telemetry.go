package telemetry

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/elmosoftware/eventprotocol/telemetry"

// Config configures [New]. A nil *Config means the defaults.
type Config struct {
	// TracerProvider makes the spans; nil means otel.GetTracerProvider():
	// the provider registered with otel.SetTracerProvider, now or later.
	// Until one is registered, the hooks make no spans (nothing could
	// record them) and the handler's context carries the event's creation
	// context alone, as the global no-op tracer's would. Like the SDK's,
	// a provider's spans must copy the attributes they keep: the slice
	// passed to SetAttributes is reused once the call returns.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the metrics; nil means otel.GetMeterProvider(),
	// likewise: until one is registered, the hooks read no clock for the
	// histograms.
	MeterProvider metric.MeterProvider
	// PublishSystem and ConsumeSystem are the messaging.system of the two
	// sides. Default "aws.sns" and "aws_sqs", the SNS/SQS binding's.
	PublishSystem, ConsumeSystem string
}

// Telemetry makes the hooks of publishers and consumers. It is safe for
// concurrent use.
//
// Counts are kept in the hooks with atomic operations and handed to the
// meter when it collects (observable instruments), so that a delivery
// costs no metric call but the three histograms.
type Telemetry struct {
	cfg           Config
	tracer        trace.Tracer
	consumeSystem attribute.KeyValue

	// unsetTracer and unsetMeter are the providers of cfg that are the
	// global stand-ins (see standIn), else nil.
	unsetTracer trace.TracerProvider
	unsetMeter  metric.MeterProvider

	publishDuration, processDuration, age metric.Float64Histogram

	// attrs lends the attribute slices of span starts. SetAttributes
	// copies what it keeps (the SDK appends the values to a slice of its
	// own), so a slice serves one span after another and a span start
	// allocates none of ours (512 bytes, a fifth of what the hooks
	// allocated per event).
	attrs sync.Pool

	mu        sync.Mutex
	producers map[string]*producerStats // by destination
	consumers []*ConsumerTelemetry
	relays    []*RelayTelemetry
}

// producerStats are the counts of one destination's publishing.
type producerStats struct {
	set                     attribute.Set
	opt                     metric.MeasurementOption
	rec                     []metric.RecordOption // opt, made once
	span                    string                // the span name
	sent, rejected, unknown atomic.Int64
}

// New returns the telemetry of cfg's providers.
func New(cfg *Config) (*Telemetry, error) {
	var c Config
	if cfg != nil {
		c = *cfg
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
	t := &Telemetry{cfg: c, tracer: c.TracerProvider.Tracer(ScopeName), consumeSystem: keySystem.String(c.ConsumeSystem), producers: map[string]*producerStats{}}
	if standIn(c.TracerProvider) {
		t.unsetTracer = c.TracerProvider
	}
	if standIn(c.MeterProvider) {
		t.unsetMeter = c.MeterProvider
	}
	t.attrs.New = func() any { return new([maxAttributes]attribute.KeyValue) }
	if err := t.instruments(c.MeterProvider.Meter(ScopeName)); err != nil {
		return nil, err
	}
	return t, nil
}

// globalPackage is the package of the stand-ins otel.GetTracerProvider
// and otel.GetMeterProvider return while no provider is registered.
const globalPackage = "go.opentelemetry.io/otel/internal/global"

// standIn reports whether p is one of the global stand-ins. They hand
// everything on to the provider registered later, and until then record
// nothing; otel.GetTracerProvider returns the registered provider, not
// the stand-in, once there is one. Should a release of OpenTelemetry move
// them, the hooks only lose their shortcut (TestNoProviderShortcut fails).
func standIn(p any) bool {
	t := reflect.TypeOf(p)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == globalPackage
}

// tracing reports whether a span could record: false while the tracer
// provider is the global stand-in and no provider is registered. It costs
// an atomic load.
func (t *Telemetry) tracing() bool {
	return t.unsetTracer == nil || otel.GetTracerProvider() != t.unsetTracer
}

// measuring is tracing for the meter provider.
func (t *Telemetry) measuring() bool {
	return t.unsetMeter == nil || otel.GetMeterProvider() != t.unsetMeter
}

// instruments creates the metrics and registers the callback that
// observes the counts.
func (t *Telemetry) instruments(meter metric.Meter) error {
	var errs []error
	counter := func(name, desc string) metric.Int64ObservableCounter {
		i, err := meter.Int64ObservableCounter(name, metric.WithUnit("{message}"), metric.WithDescription(desc))
		errs = append(errs, err)
		return i
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		i, err := meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc))
		errs = append(errs, err)
		return i
	}
	sent := counter("messaging.client.sent.messages", "Events published and accepted by the transport.")
	failures := counter("elmo.messaging.publish.failures", "Events not certainly published, by outcome: rejected, or unknown (may have been published).")
	consumed := counter("messaging.client.consumed.messages", "Messages received.")
	handled := counter("elmo.messaging.handled", "Deliveries settled, by outcome.")
	retries := counter("elmo.messaging.retries", "Deliveries that failed and were scheduled again.")
	deadLetters := counter("elmo.messaging.dead_letters", "Messages dead-lettered, by reason class.")
	duplicates := counter("elmo.messaging.duplicates", "Deliveries of events already handled, skipped.")
	inFlight, err := meter.Int64ObservableUpDownCounter("elmo.messaging.in_flight", metric.WithUnit("{message}"), metric.WithDescription("Deliveries being handled."))
	errs = append(errs, err)
	t.publishDuration = histogram("messaging.client.operation.duration", "Duration of Publish calls.")
	t.processDuration = histogram("messaging.process.duration", "Duration of the handlers of one delivery.")
	t.age = histogram("elmo.messaging.message.age", "Time from an event's time to its receipt: consumer lag.")
	relayPublished := counter("elmo.outbox.published", "Events an outbox relay published (accepted by the transport).")
	relayRetries, err := meter.Int64ObservableCounter("elmo.outbox.retries", metric.WithUnit("{publish}"), metric.WithDescription("Publishes of an outbox relay that failed and were retried."))
	errs = append(errs, err)
	relayParked := counter("elmo.outbox.parked", "Events an outbox relay set aside: the transport refuses them.")
	relayPosition, err := meter.Int64ObservableGauge("elmo.outbox.position", metric.WithUnit("{position}"), metric.WithDescription("The global position an outbox relay has published up to."))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	rejected, unknown := outcomeAttr.String("rejected"), outcomeAttr.String("unknown")
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, p := range t.producers {
			o.ObserveInt64(sent, p.sent.Load(), p.opt)
			o.ObserveInt64(failures, p.rejected.Load(), metric.WithAttributes(append(p.set.ToSlice(), rejected)...))
			o.ObserveInt64(failures, p.unknown.Load(), metric.WithAttributes(append(p.set.ToSlice(), unknown)...))
		}
		for _, c := range t.consumers {
			c.observe(o, consumed, handled, retries, deadLetters, duplicates, inFlight)
		}
		for _, r := range t.relays {
			o.ObserveInt64(relayPublished, r.published.Load(), r.opt)
			o.ObserveInt64(relayRetries, r.retries.Load(), r.opt)
			o.ObserveInt64(relayParked, r.parked.Load(), r.opt)
			o.ObserveInt64(relayPosition, r.position.Load(), r.opt)
		}
		return nil
	}, sent, failures, consumed, handled, retries, deadLetters, duplicates, inFlight, relayPublished, relayRetries, relayParked, relayPosition)
	return err
}

// Attribute keys of the messaging and CloudEvents semantic conventions.
const (
	keySystem      = attribute.Key("messaging.system")
	keyDestination = attribute.Key("messaging.destination.name")
	keyOperation   = attribute.Key("messaging.operation.type")
	keyMessageID   = attribute.Key("messaging.message.id")
	keyBatchCount  = attribute.Key("messaging.batch.message_count")
	keyCEID        = attribute.Key("cloudevents.event_id")
	keyCESource    = attribute.Key("cloudevents.event_source")
	keyCEType      = attribute.Key("cloudevents.event_type")
	keyCESubject   = attribute.Key("cloudevents.event_subject")
	keyReplay      = attribute.Key("elmo.replay")      // the replay a delivery came from
	keyUpcastFrom  = attribute.Key("elmo.upcast_from") // the type an upcast event came as
	outcomeAttr    = attribute.Key("elmo.outcome")
	keyReason      = attribute.Key("elmo.deadletter.reason")
	keyFailures    = attribute.Key("elmo.failures")
	keyDelay       = attribute.Key("elmo.retry.delay_ms")
)

// maxAttributes is the most attributes a span starts with: the eight the
// conventions ask of a CONSUMER span, no more. Beyond eight, the SDK's
// deduplication when a span ends takes a map, twice as dear.
const maxAttributes = 8

// operationProcess is the operation type of a CONSUMER span.
var operationProcess = keyOperation.String("process")

// eventAttributes are the CloudEvents attributes of e, and its id as the
// message id.
func eventAttributes(kv []attribute.KeyValue, e *envelope.Envelope) []attribute.KeyValue {
	kv = append(kv, keyMessageID.String(e.ID), keyCEID.String(e.ID), keyCESource.String(e.Source), keyCEType.String(e.Type))
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
		// <org>.<domain>.<entity>.<action>.v<major>: the second segment.
		_, rest, ok := strings.Cut(e.Type, ".")
		domain, _, ok2 := strings.Cut(rest, ".")
		if !ok || !ok2 || domain == "" || (dest != "" && dest != domain) {
			return ""
		}
		dest = domain
	}
	return dest
}

// producer returns the counts of a destination.
func (t *Telemetry) producer(dest string) *producerStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.producers[dest]
	if !ok {
		p = &producerStats{set: attribute.NewSet(keySystem.String(t.cfg.PublishSystem), keyDestination.String(dest)), span: "publish"}
		if dest != "" {
			p.span += " " + dest
		}
		p.opt = metric.WithAttributeSet(p.set)
		p.rec = []metric.RecordOption{p.opt}
		t.producers[dest] = p
	}
	return p
}

type publishKey struct{}

type publishCall struct {
	span  trace.Span // noSpan when none is made
	start time.Time  // zero when no meter provider is registered
	stats *producerStats
}

// noSpan is the API's no-op span, for the calls that make none.
var noSpan = trace.SpanFromContext(context.Background())

// producerKind is the start option of PRODUCER spans, made once.
var producerKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindProducer)}

// PublishHooks returns the hooks of a Publisher (transport.PublisherConfig.Hooks).
func (t *Telemetry) PublishHooks() *transport.PublishHooks {
	return &transport.PublishHooks{Publishing: t.publishing, Published: t.published}
}

func (t *Telemetry) publishing(ctx context.Context, events []*envelope.Envelope) context.Context {
	dest := destination(events)
	call := &publishCall{span: noSpan, stats: t.producer(dest)}
	if t.tracing() {
		var span trace.Span
		ctx, span = t.tracer.Start(ctx, call.stats.span, producerKind...)
		call.span = span
		if span.IsRecording() {
			// The batch size for a batch, the event's attributes for one event.
			buf := t.attrs.Get().(*[maxAttributes]attribute.KeyValue)
			kv := append(buf[:0], keySystem.String(t.cfg.PublishSystem), keyOperation.String("send"))
			if dest != "" {
				kv = append(kv, keyDestination.String(dest))
			}
			if len(events) == 1 && events[0] != nil {
				kv = eventAttributes(kv, events[0])
			} else {
				kv = append(kv, keyBatchCount.Int(len(events)))
			}
			span.SetAttributes(kv...)
			t.attrs.Put(buf)
		}
	}
	// The new span's context, else (no provider) the caller's, as the
	// global no-op tracer's span would carry it.
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ctx = transport.WithTraceContext(ctx, formatTraceParent(sc), sc.TraceState().String())
	}
	if t.measuring() {
		call.start = time.Now()
	}
	return context.WithValue(ctx, publishKey{}, call)
}

func (t *Telemetry) published(ctx context.Context, events []*envelope.Envelope, err error) {
	call, ok := ctx.Value(publishKey{}).(*publishCall)
	if !ok {
		return
	}
	if !call.start.IsZero() {
		t.publishDuration.Record(ctx, time.Since(call.start).Seconds(), call.stats.rec...)
	}
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
	call.stats.sent.Add(int64(len(events) - failed))
	call.stats.unknown.Add(int64(unknown))
	call.stats.rejected.Add(int64(failed - unknown))
	if err != nil {
		call.span.RecordError(err)
		call.span.SetStatus(codes.Error, "not every event was certainly published")
	}
	call.span.End()
}

// Reason classes of dead letters, in the order of consumerStats.dead.
var reasonClasses = [...]string{"undecodable", "attribute_mismatch", "invalid_payload", "no_handler", "permanent", "max_attempts"}

// reasonClass returns the index in reasonClasses of why a message was
// dead-lettered, without its text.
func reasonClass(reason error, afterFailures bool) int {
	switch {
	case errors.Is(reason, transport.ErrUndecodable):
		return 0
	case errors.Is(reason, transport.ErrAttributeMismatch):
		return 1
	case errors.Is(reason, transport.ErrInvalidPayload):
		return 2
	case errors.Is(reason, transport.ErrNoHandler):
		return 3
	case afterFailures && !errors.Is(reason, transport.ErrPermanent):
		return 5
	}
	return 4
}

// formatTraceParent writes sc as a W3C traceparent.
func formatTraceParent(sc trace.SpanContext) string {
	tid, sid := sc.TraceID(), sc.SpanID()
	const hexdigits = "0123456789abcdef"
	b := make([]byte, 0, 55)
	b = append(b, "00-"...)
	for _, x := range tid {
		b = append(b, hexdigits[x>>4], hexdigits[x&15])
	}
	b = append(b, '-')
	for _, x := range sid {
		b = append(b, hexdigits[x>>4], hexdigits[x&15])
	}
	flags := sc.TraceFlags()
	return string(append(b, '-', hexdigits[flags>>4], hexdigits[flags&15]))
}

// parseTraceParent reads a W3C traceparent (and tracestate) into a remote
// span context; ok is false for anything else. A version other than 00 is
// read as 00, as the W3C specification asks of a 00 implementation (and
// formatTraceParent writes 00).
func parseTraceParent(traceparent, tracestate string) (trace.SpanContext, bool) {
	if len(traceparent) != 55 || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-' || traceparent[:2] == "ff" {
		return trace.SpanContext{}, false
	}
	var cfg trace.SpanContextConfig
	var version, flags [1]byte // a version we may not know, but hex
	if !decodeHex(version[:], traceparent[:2]) || !decodeHex(cfg.TraceID[:], traceparent[3:35]) ||
		!decodeHex(cfg.SpanID[:], traceparent[36:52]) || !decodeHex(flags[:], traceparent[53:]) {
		return trace.SpanContext{}, false
	}
	cfg.TraceFlags, cfg.Remote = trace.TraceFlags(flags[0]), true
	if tracestate != "" {
		if ts, err := trace.ParseTraceState(tracestate); err == nil {
			cfg.TraceState = ts
		}
	}
	sc := trace.NewSpanContext(cfg)
	return sc, sc.IsValid() // ids of zeros are not
}

// decodeHex decodes the lowercase hex of s, twice as long, into dst.
func decodeHex(dst []byte, s string) bool {
	for i := range dst {
		hi, ok := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
