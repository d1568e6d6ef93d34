package transportbench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// EventType is the type of the benchmark events.
const EventType = "elmo.leave.absence.approved.v1"

// Events returns n valid envelopes carrying the sample payload, each with
// its own id.
func Events(n int) ([]*envelope.Envelope, error) {
	data, err := json.Marshal(benchdata.NewPayload())
	if err != nil {
		return nil, err
	}
	p := &envelope.Producer{Source: "urn:elmo:service:leave"}
	out := make([]*envelope.Envelope, n)
	for i := range out {
		e, err := p.New(EventType, data)
		if err != nil {
			return nil, err
		}
		e.Subject = fmt.Sprintf("ern:elmo:hr:acme:employee/e-%d", i)
		e.TenantID = "acme"
		out[i] = &e
	}
	return out, nil
}

// MustEvents is Events for benchmarks: it fails b on error.
func MustEvents(b testing.TB, n int) []*envelope.Envelope {
	events, err := Events(n)
	if err != nil {
		b.Fatal(err)
	}
	return events
}

// Work is what every benchmark handler does with an event: decode its
// payload.
func Work(data []byte) error {
	var p benchdata.Payload
	return json.Unmarshal(data, &p)
}

// PublishBatch is how many events one Publish call carries in the
// throughput benchmarks.
const PublishBatch = 10

// MemoryThroughput publishes b.N events through the memory transport and
// waits until handlers running on the given number of goroutines have
// handled all of them. It reports events/s and, where the process's CPU
// time can be read, cpu-ns/event: the CPU time of every goroutine (the
// garbage collector's too) per event, which on a saturated machine is
// what an event costs.
func MemoryThroughput(b *testing.B, handlers int) {
	run := NewMemoryRun(b, b.N, handlers, nil, nil)
	b.ReportAllocs()
	b.ResetTimer()
	wall, cpu := run.Run()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/wall.Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
	}
	run.Close()
}

// MemoryRun is one run of the throughput benchmark, set up and ready:
// n events, a memory broker, a publisher and a started consumer whose
// handlers decode each payload (Work).
type MemoryRun struct {
	tb      testing.TB
	events  []*envelope.Envelope
	pub     *transport.Publisher
	cons    *transport.Consumer
	done    chan struct{}
	handled atomic.Int64
}

// NewMemoryRun sets up a run of n events, with the publisher's and the
// consumer's hooks (nil: none). It fails tb on error.
func NewMemoryRun(tb testing.TB, n, handlers int, pubHooks *transport.PublishHooks, consHooks *transport.ConsumerHooks) *MemoryRun {
	r := &MemoryRun{tb: tb, events: MustEvents(tb, n), done: make(chan struct{})}
	broker, err := memory.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := broker.CreateSubscription(memory.SubscriptionConfig{Name: "bench", Topics: []string{"leave"}}); err != nil {
		tb.Fatal(err)
	}
	if r.pub, err = transport.NewPublisher(broker.Sender(), &transport.PublisherConfig{Hooks: pubHooks}); err != nil {
		tb.Fatal(err)
	}
	recv, err := broker.Receiver("bench")
	if err != nil {
		tb.Fatal(err)
	}
	if r.cons, err = transport.NewConsumer(recv, &transport.ConsumerConfig{Concurrency: handlers, Hooks: consHooks}); err != nil {
		tb.Fatal(err)
	}
	err = r.cons.HandleFunc(EventType, func(_ context.Context, d *transport.Delivery) error {
		if err := Work(d.Envelope.Data); err != nil {
			return err
		}
		if r.handled.Add(1) == int64(n) {
			close(r.done)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.cons.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return r
}

// Run publishes the events in batches of PublishBatch and waits until
// all are handled. It returns the time that took, and the process's CPU
// time over it (every goroutine's, the garbage collector's too), or 0
// where that cannot be read.
func (r *MemoryRun) Run() (wall, cpu time.Duration) {
	ctx := context.Background()
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for i := 0; i < len(r.events); i += PublishBatch {
		if err := r.pub.Publish(ctx, r.events[i:min(i+PublishBatch, len(r.events))]...); err != nil {
			r.tb.Fatal(err)
		}
	}
	<-r.done
	wall = time.Since(start)
	if cpu1, ok := cpuTime(); ok && cpuOK {
		cpu = time.Duration(cpu1 - cpu0)
	}
	return wall, cpu
}

// Close shuts the consumer down.
func (r *MemoryRun) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.cons.Shutdown(ctx); err != nil {
		r.tb.Fatal(err)
	}
}
