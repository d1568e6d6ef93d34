package snssqs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

const (
	typeSignedUp    = "elmo.identity.client.signed_up.v1"
	typeClosed      = "elmo.identity.client.closed.v1"
	typeProvisioned = "elmo.platform.tenant.provisioned.v1"
)

func signupTopology(env string) *snssqs.Topology {
	return &snssqs.Topology{
		Env:     env,
		Domains: []snssqs.Domain{{Name: "identity"}, {Name: "platform"}},
		Services: []snssqs.Service{
			{Name: "billing", Consumes: []string{typeSignedUp}, MaxReceiveCount: 4, VisibilityTimeoutSeconds: 5},
			{Name: "provisioning", Consumes: []string{typeSignedUp, typeClosed}},
			{Name: "audit", Consumes: []string{"elmo.identity.*", typeProvisioned}},
		},
	}
}

func TestTopologyValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*snssqs.Topology)
		want string
	}{
		{"bad env", func(t *snssqs.Topology) { t.Env = "Dev" }, "env"},
		{"unknown domain", func(t *snssqs.Topology) { t.Services[0].Consumes = []string{"elmo.payroll.pay_run.completed.v1"} }, `domain "payroll" has no topic`},
		{"bad type", func(t *snssqs.Topology) { t.Services[0].Consumes = []string{"elmo.identity.client.signed-up.v1"} }, "snake_case"},
		{"bad wildcard", func(t *snssqs.Topology) { t.Services[0].Consumes = []string{"elmo.*"} }, "wildcard"},
		{"nothing consumed", func(t *snssqs.Topology) { t.Services[0].Consumes = nil }, "consumes nothing"},
		{"duplicate service", func(t *snssqs.Topology) { t.Services[1].Name = "billing" }, "listed twice"},
		{"mixed FIFO", func(t *snssqs.Topology) { t.Domains[1].FIFO = true }, "FIFO and standard"},
		{"bad service name", func(t *snssqs.Topology) { t.Services[0].Name = "Billing" }, "service name"},
		{"bad receive count", func(t *snssqs.Topology) { t.Services[0].MaxReceiveCount = -1 }, "maxReceiveCount"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topo := signupTopology("dev")
			tc.edit(topo)
			err := topo.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	require.NoError(t, signupTopology("dev").Validate())
	_, err := snssqs.ReadTopology(strings.NewReader(`{"env":"dev","domains":[],"services":[],"extra":1}`))
	assert.ErrorContains(t, err, "unknown field")
}

func TestPlan(t *testing.T) {
	steps, err := signupTopology("dev").Plan()
	require.NoError(t, err)
	var lines []string
	for _, s := range steps {
		lines = append(lines, s.String())
	}
	assert.Equal(t, []string{
		"create-topic dev-elmo-identity-events",
		"create-topic dev-elmo-platform-events",
		"create-queue dev-elmo-billing-dlq (dead-letter queue)",
		"create-queue dev-elmo-billing (visibility 5s, maxReceiveCount 4 to dev-elmo-billing-dlq)",
		"set-queue-policy dev-elmo-billing (allow sns:SendMessage from dev-elmo-identity-events)",
		"subscribe dev-elmo-billing (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1)",
		"create-queue dev-elmo-provisioning-dlq (dead-letter queue)",
		"create-queue dev-elmo-provisioning (visibility 30s, maxReceiveCount 10 to dev-elmo-provisioning-dlq)",
		"set-queue-policy dev-elmo-provisioning (allow sns:SendMessage from dev-elmo-identity-events)",
		"subscribe dev-elmo-provisioning (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1, elmo.identity.client.closed.v1)",
		"create-queue dev-elmo-audit-dlq (dead-letter queue)",
		"create-queue dev-elmo-audit (visibility 30s, maxReceiveCount 10 to dev-elmo-audit-dlq)",
		"set-queue-policy dev-elmo-audit (allow sns:SendMessage from dev-elmo-identity-events, dev-elmo-platform-events)",
		"subscribe dev-elmo-audit (to dev-elmo-identity-events, raw delivery, every type)",
		"subscribe dev-elmo-audit (to dev-elmo-platform-events, raw delivery, type in elmo.platform.tenant.provisioned.v1)",
	}, lines)
}

// Provisioning end to end on GoAws: idempotent, subscriptions filtered,
// events flow to the right services, teardown removes it all.
func TestProvisionEndToEnd(t *testing.T) { onEachServer(t, testProvisionEndToEnd) }

func testProvisionEndToEnd(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	c := snssqs.Clients{SNS: snsC, SQS: sqsC}
	topo := signupTopology(newEnvName())
	p, err := snssqs.Provision(ctx, c, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	require.NoError(t, err)
	again, err := snssqs.Provision(ctx, c, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	require.NoError(t, err)
	assert.Equal(t, p, again, "a second run finds the same resources")

	subs, err := snsC.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(p.TopicARNs["identity"])})
	require.NoError(t, err)
	assert.Len(t, subs.Subscriptions, 3, "no duplicate subscriptions after a second run")
	for _, s := range subs.Subscriptions {
		attrs, err := snsC.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: s.SubscriptionArn})
		require.NoError(t, err)
		assert.Equal(t, "true", attrs.Attributes["RawMessageDelivery"], aws.ToString(s.Endpoint))
	}
	qa, err := sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(p.QueueURLs["billing"]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	require.NoError(t, err)
	assert.Equal(t, "5", qa.Attributes["VisibilityTimeout"])
	var redrive struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	require.NoError(t, json.Unmarshal([]byte(qa.Attributes["RedrivePolicy"]), &redrive))
	assert.True(t, strings.HasSuffix(redrive.DeadLetterTargetArn, ":"+topo.Env+"-elmo-billing-dlq"), redrive.DeadLetterTargetArn)

	// Events reach the services whose filters take them.
	sender, err := snssqs.NewSender(snssqs.SenderConfig{SNS: snsC, MaxBatch: srv.batch, TopicARN: func(d string) (string, error) { return p.TopicARNs[d], nil }})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, nil)
	require.NoError(t, err)
	var mu sync.Mutex
	got := map[string][]string{}
	for _, svc := range []string{"billing", "provisioning", "audit"} {
		r, err := snssqs.NewReceiver(snssqs.ReceiverConfig{SQS: sqsC, QueueURL: p.QueueURLs[svc], WaitTime: time.Second})
		require.NoError(t, err)
		cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{Name: svc}) // the queue's visibility timeout
		require.NoError(t, err)
		for _, typ := range []string{typeSignedUp, typeClosed, typeProvisioned} {
			require.NoError(t, cons.HandleFunc(typ, func(_ context.Context, d *transport.Delivery) error {
				mu.Lock()
				defer mu.Unlock()
				got[svc] = append(got[svc], d.Envelope.Type)
				return nil
			}))
		}
		require.NoError(t, cons.Start(ctx))
		t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	}
	producer := &envelope.Producer{Source: "urn:elmo:service:identity"}
	var events []*envelope.Envelope
	for _, typ := range []string{typeSignedUp, typeClosed, typeProvisioned} {
		e, err := producer.New(typ, []byte(`{}`))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
		events = append(events, &e)
	}
	require.NoError(t, pub.Publish(ctx, events...))
	want := map[string][]string{
		"billing":      {typeSignedUp},
		"provisioning": {typeSignedUp, typeClosed},
		"audit":        {typeSignedUp, typeClosed, typeProvisioned},
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["billing"]) == 1 && len(got["provisioning"]) == 2 && len(got["audit"]) == 3
	}, 30*time.Second, 50*time.Millisecond)
	mu.Lock()
	for svc, types := range want {
		assert.ElementsMatch(t, types, got[svc], svc)
	}
	mu.Unlock()

	require.NoError(t, snssqs.Teardown(ctx, c, topo))
	for _, svc := range []string{"billing", "provisioning", "audit"} {
		_, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(topo.Env + "-elmo-" + svc)})
		assert.Error(t, err, "queue of %s removed", svc)
	}
}

// Provisioning again brings a subscription's filter to the topology: here
// from one type to every type of the domain.
func TestProvisionConvergesFilters(t *testing.T) { onEachServer(t, testProvisionConvergesFilters) }

func testProvisionConvergesFilters(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	c := snssqs.Clients{SNS: snsC, SQS: sqsC}
	topo := &snssqs.Topology{Env: newEnvName(), Domains: []snssqs.Domain{{Name: "identity"}},
		Services: []snssqs.Service{{Name: "audit", Consumes: []string{typeSignedUp}}}}
	_, err := snssqs.Provision(ctx, c, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	require.NoError(t, err)
	t.Cleanup(func() { _ = snssqs.Teardown(context.Background(), c, topo) })
	topo.Services[0].Consumes = []string{"elmo.identity.*"}
	p, err := snssqs.Provision(ctx, c, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	require.NoError(t, err)

	sender, err := snssqs.NewSender(snssqs.SenderConfig{SNS: snsC, MaxBatch: srv.batch, TopicARN: func(d string) (string, error) { return p.TopicARNs[d], nil }})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, nil)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:identity"}).New(typeClosed, []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	require.NoError(t, pub.Publish(ctx, &e))
	r, err := snssqs.NewReceiver(snssqs.ReceiverConfig{SQS: sqsC, QueueURL: p.QueueURLs["audit"], WaitTime: time.Second})
	require.NoError(t, err)
	var got []string
	require.Eventually(t, func() bool {
		msgs, err := r.Receive(ctx, 10)
		require.NoError(t, err)
		for _, m := range msgs {
			got = append(got, m.Attributes["type"])
		}
		return len(got) > 0
	}, 15*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{typeClosed}, got, "the type filter was removed")
}

// failingAttributes is the GoAws SQS client with GetQueueAttributes failing.
type failingAttributes struct{ snssqs.SQSAdmin }

func (failingAttributes) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return nil, errors.New("connection reset by peer")
}

// TestTeardownReportsWhatItCouldNotDo: a queue whose subscriptions cannot
// be looked up is kept (no subscription left pointing at a deleted queue)
// and the error reported; removing what is gone already is no error.
func TestTeardownReportsWhatItCouldNotDo(t *testing.T) {
	onEachServer(t, testTeardownReportsWhatItCouldNotDo)
}

func testTeardownReportsWhatItCouldNotDo(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	topo := ledgerSpec(false, 0, 0)
	p, err := snssqs.Provision(ctx, snssqs.Clients{SNS: snsC, SQS: sqsC}, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	require.NoError(t, err)

	err = snssqs.Teardown(ctx, snssqs.Clients{SNS: snsC, SQS: failingAttributes{sqsC}}, topo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kept")
	_, err = sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(p.QueueURLs["ledger"])})
	require.NoError(t, err, "the queue is still there")

	require.NoError(t, snssqs.Teardown(ctx, snssqs.Clients{SNS: snsC, SQS: sqsC}, topo))
	require.NoError(t, snssqs.Teardown(ctx, snssqs.Clients{SNS: snsC, SQS: sqsC}, topo), "gone already")
}
