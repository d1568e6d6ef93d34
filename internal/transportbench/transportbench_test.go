package transportbench_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport"
)

// TestMemoryRun: a run publishes its events in batches of PublishBatch,
// every one is handled, and it reports the time and CPU time it took.
func TestMemoryRun(t *testing.T) {
	for _, tc := range []struct{ events, handlers int }{{1, 1}, {25, 1}, {100, 8}} {
		var publishes, handled atomic.Int64
		pub := &transport.PublishHooks{Publishing: func(ctx context.Context, _ []*envelope.Envelope) context.Context {
			publishes.Add(1)
			return ctx
		}}
		cons := &transport.ConsumerHooks{Settled: func(_ context.Context, _ *transport.Delivery, s transport.Settlement) {
			if s.Outcome == transport.Handled {
				handled.Add(1)
			}
		}}
		run := transportbench.NewMemoryRun(t, tc.events, tc.handlers, pub, cons)
		wall, cpu := run.Run()
		run.Close()
		assert.Equal(t, int64((tc.events+transportbench.PublishBatch-1)/transportbench.PublishBatch), publishes.Load(), "Publish calls")
		assert.Equal(t, int64(tc.events), handled.Load(), "handled events")
		assert.Positive(t, wall)
		if runtime.GOOS == "linux" { // whose getrusage counts in nanoseconds
			assert.Positive(t, cpu, "CPU time")
		}
	}
}
