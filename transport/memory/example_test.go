package memory_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// The broker's own semantics, on a manual clock: a message that is not
// acknowledged comes back after its visibility timeout.
func Example() {
	clock := memory.NewManualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	b, _ := memory.New(&memory.Config{Clock: clock})
	_ = b.CreateSubscription(memory.SubscriptionConfig{Name: "billing", Topics: []string{"identity"}, VisibilityTimeout: 30 * time.Second})
	_ = b.Sender().Send(context.Background(), "identity", []*driver.Message{{Body: []byte(`{"n":1}`)}})

	r, _ := b.Receiver("billing")
	msgs, _ := r.Receive(context.Background(), 10)
	fmt.Println("delivery", msgs[0].ReceiveCount)

	clock.Advance(30 * time.Second) // not acknowledged in time
	msgs, _ = r.Receive(context.Background(), 10)
	fmt.Println("delivery", msgs[0].ReceiveCount)
	_ = r.Ack(context.Background(), []string{msgs[0].Handle})

	st, _ := b.Stats("billing")
	fmt.Printf("%+v\n", st)
	// Output:
	// delivery 1
	// delivery 2
	// {Visible:0 InFlight:0 DeadLettered:0}
}
