package telemetry_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
)

// This package's tests never register a global provider in their own
// process: TestProviderRegisteredLater does it in a child process.

const creation = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// handle runs a consumer's Handling and Settled hooks on d, as the runtime
// does, and returns the handler's context.
func handle(ctx context.Context, hooks *transport.ConsumerHooks, d *transport.Delivery) context.Context {
	hctx := hooks.Handling(ctx, d)
	hooks.Settled(hctx, d, transport.Settlement{Outcome: transport.Handled, Duration: time.Millisecond})
	return hctx
}

// TestNoProviderShortcut: with no provider registered, the hooks make no
// spans, yet hand the handler the creation context the global no-op
// tracer would, and never end a span of the caller's.
func TestNoProviderShortcut(t *testing.T) {
	tel, err := telemetry.New(nil)
	require.NoError(t, err)
	hooks := tel.Consumer("billing").Hooks()
	ambientTP := sdktrace.NewTracerProvider() // not registered
	ambientCtx, ambient := ambientTP.Tracer("test").Start(context.Background(), "ambient")
	defer ambient.End()
	created := trace.SpanContextConfig{}
	copy(created.TraceID[:], []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36})
	copy(created.SpanID[:], []byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7})
	created.TraceFlags, created.Remote = trace.FlagsSampled, true

	for _, tc := range []struct {
		name        string
		ctx         context.Context
		traceparent string
		want        trace.SpanContext // the handler's
		maxAllocs   float64
	}{
		{"creation context", context.Background(), creation, trace.NewSpanContext(created), 2},
		{"none", context.Background(), "", trace.SpanContext{}, 0},
		{"the caller's only", ambientCtx, "", ambient.SpanContext(), 2},
		{"creation over the caller's", ambientCtx, creation, trace.NewSpanContext(created), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &transport.Delivery{Envelope: newEvent(t, "c-1"), ReceiveCount: 1}
			d.Envelope.TraceParent = tc.traceparent
			hctx := handle(tc.ctx, hooks, d)
			span := trace.SpanFromContext(hctx)
			assert.False(t, span.IsRecording())
			assert.True(t, tc.want.Equal(span.SpanContext()), "the handler's span context %v, want %v", span.SpanContext(), tc.want)
			assert.True(t, ambient.IsRecording(), "Settled ended the caller's span")
			// More allocations mean the shortcut is off: did OpenTelemetry
			// move its global stand-ins (telemetry.globalPackage)?
			allocs := testing.AllocsPerRun(100, func() { handle(tc.ctx, hooks, d) })
			assert.LessOrEqual(t, allocs, tc.maxAllocs, "allocations per event")
		})
	}

	t.Run("publish", func(t *testing.T) {
		pub := tel.PublishHooks()
		events := []*envelope.Envelope{newEvent(t, "c-2")}
		ctx := pub.Publishing(ambientCtx, events)
		pub.Published(ctx, events, nil)
		parent, _ := transport.TraceContext(ctx)
		assert.Contains(t, parent, ambient.SpanContext().TraceID().String(), "the caller's trace context goes on")
		assert.True(t, ambient.IsRecording(), "Published ended the caller's span")

		ctx = pub.Publishing(context.Background(), events)
		pub.Published(ctx, events, nil)
		parent, _ = transport.TraceContext(ctx)
		assert.Empty(t, parent, "no trace context to carry")
	})
}

// TestProviderRegisteredLater: a telemetry made before the application
// registers its providers uses them from then on. Registering is for the
// life of a process, so a child process runs it.
func TestProviderRegisteredLater(t *testing.T) {
	if os.Getenv("TELEMETRY_REGISTER_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestProviderRegisteredLater$", "-test.v")
		cmd.Env = append(os.Environ(), "TELEMETRY_REGISTER_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "the child process:\n%s", out)
		assert.Contains(t, string(out), "--- PASS: TestProviderRegisteredLater")
		return
	}
	tel, err := telemetry.New(nil)
	require.NoError(t, err)
	hooks := tel.Consumer("billing").Hooks()
	d := &transport.Delivery{Envelope: newEvent(t, "c-1"), ReceiveCount: 1}
	d.Envelope.TraceParent = creation
	assert.False(t, trace.SpanFromContext(handle(context.Background(), hooks, d)).IsRecording(), "a span before any provider")

	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	handle(context.Background(), hooks, d)

	require.Len(t, spans.Ended(), 1)
	span := spans.Ended()[0]
	assert.Equal(t, "process billing", span.Name())
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", span.SpanContext().TraceID().String())
	require.Len(t, span.Links(), 1)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	ages := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "elmo.messaging.message.age" {
				for _, dp := range h.DataPoints {
					ages += int(dp.Count)
				}
			}
		}
	}
	assert.Equal(t, 1, ages, "the age of the event handled after registering")
}
