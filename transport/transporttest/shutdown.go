package transporttest

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
)

func (s *suite) testShutdownDrains(t *testing.T) {
	const n = 5
	f := s.open(t, Subscription{Name: "a"})
	started := make(chan string, n)
	release := make(chan struct{})
	var mu sync.Mutex
	var finished []string
	c := f.consumer(t, "a", transport.ConsumerConfig{Concurrency: n}, func(ctx context.Context, d *transport.Delivery) error {
		started <- d.Envelope.ID
		<-release
		mu.Lock()
		finished = append(finished, d.Envelope.ID)
		mu.Unlock()
		return nil
	})
	var events []*envelope.Envelope
	for i := range n {
		events = append(events, newEvent(t, typeCreated, i))
	}
	f.publish(t, events...)
	for range n {
		receive(t, s, started, "a handler start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.wait())
	defer cancel()
	shut := make(chan error)
	go func() { shut <- c.Shutdown(ctx) }()
	close(release)
	require.NoError(t, receive(t, s, shut, "Shutdown"))
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, finished, n)
	assert.NoError(t, c.Shutdown(ctx), "Shutdown is idempotent")
}

func (s *suite) testShutdownReleases(t *testing.T) {
	f := s.open(t, Subscription{Name: "a", VisibilityTimeout: s.ticks(30)})
	started := make(chan string, 1)
	first := f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		started <- d.Envelope.ID
		<-ctx.Done() // a handler that only stops when cancelled
		return ctx.Err()
	})
	e := newEvent(t, typeCreated, 1)
	f.publish(t, e)
	assert.Equal(t, e.ID, receive(t, s, started, "the delivery"))
	ctx, cancel := context.WithTimeout(context.Background(), s.ticks(2))
	defer cancel()
	err := first.Shutdown(ctx)
	var serr *transport.ShutdownError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, []string{e.ID}, serr.Unfinished)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// Released at once: another consumer gets it well before the
	// visibility timeout of 30 ticks.
	again := make(chan string, 1)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		again <- d.Envelope.ID
		return nil
	})
	select {
	case id := <-again:
		assert.Equal(t, e.ID, id)
	case <-time.After(s.ticks(20)):
		t.Fatal("the unfinished message was not released for redelivery")
	}
}

// testNothingRunsAfterShutdown: once Shutdown has returned, no goroutine of
// the consumer or of its receiver is left running.
func (s *suite) testNothingRunsAfterShutdown(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan int, 10)
	c := f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- 1
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 1))
	receive(t, s, handled, "the event")
	ctx, cancel := context.WithTimeout(context.Background(), s.wait())
	defer cancel()
	require.NoError(t, c.Shutdown(ctx))
	// Shutdown has returned: nothing of the consumer may still run. (The
	// poll only lets goroutines that are returning finish returning.)
	var left []string
	require.Eventually(t, func() bool {
		left = runtimeGoroutines()
		return len(left) == 0
	}, time.Second, 5*time.Millisecond, "goroutines left after Shutdown:\n%s", strings.Join(left, "\n\n"))
}

// runtimeGoroutines returns the stacks of the goroutines running code of
// the consumer runtime or of a receiver.
func runtimeGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "eventprotocol/transport.(*Consumer)") || strings.Contains(g, "eventprotocol/transport/snssqs.(*Receiver)") {
			out = append(out, g)
		}
	}
	return out
}
