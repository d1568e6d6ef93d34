package transport_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// claimRig is a memory topology with a claim-check bucket: billing
// consumes sign-ups, audit's queue is read raw to see what went on the
// wire.
type claimRig struct {
	broker *memory.Broker
	bus    *transport.Bus
	audit  driver.Receiver
}

func newClaimRig(t *testing.T) *claimRig {
	t.Helper()
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services:   []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp}}, {Name: "audit", Consumes: []string{typeSignedUp}}},
		ClaimCheck: &topology.ClaimCheck{Bucket: "elmo-dev-claims"}}
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	audit, err := b.Receiver("audit")
	require.NoError(t, err)
	return &claimRig{broker: b, bus: bus, audit: audit}
}

// bigSignUp is a sign-up whose data is about n bytes.
func bigSignUp(t *testing.T, n int) *envelope.Envelope {
	t.Helper()
	e := signedUp(t, 1)
	e.Data = []byte(`{"client":"ern:elmo:identity:acme:client/c-1","note":"` + strings.Repeat("x", n) + `"}`)
	return e
}

// wire returns the envelope audit received: what was sent.
func (r *claimRig) wire(t *testing.T) envelope.Envelope {
	t.Helper()
	var msgs []*driver.Message
	require.Eventually(t, func() bool {
		var err error
		msgs, err = r.audit.Receive(context.Background(), 10)
		return err == nil && len(msgs) == 1
	}, 5*time.Second, time.Millisecond)
	e, err := envelope.Decode(msgs[0].Body)
	require.NoError(t, err)
	return e
}

// consume runs billing until it handles or dead-letters one message.
func (r *claimRig) consume(t *testing.T, cfg *transport.ConsumerConfig) (handled *envelope.Envelope, reason string) {
	t.Helper()
	ctx := context.Background()
	got := make(chan *envelope.Envelope, 1)
	c, err := r.bus.Consumer(ctx, "billing", cfg)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeSignedUp, func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope
		return nil
	}))
	require.NoError(t, c.Start(ctx))
	defer c.Shutdown(ctx) //nolint:errcheck
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-got:
			return e, ""
		case <-deadline:
			t.Fatal("nothing handled or dead-lettered")
		case <-time.After(5 * time.Millisecond):
			if dl, _ := r.broker.DeadLetters("billing"); len(dl) > 0 {
				return nil, dl[0].Attributes[driver.AttrDeadLetterReason]
			}
		}
	}
}

// TestClaimCheck: an event too large for its topic travels with its data
// in the bucket, and comes back whole to the handler; the caller's event
// is untouched, so what a store or an outbox keeps is the full event.
func TestClaimCheck(t *testing.T) {
	r := newClaimRig(t)
	e := bigSignUp(t, 5<<20)
	data := string(e.Data)
	require.NoError(t, r.bus.Publisher().Publish(context.Background(), e))
	assert.Equal(t, data, string(e.Data), "the caller's event keeps its data")
	assert.Empty(t, e.DataRef)

	sent := r.wire(t)
	assert.Nil(t, sent.Data, "the message carries no data")
	assert.Equal(t, "mem://elmo-dev-claims/"+typeSignedUp+"/"+e.ID, sent.DataRef, "the key is the type and id: no payload value")
	assert.Equal(t, envelope.Digest([]byte(data)), sent.DataDigest)
	require.NoError(t, (envelope.Validator{}).Validate(&sent), "a valid ELMO event")

	handled, reason := r.consume(t, nil)
	require.Empty(t, reason)
	assert.Equal(t, data, string(handled.Data), "the handler gets the data")
	assert.Empty(t, handled.DataRef)
	assert.Empty(t, handled.DataDigest)
}

// TestClaimCheckRefusals: data that cannot be trusted or had is
// dead-lettered with a reason that names the problem and no value.
func TestClaimCheckRefusals(t *testing.T) {
	cases := []struct {
		name   string
		spoil  func(r *claimRig, ref string)
		cfg    *transport.ConsumerConfig
		reason string
	}{
		{"tampered", func(r *claimRig, ref string) {
			r.broker.SetClaimObject(ref, []byte(`{"client":"ern:elmo:identity:acme:client/c-1","note":"forged"}`))
		}, nil, "does not match its datadigest"},
		{"missing", func(r *claimRig, ref string) { r.broker.SetClaimObject(ref, nil) }, nil, "not found"},
		{"too large", nil, &transport.ConsumerConfig{MaxClaimBytes: 1 << 10}, "over 1024"},
		{"no claim check", nil, &transport.ConsumerConfig{ClaimCheck: noClaims{}}, "outside the claim-check store"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newClaimRig(t)
			require.NoError(t, r.bus.Publisher().Publish(context.Background(), bigSignUp(t, 300<<10)))
			sent := r.wire(t)
			if tc.spoil != nil {
				tc.spoil(r, sent.DataRef)
			}
			handled, reason := r.consume(t, tc.cfg)
			assert.Nil(t, handled)
			assert.Contains(t, reason, "claim check failed")
			assert.Contains(t, reason, tc.reason)
			assert.NotContains(t, reason, "xxxx", "no payload value")
		})
	}
}

// TestClaimCheckForeignBucket: a dataref the topology's store does not
// hold is never fetched.
func TestClaimCheckForeignBucket(t *testing.T) {
	r := newClaimRig(t)
	e := signedUp(t, 1)
	e.Data, e.DataRef, e.DataDigest = nil, "mem://someone-elses-bucket/x", envelope.Digest([]byte(`{}`))
	body, err := e.MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, r.broker.Sender().Send(context.Background(), "identity", []*driver.Message{{Body: body, Attributes: transport.MirroredAttributes(e)}}))
	handled, reason := r.consume(t, nil)
	assert.Nil(t, handled)
	assert.Contains(t, reason, "outside the claim-check store")
}

// noClaims is a claim check that holds nothing: every ref is foreign.
type noClaims struct{}

func (noClaims) Put(context.Context, string, string, []byte) (string, error) {
	return "", errors.New("no store")
}

func (noClaims) Get(context.Context, string, int) ([]byte, error) {
	return nil, driver.ErrForeignRef
}

// TestClaimCheckWithoutStore: a consumer with no claim check dead-letters
// a claim-checked event, saying why.
func TestClaimCheckWithoutStore(t *testing.T) {
	r := newClaimRig(t)
	require.NoError(t, r.bus.Publisher().Publish(context.Background(), bigSignUp(t, 300<<10)))
	recv, err := r.broker.Receiver("billing")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, nil)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeSignedUp, func(context.Context, *transport.Delivery) error { return nil }))
	require.NoError(t, c.Start(context.Background()))
	defer c.Shutdown(context.Background()) //nolint:errcheck
	dead := (&rig{broker: r.broker}).deadLetters(t, "billing", 1)
	assert.Contains(t, dead[0].Attributes[driver.AttrDeadLetterReason], "the consumer has no claim check")
}

// TestClaimCheckRedrive: a claim-checked event dead-lettered because its
// data was missing is redriven, bytes unchanged, once the data is back,
// and then handled whole.
func TestClaimCheckRedrive(t *testing.T) {
	ctx := context.Background()
	r := newClaimRig(t)
	e := bigSignUp(t, 300<<10)
	require.NoError(t, r.bus.Publisher().Publish(ctx, e))
	ref := r.wire(t).DataRef
	data, ok := r.broker.ClaimObject(ref)
	require.True(t, ok)
	r.broker.SetClaimObject(ref, nil)
	handled, reason := r.consume(t, &transport.ConsumerConfig{MaxAttempts: 1})
	require.Nil(t, handled)
	require.Contains(t, reason, "not found")

	r.broker.SetClaimObject(ref, data)
	dead, err := r.bus.DeadLetters(ctx, "billing", 10)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	_, err = r.bus.Redrive(ctx, "billing", dead[0].ID)
	require.NoError(t, err)
	handled, reason = r.consume(t, nil)
	require.Empty(t, reason)
	assert.Equal(t, string(e.Data), string(handled.Data))
}
