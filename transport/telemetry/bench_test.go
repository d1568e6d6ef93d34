package telemetry_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport/telemetry"
)

// discard records every span and exports none.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// BenchmarkOverhead runs the memory transport's throughput benchmark
// three ways in one run: without telemetry, with it and no OpenTelemetry
// provider installed (the API's no-op default), and with the SDK
// recording every span and aggregating every metric. Compare the events/s:
//
//	go test -run '^$' -bench Overhead -benchtime 200000x -count 5 ./transport/telemetry/
func BenchmarkOverhead(b *testing.B) {
	noProvider, err := telemetry.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	sdk, err := telemetry.New(&telemetry.Config{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{})),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("none", func(b *testing.B) { transportbench.MemoryThroughput(b, 1) })
	b.Run("no-provider", func(b *testing.B) {
		transportbench.MemoryThroughputHooks(b, 1, noProvider.PublishHooks(), noProvider.Consumer("bench").Hooks())
	})
	b.Run("sdk", func(b *testing.B) {
		transportbench.MemoryThroughputHooks(b, 1, sdk.PublishHooks(), sdk.Consumer("bench").Hooks())
	})
}
