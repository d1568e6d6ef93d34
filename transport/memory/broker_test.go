package memory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

var start = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func msg(id, typ string) *driver.Message {
	return &driver.Message{Body: []byte(`{"id":"` + id + `"}`), Attributes: map[string]string{driver.AttrType: typ, driver.AttrTenantID: "acme"}, DedupID: id}
}

func setup(t *testing.T, cfg memory.Config, subs ...memory.SubscriptionConfig) (*memory.Broker, *memory.ManualClock) {
	t.Helper()
	clock := memory.NewManualClock(start)
	cfg.Clock = clock
	b, err := memory.New(&cfg)
	require.NoError(t, err)
	for _, s := range subs {
		require.NoError(t, b.CreateSubscription(s))
	}
	return b, clock
}

// receiveNow receives what is visible without waiting.
func receiveNow(t *testing.T, b *memory.Broker, sub string) []*driver.Message {
	t.Helper()
	r, err := b.Receiver(sub)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan []*driver.Message, 1)
	go func() {
		msgs, _ := r.Receive(ctx, 10)
		done <- msgs
	}()
	select {
	case m := <-done:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("Receive with a cancelled context did not return")
		return nil
	}
}

func bodies(msgs []*driver.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	return out
}

func TestVisibilityTimeoutAndReceiveCount(t *testing.T) {
	b, clock := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}, VisibilityTimeout: 30 * time.Second, MaxReceiveCount: 3})
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x")}))

	first := receiveNow(t, b, "q")
	require.Len(t, first, 1)
	assert.Equal(t, 1, first[0].ReceiveCount)
	assert.Empty(t, receiveNow(t, b, "q"), "invisible while in flight")
	clock.Advance(29 * time.Second)
	assert.Empty(t, receiveNow(t, b, "q"))
	clock.Advance(time.Second)
	second := receiveNow(t, b, "q")
	require.Len(t, second, 1, "visible again after the timeout")
	assert.Equal(t, 2, second[0].ReceiveCount)
	assert.NotEqual(t, first[0].Handle, second[0].Handle)

	r, _ := b.Receiver("q")
	assert.ErrorIs(t, r.SetVisibility(context.Background(), first[0].Handle, 0), driver.ErrInvalidHandle, "the old handle expired")
	clock.Advance(30 * time.Second)
	third := receiveNow(t, b, "q")
	require.Len(t, third, 1)
	clock.Advance(30 * time.Second)
	assert.Empty(t, receiveNow(t, b, "q"), "received maxReceiveCount times: dead-lettered")
	dl, err := b.DeadLetters("q")
	require.NoError(t, err)
	require.Len(t, dl, 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "maxReceiveCount")
	assert.Equal(t, "3", dl[0].Attributes[driver.AttrDeadLetterReceiveCount])
	st, _ := b.Stats("q")
	assert.Equal(t, memory.Stats{DeadLettered: 1}, st)
}

func TestSetVisibilityDelaysAndExtends(t *testing.T) {
	b, clock := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}, VisibilityTimeout: 10 * time.Second})
	r, _ := b.Receiver("q")
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x")}))
	m := receiveNow(t, b, "q")[0]
	require.NoError(t, r.SetVisibility(context.Background(), m.Handle, 60*time.Second)) // extend
	clock.Advance(59 * time.Second)
	assert.Empty(t, receiveNow(t, b, "q"))
	clock.Advance(time.Second)
	m = receiveNow(t, b, "q")[0]
	require.NoError(t, r.SetVisibility(context.Background(), m.Handle, 0)) // release
	assert.Len(t, receiveNow(t, b, "q"), 1)
}

func TestReceiveWaitsForAMessage(t *testing.T) {
	b, clock := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}, VisibilityTimeout: time.Minute})
	r, _ := b.Receiver("q")
	got := make(chan []*driver.Message)
	go func() {
		msgs, _ := r.Receive(context.Background(), 10)
		got <- msgs
	}()
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x")}))
	first := <-got
	require.Len(t, first, 1)
	go func() {
		msgs, _ := r.Receive(context.Background(), 10)
		got <- msgs
	}()
	// Woken by the clock when the visibility timeout runs out, whether
	// Receive was already waiting or not.
	clock.Advance(time.Minute)
	select {
	case again := <-got:
		assert.Equal(t, 2, again[0].ReceiveCount)
	case <-time.After(5 * time.Second):
		t.Fatal("Receive did not wake when the message became visible")
	}
}

func TestAckDeletes(t *testing.T) {
	b, clock := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}})
	r, _ := b.Receiver("q")
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x"), msg("2", "x")}))
	msgs := receiveNow(t, b, "q")
	require.Len(t, msgs, 2)
	err := r.Ack(context.Background(), []string{msgs[0].Handle, "bogus", msgs[1].Handle})
	var berr *driver.BatchError
	require.ErrorAs(t, err, &berr)
	require.Len(t, berr.Failed, 1)
	assert.Equal(t, 1, berr.Failed[0].Index)
	assert.ErrorIs(t, err, driver.ErrInvalidHandle)
	clock.Advance(time.Hour)
	assert.Empty(t, receiveNow(t, b, "q"))
	st, _ := b.Stats("q")
	assert.Equal(t, memory.Stats{}, st)
}

func TestFanOutAndFilters(t *testing.T) {
	b, _ := setup(t, memory.Config{},
		memory.SubscriptionConfig{Name: "all", Topics: []string{"t"}},
		memory.SubscriptionConfig{Name: "only-y", Topics: []string{"t"}, Types: []string{"y"}},
		memory.SubscriptionConfig{Name: "globex", Topics: []string{"t"}, Attributes: map[string][]string{driver.AttrTenantID: {"globex"}}},
		memory.SubscriptionConfig{Name: "other-topic", Topics: []string{"u"}},
	)
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x"), msg("2", "y")}))
	assert.Equal(t, []string{`{"id":"1"}`, `{"id":"2"}`}, bodies(receiveNow(t, b, "all")))
	assert.Equal(t, []string{`{"id":"2"}`}, bodies(receiveNow(t, b, "only-y")))
	assert.Empty(t, receiveNow(t, b, "globex"))
	assert.Empty(t, receiveNow(t, b, "other-topic"))
}

func TestBoundedQueue(t *testing.T) {
	b, _ := setup(t, memory.Config{MaxMessages: 2},
		memory.SubscriptionConfig{Name: "small", Topics: []string{"t"}},
		memory.SubscriptionConfig{Name: "other", Topics: []string{"t"}})
	s := b.Sender()
	err := s.Send(context.Background(), "t", []*driver.Message{msg("1", "x"), msg("2", "x"), msg("3", "x")})
	var berr *driver.BatchError
	require.ErrorAs(t, err, &berr)
	require.Len(t, berr.Failed, 1)
	assert.Equal(t, 2, berr.Failed[0].Index)
	assert.ErrorIs(t, err, driver.ErrQueueFull)
	assert.True(t, s.IsRetryable(berr.Failed[0].Err))
	assert.Len(t, receiveNow(t, b, "other"), 2, "a message refused by one subscription is refused by all")
}

func TestTooLargeAndUnknownNames(t *testing.T) {
	b, _ := setup(t, memory.Config{MaxMessageBytes: 100}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}})
	big := &driver.Message{Body: []byte(strings.Repeat("x", 101))}
	assert.ErrorIs(t, b.Sender().Send(context.Background(), "t", []*driver.Message{big}), driver.ErrTooLarge)
	assert.ErrorIs(t, b.Sender().Send(context.Background(), "nope", []*driver.Message{msg("1", "x")}), driver.ErrNotFound)
	_, err := b.Receiver("nope")
	assert.ErrorIs(t, err, driver.ErrNotFound)
	_, err = b.DeadLetters("nope")
	assert.ErrorIs(t, err, driver.ErrNotFound)
	assert.ErrorIs(t, b.CreateSubscription(memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}}), memory.ErrExists)
	require.NoError(t, b.CreateSubscription(memory.SubscriptionConfig{Name: "commands-only"}), "a queue reached directly only")
	for _, bad := range []memory.SubscriptionConfig{
		{Topics: []string{"t"}},
		{Name: "x", Topics: []string{"t"}, MaxReceiveCount: -1},
		{Name: "x", Topics: []string{"t"}, VisibilityTimeout: -time.Second},
	} {
		assert.ErrorIs(t, b.CreateSubscription(bad), config.ErrInvalid, "%+v", bad)
	}
	_, err = memory.New(&memory.Config{MaxBatch: -1})
	assert.ErrorIs(t, err, config.ErrInvalid)
	assert.Error(t, b.CreateTopic(""))
	require.NoError(t, b.CreateTopic("empty"))
	assert.NoError(t, b.Sender().Send(context.Background(), "empty", []*driver.Message{msg("1", "x")}), "a topic without subscriptions accepts and drops")
}

func TestFIFOOrderAndDeduplication(t *testing.T) {
	b, clock := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}, FIFO: true, VisibilityTimeout: time.Minute})
	r, _ := b.Receiver("q")
	var msgs []*driver.Message
	for i := range 3 {
		for _, g := range []string{"a", "b"} {
			m := msg(fmt.Sprintf("%s%d", g, i), "x")
			m.GroupID = g
			msgs = append(msgs, m)
		}
	}
	require.NoError(t, b.Sender().Send(context.Background(), "t", msgs))
	require.NoError(t, b.Sender().Send(context.Background(), "t", msgs[:1]), "a duplicate inside the window")
	first := receiveNow(t, b, "q")
	assert.Equal(t, []string{`{"id":"a0"}`, `{"id":"a1"}`, `{"id":"a2"}`, `{"id":"b0"}`, `{"id":"b1"}`, `{"id":"b2"}`}, bodies(first),
		"as SQS FIFO: one receive takes a group's messages in order")
	assert.Empty(t, receiveNow(t, b, "q"), "groups are locked while a message of theirs is in flight")
	require.NoError(t, r.Ack(context.Background(), []string{first[0].Handle, first[1].Handle}))
	assert.Empty(t, receiveNow(t, b, "q"), "a2 is still in flight: group a stays locked")
	require.NoError(t, r.SetVisibility(context.Background(), first[2].Handle, 0))
	assert.Equal(t, []string{`{"id":"a2"}`}, bodies(receiveNow(t, b, "q")), "a released message is delivered again, still first of its group")
	clock.Advance(memory.FIFODeduplicationWindow)
	require.NoError(t, b.Sender().Send(context.Background(), "t", msgs[:1]))
	st, _ := b.Stats("q")
	assert.Equal(t, 5, st.Visible+st.InFlight, "four left, and after the window the same id is accepted again")
}

func TestDeadLetterByReceiver(t *testing.T) {
	b, _ := setup(t, memory.Config{}, memory.SubscriptionConfig{Name: "q", Topics: []string{"t"}})
	r, _ := b.Receiver("q")
	require.NoError(t, b.Sender().Send(context.Background(), "t", []*driver.Message{msg("1", "x")}))
	m := receiveNow(t, b, "q")[0]
	require.NoError(t, r.DeadLetter(context.Background(), m, "undecodable"))
	assert.ErrorIs(t, r.DeadLetter(context.Background(), m, "again"), driver.ErrInvalidHandle)
	dl, _ := b.DeadLetters("q")
	require.Len(t, dl, 1)
	assert.Equal(t, "undecodable", dl[0].Attributes[driver.AttrDeadLetterReason])
	assert.Equal(t, "acme", dl[0].Attributes[driver.AttrTenantID], "the message's own attributes are kept")
}
