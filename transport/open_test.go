package transport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func signupTopology() *topology.Topology {
	return &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "email", Consumes: []string{typeSignedUp}}}}
}

// bareDriver serves topologies but neither provisions nor reaches dead
// letters.
type bareDriver struct{ b *memory.Broker }

func (d bareDriver) OpenSender(ctx context.Context, t *topology.Topology) (driver.Sender, error) {
	return d.b.OpenSender(ctx, t)
}

func (d bareDriver) OpenReceiver(ctx context.Context, t *topology.Topology, s string) (driver.Receiver, error) {
	return d.b.OpenReceiver(ctx, t, s)
}

func TestOpenRefusals(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	invalid := signupTopology()
	invalid.Env = "Dev"
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"nil driver", func() error { _, err := transport.Open(ctx, nil, signupTopology(), nil); return err }(), transport.ErrInvalidConfig},
		{"nil topology", func() error { _, err := transport.Open(ctx, b, nil, nil); return err }(), transport.ErrInvalidConfig},
		{"publisher topic", func() error {
			_, err := transport.Open(ctx, b, signupTopology(), &transport.OpenConfig{Publisher: &transport.PublisherConfig{Topic: naming.Type.Domain}})
			return err
		}(), transport.ErrInvalidConfig},
		{"invalid topology", func() error { _, err := transport.Open(ctx, b, invalid, nil); return err }(), topology.ErrInvalid},
		{"cannot provision", func() error {
			_, err := transport.Open(ctx, bareDriver{b}, signupTopology(), &transport.OpenConfig{Provision: true})
			return err
		}(), transport.ErrUnsupported},
		{"not provisioned", func() error {
			bus, err := transport.Open(ctx, b, signupTopology(), nil)
			require.NoError(t, err, "opening needs no subscription yet")
			_, err = bus.Consumer(ctx, "email", nil)
			return err
		}(), driver.ErrNotFound},
		{"unknown service", func() error {
			bus, err := transport.Open(ctx, b, signupTopology(), &transport.OpenConfig{Provision: true})
			require.NoError(t, err)
			_, err = bus.Consumer(ctx, "nobody", nil)
			return err
		}(), topology.ErrUnknownService},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.ErrorIs(t, tc.err, tc.want) })
	}

	bus, err := transport.Open(ctx, bareDriver{b}, signupTopology(), nil)
	require.NoError(t, err)
	_, err = bus.DeadLetters(ctx, "email", 1)
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	_, err = bus.Redrive(ctx, "email", "x")
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	_, err = bus.Purge(ctx, "email")
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	assert.ErrorIs(t, bus.Teardown(ctx), transport.ErrUnsupported)
	assert.Equal(t, "dev", bus.Topology().Env)
}

// TestMemoryProvisionConverges: provisioning again brings a subscription's
// filter to the topology and keeps its messages; teardown removes it.
func TestMemoryProvisionConverges(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := signupTopology()
	require.NoError(t, b.Provision(ctx, topo))
	send := func(typ string) {
		require.NoError(t, b.Sender().Send(ctx, "identity", []*driver.Message{{Body: []byte(`{}`), Attributes: map[string]string{driver.AttrType: typ}}}))
	}
	send(typeSignedUp)
	send("elmo.identity.client.closed.v1") // filtered out
	st, err := b.Stats("email")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Visible)

	topo.Services[0].Consumes = []string{"elmo.identity.*"}
	require.NoError(t, b.Provision(ctx, topo))
	send("elmo.identity.client.closed.v1")
	st, err = b.Stats("email")
	require.NoError(t, err)
	assert.Equal(t, 2, st.Visible, "the wildcard takes the other type now; the first message stayed")

	steps, err := b.Plan(topo)
	require.NoError(t, err)
	assert.Len(t, steps, 2)
	require.NoError(t, b.Teardown(ctx, topo))
	_, err = b.Stats("email")
	assert.ErrorIs(t, err, driver.ErrNotFound)
}

// TestHandlerForWhatTheSubscriptionNeverDelivers: a Bus's consumer knows
// its service's subscription and refuses a handler for a type it would
// never deliver, naming the fix; types it delivers, named or by their
// domain's wildcard, are accepted.
func TestHandlerForWhatTheSubscriptionNeverDelivers(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := signupTopology()
	topo.Domains = append(topo.Domains, topology.Domain{Name: "payroll"})
	topo.Services = append(topo.Services, topology.Service{Name: "audit", Consumes: []string{"elmo.payroll.*"}})
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	noop := func(context.Context, *transport.Delivery) error { return nil }
	cases := []struct {
		service, eventType string
		ok                 bool
	}{
		{"email", typeSignedUp, true},
		{"email", "elmo.identity.client.closed.v1", false},
		{"audit", "elmo.payroll.pay_run.completed.v1", true},
		{"audit", typeSignedUp, false},
	}
	for _, tc := range cases {
		c, err := bus.Consumer(ctx, tc.service, nil)
		require.NoError(t, err)
		err = c.HandleFunc(tc.eventType, noop)
		if tc.ok {
			assert.NoError(t, err, "%s handles %s", tc.service, tc.eventType)
			continue
		}
		require.ErrorIs(t, err, transport.ErrInvalidHandler, "%s handles %s", tc.service, tc.eventType)
		assert.Contains(t, err.Error(), "never delivers "+tc.eventType)
		assert.Contains(t, err.Error(), "consumes in the topology")
	}
}

// TestNotProvisionedSaysTheFix: publishing to, or consuming from, a
// topology that was never provisioned says so and names the setting.
func TestNotProvisionedSaysTheFix(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, b, signupTopology(), nil)
	require.NoError(t, err)
	err = bus.Publisher().Publish(ctx, signedUp(t, 1))
	require.ErrorIs(t, err, driver.ErrNotFound)
	assert.Contains(t, err.Error(), "1 event not published")
	assert.Contains(t, err.Error(), "OpenConfig.Provision")
	assert.NotContains(t, err.Error(), "unknown outcome")
	_, err = bus.Consumer(ctx, "email", nil)
	require.ErrorIs(t, err, driver.ErrNotFound)
	assert.Contains(t, err.Error(), "eventctl provision")
}

// TestDomainMessageLimit: on the memory transport as on SNS/SQS, a domain
// raised to 1 MiB takes a 900 KiB event end to end, and the others keep
// 256 KiB, refused before anything is sent.
func TestDomainMessageLimit(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity", MaxMessageBytes: 1 << 20}, {Name: "platform"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp, "elmo.platform.*"}}}}
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	got := make(chan int, 1)
	cons, err := bus.Consumer(ctx, "billing", nil)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(typeSignedUp, func(_ context.Context, d *transport.Delivery) error {
		got <- len(d.Envelope.Data)
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })

	big := signedUp(t, 1)
	big.Data = []byte(`{"note":"` + strings.Repeat("x", 900<<10) + `"}`)
	require.NoError(t, bus.Publisher().Publish(ctx, big))
	assert.Equal(t, len(big.Data), within(t, got, "the 900 KiB event"))

	tooBig := signedUp(t, 2)
	tooBig.Data = []byte(`{"note":"` + strings.Repeat("x", 1100<<10) + `"}`)
	var tl *transport.TooLargeError
	require.ErrorAs(t, bus.Publisher().Publish(ctx, tooBig), &tl)
	assert.Equal(t, 1<<20, tl.Limit)

	platform, err := producer.New("elmo.platform.tenant.provisioned.v1", []byte(`{"note":"`+strings.Repeat("x", 300<<10)+`"}`))
	require.NoError(t, err)
	platform.Subject, platform.TenantID = "ern:elmo:platform:acme:tenant/acme", "acme"
	require.ErrorAs(t, bus.Publisher().Publish(ctx, &platform), &tl, "platform keeps the default")
	assert.Equal(t, transport.MaxMessageBytes, tl.Limit)
}
