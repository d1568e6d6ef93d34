package telemetry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/telemetry"
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

// BenchmarkOverhead runs the memory transport's throughput benchmark
// three ways in one run: without telemetry, with it and no OpenTelemetry
// provider installed (the API's no-op default), and with the SDK
// recording every span and aggregating every metric. Compare the events/s.
//
// The first case a process runs is the slowest (its heap is still
// growing), and the runs of a shared machine drift: run each case in a
// process of its own, in rounds that rotate the order, and compare each
// round's ratios:
//
//	go test -c -o /tmp/tel.test ./transport/telemetry/
//	for c in none no-provider sdk sdk none no-provider no-provider sdk none; do
//		/tmp/tel.test -test.run '^$' -test.bench "Overhead/handlers=8/$c\$" -test.benchtime 200000x
//	done
func BenchmarkOverhead(b *testing.B) {
	noProvider, sdk := benchTelemetries(b)
	for _, handlers := range []int{1, 8} { // 8: the consumer's default Concurrency
		h := fmt.Sprintf("handlers=%d/", handlers)
		b.Run(h+"none", func(b *testing.B) { transportbench.MemoryThroughput(b, handlers) })
		b.Run(h+"no-provider", func(b *testing.B) {
			transportbench.MemoryThroughputHooks(b, handlers, noProvider.PublishHooks(), noProvider.Consumer("bench").Hooks())
		})
		b.Run(h+"sdk", func(b *testing.B) {
			transportbench.MemoryThroughputHooks(b, handlers, sdk.PublishHooks(), sdk.Consumer("bench").Hooks())
		})
	}
}

// BenchmarkHookCost measures what the hooks add to one event, without the
// transport around them: a consumer's Handling and Settled, and a tenth of
// a Publish call of ten events. Set against the memory transport's cost
// per event (1/events/s of BenchmarkOverhead/none), it is the overhead
// without the noise of a throughput run. The events carry a sampled
// creation context, but for sdk-unsampled, where the SDK samples as
// production often does (the parent's decision, else a tenth of the
// traces) and the events come from a trace the producer did not sample:
// its spans do not record, its metrics stay whole.
//
//	go test -run '^$' -bench HookCost -benchmem ./transport/telemetry/
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
//	go test -run '^$' -bench 'HookCost|SDKFloor' -benchmem ./transport/telemetry/
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
