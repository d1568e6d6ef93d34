package compare

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/transportbench"
)

// BenchmarkTransport compares publish -> handled throughput on one machine,
// in one run, with the same events, the same payload and the same handler
// work (transportbench.Work):
//
//   - ours: the memory transport through transport.Publisher and
//     transport.Consumer. Publishing validates and encodes each envelope;
//     consuming decodes and validates it, checks its mirrored attributes,
//     deduplicates it, tracks visibility, and acknowledges in batches.
//   - watermill: its gochannel pub/sub. Publishing encodes each envelope
//     (no validation); the handler goroutines decode it (no validation)
//     and ack. gochannel has no visibility timeout, redelivery delay or
//     dead-letter queue.
func BenchmarkTransport(b *testing.B) {
	for _, handlers := range []int{1, 8} {
		name := map[int]string{1: "handlers=1", 8: "handlers=8"}[handlers]
		b.Run("ours/"+name, func(b *testing.B) { transportbench.MemoryThroughput(b, handlers) })
		b.Run("watermill-gochannel/"+name, func(b *testing.B) { watermillThroughput(b, handlers) })
	}
}

func watermillThroughput(b *testing.B, handlers int) {
	events := transportbench.MustEvents(b, b.N)
	pubsub := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 64}, watermill.NopLogger{})
	defer pubsub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msgs, err := pubsub.Subscribe(ctx, "leave")
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range msgs {
				e, err := envelope.Decode(m.Payload)
				if err == nil {
					err = transportbench.Work(e.Data)
				}
				if err != nil {
					m.Nack()
					continue
				}
				m.Ack()
				if handled.Add(1) == int64(b.N) {
					close(done)
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	batch := make([]*message.Message, 0, transportbench.PublishBatch)
	for i := 0; i < len(events); i += transportbench.PublishBatch {
		batch = batch[:0]
		for _, e := range events[i:min(i+transportbench.PublishBatch, len(events))] {
			body, err := e.AppendJSON(nil)
			if err != nil {
				b.Fatal(err)
			}
			batch = append(batch, message.NewMessage(e.ID, body))
		}
		if err := pubsub.Publish("leave", batch...); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	cancel()
	wg.Wait()
}
