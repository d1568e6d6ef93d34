package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

// harness runs the conformance suite on a fresh Broker per environment,
// each on a ManualClock that the harness advances, timeSpeed times as fast
// as real time. The consumers and publishers of the suite follow the same
// clock (transporttest.Clocked): were any of them on the system's clock,
// visibility extension and redelivery delays would disagree with the
// broker's and the suite would fail.
type harness struct{}

// timeSpeed is how much faster than real time the manual clock moves.
const timeSpeed = 4

func (harness) Capabilities() transporttest.Capabilities {
	return transporttest.Capabilities{FIFO: true, ExactReceiveCount: true, Tick: 20 * time.Millisecond, SendBatchLimit: memory.DefaultMaxBatch, AckReportsInvalidHandle: true}
}

func (harness) Open(_ context.Context, t *testing.T, subs []transporttest.Subscription) (transporttest.Env, error) {
	clock := memory.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the harness's hand on the clock
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				clock.Advance(timeSpeed * time.Millisecond)
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	b, err := memory.New(&memory.Config{Clock: clock})
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		err := b.CreateSubscription(memory.SubscriptionConfig{
			Name: s.Name, Topics: s.Domains, Types: s.Types, VisibilityTimeout: s.VisibilityTimeout,
			MaxReceiveCount: s.MaxReceiveCount, FIFO: s.FIFO,
		})
		if err != nil {
			return nil, err
		}
	}
	return env{b, clock}, nil
}

type env struct {
	b     *memory.Broker
	clock *memory.ManualClock
}

func (e env) Clock() config.Clock { return e.clock }

func (e env) Topic(t naming.Type) string { return t.Domain() }
func (e env) Sender() driver.Sender      { return e.b.Sender() }
func (e env) Receiver(sub string) driver.Receiver {
	r, err := e.b.Receiver(sub)
	if err != nil {
		panic(err) // the suite only asks for subscriptions it created
	}
	return r
}
func (e env) DeadLetters(_ context.Context, sub string) ([]*driver.Message, error) {
	return e.b.DeadLetters(sub)
}

func TestConformance(t *testing.T) {
	transporttest.Run(t, harness{})
}

// TestBus runs the portable wiring and the dead-letter tooling on a broker.
func TestBus(t *testing.T) {
	transporttest.RunBus(t, func(t *testing.T) driver.Driver {
		b, err := memory.New(nil)
		require.NoError(t, err)
		return b
	}, "dev")
}

// TestRequests runs request and reply on a broker.
func TestRequests(t *testing.T) {
	transporttest.RunRequests(t, func(t *testing.T) driver.Driver {
		b, err := memory.New(nil)
		require.NoError(t, err)
		return b
	}, "dev")
}

// BenchmarkRequests: a request and reply round trip against an event's
// trip to its handler, one requester at a time.
func BenchmarkRequests(b *testing.B) {
	broker, err := memory.New(nil)
	require.NoError(b, err)
	transporttest.BenchRequests(b, broker, "dev", 1, 0)
}
