package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// dlqWorld is the sign-up topology provisioned on a GoAws of its own, with
// the eventctl flags that reach billing's dead letters.
type dlqWorld struct {
	server *snssqstest.Server
	args   []string
	d      *snssqs.Driver
	sqs    *sqs.Client
	topo   *topology.Topology
	bus    *transport.Bus
}

func newDLQWorld(t *testing.T) *dlqWorld {
	t.Helper()
	w := &dlqWorld{server: snssqstest.StartForTest(t)}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	ctx := context.Background()
	w.args = []string{"--topology", signupTopology, "--endpoint", w.server.Endpoint, "--region", snssqstest.Region, "--service", "billing"}
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: w.server.Endpoint})
	require.NoError(t, err)
	w.sqs = sqsC
	w.d, err = snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	w.topo, err = (awsFlags{topology: &signupTopology}).readTopology()
	require.NoError(t, err)
	w.bus, err = transport.Open(ctx, w.d, w.topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.bus.Teardown(context.Background()) })
	return w
}

// TestDLQOnGoAws: dead letters made by the consumer runtime are listed,
// shown whole, redriven and purged with eventctl dlq.
func TestDLQOnGoAws(t *testing.T) {
	ctx := context.Background()
	w := newDLQWorld(t)
	server, args, d, topo, bus := w.server, w.args, w.d, w.topo, w.bus

	// The billing service refuses two sign-ups: they are dead-lettered.
	cons, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{MaxAttempts: 1})
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc("elmo.identity.client.signed_up.v1", func(context.Context, *transport.Delivery) error {
		return transport.Permanent(errors.New("no billing account at /client"))
	}))
	require.NoError(t, cons.Start(ctx))
	producer := &envelope.Producer{Source: "urn:elmo:service:identity"}
	var ids []string
	for range 2 {
		e, err := producer.New("elmo.identity.client.signed_up.v1", []byte(`{}`))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
		require.NoError(t, bus.Publisher().Publish(ctx, &e))
		ids = append(ids, e.ID)
	}
	require.Eventually(t, func() bool {
		list, err := bus.DeadLetters(ctx, "billing", 10)
		return err == nil && len(list) == 2
	}, time.Minute, 100*time.Millisecond)
	require.NoError(t, cons.Shutdown(ctx))

	code, out, stderr := eventctl(t, "", append([]string{"dlq", "list"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "REASON")
	assert.Contains(t, out, "no billing account at /client")
	for _, id := range ids {
		assert.Contains(t, out, id, "the event ids are listed")
	}

	code, out, stderr = eventctl(t, "", append([]string{"dlq", "list", "--json"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	var list []struct {
		ID     string          `json:"id"`
		Reason string          `json:"reason"`
		Body   json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list, 2)

	code, out, stderr = eventctl(t, "", append([]string{"dlq", "show", list[0].ID}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, `"receiveCount": 1`)
	assert.Contains(t, out, `"specversion": "1.0"`, "the original event, as JSON")

	code, _, stderr = eventctl(t, "", append([]string{"dlq", "show", "no-such-id"}, args...)...)
	assert.Equal(t, exitInvalid, code, stderr)
	assert.Contains(t, stderr, "billing has no dead letter no-such-id among its first 100")
	assert.NotContains(t, stderr, "topic or subscription", "the id is unknown, not the queue")

	// A list cut by --max says there are more.
	code, out, stderr = eventctl(t, "", append([]string{"dlq", "list", "--max", "1"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 1, strings.Count(out, "no billing account"), "one dead letter shown")
	assert.Contains(t, stderr, "billing has more than 1 dead letter; --max shows more")
	_, _, stderr = eventctl(t, "", append([]string{"dlq", "list", "--max", "2"}, args...)...)
	assert.NotContains(t, stderr, "more than", "all shown")
	code, _, _ = eventctl(t, "", "dlq", "list", "--topology", signupTopology, "--endpoint", server.Endpoint, "--region", snssqstest.Region, "--service", "nobody")
	assert.Equal(t, exitInvalid, code, "an unknown service")

	code, out, stderr = eventctl(t, "", append([]string{"dlq", "redrive", list[0].ID}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "redriven "+list[0].ID+"\n", out)

	code, out, stderr = eventctl(t, "", append([]string{"dlq", "purge"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "purged 1 dead letter of billing\n", out)
	code, out, _ = eventctl(t, "", append([]string{"dlq", "list", "--json"}, args...)...)
	require.Equal(t, exitOK, code)
	assert.Equal(t, "[]", strings.TrimSpace(out))

	// The redriven event is back in the billing queue.
	recv, err := d.OpenReceiver(ctx, topo, "billing")
	require.NoError(t, err)
	msgs, err := recv.Receive(ctx, 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	back, err := envelope.Decode(msgs[0].Body)
	require.NoError(t, err)
	assert.Contains(t, ids, back.ID)
}

func TestDLQUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dlq"},
		{"dlq", "peek"},
		{"dlq", "list"},
		{"dlq", "list", "--topology", signupTopology},
		{"dlq", "show", "--topology", signupTopology, "--service", "billing"},
		{"dlq", "redrive", "--topology", signupTopology, "--service", "billing"},
		{"dlq", "redrive", "--topology", signupTopology, "--service", "billing", "--all", "x"},
		{"dlq", "list", "--topology", signupTopology, "--service", "billing", "--max", "0"},
	} {
		code, _, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v", args)
	}
	code, out, _ := eventctl(t, "", "dlq", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "redrive")
}

// TestDLQRedriveWithoutType: a dead letter that has no type attribute (sent
// to the queue by hand, dead-lettered by the consumer) is redriven to its
// service's queue like any other: nothing routes it by type.
func TestDLQRedriveWithoutType(t *testing.T) {
	ctx := context.Background()
	w := newDLQWorld(t)
	args, d, topo, bus, sqsC := w.args, w.d, w.topo, w.bus, w.sqs

	name, err := naming.AWSNames{Env: topo.Env}.Queue("billing", false)
	require.NoError(t, err)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	_, err = sqsC.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(`{"not":"an event"}`)})
	require.NoError(t, err)
	cons, err := bus.Consumer(ctx, "billing", nil)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc("elmo.identity.client.signed_up.v1", func(context.Context, *transport.Delivery) error { return nil }))
	require.NoError(t, cons.Start(ctx))
	var list []driver.DeadLetter
	require.Eventually(t, func() bool {
		list, err = bus.DeadLetters(ctx, "billing", 10)
		return err == nil && len(list) == 1
	}, time.Minute, 100*time.Millisecond)
	require.NoError(t, cons.Shutdown(ctx))
	assert.Empty(t, list[0].Attributes[driver.AttrType], "the dead letter has no type")

	code, out, stderr := eventctl(t, "", append([]string{"dlq", "redrive", list[0].ID}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "redriven "+list[0].ID+"\n", out)
	assert.NotContains(t, stderr, "outcome unknown")
	recv, err := d.OpenReceiver(ctx, topo, "billing")
	require.NoError(t, err)
	msgs, err := recv.Receive(ctx, 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1, "back in billing's queue")
	assert.JSONEq(t, `{"not":"an event"}`, string(msgs[0].Body))
}
