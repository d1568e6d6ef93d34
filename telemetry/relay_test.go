package telemetry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/elmosoftware/eventprotocol/eventstore"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// refuseOnce refuses the first send as not sent, then sends.
type refuseOnce struct {
	driver.Sender
	refused bool
}

func (r *refuseOnce) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	if !r.refused {
		r.refused = true
		return errors.Join(driver.ErrNotSent, errors.New("throttled"))
	}
	return r.Sender.Send(ctx, topic, msgs)
}

// TestRelayMetrics: an outbox relay's published, retried and parked
// events and its position, as metrics.
func TestRelayMetrics(t *testing.T) {
	o := observe(t)
	ctx := context.Background()
	store, err := esmemory.NewStore(&eventstore.Config{PollInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	broker, err := memory.New(nil)
	require.NoError(t, err)
	require.NoError(t, broker.CreateSubscription(memory.SubscriptionConfig{Name: "sink", Topics: []string{"identity"}}))
	pub, err := transport.NewPublisher(&refuseOnce{Sender: broker.Sender()}, &transport.PublisherConfig{MaxAttempts: 1})
	require.NoError(t, err)
	for i := range 5 {
		e := newEvent(t, "c")
		if i == 2 {
			e.Data = []byte(`{"x":"` + strings.Repeat("a", 300<<10) + `"}`) // too large for SNS/SQS: parked
		}
		_, err := store.Append(ctx, eventstore.Stream{Name: e.Subject}, eventstore.Any, e)
		require.NoError(t, err)
	}
	rel := o.tel.Relay("orders")
	relay, err := outbox.New(store, pub, &outbox.Config{Name: "orders", Hooks: rel.Hooks(), Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond}})
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(rctx) }()
	require.Eventually(t, func() bool { return relay.Position() == 5 }, 10*time.Second, 5*time.Millisecond)
	stop()
	require.ErrorIs(t, <-done, context.Canceled)

	assert.Equal(t, int64(4), o.sum(t, "elmo.outbox.published"))
	assert.Equal(t, int64(1), o.sum(t, "elmo.outbox.retries"))
	assert.Equal(t, int64(1), o.sum(t, "elmo.outbox.parked"))
	g, ok := o.metric(t, "elmo.outbox.position").(metricdata.Gauge[int64])
	require.True(t, ok)
	require.Len(t, g.DataPoints, 1)
	assert.Equal(t, int64(5), g.DataPoints[0].Value)
	name, _ := g.DataPoints[0].Attributes.Value("elmo.outbox.relay")
	assert.Equal(t, "orders", name.AsString())
}
