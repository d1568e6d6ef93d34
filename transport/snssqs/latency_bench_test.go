package snssqs_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/internal/goaws"
	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// The latency benchmarks run through a loopback proxy that holds every
// request for latencyDelay, about a round trip inside an AWS region, so
// that throughput depends on how many requests are in flight, as it does
// against AWS. Run them with
//
//	go test -run '^$' -bench Latency -benchtime 1x -count 5 ./transport/snssqs/
const (
	latencyDelay  = 10 * time.Millisecond
	latencyEvents = 3000
	// The raw loops get the concurrency ours has by default: the
	// Publisher's batches in flight per topic, the consumer's pollers.
	rawPublishers = 8
	rawPollers    = 8
	// Publishing goroutines of one event each, as a service's requests.
	latencyCallers = 64
)

// latencyProxy forwards TCP connections to target and holds every chunk a
// client sends for delay.
func latencyProxy(b testing.TB, target string, delay time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
			go func() {
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						time.Sleep(delay) // the simulated network
						if _, werr := up.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						up.Close()
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func latencyEnv(b *testing.B) *benchEnv {
	e := newBenchEnv(b)
	u, err := url.Parse(server.Endpoint)
	if err != nil {
		b.Fatal(err)
	}
	snsC, sqsC, err := snssqs.Connect(context.Background(), snssqs.ConnectConfig{Region: goaws.Region, Endpoint: latencyProxy(b, u.Host, latencyDelay),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		b.Fatal(err)
	}
	e.snsC, e.sqsC = snsC, sqsC
	return e
}

func BenchmarkLatencyPublish(b *testing.B) {
	for _, side := range []string{"raw-sdk", "ours"} {
		b.Run(side, func(b *testing.B) {
			e := latencyEnv(b)
			sender, err := snssqs.NewSender(snssqs.SenderConfig{SNS: e.snsC, MaxBatch: goawsBatch, TopicARN: func(string) (string, error) { return e.topic, nil }})
			if err != nil {
				b.Fatal(err)
			}
			pub, err := transport.NewPublisher(sender, nil) // default settings
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				events := transportbench.MustEvents(b, latencyEvents)
				bodies := make([]string, len(events))
				for i, ev := range events {
					body, err := ev.MarshalJSON()
					if err != nil {
						b.Fatal(err)
					}
					bodies[i] = string(body)
				}
				b.StartTimer()
				var next atomic.Int64
				var wg sync.WaitGroup
				if side == "ours" {
					for range latencyCallers {
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
				} else {
					for range rawPublishers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for from := int(next.Add(goawsBatch)) - goawsBatch; from < len(events); from = int(next.Add(goawsBatch)) - goawsBatch {
								var entries []snstypes.PublishBatchRequestEntry
								for i := from; i < min(from+goawsBatch, len(events)); i++ {
									attrs := map[string]snstypes.MessageAttributeValue{}
									for k, v := range transport.MirroredAttributes(events[i]) {
										attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
									}
									entries = append(entries, snstypes.PublishBatchRequestEntry{Id: aws.String(strconv.Itoa(i - from)), Message: aws.String(bodies[i]), MessageAttributes: attrs})
								}
								if _, err := e.snsC.PublishBatch(context.Background(), &sns.PublishBatchInput{TopicArn: aws.String(e.topic), PublishBatchRequestEntries: entries}); err != nil {
									b.Error(err)
									return
								}
							}
						}()
					}
				}
				wg.Wait()
				b.StopTimer()
				e.drainQueue()
				b.StartTimer()
			}
			b.ReportMetric(float64(latencyEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkLatencyConsume(b *testing.B) {
	for _, side := range []string{"raw-sdk", "ours"} {
		b.Run(side, func(b *testing.B) {
			e := latencyEnv(b)
			direct := &benchEnv{snsC: nil, sqsC: nil, topic: e.topic, queue: e.queue}
			direct.snsC, direct.sqsC = clients(b) // fill the queue without the proxy
			for b.Loop() {
				b.StopTimer()
				direct.rawPublish(b, transportbench.MustEvents(b, latencyEvents))
				b.StartTimer()
				if side == "ours" {
					latencyOurConsume(b, e, latencyEvents)
				} else {
					latencyRawConsume(b, e, latencyEvents)
				}
			}
			b.ReportMetric(float64(latencyEvents*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// latencyOurConsume runs a consumer at its default settings until n events
// are handled and acknowledged.
func latencyOurConsume(b *testing.B, e *benchEnv, n int) {
	r, err := snssqs.NewReceiver(snssqs.ReceiverConfig{SQS: e.sqsC, QueueURL: e.queue, WaitTime: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	cons, err := transport.NewConsumer(r, nil)
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	all := make(chan struct{})
	if err := cons.HandleFunc(transportbench.EventType, func(context.Context, *transport.Delivery) error {
		if handled.Add(1) == int64(n) {
			close(all)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if err := cons.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	<-all
	if err := cons.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// latencyRawConsume is the floor with the consumer's default concurrency:
// rawPollers goroutines of ReceiveMessage(10) and DeleteMessageBatch.
func latencyRawConsume(b *testing.B, e *benchEnv, n int) {
	var done atomic.Int64
	var wg sync.WaitGroup
	for range rawPollers {
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
				done.Add(int64(len(out.Messages)))
			}
		}()
	}
	wg.Wait()
}
