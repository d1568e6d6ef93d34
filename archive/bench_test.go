package archive_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// BenchmarkArchiveSQLite measures the archive's writes into SQLite:
// archive.Concurrency handlers at once, as its consumer's, each event a
// delivery of its own.
func BenchmarkArchiveSQLite(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.NewStore(ctx, b.TempDir()+"/archive.db", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	a, err := archive.New(store)
	if err != nil {
		b.Fatal(err)
	}
	deliveries := make([]*transport.Delivery, b.N)
	for i, e := range events(b, b.N, 1000) {
		raw, _ := e.MarshalJSON()
		deliveries[i] = &transport.Delivery{Envelope: e, Body: raw}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan *transport.Delivery)
	for range archive.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range next {
				if err := a.Handle(ctx, d); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, d := range deliveries {
		next <- d
	}
	close(next)
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkArchiveOnGoAws publishes b.N events that a plain consumer
// (payroll, which handles them doing nothing) and the archive (into
// SQLite) receive from one topic, drains each queue in turn, and reports
// each one's rate.
func BenchmarkArchiveOnGoAws(b *testing.B) {
	ctx := context.Background()
	srv := snssqstest.StartForTest(b)
	topo := world(envName())
	bus := awsBus(b, srv.Endpoint, snssqstest.Region, topo)
	store, err := sqlite.NewStore(ctx, b.TempDir()+"/archive.db", &eventstore.Config{PollInterval: 10 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	evs := make([]*envelope.Envelope, b.N)
	for i := range evs {
		e, _ := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typeHired, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
		e.Subject, e.TenantID = fmt.Sprintf("ern:elmo:hr:acme:employee/e-%d", i), "acme"
		evs[i] = &e
	}
	for i := 0; i < len(evs); i += 100 {
		if err := bus.Publisher().Publish(ctx, evs[i:min(i+100, len(evs))]...); err != nil {
			b.Fatal(err)
		}
	}
	// One after the other, each with GoAws to itself. The archive takes
	// more deliveries at once: it writes them in one transaction.
	cfg := &transport.ConsumerConfig{Concurrency: 64}
	b.ResetTimer()
	var consumerRate, archiveRate float64
	{ // the plain consumer
		var n sync.WaitGroup
		n.Add(b.N)
		c, _ := bus.Consumer(ctx, "payroll", cfg)
		_ = c.HandleFunc(typeHired, func(context.Context, *transport.Delivery) error { n.Done(); return nil })
		start := time.Now()
		_ = c.Start(ctx)
		n.Wait()
		consumerRate = float64(b.N) / time.Since(start).Seconds()
		_ = c.Shutdown(ctx)
	}
	{ // the archive
		a, _ := archive.New(store)
		c, _ := bus.Consumer(ctx, "archive", &transport.ConsumerConfig{Concurrency: archive.Concurrency})
		_ = a.Register(c)
		start := time.Now()
		_ = c.Start(ctx)
		for head, err := store.Head(ctx); err == nil && head < int64(b.N); head, err = store.Head(ctx) {
			_ = store.Wait(ctx, head)
		}
		archiveRate = float64(b.N) / time.Since(start).Seconds()
		_ = c.Shutdown(ctx)
	}
	b.ReportMetric(consumerRate, "consumer-events/s")
	b.ReportMetric(archiveRate, "archive-events/s")
	b.ReportMetric(archiveRate/consumerRate, "archive/consumer")
}

// BenchmarkReplayOnGoAws replays b.N archived events to payroll's queue,
// and sends the same bytes with raw SendMessageBatch calls of 9 (GoAws's
// batch) to another queue, and reports both rates.
func BenchmarkReplayOnGoAws(b *testing.B) {
	ctx := context.Background()
	srv := snssqstest.StartForTest(b)
	topo := world(envName())
	bus := awsBus(b, srv.Endpoint, snssqstest.Region, topo)
	store, err := sqlite.NewStore(ctx, b.TempDir()+"/archive.db", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	evs := events(b, b.N*2, 1000)
	var hires []*envelope.Envelope
	for _, e := range evs {
		if e.Type == typeHired {
			hires = append(hires, e)
		}
	}
	hires = hires[:b.N]
	for _, e := range hires {
		if _, err := store.Append(ctx, archive.Stream(e), eventstore.Any, e); err != nil {
			b.Fatal(err)
		}
	}
	_, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: srv.Endpoint, LocalServer: true})
	if err != nil {
		b.Fatal(err)
	}
	name, _ := naming.AWSNames{Env: topo.Env}.Queue("archive", false)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if _, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", BatchSize: 9}); err != nil {
		b.Fatal(err)
	}
	replayRate := float64(b.N) / time.Since(start).Seconds()
	start = time.Now()
	for rec, err := range store.ReadAll(ctx, 0) { // Replay reads the archive twice: select, then send
		if err != nil {
			b.Fatal(err)
		}
		_ = rec
	}
	var entries []sqstypes.SendMessageBatchRequestEntry
	for rec, err := range store.ReadAll(ctx, 0) {
		if err != nil {
			b.Fatal(err)
		}
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(len(entries))), MessageBody: aws.String(string(rec.Raw))})
		if len(entries) == 9 {
			if _, err := sqsC.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries}); err != nil {
				b.Fatal(err)
			}
			entries = entries[:0]
		}
	}
	if len(entries) > 0 {
		if _, err := sqsC.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries}); err != nil {
			b.Fatal(err)
		}
	}
	rawRate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(replayRate, "replay-events/s")
	b.ReportMetric(rawRate, "raw-events/s")
	b.ReportMetric(replayRate/rawRate, "replay/raw")
}
