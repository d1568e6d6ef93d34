package snssqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

// TestCommandsOnServers: a command goes straight to the queue of the
// service that accepts it (SendMessage), not through a topic, and is
// handled there; the topic's subscriber gets nothing.
func TestCommandsOnServers(t *testing.T) { onEachServer(t, testCommands) }

func testCommands(t *testing.T, srv testServer) {
	ctx := context.Background()
	cat := transporttest.RequestCatalog(t)
	const typ = transporttest.TypeGenerate
	topo := &topology.Topology{Env: newEnvName(), Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payslips", Accepts: []string{typ}}, {Name: "audit", Consumes: []string{"elmo.payroll.*"}}}}
	snsC, sqsC := clientsOf(t, srv.endpoint)
	provision(t, snsC, sqsC, topo)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Catalog: cat})
	require.NoError(t, err)
	got := make(chan string, 1)
	cons, err := bus.Consumer(ctx, "payslips", nil)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(typ, func(_ context.Context, dl *transport.Delivery) error {
		got <- dl.Envelope.ID
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })

	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typ, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	require.NoError(t, bus.Publisher().Publish(ctx, &e))
	select {
	case id := <-got:
		assert.Equal(t, e.ID, id)
	case <-time.After(30 * time.Second):
		t.Fatal("the command was not handled")
	}
	recv, err := d.OpenReceiver(ctx, topo, "audit")
	require.NoError(t, err)
	msgs, err := recv.Receive(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, msgs, "the topic's subscriber got nothing")
}
