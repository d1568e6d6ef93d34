package transport_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

const typeSignedUp = "elmo.identity.client.signed_up.v1"

var producer = &envelope.Producer{Source: "urn:elmo:service:identity"}

func signedUp(t testing.TB, n int) *envelope.Envelope {
	t.Helper()
	e, err := producer.New(typeSignedUp, []byte(fmt.Sprintf(`{"client":"ern:elmo:identity:acme:client/c-%d","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`, n)))
	require.NoError(t, err)
	e.Subject = fmt.Sprintf("ern:elmo:identity:acme:client/c-%d", n)
	e.TenantID = "acme"
	return &e
}

// rig is a memory broker with one subscription, a publisher and a way to
// start consumers.
type rig struct {
	broker *memory.Broker
	pub    *transport.Publisher
}

func newRig(t testing.TB, sub memory.SubscriptionConfig) *rig {
	t.Helper()
	b, err := memory.New(nil)
	require.NoError(t, err)
	if sub.Name == "" {
		sub.Name = "email"
	}
	if sub.Topics == nil {
		sub.Topics = []string{"identity"}
	}
	require.NoError(t, b.CreateSubscription(sub))
	pub, err := transport.NewPublisher(b.Sender(), nil)
	require.NoError(t, err)
	return &rig{broker: b, pub: pub}
}

func (r *rig) start(t testing.TB, cfg transport.ConsumerConfig, h transport.HandlerFunc) *transport.Consumer {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "email"
	}
	if cfg.Backoff == nil {
		cfg.Backoff = &transport.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	}
	recv, err := r.broker.Receiver(cfg.Name)
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &cfg)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeSignedUp, h))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

func (r *rig) deadLetters(t testing.TB, sub string, n int) []*driver.Message {
	t.Helper()
	var dl []*driver.Message
	require.Eventually(t, func() bool {
		var err error
		dl, err = r.broker.DeadLetters(sub)
		require.NoError(t, err)
		return len(dl) >= n
	}, 5*time.Second, 2*time.Millisecond)
	return dl
}

// counter counts calls safely.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func within[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// mustStore returns a MemoryStore of cfg.
func mustStore(t *testing.T, cfg *transport.MemoryStoreConfig) *transport.MemoryStore {
	t.Helper()
	s, err := transport.NewMemoryStore(cfg)
	require.NoError(t, err)
	return s
}
