package snssqs_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/tcpproxy"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// Cut the connection to GoAws for a few seconds while 5,000 events flow:
// publishing reports errors (or retries through them), consumers keep
// polling and recover, and every event published without error is handled.
func TestConnectionCutLosesNothing(t *testing.T) { onEachServer(t, testConnectionCutLosesNothing) }

func testConnectionCutLosesNothing(t *testing.T, srv testServer) {
	const total = 5000
	ctx := context.Background()
	p, _, _ := ledgerTopology(t, srv, false, 5, 1000)

	u, err := url.Parse(srv.endpoint)
	require.NoError(t, err)
	px := tcpproxy.StartForTest(t, u.Host)
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: "http://" + px.Addr(),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	require.NoError(t, err)

	sender, err := snssqs.NewSender(snsC, map[string]string{"leave": p.TopicARNs["leave"]}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, &transport.PublisherConfig{MaxAttempts: 2, Backoff: &transport.Backoff{Initial: 100 * time.Millisecond, Max: 200 * time.Millisecond}})
	require.NoError(t, err)

	var handled sync.Map
	var handledCount atomic.Int64
	for i := range 2 {
		r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{DeadLetterQueueURL: p.DLQURLs["ledger"], WaitTime: time.Second})
		require.NoError(t, err)
		cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{Name: fmt.Sprint("ledger-", i), Pollers: 2, Concurrency: 8, VisibilityTimeout: 5 * time.Second})
		require.NoError(t, err)
		require.NoError(t, cons.HandleFunc("elmo.leave.absence.approved.v1", func(_ context.Context, d *transport.Delivery) error {
			if _, dup := handled.LoadOrStore(d.Envelope.ID, true); !dup {
				handledCount.Add(1)
			}
			return nil
		}))
		require.NoError(t, cons.Start(ctx))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = cons.Shutdown(sctx)
		})
	}

	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	var published []string
	var failedBatches int
	start := time.Now()
	cutAt, restoreAt := start.Add(time.Second), start.Add(4*time.Second)
	for i := 0; i < total; i += srv.batch {
		switch now := time.Now(); {
		case now.After(cutAt) && now.Before(restoreAt) && !px.IsCut():
			px.Cut()
		case now.After(restoreAt) && px.IsCut():
			px.Restore()
		}
		var batch []*envelope.Envelope
		for j := i; j < min(i+srv.batch, total); j++ {
			e, err := producer.New("elmo.leave.absence.approved.v1", []byte(fmt.Sprintf(`{"n":%d}`, j)))
			require.NoError(t, err)
			e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
			batch = append(batch, &e)
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := pub.Publish(pctx, batch...)
		cancel()
		var perr *transport.PublishError
		switch {
		case err == nil:
			for _, e := range batch {
				published = append(published, e.ID)
			}
		case errors.As(err, &perr):
			failedBatches++
			failed := map[string]bool{}
			for _, f := range perr.Failed {
				failed[f.ID] = true
			}
			for _, e := range batch {
				if !failed[e.ID] {
					published = append(published, e.ID)
				}
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		// Spread the 5,000 events over about six seconds so the cut
		// falls in the middle of the flow.
		if wait := time.Until(start.Add(time.Duration(i+srv.batch) * 6 * time.Second / total)); wait > 0 {
			time.Sleep(wait)
		}
	}
	px.Restore()
	t.Logf("published %d of %d without error; %d batches failed during the cut", len(published), total, failedBatches)
	require.Positive(t, failedBatches, "the cut happened while events were published")
	require.Greater(t, len(published), total/2)

	require.Eventually(t, func() bool { return handledCount.Load() >= int64(len(published)) }, 90*time.Second, 100*time.Millisecond,
		"handled %d of %d published", handledCount.Load(), len(published))
	var lost []string
	for _, id := range published {
		if _, ok := handled.Load(id); !ok {
			lost = append(lost, id)
		}
	}
	assert.Empty(t, lost, "events published without error but never handled")
}

// TestLostRepliesAreOutcomeUnknown publishes while every reply is lost:
// each event is reported as outcome unknown, never as refused, and each
// was in fact delivered. A refused publish (an unknown topic) is reported
// as refused.
func TestLostRepliesAreOutcomeUnknown(t *testing.T) {
	onEachServer(t, testLostRepliesAreOutcomeUnknown)
}

func testLostRepliesAreOutcomeUnknown(t *testing.T, srv testServer) {
	ctx := context.Background()
	p, snsDirect, sqsDirect := ledgerTopology(t, srv, false, 30, 0)

	u, err := url.Parse(srv.endpoint)
	require.NoError(t, err)
	px := tcpproxy.StartForTest(t, u.Host)
	px.DropReplies(true)
	snsC, _, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: "http://" + px.Addr(),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	require.NoError(t, err)
	sender, err := snssqs.NewSender(snsC, map[string]string{"leave": p.TopicARNs["leave"]}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, &transport.PublisherConfig{MaxAttempts: 1})
	require.NoError(t, err)

	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	var events []*envelope.Envelope
	for i := range 10 {
		e, err := producer.New("elmo.leave.absence.approved.v1", []byte(fmt.Sprintf(`{"n":%d}`, i)))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		events = append(events, &e)
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = pub.Publish(pctx, events...)
	cancel()
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, len(events))
	for _, f := range perr.Failed {
		assert.True(t, f.Unknown, "a lost reply is no refusal: %v", f.Err)
	}

	r, err := snssqs.NewReceiver(sqsDirect, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	cons, err := transport.NewConsumer(r, nil)
	require.NoError(t, err)
	var handled sync.Map
	require.NoError(t, cons.HandleFunc("elmo.leave.absence.approved.v1", func(_ context.Context, d *transport.Delivery) error {
		handled.Store(d.Envelope.ID, true)
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	require.Eventually(t, func() bool {
		for _, e := range events {
			if _, ok := handled.Load(e.ID); !ok {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "every event of unknown outcome was delivered")

	// A request the service refuses is reported as refused.
	refusing, err := snssqs.NewSender(snsDirect, map[string]string{"leave": p.TopicARNs["leave"] + "-missing"}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	pub, err = transport.NewPublisher(refusing, &transport.PublisherConfig{MaxAttempts: 1})
	require.NoError(t, err)
	err = pub.Publish(ctx, events[0])
	require.ErrorAs(t, err, &perr)
	assert.False(t, perr.Failed[0].Unknown, "refused by the service: %v", perr.Failed[0].Err)
	assert.NotErrorIs(t, err, transport.ErrOutcomeUnknown)
}

// A consumer killed mid-handling (its context cancelled, no ack) has its
// message redelivered to another consumer.
func TestKilledConsumerMessageRedelivered(t *testing.T) {
	onEachServer(t, testKilledConsumerMessageRedelivered)
}

func testKilledConsumerMessageRedelivered(t *testing.T, srv testServer) {
	ctx := context.Background()
	p, snsC, sqsC := ledgerTopology(t, srv, false, 30, 0)
	consumer := func(h transport.HandlerFunc) (*transport.Consumer, context.CancelFunc) {
		r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: time.Second})
		require.NoError(t, err)
		cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{VisibilityTimeout: 30 * time.Second})
		require.NoError(t, err)
		require.NoError(t, cons.HandleFunc("elmo.leave.absence.approved.v1", h))
		cctx, cancel := context.WithCancel(ctx)
		require.NoError(t, cons.Start(cctx))
		t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
		return cons, cancel
	}
	started := make(chan string, 1)
	_, kill := consumer(func(hctx context.Context, d *transport.Delivery) error {
		started <- d.Envelope.ID
		<-hctx.Done()
		return hctx.Err()
	})
	sender, err := snssqs.NewSender(snsC, map[string]string{"leave": p.TopicARNs["leave"]}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, nil)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New("elmo.leave.absence.approved.v1", []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	require.NoError(t, pub.Publish(ctx, &e))

	select {
	case id := <-started:
		require.Equal(t, e.ID, id)
	case <-time.After(30 * time.Second):
		t.Fatal("the first consumer never got the message")
	}
	kill()
	again := make(chan string, 1)
	consumer(func(_ context.Context, d *transport.Delivery) error {
		again <- d.Envelope.ID
		return nil
	})
	select {
	case id := <-again:
		assert.Equal(t, e.ID, id)
	case <-time.After(20 * time.Second): // well inside the 30s visibility timeout
		t.Fatal("the message of the killed consumer was not redelivered")
	}
}
