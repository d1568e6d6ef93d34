package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

type (
	hiredV1 struct {
		Employee string `json:"employee"`
	}
	hiredV2 struct {
		Employee string `json:"employee"`
		Source   string `json:"source"`
	}
)

var (
	hired1 = event.MustDefine[hiredV1]("elmo.hr.employee.hired.v1")
	hired2 = event.MustDefine[hiredV2]("elmo.hr.employee.hired.v2")
)

// TestUpcastToTheHandler: a consumer with a handler for v2 alone receives
// v1 events upcast, told their type; an upcast that fails dead-letters
// the event; v2 events come as they are.
func TestUpcastToTheHandler(t *testing.T) {
	ctx := context.Background()
	broker, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{"elmo.hr.employee.hired.v1", "elmo.hr.employee.hired.v2"}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	ups, err := envelope.NewUpcasters(event.Upcast(hired1, hired2, func(o hiredV1) (hiredV2, error) {
		if o.Employee == "" {
			return hiredV2{}, envelope.ErrRequired
		}
		return hiredV2{Employee: o.Employee, Source: "UNKNOWN"}, nil
	}))
	require.NoError(t, err)
	c, err := bus.Consumer(ctx, "payroll", &transport.ConsumerConfig{Upcasters: ups, MaxAttempts: 1})
	require.NoError(t, err)
	type seen struct {
		from, source string
		body         bool // the delivery has the message's bytes
	}
	got := make(chan seen, 4)
	require.NoError(t, transport.Handle(c, hired2, func(ctx context.Context, _ *envelope.Envelope, p hiredV2) error {
		d, _ := transport.DeliveryFrom(ctx)
		got <- seen{d.UpcastFrom, p.Source, d.Body != nil}
		return nil
	}))
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })

	publish := func(def string, data string) {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(def, []byte(data))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		require.NoError(t, bus.Publisher().Publish(ctx, &e))
	}
	publish(hired1.Type().String(), `{"employee":"e-1"}`)
	assert.Equal(t, seen{hired1.Type().String(), "UNKNOWN", false}, within(t, got, "the v1 event, upcast: its bytes are v1's"))
	publish(hired2.Type().String(), `{"employee":"e-1","source":"REFERRAL"}`)
	assert.Equal(t, seen{"", "REFERRAL", true}, within(t, got, "the v2 event"))

	publish(hired1.Type().String(), `{}`)
	require.Eventually(t, func() bool {
		dl, err := bus.DeadLetters(ctx, "payroll", 10)
		return err == nil && len(dl) == 1
	}, 10*time.Second, 5*time.Millisecond, "the upcast that fails is dead-lettered")
	dl, err := bus.DeadLetters(ctx, "payroll", 10)
	require.NoError(t, err)
	assert.Contains(t, dl[0].Reason, "upcast")
}
