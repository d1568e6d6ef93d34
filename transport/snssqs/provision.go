package snssqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func filterText(types []string) string {
	if types == nil {
		return "every type"
	}
	return "type in " + strings.Join(types, ", ")
}

// Plan implements driver.Provisioner: the steps Provision takes, with
// the AWS names, without calling AWS.
func (d *Driver) Plan(t *topology.Topology) ([]driver.Step, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	names := awsNames(t)
	var steps []driver.Step
	for _, dom := range t.Domains {
		name, _ := names.Topic(dom.Name, dom.FIFO)
		steps = append(steps, driver.Step{Action: "create-topic", Resource: name, Detail: joinDetail(d.topicSizeText(dom), settingsText(topicEncryption(dom.Encryption), t.Tags))})
	}
	if t.ClaimCheck != nil {
		steps = append(steps, driver.Step{Action: "create-bucket", Resource: t.ClaimCheck.Bucket,
			Detail: fmt.Sprintf("claim check: SSE-S3 (a domain's KMS key per object), objects expire after %dd", claimExpiryDays)})
	}
	for _, s := range t.Services {
		subs := s.Subscriptions()
		fifo := t.FIFO(s)
		q, _ := names.Queue(s.Name, fifo)
		dlq, _ := names.DeadLetterQueue(s.Name, fifo)
		enc, tags := queueEncryption(s.Encryption), t.ServiceTags(s)
		size := ""
		if limit, set := t.QueueMessageLimit(s); set {
			size = fmt.Sprintf(", max message %d bytes", limit)
		}
		steps = append(steps,
			driver.Step{Action: "create-queue", Resource: dlq, Detail: joinDetail("dead-letter queue, retention 14d"+size, settingsText(enc, tags))},
			driver.Step{Action: "create-queue", Resource: q, Detail: joinDetail(fmt.Sprintf("visibility %ds, maxReceiveCount %d to %s%s%s", int(s.VisibilityTimeout()/time.Second), s.ReceiveLimit(), dlq, retentionText(s), size), settingsText(enc, tags))})
		var topics []string
		for _, sub := range subs {
			topic, _ := names.Topic(sub.Domain, fifo)
			topics = append(topics, topic)
		}
		if !d.local && len(topics) > 0 {
			steps = append(steps, driver.Step{Action: "set-queue-policy", Resource: q, Detail: "allow sns:SendMessage from " + strings.Join(topics, ", ")})
		}
		for i, sub := range subs {
			steps = append(steps, driver.Step{Action: "subscribe", Resource: q, Detail: "to " + topics[i] + ", raw delivery, " + filterText(sub.Types)})
		}
	}
	return steps, nil
}

// topicMaximumMessageSize is the SNS topic attribute that raises a topic's
// largest message to 1 MiB.
const topicMaximumMessageSize = "MaximumMessageSize"

// topicSizeText describes a domain's topic size in a plan.
func (d *Driver) topicSizeText(dom topology.Domain) string {
	switch {
	case dom.MaxMessageBytes == 0:
		return ""
	case d.local:
		return fmt.Sprintf("max message %d bytes (not set: local servers lack the attribute)", dom.MaxMessageBytes)
	}
	return fmt.Sprintf("max message %d bytes", dom.MaxMessageBytes)
}

// retentionText describes a retention other than SQS's default.
func retentionText(s topology.Service) string {
	if s.RetentionSeconds == 0 {
		return ""
	}
	return fmt.Sprintf(", retention %ds", s.RetentionSeconds)
}

// settingsText describes encryption attributes and tags for a plan.
func settingsText(enc map[string]string, tags map[string]string) string {
	var parts []string
	switch {
	case enc["SqsManagedSseEnabled"] == "true":
		parts = append(parts, "encrypted with SQS-managed keys")
	case enc["KmsMasterKeyId"] != "":
		parts = append(parts, "encrypted with KMS key "+enc["KmsMasterKeyId"])
	}
	if len(tags) > 0 {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			kv = append(kv, k+"="+tags[k])
		}
		parts = append(parts, "tags "+strings.Join(kv, ","))
	}
	return strings.Join(parts, ", ")
}

func joinDetail(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + ", " + b
}

// queueEncryption returns the queue attributes of an encryption setting.
func queueEncryption(e *topology.Encryption) map[string]string {
	switch {
	case e == nil:
		return nil
	case e.KMSKeyID == "":
		return map[string]string{"SqsManagedSseEnabled": "true"}
	}
	return map[string]string{"KmsMasterKeyId": e.KMSKeyID}
}

// topicEncryption returns the topic attributes of an encryption setting.
func topicEncryption(e *topology.Encryption) map[string]string {
	switch {
	case e == nil:
		return nil
	case e.KMSKeyID == "":
		return map[string]string{"KmsMasterKeyId": "alias/aws/sns"}
	}
	return map[string]string{"KmsMasterKeyId": e.KMSKeyID}
}

// Provision implements driver.Provisioner: it creates the topology's
// topics, queues, dead-letter queues, queue policies (not on a local
// server, which has none) and subscriptions. It is idempotent: run again,
// it changes nothing that is already as described, and brings
// subscription filters and queue attributes back to the topology. The
// driver remembers the ARNs and URLs it learnt.
func (d *Driver) Provision(ctx context.Context, t *topology.Topology) error {
	if err := t.Validate(); err != nil {
		return err
	}
	names := awsNames(t)
	for _, dom := range t.Domains {
		name, _ := names.Topic(dom.Name, dom.FIFO)
		in := &sns.CreateTopicInput{Name: aws.String(name)}
		if dom.FIFO {
			in.Attributes = map[string]string{"FifoTopic": "true"}
		}
		res, err := d.sns.CreateTopic(ctx, in)
		if err != nil {
			return fmt.Errorf("snssqs: create topic %s: %w", name, err)
		}
		arn := aws.ToString(res.TopicArn)
		d.remember(name, arn)
		// Set after creation, so that an existing topic converges too.
		attrs := topicEncryption(dom.Encryption)
		if dom.MaxMessageBytes != 0 && !d.local { // local servers lack the attribute (see the package doc)
			if attrs == nil {
				attrs = map[string]string{}
			}
			attrs[topicMaximumMessageSize] = strconv.Itoa(dom.MaxMessageBytes)
		}
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			v := attrs[k]
			if _, err := d.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(k), AttributeValue: aws.String(v)}); err != nil {
				return fmt.Errorf("snssqs: attribute %s of topic %s: %w", k, name, err)
			}
		}
		if len(t.Tags) > 0 {
			var tags []snstypes.Tag
			for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
				tags = append(tags, snstypes.Tag{Key: aws.String(k), Value: aws.String(t.Tags[k])})
			}
			if _, err := d.sns.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags}); err != nil {
				return fmt.Errorf("snssqs: tags of topic %s: %w", name, err)
			}
		}
	}
	for _, s := range t.Services {
		if err := d.provisionService(ctx, t, s); err != nil {
			return err
		}
	}
	if t.ClaimCheck != nil {
		return d.provisionBucket(ctx, t)
	}
	return nil
}

func (d *Driver) provisionService(ctx context.Context, t *topology.Topology, s topology.Service) error {
	names := awsNames(t)
	subs := s.Subscriptions()
	fifo := t.FIFO(s)
	qName, _ := names.Queue(s.Name, fifo)
	dlqName, _ := names.DeadLetterQueue(s.Name, fifo)
	fifoAttrs := func(attrs map[string]string) map[string]string {
		if fifo {
			attrs[string(sqstypes.QueueAttributeNameFifoQueue)] = "true"
		}
		return attrs
	}
	common := func(attrs map[string]string) map[string]string {
		maps.Copy(attrs, queueEncryption(s.Encryption))
		if limit, set := t.QueueMessageLimit(s); set {
			attrs[string(sqstypes.QueueAttributeNameMaximumMessageSize)] = strconv.Itoa(limit)
		}
		return fifoAttrs(attrs)
	}
	tags := t.ServiceTags(s)
	dlqURL, dlqARN, err := ensureQueue(ctx, d.sqs, dlqName, common(map[string]string{
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(topology.MaxRetention / time.Second)),
	}), tags)
	if err != nil {
		return err
	}
	redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": s.ReceiveLimit()})
	qURL, qARN, err := ensureQueue(ctx, d.sqs, qName, common(map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(int(s.VisibilityTimeout() / time.Second)),
		string(sqstypes.QueueAttributeNameRedrivePolicy):          string(redrive),
		string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(s.Retention() / time.Second)),
	}), tags)
	if err != nil {
		return err
	}
	d.remember(qName, qURL)
	d.remember(dlqName, dlqURL)
	var topicARNs []string
	for _, sub := range subs {
		name, _ := names.Topic(sub.Domain, fifo)
		topicARNs = append(topicARNs, d.known(name))
	}
	if !d.local && len(topicARNs) > 0 { // a queue that only accepts commands has no topic to let in
		if _, err := d.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
			QueueUrl: aws.String(qURL), Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): queuePolicy(qARN, topicARNs)},
		}); err != nil {
			return fmt.Errorf("snssqs: queue policy of %s: %w", qName, err)
		}
	}
	for i, sub := range subs {
		attrs := map[string]string{"RawMessageDelivery": "true"}
		if sub.Types != nil {
			filter, _ := json.Marshal(map[string][]string{"type": sub.Types})
			attrs["FilterPolicy"] = string(filter)
		}
		if err := ensureSubscription(ctx, d.sns, topicARNs[i], qARN, attrs); err != nil {
			return err
		}
	}
	return nil
}

// queuePolicy lets the topics send to the queue: one statement listing
// every topic.
func queuePolicy(queueARN string, topicARNs []string) string {
	p, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       "elmo-topics",
			"Effect":    "Allow",
			"Principal": map[string]string{"Service": "sns.amazonaws.com"},
			"Action":    "sqs:SendMessage",
			"Resource":  queueARN,
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": topicARNs}},
		}},
	})
	return string(p)
}

// ensureQueue creates the queue, or brings an existing one's attributes to
// attrs, tags it, and returns its URL and ARN.
func ensureQueue(ctx context.Context, c SQSAdmin, name string, attrs, tags map[string]string) (string, string, error) {
	var url string
	if res, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)}); err == nil {
		url = aws.ToString(res.QueueUrl)
		settable := map[string]string{}
		for k, v := range attrs {
			if k != string(sqstypes.QueueAttributeNameFifoQueue) { // fixed at creation
				settable[k] = v
			}
		}
		if len(settable) > 0 {
			if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: settable}); err != nil {
				return "", "", fmt.Errorf("snssqs: update queue %s: %w", name, err)
			}
		}
		if len(tags) > 0 {
			if _, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: tags}); err != nil {
				return "", "", fmt.Errorf("snssqs: tags of queue %s: %w", name, err)
			}
		}
	} else {
		res, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: tags})
		if err != nil {
			return "", "", fmt.Errorf("snssqs: create queue %s: %w", name, err)
		}
		url = aws.ToString(res.QueueUrl)
	}
	qa, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", "", fmt.Errorf("snssqs: queue %s: %w", name, err)
	}
	return url, qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// ensureSubscription subscribes the queue to the topic with attrs, or
// updates an existing subscription's attributes.
func ensureSubscription(ctx context.Context, c SNSAdmin, topicARN, queueARN string, attrs map[string]string) error {
	existing, err := findSubscription(ctx, c, topicARN, queueARN)
	if err != nil {
		return err
	}
	if existing == "" {
		_, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN), Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil {
			return fmt.Errorf("snssqs: subscribe %s to %s: %w", queueARN, topicARN, err)
		}
		return nil
	}
	if _, ok := attrs["FilterPolicy"]; !ok {
		attrs["FilterPolicy"] = "{}" // removes a filter the topology no longer has
	}
	for _, k := range []string{"RawMessageDelivery", "FilterPolicy"} {
		if _, err := c.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(existing), AttributeName: aws.String(k), AttributeValue: aws.String(attrs[k])}); err != nil {
			return fmt.Errorf("snssqs: update subscription %s: %w", existing, err)
		}
	}
	return nil
}

func findSubscription(ctx context.Context, c SNSAdmin, topicARN, endpoint string) (string, error) {
	var token *string
	for {
		res, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN), NextToken: token})
		if err != nil {
			return "", fmt.Errorf("snssqs: list subscriptions of %s: %w", topicARN, err)
		}
		for _, s := range res.Subscriptions {
			if aws.ToString(s.Endpoint) == endpoint && aws.ToString(s.Protocol) == "sqs" {
				return aws.ToString(s.SubscriptionArn), nil
			}
		}
		if aws.ToString(res.NextToken) == "" {
			return "", nil
		}
		token = res.NextToken
	}
}

// Teardown implements driver.Provisioner: it deletes the
// subscriptions, queues, dead-letter queues and topics of the topology.
// Missing queues are skipped. Topic ARNs are learnt with CreateTopic,
// which is idempotent, so a topic that was missing is created and deleted
// again.
func (d *Driver) Teardown(ctx context.Context, t *topology.Topology) error {
	if err := t.Validate(); err != nil {
		return err
	}
	names := awsNames(t)
	var errs []error
	topicARNs := map[string]string{}
	for _, dom := range t.Domains {
		name, _ := names.Topic(dom.Name, dom.FIFO)
		res, err := d.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)}) // idempotent: finds the ARN
		if err != nil {
			errs = append(errs, fmt.Errorf("find topic %s: %w", name, err))
			continue
		}
		topicARNs[dom.Name] = aws.ToString(res.TopicArn)
	}
	for _, s := range t.Services {
		var domains []string
		for _, sub := range s.Subscriptions() {
			domains = append(domains, sub.Domain)
		}
		fifo := t.FIFO(s)
		q, _ := names.Queue(s.Name, fifo)
		dlq, _ := names.DeadLetterQueue(s.Name, fifo)
		for _, qName := range []string{q, dlq} {
			if err := teardownQueue(ctx, d.sns, d.sqs, qName, domains, topicARNs); err != nil {
				errs = append(errs, err)
			}
			d.forget(qName)
		}
	}
	for _, dom := range t.Domains {
		arn, ok := topicARNs[dom.Name]
		if !ok {
			continue
		}
		if _, err := d.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
			errs = append(errs, fmt.Errorf("delete topic of %s: %w", dom.Name, err))
			continue
		}
		name, _ := names.Topic(dom.Name, dom.FIFO)
		d.forget(name)
	}
	if t.ClaimCheck != nil {
		if err := d.teardownBucket(ctx, t); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("snssqs: teardown: %w", err)
	}
	return nil
}

// teardownQueue unsubscribes a queue from the domains' topics and deletes
// it. Only a not-found answer means the queue is absent; any other error
// is reported, and a queue whose subscriptions could not be removed is
// kept, so that no subscription is left pointing at a deleted queue.
func teardownQueue(ctx context.Context, snsC SNSAdmin, sqsC SQSAdmin, qName string, domains []string, topicARNs map[string]string) error {
	res, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(qName)})
	switch {
	case isNotFound(err):
		return nil // not there
	case err != nil:
		return fmt.Errorf("find queue %s: %w", qName, err)
	}
	qa, err := sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: res.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("queue %s kept: its subscriptions cannot be found: %w", qName, err)
	}
	for _, d := range domains {
		arn := topicARNs[d]
		if arn == "" {
			return fmt.Errorf("queue %s kept: the topic of %s was not found", qName, d)
		}
		sub, err := findSubscription(ctx, snsC, arn, qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])
		if err != nil {
			return fmt.Errorf("queue %s kept: %w", qName, err)
		}
		if sub == "" {
			continue
		}
		if _, err := snsC.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sub)}); err != nil {
			return fmt.Errorf("queue %s kept: unsubscribe %s: %w", qName, sub, err)
		}
	}
	if _, err := sqsC.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: res.QueueUrl}); err != nil {
		return fmt.Errorf("delete queue %s: %w", qName, err)
	}
	return nil
}

// isNotFound reports whether err says that a queue or topic does not exist.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var missing *sqstypes.QueueDoesNotExist
	var api smithy.APIError
	if errors.As(err, &missing) {
		return true
	}
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NotFound", "NotFoundException",
			"AWS.SimpleNotificationService.NonExistentTopic":
			return true
		}
	}
	return false
}
