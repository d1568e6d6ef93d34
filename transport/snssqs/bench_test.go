package snssqs_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The benchmarks move 10,000 events of a 1 KiB payload per iteration
// through one GoAws, side by side with the raw aws-sdk-go-v2 floor doing
// the least the same job needs. Run them with
//
//	go test -run '^$' -bench . -benchtime 1x -count 3 ./transport/snssqs/
const (
	benchEvents      = 10_000
	benchConcurrency = 4 // publishing goroutines; receiving goroutines (pollers)
	benchVisibility  = 2 // seconds
)

type benchEnv struct {
	snsC  *sns.Client
	sqsC  *sqs.Client
	topic string
	queue string
}

func newBenchEnv(b *testing.B) *benchEnv {
	snsC, sqsC := clients(b)
	topo := &topology.Topology{Env: newEnvName(), Domains: []topology.Domain{{Name: "leave"}},
		Services: []topology.Service{{Name: "bench", Consumes: []string{transportbench.EventType}, MaxReceiveCount: 1000,
			// Short: GoAws sometimes drops a connection after it has taken
			// messages for a receive, the SDK retries, and the taken
			// messages wait out their visibility timeout. This bounds the
			// stall to 2s, on either side.
			VisibilityTimeoutSeconds: benchVisibility}}}
	p := provision(b, snsC, sqsC, topo)
	return &benchEnv{snsC: snsC, sqsC: sqsC, topic: p.TopicARNs["leave"], queue: p.QueueURLs["bench"]}
}

// inParallel runs work(from, to) for the batches of goawsBatch events of
// n on the given number of goroutines.
func inParallel(b *testing.B, n, goroutines int, work func(from, to int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(goawsBatch)) - goawsBatch
				if from >= n {
					return
				}
				if err := work(from, min(from+goawsBatch, n)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// rawPublish is the floor: PublishBatch of pre-encoded bodies with the
// mirrored attributes, on the given number of goroutines.
func (e *benchEnv) rawPublish(b *testing.B, events []*envelope.Envelope, goroutines int) {
	bodies := make([]string, len(events))
	for i, ev := range events {
		body, err := ev.MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = string(body)
	}
	inParallel(b, len(events), goroutines, func(from, to int) error {
		entries := make([]snstypes.PublishBatchRequestEntry, 0, to-from)
		for i := from; i < to; i++ {
			attrs := map[string]snstypes.MessageAttributeValue{}
			for k, v := range transport.MirroredAttributes(events[i]) {
				attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
			}
			entries = append(entries, snstypes.PublishBatchRequestEntry{Id: aws.String(strconv.Itoa(i - from)), Message: aws.String(bodies[i]), MessageAttributes: attrs})
		}
		_, err := e.snsC.PublishBatch(context.Background(), &sns.PublishBatchInput{TopicArn: aws.String(e.topic), PublishBatchRequestEntries: entries})
		return err
	})
}

// publisher is a Publisher with default settings on the bench topic.
func (e *benchEnv) publisher(b *testing.B) *transport.Publisher {
	sender, err := snssqs.NewSender(e.snsC, map[string]string{"leave": e.topic}, &snssqs.SenderConfig{MaxBatch: goawsBatch})
	if err != nil {
		b.Fatal(err)
	}
	pub, err := transport.NewPublisher(sender, nil)
	if err != nil {
		b.Fatal(err)
	}
	return pub
}

func (e *benchEnv) ourPublish(b *testing.B, events []*envelope.Envelope) {
	pub := e.publisher(b)
	inParallel(b, len(events), benchConcurrency, func(from, to int) error { return pub.Publish(context.Background(), events[from:to]...) })
}

// publishSingles publishes the events one per call from the given number
// of goroutines, as a service publishing one event per request.
func publishSingles(b *testing.B, pub *transport.Publisher, events []*envelope.Envelope, goroutines int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(events); i = int(next.Add(1)) - 1 {
				if err := pub.Publish(context.Background(), events[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// drainQueue removes what a run left in the queue.
func (e *benchEnv) drainQueue() {
	for {
		out, err := e.sqsC.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queue), MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			return
		}
		var entries []sqstypes.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		_, _ = e.sqsC.DeleteMessageBatch(context.Background(), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(e.queue), Entries: entries})
	}
}

func BenchmarkPublish(b *testing.B) {
	for _, side := range []string{"raw-sdk", "ours"} {
		b.Run(side, func(b *testing.B) {
			e := newBenchEnv(b)
			for b.Loop() {
				b.StopTimer()
				events := transportbench.MustEvents(b, benchEvents)
				b.StartTimer()
				if side == "ours" {
					e.ourPublish(b, events)
				} else {
					e.rawPublish(b, events, benchConcurrency)
				}
				b.StopTimer()
				e.drainQueue()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// singlePublishers is how many goroutines publish one event per call in
// BenchmarkPublishSingles, as a service publishing one event per request.
const singlePublishers = 64

// BenchmarkPublishSingles publishes the same events as BenchmarkPublish/ours
// twice in one run: pre-batched (benchConcurrency goroutines of batches of
// goawsBatch), and as single events from 64 goroutines, which the
// Publisher coalesces into shared batches. Compare the events/s.
func BenchmarkPublishSingles(b *testing.B) {
	for _, side := range []string{"pre-batched", "singles"} {
		b.Run(side, func(b *testing.B) {
			e := newBenchEnv(b)
			pub := e.publisher(b)
			for b.Loop() {
				b.StopTimer()
				events := transportbench.MustEvents(b, benchEvents)
				b.StartTimer()
				if side == "pre-batched" {
					inParallel(b, len(events), benchConcurrency, func(from, to int) error { return pub.Publish(context.Background(), events[from:to]...) })
				} else {
					publishSingles(b, pub, events, singlePublishers)
				}
				b.StopTimer()
				e.drainQueue()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// The consume benchmarks measure the time until the n-th event is handled
// and its message deleted, and report events/s from it. What follows is a
// tail that does not grow with the events, and differs between the sides:
// the raw pollers' last long polls, and the consumer's Shutdown, which
// waits for its cancelled long polls so that it can release what they
// bring (see Receiver.Close).

// rawConsume is the floor: goroutines of ReceiveMessage(10) and
// DeleteMessageBatch until n messages are deleted. It returns the time
// until then.
func (e *benchEnv) rawConsume(b *testing.B, n, goroutines int) time.Duration {
	start := time.Now()
	var done atomic.Int64
	var took atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Load() < int64(n) {
				out, err := e.sqsC.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil {
					b.Error(err)
					return
				}
				if len(out.Messages) == 0 {
					continue
				}
				entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if _, err := e.sqsC.DeleteMessageBatch(context.Background(), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(e.queue), Entries: entries}); err != nil {
					b.Error(err)
					return
				}
				if done.Add(int64(len(out.Messages))) >= int64(n) {
					took.CompareAndSwap(0, int64(time.Since(start)))
				}
			}
		}()
	}
	wg.Wait()
	return time.Duration(took.Load())
}

// ackCounter is the bench receiver: it records when the n-th message was
// acknowledged.
type ackCounter struct {
	*snssqs.Receiver
	n, acked atomic.Int64
	start    time.Time
	took     atomic.Int64
}

func (a *ackCounter) Ack(ctx context.Context, handles []string) error {
	err := a.Receiver.Ack(ctx, handles)
	if err == nil && a.acked.Add(int64(len(handles))) >= a.n.Load() {
		a.took.CompareAndSwap(0, int64(time.Since(a.start)))
	}
	return err
}

// ourConsume runs the consumer runtime with cfg until n events are
// handled and acknowledged, then shuts it down. It returns the time until
// the n-th acknowledgement.
func (e *benchEnv) ourConsume(b *testing.B, n int, cfg *transport.ConsumerConfig) time.Duration {
	r, err := snssqs.NewReceiver(e.sqsC, e.queue, &snssqs.ReceiverConfig{WaitTime: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	counted := &ackCounter{Receiver: r, start: time.Now()}
	counted.n.Store(int64(n))
	cons, err := transport.NewConsumer(counted, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := cons.HandleFunc(transportbench.EventType, func(context.Context, *transport.Delivery) error { return nil }); err != nil {
		b.Fatal(err)
	}
	if err := cons.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	// Poll with a deadline: the acknowledgements are the consumer's own.
	deadline := time.Now().Add(time.Minute)
	for counted.took.Load() == 0 {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d events acknowledged after a minute", counted.acked.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cons.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
	return time.Duration(counted.took.Load())
}

// consumeRate runs consume once per iteration after fill has filled the
// queue, and reports events/s over the times consume returns.
func consumeRate(b *testing.B, n int, fill func(), consume func() time.Duration) {
	var busy time.Duration
	for b.Loop() {
		b.StopTimer()
		fill()
		b.StartTimer()
		busy += consume()
	}
	b.ReportMetric(float64(n*b.N)/busy.Seconds(), "events/s")
}

func BenchmarkConsume(b *testing.B) {
	for _, side := range []string{"raw-sdk", "ours"} {
		b.Run(side, func(b *testing.B) {
			e := newBenchEnv(b)
			fill := func() { e.rawPublish(b, transportbench.MustEvents(b, benchEvents), benchConcurrency) }
			consumeRate(b, benchEvents, fill, func() time.Duration {
				if side == "ours" {
					return e.ourConsume(b, benchEvents, &transport.ConsumerConfig{Pollers: benchConcurrency, Concurrency: 16, Idempotency: transport.NoIdempotency{}})
				}
				return e.rawConsume(b, benchEvents, benchConcurrency)
			})
		})
	}
}
