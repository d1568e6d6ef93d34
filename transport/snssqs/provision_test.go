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
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const (
	typeSignedUp    = "elmo.identity.client.signed_up.v1"
	typeClosed      = "elmo.identity.client.closed.v1"
	typeProvisioned = "elmo.platform.tenant.provisioned.v1"
)

func signupTopology(env string) *topology.Topology {
	return &topology.Topology{
		Env:     env,
		Domains: []topology.Domain{{Name: "identity"}, {Name: "platform"}},
		Services: []topology.Service{
			{Name: "billing", Consumes: []string{typeSignedUp}, MaxReceiveCount: 4, VisibilityTimeoutSeconds: 5},
			{Name: "provisioning", Consumes: []string{typeSignedUp, typeClosed}},
			{Name: "audit", Consumes: []string{"elmo.identity.*", typeProvisioned}},
		},
	}
}

// awsDriver is a Driver of clients for AWS itself, which it never calls.
func awsDriver(t *testing.T) *snssqs.Driver {
	t.Helper()
	snsC, sqsC, err := snssqs.NewClients(aws.Config{Region: "ap-southeast-2"}, "")
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, nil)
	require.NoError(t, err)
	return d
}

func TestPlan(t *testing.T) {
	steps, err := awsDriver(t).Plan(signupTopology("dev"))
	require.NoError(t, err)
	var lines []string
	for _, s := range steps {
		lines = append(lines, s.String())
	}
	assert.Equal(t, []string{
		"create-topic dev-elmo-identity-events",
		"create-topic dev-elmo-platform-events",
		"create-queue dev-elmo-billing-dlq (dead-letter queue, retention 14d)",
		"create-queue dev-elmo-billing (visibility 5s, maxReceiveCount 4 to dev-elmo-billing-dlq)",
		"set-queue-policy dev-elmo-billing (allow sns:SendMessage from dev-elmo-identity-events)",
		"subscribe dev-elmo-billing (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1)",
		"create-queue dev-elmo-provisioning-dlq (dead-letter queue, retention 14d)",
		"create-queue dev-elmo-provisioning (visibility 30s, maxReceiveCount 10 to dev-elmo-provisioning-dlq)",
		"set-queue-policy dev-elmo-provisioning (allow sns:SendMessage from dev-elmo-identity-events)",
		"subscribe dev-elmo-provisioning (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1, elmo.identity.client.closed.v1)",
		"create-queue dev-elmo-audit-dlq (dead-letter queue, retention 14d)",
		"create-queue dev-elmo-audit (visibility 30s, maxReceiveCount 10 to dev-elmo-audit-dlq)",
		"set-queue-policy dev-elmo-audit (allow sns:SendMessage from dev-elmo-identity-events, dev-elmo-platform-events)",
		"subscribe dev-elmo-audit (to dev-elmo-identity-events, raw delivery, every type)",
		"subscribe dev-elmo-audit (to dev-elmo-platform-events, raw delivery, type in elmo.platform.tenant.provisioned.v1)",
	}, lines)
}

// TestPlanSettings: encryption, retention and tags appear in the plan.
func TestPlanSettings(t *testing.T) {
	topo := signupTopology("dev")
	topo.Tags = map[string]string{"team": "identity"}
	topo.Domains[0].Encryption = &topology.Encryption{}
	topo.Services[0].Encryption = &topology.Encryption{KMSKeyID: "alias/billing"}
	topo.Services[0].RetentionSeconds = 86400
	topo.Services[0].Tags = map[string]string{"cost": "billing", "team": "finance"}
	topo.Services[1].Encryption = &topology.Encryption{}
	steps, err := awsDriver(t).Plan(topo)
	require.NoError(t, err)
	var lines []string
	for _, s := range steps[:6] {
		lines = append(lines, s.String())
	}
	assert.Equal(t, []string{
		"create-topic dev-elmo-identity-events (encrypted with KMS key alias/aws/sns, tags team=identity)",
		"create-topic dev-elmo-platform-events (tags team=identity)",
		"create-queue dev-elmo-billing-dlq (dead-letter queue, retention 14d, encrypted with KMS key alias/billing, tags cost=billing,team=finance)",
		"create-queue dev-elmo-billing (visibility 5s, maxReceiveCount 4 to dev-elmo-billing-dlq, retention 86400s, encrypted with KMS key alias/billing, tags cost=billing,team=finance)",
		"set-queue-policy dev-elmo-billing (allow sns:SendMessage from dev-elmo-identity-events)",
		"subscribe dev-elmo-billing (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1)",
	}, lines)
	assert.Contains(t, steps[7].String(), "encrypted with SQS-managed keys, tags team=identity")
}

// Provisioning end to end on GoAws: idempotent, subscriptions filtered,
// events flow to the right services, teardown removes it all.
func TestProvisionEndToEnd(t *testing.T) { onEachServer(t, testProvisionEndToEnd) }

func testProvisionEndToEnd(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	topo := signupTopology(newEnvName())
	p := provision(t, snsC, sqsC, topo)
	require.NoError(t, p.driver.Provision(ctx, topo))
	assert.Equal(t, p.QueueURLs, provision(t, snsC, sqsC, topo).QueueURLs, "a second run finds the same resources")

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

	// Events reach the services whose filters take them, through the
	// portable wiring on a driver of its own (which finds the resources by
	// name).
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(t, err)
	pub := bus.Publisher()
	var mu sync.Mutex
	got := map[string][]string{}
	var consumers []*transport.Consumer
	for _, svc := range []string{"billing", "provisioning", "audit"} {
		// A consumer of the bare receiver, with a handler for every type:
		// what reaches it is what the subscription's filter lets through (a
		// Bus's consumer would refuse handlers for types not consumed).
		recv, err := d.OpenReceiver(ctx, topo, svc)
		require.NoError(t, err)
		cons, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Name: svc}) // the queue's visibility timeout
		require.NoError(t, err)
		consumers = append(consumers, cons)
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

	for _, c := range consumers {
		require.NoError(t, c.Shutdown(ctx))
	}
	require.NoError(t, bus.Teardown(ctx))
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
	topo := &topology.Topology{Env: newEnvName(), Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "audit", Consumes: []string{typeSignedUp}}}}
	p := provision(t, snsC, sqsC, topo)
	topo.Services[0].Consumes = []string{"elmo.identity.*"}
	require.NoError(t, p.driver.Provision(ctx, topo))

	sender, err := snssqs.NewSender(snsC, map[string]string{"identity": p.TopicARNs["identity"]}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	pub, err := transport.NewPublisher(sender, nil)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:identity"}).New(typeClosed, []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	require.NoError(t, pub.Publish(ctx, &e))
	r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["audit"], &snssqs.ReceiverConfig{WaitTime: time.Second})
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
type failingAttributes struct{ snssqs.SQSAPI }

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
	p := provision(t, snsC, sqsC, topo)

	failing, err := snssqs.NewDriver(snsC, failingAttributes{sqsC}, nil)
	require.NoError(t, err)
	err = failing.Teardown(ctx, topo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kept")
	_, err = sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(p.QueueURLs["ledger"])})
	require.NoError(t, err, "the queue is still there")

	require.NoError(t, p.driver.Teardown(ctx, topo))
	require.NoError(t, p.driver.Teardown(ctx, topo), "gone already")
}

// TestProvisionSettings: retention, encryption and tags reach the queues
// and topics, and provisioning again with changed settings converges.
// GoAws keeps no tags and no encryption settings, so those are checked on
// fauxqs, and retention on both. Neither server knows SqsManagedSseEnabled
// (SSE-SQS): that setting is checked in the plan (TestPlanSettings).
func TestProvisionSettings(t *testing.T) { onEachServer(t, testProvisionSettings) }

func testProvisionSettings(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	full := srv.name == "fauxqs"
	topo := ledgerSpec(false, 0, 0)
	topo.Services[0].RetentionSeconds = 3600
	if full {
		topo.Tags = map[string]string{"team": "leave"}
		topo.Domains[0].Encryption = &topology.Encryption{}
		topo.Services[0].Encryption = &topology.Encryption{KMSKeyID: "alias/leave"}
		topo.Services[0].Tags = map[string]string{"cost": "ledger"}
	}
	p := provision(t, snsC, sqsC, topo)

	attrs := func(url string) map[string]string {
		out, err := sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		require.NoError(t, err)
		return out.Attributes
	}
	q, dlq := attrs(p.QueueURLs["ledger"]), attrs(p.DLQURLs["ledger"])
	assert.Equal(t, "3600", q["MessageRetentionPeriod"])
	assert.Equal(t, "1209600", dlq["MessageRetentionPeriod"], "dead letters are kept the longest")

	topo.Services[0].RetentionSeconds = 7200
	if full {
		topo.Services[0].Tags = map[string]string{"cost": "leave-ledger"}
	}
	require.NoError(t, p.driver.Provision(ctx, topo))
	assert.Equal(t, "7200", attrs(p.QueueURLs["ledger"])["MessageRetentionPeriod"], "converged")
	if !full {
		return
	}
	assert.Equal(t, "alias/leave", q["KmsMasterKeyId"])
	assert.Equal(t, "alias/leave", dlq["KmsMasterKeyId"])
	tags, err := sqsC.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(p.QueueURLs["ledger"])})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "leave", "cost": "leave-ledger"}, tags.Tags, "converged")
	ta, err := snsC.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(p.TopicARNs["leave"])})
	require.NoError(t, err)
	assert.Equal(t, "alias/aws/sns", ta.Attributes["KmsMasterKeyId"])
	topicTags, err := snsC.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(p.TopicARNs["leave"])})
	require.NoError(t, err)
	require.Len(t, topicTags.Tags, 1)
	assert.Equal(t, "team", aws.ToString(topicTags.Tags[0].Key))
}
