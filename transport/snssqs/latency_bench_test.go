package snssqs_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elmosoftware/eventprotocol/internal/transportbench"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
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
	// Publishing goroutines of one event each, as a service's requests:
	// as many as the raw loops have events in flight, for equal
	// concurrency (fewer callers cap ours below the raw loops' batches in
	// flight: 64 reach 64/72 of them).
	latencyCallers = rawPublishers * goawsBatch
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
	snsC, sqsC, err := snssqs.Connect(context.Background(), &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: latencyProxy(b, u.Host, latencyDelay),
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
			pub := e.publisher(b)
			for b.Loop() {
				b.StopTimer()
				events := transportbench.MustEvents(b, latencyEvents)
				b.StartTimer()
				if side == "ours" {
					publishSingles(b, pub, events, latencyCallers)
				} else {
					e.rawPublish(b, events, rawPublishers)
				}
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
			direct := &benchEnv{topic: e.topic, queue: e.queue}
			direct.snsC, direct.sqsC = clients(b) // fill the queue without the proxy
			fill := func() { direct.rawPublish(b, transportbench.MustEvents(b, latencyEvents), benchConcurrency) }
			consumeRate(b, latencyEvents, fill, func() time.Duration {
				if side == "ours" {
					return e.ourConsume(b, latencyEvents, nil) // default settings
				}
				return e.rawConsume(b, latencyEvents, rawPollers)
			})
		})
	}
}
