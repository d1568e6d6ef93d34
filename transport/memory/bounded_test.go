package memory_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

const queued = 100_000

// fill publishes n messages of a 1 KiB body to a broker bounded at n and
// returns the heap bytes the queued messages hold, per message: body,
// attributes and the broker's own bookkeeping.
func fill(tb testing.TB, n int) (*memory.Broker, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	body := []byte(`{"data":"` + strings.Repeat("x", 1000) + `"}`)
	attrs := func() map[string]string {
		return map[string]string{driver.AttrType: "elmo.leave.absence.approved.v1", driver.AttrSource: "urn:elmo:service:leave", driver.AttrTenantID: "acme"}
	}
	msgs := make([]*driver.Message, n)
	for i := range msgs {
		msgs[i] = &driver.Message{Body: append([]byte(nil), body...), Attributes: attrs()}
	}
	b, err := memory.New(&memory.Config{MaxMessages: n})
	require.NoError(tb, err)
	require.NoError(tb, b.CreateSubscription(memory.SubscriptionConfig{Name: "q", Topics: []string{"leave"}}))
	s := b.Sender()
	for i := 0; i < n; i += 10 {
		require.NoError(tb, s.Send(context.Background(), "leave", msgs[i:min(i+10, n)]))
	}
	msgs = nil // the broker now holds the only references
	runtime.GC()
	runtime.ReadMemStats(&after)
	return b, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// With 100,000 undelivered events queued the broker's memory is
// proportional to them, and the bound refuses more.
func TestQueuedMemoryIsBounded(t *testing.T) {
	b, perEvent := fill(t, queued)
	t.Logf("about %.0f bytes per queued 1 KiB event, bodies included", perEvent)
	assert.Less(t, perEvent, 2048.0, "the broker's own overhead per event is well under the body's size")
	err := b.Sender().Send(context.Background(), "leave", []*driver.Message{{Body: []byte(`{}`)}})
	assert.ErrorIs(t, err, driver.ErrQueueFull)
	st, err := b.Stats("q")
	require.NoError(t, err)
	assert.Equal(t, queued, st.Visible)
}
