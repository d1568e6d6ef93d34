package telemetry

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/elmosoftware/eventprotocol/outbox"
)

// RelayTelemetry is the telemetry of one outbox relay: its metrics
// elmo.outbox.published, elmo.outbox.retries, elmo.outbox.parked and
// elmo.outbox.position, with elmo.outbox.relay naming it. Its publishes
// are traced by the Publisher's hooks; its health is the relay's Health.
type RelayTelemetry struct {
	opt                        metric.MeasurementOption
	published, retries, parked atomic.Int64
	position                   atomic.Int64
}

// Relay returns the telemetry of the outbox relay named name.
func (t *Telemetry) Relay(name string) *RelayTelemetry {
	r := &RelayTelemetry{opt: metric.WithAttributeSet(attribute.NewSet(attribute.String("elmo.outbox.relay", name)))}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.relays = append(t.relays, r)
	return r
}

// Hooks returns the relay's hooks (outbox.Config.Hooks).
func (r *RelayTelemetry) Hooks() *outbox.Hooks {
	return &outbox.Hooks{
		Published: func(_ context.Context, n int, position int64) {
			r.published.Add(int64(n))
			r.position.Store(position)
		},
		Retrying: func(context.Context, error, time.Duration) { r.retries.Add(1) },
		Parked:   func(context.Context, int64, error) { r.parked.Add(1) },
	}
}
