package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

// harness runs the conformance suite on a fresh Broker per environment.
type harness struct{}

func (harness) Capabilities() transporttest.Capabilities {
	return transporttest.Capabilities{FIFO: true, ExactReceiveCount: true, Tick: 20 * time.Millisecond, SendBatchLimit: memory.DefaultMaxBatch, AckReportsInvalidHandle: true}
}

func (harness) Open(_ context.Context, _ *testing.T, subs []transporttest.Subscription) (transporttest.Env, error) {
	b := memory.New(memory.Config{})
	for _, s := range subs {
		err := b.CreateSubscription(memory.SubscriptionConfig{
			Name: s.Name, Topics: s.Domains, Types: s.Types, VisibilityTimeout: s.VisibilityTimeout,
			MaxReceiveCount: s.MaxReceiveCount, FIFO: s.FIFO,
		})
		if err != nil {
			return nil, err
		}
	}
	return env{b}, nil
}

type env struct{ b *memory.Broker }

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
