package snssqs_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// TestFIFOOrderOnFauxqs runs a consumer with eight workers on a FIFO queue
// of fauxqs, filled by direct SQS sends (fauxqs is faithful there; it
// reorders the last entry of a PublishBatch to a FIFO topic): each group's
// events are handled in order, one at a time, and a message left for a
// retry holds its group.
func TestFIFOOrderOnFauxqs(t *testing.T) {
	t.Parallel() // its own queue, like onEachServer's tests
	ctx := context.Background()
	p, _, sqsC := ledgerTopology(t, fauxqsServer(), true, 30, 10)

	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	groups := []string{"emp-1", "emp-2", "emp-3"}
	want := map[string][]string{}
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i := range 9 {
		for _, g := range groups {
			e, err := producer.New("elmo.leave.absence.approved.v1", []byte(fmt.Sprintf(`{"n":%d}`, i)))
			require.NoError(t, err)
			e.Subject, e.TenantID, e.PartitionKey = "ern:elmo:hr:acme:employee/"+g, "acme", g
			body, err := e.MarshalJSON()
			require.NoError(t, err)
			want[g] = append(want[g], e.ID)
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(len(entries))), MessageBody: aws.String(string(body)),
				MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String(e.ID)})
		}
	}
	for i := 0; i < len(entries); i += 10 {
		out, err := sqsC.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.QueueURLs["ledger"]), Entries: entries[i:min(i+10, len(entries))]})
		require.NoError(t, err)
		require.Empty(t, out.Failed)
	}

	r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{Concurrency: 8, Backoff: &transport.Backoff{Initial: time.Second, Max: time.Second}})
	require.NoError(t, err)
	var mu sync.Mutex
	got := map[string][]string{}
	running := map[string]int{}
	overlaps, failed := 0, false
	done := make(chan struct{})
	require.NoError(t, cons.HandleFunc("elmo.leave.absence.approved.v1", func(_ context.Context, d *transport.Delivery) error {
		g := d.Envelope.PartitionKey
		mu.Lock()
		if running[g]++; running[g] > 1 {
			overlaps++
		}
		mu.Unlock()
		for range 1000 {
			runtime.Gosched() // room for a later message of the group to overtake: it must not
		}
		mu.Lock()
		defer mu.Unlock()
		running[g]--
		if g == "emp-2" && d.Envelope.ID == want[g][3] && !failed {
			failed = true
			return errors.New("a passing outage")
		}
		got[g] = append(got[g], d.Envelope.ID)
		if n := len(got["emp-1"]) + len(got["emp-2"]) + len(got["emp-3"]); n == len(entries) {
			close(done)
		}
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("not every event was handled")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, overlaps)
	assert.Equal(t, want, got, "each group in order, the retried message included")
	assert.True(t, failed)
}
