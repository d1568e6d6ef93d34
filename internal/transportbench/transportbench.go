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
func MemoryThroughput(b *testing.B, handlers int) { MemoryThroughputHooks(b, handlers, nil, nil) }

// MemoryThroughputHooks is MemoryThroughput with the publisher's and the
// consumer's hooks (nil: none).
func MemoryThroughputHooks(b *testing.B, handlers int, pubHooks *transport.PublishHooks, consHooks *transport.ConsumerHooks) {
	events := MustEvents(b, b.N)
	broker, err := memory.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := broker.CreateSubscription(memory.SubscriptionConfig{Name: "bench", Topics: []string{"leave"}}); err != nil {
		b.Fatal(err)
	}
	pub, err := transport.NewPublisher(broker.Sender(), &transport.PublisherConfig{Hooks: pubHooks})
	if err != nil {
		b.Fatal(err)
	}
	recv, err := broker.Receiver("bench")
	if err != nil {
		b.Fatal(err)
	}
	cons, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Concurrency: handlers, Hooks: consHooks})
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	done := make(chan struct{})
	err = cons.HandleFunc(EventType, func(_ context.Context, d *transport.Delivery) error {
		if err := Work(d.Envelope.Data); err != nil {
			return err
		}
		if handled.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := cons.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	for i := 0; i < len(events); i += PublishBatch {
		if err := pub.Publish(ctx, events[i:min(i+PublishBatch, len(events))]...); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/event")
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := cons.Shutdown(sctx); err != nil {
		b.Fatal(err)
	}
}
