package awslambda_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
)

// TestHandlerTraces: on Lambda as on the long-lived consumer, the
// telemetry hooks make the handler's span a child of, and linked to, the
// event's creation context.
func TestHandlerTraces(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(&telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
	require.NoError(t, err)
	r := newRigWith(t, nil, tel.Consumer("billing").Hooks(), func(*transport.Delivery) error { return nil })

	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	e, err := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New(typeSignedUp,
		[]byte(`{"client":"ern:elmo:identity:acme:client/c-1","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID, e.TraceParent = "ern:elmo:identity:acme:client/c-1", "acme", fmt.Sprintf("00-%s-%s-01", traceID, spanID)
	require.NoError(t, r.bus.Publisher().Publish(context.Background(), &e))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for n := 0; n == 0; {
		n, _, err = r.mapping.Poll(ctx)
		require.NoError(t, err)
	}
	var process sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.Name() == "process billing" {
			process = s
		}
	}
	require.NotNil(t, process, "the handler's span")
	assert.Equal(t, traceID, process.SpanContext().TraceID().String())
	assert.Equal(t, spanID, process.Parent().SpanID().String(), "a child of the creation context")
	require.Len(t, process.Links(), 1)
	assert.Equal(t, spanID, process.Links()[0].SpanContext.SpanID().String(), "linked to it")
}
