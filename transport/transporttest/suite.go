package transporttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// The event types of the suite: one domain, so one topic.
const (
	typeCreated = "elmo.conformance.item.created.v1"
	typeDeleted = "elmo.conformance.item.deleted.v1"
)

// Run runs every conformance test against the harness.
func Run(t *testing.T, h Harness) {
	caps := h.Capabilities()
	require.Positive(t, caps.Tick, "Capabilities.Tick must be set")
	s := &suite{h: h, caps: caps}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"RoundTrip", s.testRoundTrip},
		{"FanOut", s.testFanOut},
		{"Filter", s.testFilter},
		{"AckRemoves", s.testAckRemoves},
		{"RedeliveryAfterBackoff", s.testRedelivery},
		{"DeadLetterAfterRepeatedFailure", s.testDeadLetterAfterFailures},
		{"VisibilityExtendedForLongHandler", s.testVisibilityExtended},
		{"ConcurrentConsumers", s.testConcurrentConsumers},
		{"ShutdownDrains", s.testShutdownDrains},
		{"ShutdownReleasesUnfinished", s.testShutdownReleases},
		{"LargerThanBatchLimit", s.testLargeBatch},
		{"InvalidRefusedOnPublish", s.testInvalidRefused},
		{"UndecodableDeadLettered", s.testUndecodableDeadLettered},
		{"InvalidPayloadDeadLettered", s.testInvalidPayloadDeadLettered},
		{"NewerMinorVersionHandled", s.testNewerMinorHandled},
		{"ErrorContract", s.testErrorContract},
		{"PartitionOrder", s.testPartitionOrder},
	}
	// It looks at every goroutine of the process: it runs alone, first.
	t.Run("NothingRunsAfterShutdown", s.testNothingRunsAfterShutdown)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if caps.Parallel {
				t.Parallel()
			}
			tc.fn(t)
		})
	}
}

type suite struct {
	h    Harness
	caps Capabilities
}

func (s *suite) ticks(n int) time.Duration { return time.Duration(n) * s.caps.Tick }

// wait is how long the suite waits for something that should happen.
func (s *suite) wait() time.Duration { return s.ticks(60) + 10*time.Second }

var producer = &envelope.Producer{Source: "urn:elmo:service:conformance"}

func newEvent(t *testing.T, typ string, n int) *envelope.Envelope {
	t.Helper()
	e, err := producer.New(typ, []byte(fmt.Sprintf(`{"n":%d}`, n)))
	require.NoError(t, err)
	e.Subject = "ern:elmo:conformance:acme:item/i-" + fmt.Sprint(n)
	e.TenantID = "acme"
	return &e
}

// fixture is an opened environment with a publisher.
type fixture struct {
	s   *suite
	env Env
	pub *transport.Publisher
}

func (s *suite) open(t *testing.T, subs ...Subscription) *fixture {
	t.Helper()
	for i := range subs {
		subs[i].Domains = []string{naming.MustParseType(typeCreated).Domain()}
		if subs[i].VisibilityTimeout == 0 {
			subs[i].VisibilityTimeout = s.ticks(20)
		}
	}
	env, err := s.h.Open(context.Background(), t, subs)
	require.NoError(t, err)
	pub, err := transport.NewPublisher(env.Sender(), &transport.PublisherConfig{Topic: env.Topic, Clock: clockOf(env)})
	require.NoError(t, err)
	return &fixture{s: s, env: env, pub: pub}
}

// consumer starts a consumer of sub with handler h for both suite types;
// it is shut down at the end of the test.
func (f *fixture) consumer(t *testing.T, sub string, cfg transport.ConsumerConfig, h transport.HandlerFunc) *transport.Consumer {
	t.Helper()
	if cfg.Backoff == nil {
		cfg.Backoff = &transport.Backoff{Initial: f.s.ticks(2), Max: f.s.ticks(4)}
	}
	cfg.Name = sub
	cfg.Clock = clockOf(f.env)
	c, err := transport.NewConsumer(f.env.Receiver(sub), &cfg)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeCreated, h))
	require.NoError(t, c.HandleFunc(typeDeleted, h))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), f.s.wait())
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

// clockOf returns the clock of a Clocked environment, else nil (the
// system's).
func clockOf(env Env) config.Clock {
	if c, ok := env.(Clocked); ok {
		return c.Clock()
	}
	return nil
}

func (f *fixture) publish(t *testing.T, events ...*envelope.Envelope) {
	t.Helper()
	require.NoError(t, f.pub.Publish(context.Background(), events...))
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, s *suite, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(s.wait()):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// quiet asserts that nothing arrives on ch for d.
func quiet[T any](t *testing.T, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(d):
	}
}

// deadLetters polls the dead-letter queue until it holds n messages.
func (f *fixture) deadLetters(t *testing.T, sub string, n int) []*driver.Message {
	t.Helper()
	var got []*driver.Message
	require.Eventually(t, func() bool {
		var err error
		got, err = f.env.DeadLetters(context.Background(), sub)
		require.NoError(t, err)
		return len(got) >= n
	}, f.s.wait(), f.s.caps.Tick/2+time.Millisecond, "waiting for %d dead letters", n)
	return got
}
