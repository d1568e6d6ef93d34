package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Capabilities declares what a transport does, so the suite checks what it
// promises.
type Capabilities struct {
	// FIFO: subscriptions created with FIFO deliver each partition key's
	// events in order.
	FIFO bool
	// ExactReceiveCount: a message's ReceiveCount grows by one on every
	// delivery. When false (GoAws always says 1), the suite checks
	// dead-lettering after repeated failures through the transport's own
	// redrive instead of the consumer's MaxAttempts.
	ExactReceiveCount bool
	// Tick is the shortest delay the transport honours precisely: timeouts
	// and backoffs in the suite are multiples of it. SQS counts visibility
	// in whole seconds; the memory transport takes milliseconds.
	Tick time.Duration
	// SendBatchLimit is the most messages one Send takes. The suite
	// publishes more than that in one call.
	SendBatchLimit int
	// AckReportsInvalidHandle: acknowledging a handle that names no
	// delivery gives driver.ErrInvalidHandle (SQS does; a server that
	// silently accepts it does not claim this).
	AckReportsInvalidHandle bool
	// Parallel: Open may be called from tests running in parallel, and
	// its environments share nothing (no topic, queue or clock). The suite
	// then runs its tests in parallel, but for the one that looks at every
	// goroutine of the process, which runs alone. A suite that waits on a
	// server's whole-second timeouts takes a fraction of the time.
	Parallel bool
}

// Subscription describes a subscription a test needs.
type Subscription struct {
	Name    string   // unique within one Open
	Domains []string // the subscription receives from these domains' topics
	Types   []string // filter on the type attribute; empty: all
	// VisibilityTimeout is the subscription's; 0 means the transport's default.
	VisibilityTimeout time.Duration
	MaxReceiveCount   int // the transport's redrive (backstop); 0: none
	// FIFO orders each message group (the transport must have Capabilities.FIFO).
	FIFO bool
}

// Clocked is implemented by an Env whose transport follows a clock of its
// own, such as the memory broker's ManualClock advanced by the harness: the
// suite's consumers and publishers then follow the same clock.
type Clocked interface {
	// Clock returns the clock the consumers and publishers of the suite follow.
	Clock() config.Clock
}

// Harness creates isolated environments for the suite.
type Harness interface {
	// Capabilities says what the transport can show.
	Capabilities() Capabilities
	// Open creates the subscriptions and the topics of their domains,
	// fresh for this call (no messages from other tests), and registers
	// their removal with t.Cleanup.
	Open(ctx context.Context, t *testing.T, subs []Subscription) (Env, error)
}

// Env is one environment created by a Harness.
type Env interface {
	// Topic maps an event type to the name of its domain's topic in this
	// environment, for PublisherConfig.Topic and Sender.Send.
	Topic(t naming.Type) string
	// Sender publishes to the environment's topics.
	Sender() driver.Sender
	// Receiver receives a subscription's messages.
	Receiver(subscription string) driver.Receiver
	// DeadLetters returns the messages in a subscription's dead-letter
	// queue, each with its AttrDeadLetterReason when the consumer
	// dead-lettered it.
	DeadLetters(ctx context.Context, subscription string) ([]*driver.Message, error)
}
