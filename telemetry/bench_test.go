package telemetry_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
)

// discard records every span and exports none.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// sdkProviders are the SDK's providers sampling spans with sampler and
// aggregating every metric.
func sdkProviders(sampler sdktrace.Sampler) (*sdktrace.TracerProvider, *sdkmetric.MeterProvider) {
	return sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithSpanProcessor(discard{})),
		sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
}

// newSDKTelemetry returns a telemetry of the SDK's providers with sampler.
func newSDKTelemetry(b *testing.B, sampler sdktrace.Sampler) *telemetry.Telemetry {
	tp, mp := sdkProviders(sampler)
	tel, err := telemetry.New(&telemetry.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		b.Fatal(err)
	}
	return tel
}

// benchTelemetries returns a telemetry of no provider (the API's no-op
// default) and one of the SDK recording every span.
func benchTelemetries(b *testing.B) (noProvider, sdk *telemetry.Telemetry) {
	noProvider, err := telemetry.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	return noProvider, newSDKTelemetry(b, sdktrace.AlwaysSample())
}

// BenchmarkOverhead measures what telemetry adds to the memory
// transport's throughput, four ways: no telemetry (none); the hooks with
// no OpenTelemetry provider registered (no-provider); the hooks on the SDK
// recording every span and aggregating every metric (sdk); and sdk-floor,
// the least any instrumentation meeting the conventions costs on the SDK
// (floorHooks), which sets the SDK's own share apart from ours.
//
// It compares them in one process, round by round, so that the drift of
// a shared machine and the luck of each process's start weigh on every
// case alike: each round (one op) runs every case on 20,000 events at the
// consumer's default eight handlers, from a collected heap, in an order
// that rotates; a first round warms the process and is not counted. It
// reports, of each case against none in the same round, the median over
// the rounds of the CPU time per event (<case>-%cpu, more is dearer) and
// of the events/s (<case>-%events/s, less is slower):
//
//	go test -run '^$' -bench Overhead -benchtime 12x ./telemetry/
func BenchmarkOverhead(b *testing.B) {
	const events, handlers = 20000, 8
	noProvider, sdk := benchTelemetries(b)
	floorPub, floorCons := floorHooks(b)
	cases := []struct {
		name string
		pub  *transport.PublishHooks
		cons *transport.ConsumerHooks
	}{
		{"none", nil, nil},
		{"no-provider", noProvider.PublishHooks(), noProvider.Consumer("bench").Hooks()},
		{"sdk-floor", floorPub, floorCons},
		{"sdk", sdk.PublishHooks(), sdk.Consumer("bench").Hooks()},
	}
	round := func(r int) (wall, cpu []time.Duration) {
		wall, cpu = make([]time.Duration, len(cases)), make([]time.Duration, len(cases))
		for k := range cases {
			i := (k + r) % len(cases)
			run := transportbench.NewMemoryRun(b, events, handlers, cases[i].pub, cases[i].cons)
			runtime.GC()
			wall[i], cpu[i] = run.Run()
			run.Close()
		}
		return wall, cpu
	}
	round(0)
	cpuRatios, rateRatios := make([][]float64, len(cases)), make([][]float64, len(cases))
	for r := 1; b.Loop(); r++ {
		wall, cpu := round(r)
		for i := 1; i < len(cases); i++ {
			cpuRatios[i] = append(cpuRatios[i], float64(cpu[i])/float64(cpu[0]))
			rateRatios[i] = append(rateRatios[i], float64(wall[0])/float64(wall[i]))
		}
	}
	for i := 1; i < len(cases); i++ {
		if cpu := median(cpuRatios[i]); cpu > 0 { // 0: no CPU time here
			b.ReportMetric(100*(cpu-1), cases[i].name+"-%cpu")
		}
		b.ReportMetric(100*(median(rateRatios[i])-1), cases[i].name+"-%events/s")
	}
}

// median returns the median of xs (which it sorts), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// BenchmarkHookCost measures what the hooks add to one event, without the
// transport around them: a consumer's Handling and Settled, and a tenth of
// a Publish call of ten events. Set against the memory transport's CPU
// time per event (cpu-ns/event of transport/memory's BenchmarkThroughput:
// with every core busy, the cores times the wall time per event), it is
// the overhead without the transport, but also without the garbage
// collection its allocations cause there. The events carry a
// sampled creation context, but for sdk-unsampled, where the SDK samples
// as production often does (the parent's decision, else a tenth of the
// traces) and the events come from a trace the producer did not sample:
// its spans do not record, its metrics stay whole.
//
//	go test -run '^$' -bench HookCost -benchmem ./telemetry/
func BenchmarkHookCost(b *testing.B) {
	noProvider, sdk := benchTelemetries(b)
	sampled := newSDKTelemetry(b, sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1)))
	for _, tc := range []struct {
		name  string
		tel   *telemetry.Telemetry
		flags string // of the events' traceparent
	}{{"no-provider", noProvider, "01"}, {"sdk", sdk, "01"}, {"sdk-unsampled", sampled, "00"}} {
		events := transportbench.MustEvents(b, 10)
		for _, e := range events {
			e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + tc.flags
		}
		d := &transport.Delivery{Envelope: events[0], ReceiveCount: 1}
		b.Run(tc.name, func(b *testing.B) {
			pub := tc.tel.PublishHooks()
			cons := tc.tel.Consumer("bench").Hooks()
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%10 == 0 {
					pctx := pub.Publishing(ctx, events)
					pub.Published(pctx, events, nil)
				}
				i++
				hctx := cons.Handling(ctx, d)
				cons.Settled(hctx, d, transport.Settlement{Outcome: transport.Handled, Duration: time.Millisecond})
			}
		})
	}
}

// BenchmarkSDKFloor is what the SDK itself costs for the least a consumer
// span can be under the conventions: start, eight attributes, two
// histogram records, end. Set against BenchmarkHookCost/sdk, it shows how
// much of the hooks' cost is the SDK's:
//
//	go test -run '^$' -bench 'HookCost|SDKFloor' -benchmem ./telemetry/
func BenchmarkSDKFloor(b *testing.B) {
	tp, mp := sdkProviders(sdktrace.AlwaysSample())
	tracer, meter := tp.Tracer("floor"), mp.Meter("floor")
	var hists [2]metric.Float64Histogram
	for i := range hists {
		h, err := meter.Float64Histogram(fmt.Sprintf("floor.%d", i))
		if err != nil {
			b.Fatal(err)
		}
		hists[i] = h
	}
	rec := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("messaging.system", "bench")))}
	kv := make([]attribute.KeyValue, 8)
	for i := range kv {
		kv[i] = attribute.String(fmt.Sprintf("key.%d", i), "value")
	}
	kind := trace.WithSpanKind(trace.SpanKindConsumer)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sctx, span := tracer.Start(ctx, "process bench", kind)
		span.SetAttributes(kv...)
		for _, h := range hists {
			h.Record(sctx, 0.001, rec...)
		}
		span.End()
	}
}

// floorHooks are the least hooks the conventions and the issue allow,
// straight on the SDK: a PRODUCER span per Publish call; per event a
// CONSUMER span with its eight attributes (from a pooled slice, as ours)
// and one histogram record (the process duration). No parent, no link, no
// age, no counts.
func floorHooks(b *testing.B) (*transport.PublishHooks, *transport.ConsumerHooks) {
	tp, mp := sdkProviders(sdktrace.AlwaysSample())
	tracer := tp.Tracer("floor")
	hist, err := mp.Meter("floor").Float64Histogram("floor")
	if err != nil {
		b.Fatal(err)
	}
	rec := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("messaging.system", "bench")))}
	producer, consumer := trace.WithSpanKind(trace.SpanKindProducer), trace.WithSpanKind(trace.SpanKindConsumer)
	attrs := sync.Pool{New: func() any { return new([8]attribute.KeyValue) }}
	pub := &transport.PublishHooks{
		Publishing: func(ctx context.Context, _ []*envelope.Envelope) context.Context {
			ctx, _ = tracer.Start(ctx, "publish bench", producer)
			return ctx
		},
		Published: func(ctx context.Context, _ []*envelope.Envelope, _ error) { trace.SpanFromContext(ctx).End() },
	}
	cons := &transport.ConsumerHooks{
		Handling: func(ctx context.Context, d *transport.Delivery) context.Context {
			ctx, span := tracer.Start(ctx, "process bench", consumer)
			e, kv := d.Envelope, attrs.Get().(*[8]attribute.KeyValue)
			*kv = [8]attribute.KeyValue{attribute.String("messaging.system", "bench"), attribute.String("messaging.destination.name", "bench"),
				attribute.String("messaging.operation.type", "process"), attribute.String("messaging.message.id", e.ID),
				attribute.String("cloudevents.event_id", e.ID), attribute.String("cloudevents.event_source", e.Source),
				attribute.String("cloudevents.event_type", e.Type), attribute.String("cloudevents.event_subject", e.Subject)}
			span.SetAttributes(kv[:]...)
			attrs.Put(kv)
			return ctx
		},
		Settled: func(ctx context.Context, _ *transport.Delivery, s transport.Settlement) {
			hist.Record(ctx, s.Duration.Seconds(), rec...)
			trace.SpanFromContext(ctx).End()
		},
	}
	return pub, cons
}
