package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const (
	typeHired    = "elmo.hr.employee.hired.v1"
	typeAdjusted = "elmo.leave.balance.adjusted.v1"
)

// got is what a handler saw of a delivery.
type got struct {
	id, replay string
	body       []byte
}

// replayRig is a bus where payroll and audit consume hires, and what
// each handled: the event ids, with Replayed's answer.
type replayRig struct {
	bus     *transport.Bus
	broker  *memory.Broker
	handled map[string]chan got
}

func newReplayRig(t *testing.T) *replayRig {
	ctx := context.Background()
	broker, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}, {Name: "leave"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{typeHired}}, {Name: "audit", Consumes: []string{"elmo.hr.*", "elmo.leave.*"}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	r := &replayRig{bus: bus, broker: broker, handled: map[string]chan got{}}
	for _, name := range []string{"payroll", "audit"} {
		ch := make(chan got, 16)
		r.handled[name] = ch
		c, err := bus.Consumer(ctx, name, nil)
		require.NoError(t, err)
		require.NoError(t, c.HandleDefault(func(_ context.Context, d *transport.Delivery) error {
			ch <- got{d.Envelope.ID, d.Replayed(), d.Body}
			return nil
		}))
		require.NoError(t, c.Start(ctx))
		t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	}
	return r
}

func stored(t *testing.T, typ string) transport.Stored {
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typ, []byte(`{"n": 1}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	raw, err := e.MarshalJSON()
	require.NoError(t, err)
	return transport.Stored{Envelope: &e, Raw: raw}
}

// quiet asserts that nothing arrives on ch for a while.
func quietFor(t *testing.T, ch <-chan got, what string) {
	select {
	case got := <-ch:
		t.Fatalf("%s: %v arrived", what, got)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestResend: a replay goes to the one service named, marked; a consumer
// skips events it handled unless the replay bypasses deduplication, and
// then handles them once per replay.
func TestResend(t *testing.T) {
	ctx := context.Background()
	r := newReplayRig(t)
	e := stored(t, typeHired)
	require.NoError(t, r.bus.Publisher().Publish(ctx, e.Envelope))
	for _, svc := range []string{"payroll", "audit"} {
		g := within(t, r.handled[svc], svc)
		assert.Equal(t, e.Envelope.ID, g.id)
		assert.Empty(t, g.replay, "the original: no replay")
	}

	n, err := r.bus.Resend(ctx, "payroll", transport.Replay{ID: "r-1"}, e)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	quietFor(t, r.handled["payroll"], "handled already: skipped")

	for _, id := range []string{"r-2", "r-3"} {
		n, err = r.bus.Resend(ctx, "payroll", transport.Replay{ID: id, BypassDedup: true}, e, e)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		g := within(t, r.handled["payroll"], "the replay")
		assert.Equal(t, [2]string{e.Envelope.ID, id}, [2]string{g.id, g.replay})
		quietFor(t, r.handled["payroll"], "once per replay")
	}
	quietFor(t, r.handled["audit"], "the other service gets nothing")
}

// TestResendRefuses: before anything is sent, a replay without an id, a
// service the topology does not list, and a type the service does not
// receive are refused, naming them.
func TestResendRefuses(t *testing.T) {
	ctx := context.Background()
	r := newReplayRig(t)
	hired, adjusted := stored(t, typeHired), stored(t, typeAdjusted)
	for _, tc := range []struct {
		name    string
		service string
		replay  transport.Replay
		want    error
		says    string
	}{
		{"no id", "payroll", transport.Replay{}, config.ErrInvalid, "Replay.ID"},
		{"no such service", "billing", transport.Replay{ID: "r"}, transport.ErrNotReceived, `no service "billing"`},
		{"a type it does not receive", "payroll", transport.Replay{ID: "r"}, transport.ErrNotReceived, typeAdjusted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := r.bus.Resend(ctx, tc.service, tc.replay, hired, adjusted)
			require.ErrorIs(t, err, tc.want)
			assert.ErrorContains(t, err, tc.says)
			assert.Zero(t, n)
		})
	}
	quietFor(t, r.handled["payroll"], "nothing was sent")
}

// TestDeliveryBody: a handler sees the message's bytes as they came.
func TestDeliveryBody(t *testing.T) {
	ctx := context.Background()
	r := newReplayRig(t)
	e := stored(t, typeHired)
	e.Raw = append([]byte(" "), e.Raw...) // not how the Publisher would write it
	_, err := r.bus.Resend(ctx, "payroll", transport.Replay{ID: "r"}, e)
	require.NoError(t, err)
	assert.Equal(t, string(e.Raw), string(within(t, r.handled["payroll"], "the replay").body))
}

// TestHandleDefault: a type's own handler comes first; the default takes
// the rest; a nil or second default is refused.
func TestHandleDefault(t *testing.T) {
	ctx := context.Background()
	broker, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}, {Name: "leave"}},
		Services: []topology.Service{{Name: "audit", Consumes: []string{"elmo.hr.*", "elmo.leave.*"}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	c, err := bus.Consumer(ctx, "audit", nil)
	require.NoError(t, err)
	handled := make(chan string, 2)
	require.NoError(t, c.HandleFunc(typeHired, func(_ context.Context, d *transport.Delivery) error { handled <- "own " + d.Envelope.Type; return nil }))
	require.NoError(t, c.HandleDefault(func(_ context.Context, d *transport.Delivery) error {
		handled <- "default " + d.Envelope.Type
		return nil
	}))
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"a second default", c.HandleDefault(func(context.Context, *transport.Delivery) error { return nil })},
		{"a nil default", c.HandleDefault(nil)},
	} {
		assert.ErrorIs(t, tc.err, transport.ErrInvalidHandler, tc.name)
	}
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	require.NoError(t, bus.Publisher().Publish(ctx, stored(t, typeHired).Envelope, stored(t, typeAdjusted).Envelope))
	got := []string{within(t, handled, "the first"), within(t, handled, "the second")}
	assert.ElementsMatch(t, []string{"own " + typeHired, "default " + typeAdjusted}, got)
}

// TestResendOutcome: a batch the transport refused whole is not sent; one
// it took in part may have been: outcome unknown, whatever the others'
// errors say.
func TestResendOutcome(t *testing.T) {
	ctx := context.Background()
	broker, err := memory.New(&memory.Config{MaxMessages: 1})
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{typeHired}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	replay := transport.Replay{ID: "r"}

	n, err := bus.Resend(ctx, "payroll", replay, stored(t, typeHired), stored(t, typeHired))
	require.Error(t, err, "the queue takes one")
	assert.ErrorIs(t, err, transport.ErrOutcomeUnknown, "one of the batch was sent")
	assert.Zero(t, n)

	n, err = bus.Resend(ctx, "payroll", replay, stored(t, typeHired), stored(t, typeHired))
	require.Error(t, err, "the queue is full")
	assert.NotErrorIs(t, err, transport.ErrOutcomeUnknown, "none was sent")
	assert.ErrorIs(t, err, driver.ErrNotSent)
	assert.Zero(t, n)
}
