package telemetry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

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

// benchTelemetries returns a telemetry of no provider (the API's no-op
// default) and one of the SDK recording every span and aggregating every
// metric.
func benchTelemetries(b *testing.B) (noProvider, sdk *telemetry.Telemetry) {
	noProvider, err := telemetry.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	sdk, err = telemetry.New(&telemetry.Config{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{})),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	})
	if err != nil {
		b.Fatal(err)
	}
	return noProvider, sdk
}

// BenchmarkOverhead runs the memory transport's throughput benchmark
// three ways in one run: without telemetry, with it and no OpenTelemetry
// provider installed (the API's no-op default), and with the SDK
// recording every span and aggregating every metric. Compare the events/s:
//
//	go test -run '^$' -bench Overhead -benchtime 300000x ./transport/telemetry/
//
// The runs of a shared machine drift: interleave rounds of the three
// cases and compare each round's ratios.
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
// without the noise of a throughput run:
//
//	go test -run '^$' -bench HookCost -benchmem ./transport/telemetry/
func BenchmarkHookCost(b *testing.B) {
	noProvider, sdk := benchTelemetries(b)
	events := transportbench.MustEvents(b, 10)
	for _, e := range events {
		e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	}
	d := &transport.Delivery{Envelope: events[0], ReceiveCount: 1}
	for _, tc := range []struct {
		name string
		tel  *telemetry.Telemetry
	}{{"no-provider", noProvider}, {"sdk", sdk}} {
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
