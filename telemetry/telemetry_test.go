package telemetry_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const typeSignedUp = "elmo.identity.client.signed_up.v1"

func newEvent(t *testing.T, n string) *envelope.Envelope {
	t.Helper()
	e, err := (&envelope.Producer{Source: "urn:elmo:service:identity"}).New(typeSignedUp, []byte(`{"secret":"never an attribute"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/"+n, "acme"
	return &e
}

// observed is a telemetry on the SDK, with what it recorded.
type observed struct {
	tel    *telemetry.Telemetry
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func observe(t *testing.T) *observed {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.New(&telemetry.Config{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})
	require.NoError(t, err)
	return &observed{tel: tel, spans: spans, reader: reader}
}

// metric returns the collected data of the named metric, nil when none.
func (o *observed) metric(t *testing.T, name string) metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, o.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Data
			}
		}
	}
	return nil
}

// sum returns the value of a counter's data points with the given
// attributes (none: the sum of every point).
func (o *observed) sum(t *testing.T, name string, kv ...attribute.KeyValue) int64 {
	t.Helper()
	s, _ := o.metric(t, name).(metricdata.Sum[int64])
	var total int64
	for _, dp := range s.DataPoints {
		match := true
		for _, want := range kv {
			if got, ok := dp.Attributes.Value(want.Key); !ok || got != want.Value {
				match = false
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}

// histogramCount returns how many values a histogram recorded.
func (o *observed) histogramCount(t *testing.T, name string) uint64 {
	t.Helper()
	h, _ := o.metric(t, name).(metricdata.Histogram[float64])
	var n uint64
	for _, dp := range h.DataPoints {
		n += dp.Count
	}
	return n
}

func attr(s sdktrace.ReadOnlySpan, k string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == k {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// withEvents returns, of an event's spans, the one whose span events are
// names (nil: none). Spans end in the order their hooks finish, which
// need not be the order of the deliveries: a redelivery may end first.
func withEvents(t *testing.T, spans []sdktrace.ReadOnlySpan, names ...string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range spans {
		if slices.Equal(events(s), names) {
			return s
		}
	}
	require.Failf(t, "no such span", "no span with the events %v", names)
	return nil
}

func events(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		if e.Name != "exception" {
			out = append(out, e.Name)
		}
	}
	return out
}

// scenario runs, on the driver: a success, a retry then a success, a
// panic then a success, a permanent failure (dead letter), a duplicate,
// and a message refused before any handler; then checks the spans and
// metrics.
func scenario(t *testing.T, d driver.Driver, env string, sendRaw func(ctx context.Context, body []byte) error) {
	ctx := context.Background()
	o := observe(t)
	topo := &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp}, VisibilityTimeoutSeconds: 5}}}
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true, Publisher: &transport.PublisherConfig{Hooks: o.tel.PublishHooks()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Teardown(context.Background()) })
	billing := o.tel.Consumer("billing")
	cons, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Hooks: billing.Hooks(), MaxAttempts: 3,
		Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond}})
	require.NoError(t, err)

	ok, flaky, panicky, bad := newEvent(t, "ok"), newEvent(t, "flaky"), newEvent(t, "panicky"), newEvent(t, "bad")
	var mu sync.Mutex
	tries := map[string]int{}
	done := make(chan string, 16)
	require.NoError(t, cons.HandleFunc(typeSignedUp, func(hctx context.Context, dl *transport.Delivery) error {
		require.True(t, trace.SpanFromContext(hctx).SpanContext().IsValid(), "the handler runs in the process span")
		id := dl.Envelope.ID
		mu.Lock()
		tries[id]++
		n := tries[id]
		mu.Unlock()
		switch {
		case id == flaky.ID && n == 1:
			return errors.New("provider down")
		case id == panicky.ID && n == 1:
			panic("boom")
		case id == bad.ID:
			return transport.Permanent(errors.New("no account at /client"))
		}
		done <- id
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })

	require.NoError(t, bus.Publisher().Publish(ctx, ok, flaky, panicky, bad))
	got := map[string]bool{}
	for range 3 {
		select {
		case id := <-done:
			got[id] = true
		case <-time.After(time.Minute):
			t.Fatal("not every event was handled")
		}
	}
	require.NoError(t, bus.Publisher().Publish(ctx, ok)) // a duplicate
	require.NoError(t, sendRaw(ctx, []byte(`{"not":"an event"}`)))
	require.Eventually(t, func() bool {
		return o.sum(t, "elmo.messaging.duplicates") == 1 && o.sum(t, "elmo.messaging.dead_letters") == 2
	}, time.Minute, 20*time.Millisecond, "the duplicate skipped, two dead letters")
	require.NoError(t, cons.Shutdown(ctx))

	// Spans.
	var producers, processes []sdktrace.ReadOnlySpan
	for _, s := range o.spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindProducer:
			producers = append(producers, s)
		case trace.SpanKindConsumer:
			processes = append(processes, s)
		}
	}
	require.Len(t, producers, 2, "one per Publish call")
	first := producers[0]
	assert.Equal(t, "publish identity", first.Name())
	v, _ := attr(first, "messaging.batch.message_count")
	assert.Equal(t, int64(4), v.AsInt64())
	v, _ = attr(first, "messaging.system")
	assert.Equal(t, "aws.sns", v.AsString())

	byEvent := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range processes {
		id, _ := attr(s, "cloudevents.event_id")
		byEvent[id.AsString()] = append(byEvent[id.AsString()], s)
		for _, kv := range s.Attributes() {
			assert.NotContains(t, kv.Value.Emit(), "never an attribute", "payload data never becomes an attribute")
		}
	}
	require.Len(t, byEvent[ok.ID], 2, "handled, then its duplicate")
	okSpan := withEvents(t, byEvent[ok.ID])
	assert.Equal(t, "process billing", okSpan.Name())
	assert.Equal(t, first.SpanContext().TraceID(), okSpan.SpanContext().TraceID(), "one trace from the producer to the consumer")
	assert.Equal(t, first.SpanContext().SpanID(), okSpan.Parent().SpanID(), "a child of the creation context")
	require.Len(t, okSpan.Links(), 1)
	assert.Equal(t, first.SpanContext().SpanID(), okSpan.Links()[0].SpanContext.SpanID(), "linked to the creation context")
	for k, want := range map[string]string{"messaging.system": "aws_sqs", "messaging.destination.name": "billing", "messaging.operation.type": "process",
		"messaging.message.id": ok.ID, "cloudevents.event_source": ok.Source, "cloudevents.event_type": ok.Type, "cloudevents.event_subject": ok.Subject} {
		v, found := attr(okSpan, k)
		assert.True(t, found, k)
		assert.Equal(t, want, v.AsString(), k)
	}
	withEvents(t, byEvent[ok.ID], "duplicate_skipped")
	require.Len(t, byEvent[flaky.ID], 2)
	withEvents(t, byEvent[flaky.ID], "retry_scheduled")
	withEvents(t, byEvent[flaky.ID])
	require.Len(t, byEvent[panicky.ID], 2)
	panicked := withEvents(t, byEvent[panicky.ID], "retry_scheduled") // a panic is a failed delivery
	assert.Contains(t, panicked.Status().Description, "retry")
	withEvents(t, byEvent[panicky.ID])
	require.Len(t, byEvent[bad.ID], 1)
	assert.Equal(t, []string{"dead_lettered"}, events(byEvent[bad.ID][0]))
	reason, _ := attr(byEvent[bad.ID][0], "elmo.deadletter.reason")
	assert.Empty(t, reason.AsString(), "the reason is an event attribute")
	assert.Len(t, byEvent[""], 1, "the refused message has a span of its own")

	// Metrics.
	assert.Equal(t, int64(5), o.sum(t, "messaging.client.sent.messages"))
	assert.Equal(t, int64(0), o.sum(t, "elmo.messaging.publish.failures"))
	assert.GreaterOrEqual(t, o.sum(t, "messaging.client.consumed.messages"), int64(8))
	assert.Equal(t, int64(3), o.sum(t, "elmo.messaging.handled", attribute.String("elmo.outcome", "handled")))
	assert.Equal(t, int64(1), o.sum(t, "elmo.messaging.handled", attribute.String("elmo.outcome", "duplicate")))
	assert.Equal(t, int64(2), o.sum(t, "elmo.messaging.retries"))
	assert.Equal(t, int64(1), o.sum(t, "elmo.messaging.dead_letters", attribute.String("elmo.deadletter.reason", "permanent")))
	assert.Equal(t, int64(1), o.sum(t, "elmo.messaging.dead_letters", attribute.String("elmo.deadletter.reason", "undecodable")))
	assert.Equal(t, int64(0), o.sum(t, "elmo.messaging.in_flight"), "nothing in flight at the end")
	assert.Equal(t, uint64(7), o.histogramCount(t, "messaging.process.duration"))
	assert.Equal(t, uint64(7), o.histogramCount(t, "elmo.messaging.message.age"))
	assert.Equal(t, uint64(2), o.histogramCount(t, "messaging.client.operation.duration"))
}

func TestOnMemory(t *testing.T) {
	b, err := memory.New(nil)
	require.NoError(t, err)
	scenario(t, b, "dev", func(ctx context.Context, body []byte) error {
		return b.Sender().Send(ctx, "identity", []*driver.Message{{Body: body, Attributes: map[string]string{driver.AttrType: typeSignedUp}, DedupID: "raw"}})
	})
}

func TestOnSNSSQS(t *testing.T) {
	srv := snssqstest.StartForTest(t)
	ctx := context.Background()
	d, err := srv.Driver(ctx, nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "tel", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp}}}}
	scenario(t, d, "tel", func(ctx context.Context, body []byte) error {
		s, err := d.OpenSender(ctx, topo)
		if err != nil {
			return err
		}
		return s.Send(ctx, "identity", []*driver.Message{{Body: body, Attributes: map[string]string{driver.AttrType: typeSignedUp}, DedupID: "raw"}})
	})
}

// TestReplayAndUpcastAttributes: a replayed delivery's span says the
// replay, an upcast one the type it came as.
func TestReplayAndUpcastAttributes(t *testing.T) {
	o := observe(t)
	hooks := o.tel.Consumer("billing").Hooks()
	e := newEvent(t, "replayed")
	for _, tc := range []struct {
		name string
		d    *transport.Delivery
		key  string
		want string
	}{
		{"a replay", &transport.Delivery{Envelope: e, Attributes: map[string]string{"replay": "billing-fix"}}, "elmo.replay", "billing-fix"},
		{"an upcast", &transport.Delivery{Envelope: e, UpcastFrom: "elmo.identity.client.signed_up.v0"}, "elmo.upcast_from", "elmo.identity.client.signed_up.v0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := hooks.Handling(context.Background(), tc.d)
			hooks.Settled(ctx, tc.d, transport.Settlement{Outcome: transport.Handled})
			trace.SpanFromContext(ctx).End()
			ended := o.spans.Ended()
			v, found := attr(ended[len(ended)-1], tc.key)
			assert.True(t, found)
			assert.Equal(t, tc.want, v.AsString())
		})
	}
}
