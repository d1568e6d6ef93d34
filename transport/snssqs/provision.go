package snssqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/elmosoftware/eventprotocol/naming"
)

// Topology describes the SNS topics and SQS queues of an environment: one
// topic per domain, and one queue (with its dead-letter queue) per
// consuming service, subscribed to the topics of the event types it
// consumes with a filter policy on the type attribute.
type Topology struct {
	Env      string    `json:"env"`           // e.g. "dev"; part of every name
	Org      string    `json:"org,omitempty"` // default "elmo"
	Domains  []Domain  `json:"domains"`
	Services []Service `json:"services"`
}

// Domain is a domain whose events have a topic.
type Domain struct {
	Name string `json:"name"`
	FIFO bool   `json:"fifo,omitempty"`
}

// Service is a consuming service.
type Service struct {
	Name string `json:"name"`
	// Consumes lists the event types the service handles, or
	// "<org>.<domain>.*" for every type of a domain (a subscription without
	// a filter policy). Their domains must be in Topology.Domains, all FIFO
	// or none.
	Consumes []string `json:"consumes"`
	// MaxReceiveCount moves a message to the dead-letter queue after this
	// many receives (the queue's RedrivePolicy). Default 10: above the
	// consumer runtime's MaxAttempts, as a backstop.
	MaxReceiveCount int `json:"maxReceiveCount,omitempty"`
	// VisibilityTimeoutSeconds is the queue's visibility timeout. Default 30.
	VisibilityTimeoutSeconds int `json:"visibilityTimeoutSeconds,omitempty"`
}

// ReadTopology decodes a topology from JSON, refusing unknown fields, and
// checks it.
func ReadTopology(r io.Reader) (*Topology, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t Topology
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("snssqs: topology: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate reports every problem of the topology at once.
func (t *Topology) Validate() error {
	var errs []error
	names := t.names()
	if _, err := names.Topic("x", false); err != nil { // the env and org, whatever the domains
		errs = append(errs, err)
	}
	if len(t.Domains) == 0 {
		errs = append(errs, errors.New("no domains"))
	}
	domains := map[string]Domain{}
	for _, d := range t.Domains {
		if _, err := names.Topic(d.Name, d.FIFO); err != nil {
			errs = append(errs, fmt.Errorf("domain %q: %w", d.Name, err))
		}
		if _, dup := domains[d.Name]; dup {
			errs = append(errs, fmt.Errorf("domain %q is listed twice", d.Name))
		}
		domains[d.Name] = d
	}
	seen := map[string]bool{}
	for _, s := range t.Services {
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("service %q is listed twice", s.Name))
		}
		seen[s.Name] = true
		if len(s.Consumes) == 0 {
			errs = append(errs, fmt.Errorf("service %q consumes nothing", s.Name))
		}
		fifo := map[bool]bool{}
		for _, typ := range s.Consumes {
			domain, err := consumedDomain(typ)
			if err != nil {
				errs = append(errs, fmt.Errorf("service %q: %w", s.Name, err))
				continue
			}
			d, ok := domains[domain]
			if !ok {
				errs = append(errs, fmt.Errorf("service %q consumes %s, whose domain %q has no topic in the topology", s.Name, typ, domain))
				continue
			}
			fifo[d.FIFO] = true
		}
		if len(fifo) > 1 {
			errs = append(errs, fmt.Errorf("service %q consumes from FIFO and standard topics; a queue is one or the other", s.Name))
		}
		if _, err := names.Queue(s.Name, fifo[true]); err != nil {
			errs = append(errs, fmt.Errorf("service %q: %w", s.Name, err))
		}
		if s.MaxReceiveCount < 0 || s.MaxReceiveCount > 1000 {
			errs = append(errs, fmt.Errorf("service %q: maxReceiveCount must be 1 to 1000", s.Name))
		}
		if s.VisibilityTimeoutSeconds < 0 || s.VisibilityTimeoutSeconds > 43200 {
			errs = append(errs, fmt.Errorf("service %q: visibilityTimeoutSeconds must be 0 to 43200", s.Name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("snssqs: invalid topology: %w", err)
	}
	return nil
}

func (t *Topology) names() naming.AWSNames { return naming.AWSNames{Env: t.Env, Org: t.Org} }

func (t *Topology) domain(name string) Domain {
	for _, d := range t.Domains {
		if d.Name == name {
			return d
		}
	}
	return Domain{}
}

// consumedDomain returns the domain of an entry of Service.Consumes: an
// event type, or a wildcard "<org>.<domain>.*".
func consumedDomain(entry string) (string, error) {
	if prefix, ok := strings.CutSuffix(entry, ".*"); ok {
		org, domain, ok := strings.Cut(prefix, ".")
		if !ok || org == "" || strings.Contains(domain, ".") {
			return "", fmt.Errorf("%q: a wildcard is <org>.<domain>.*", entry)
		}
		if _, err := naming.NewType(org, domain, "x", "happened", 1); err != nil {
			return "", fmt.Errorf("%q: %w", entry, err)
		}
		return domain, nil
	}
	t, err := naming.ParseType(entry)
	if err != nil {
		return "", err
	}
	return t.Domain(), nil
}

// subscriptions returns the domains a service consumes from, in a stable
// order, and per domain the types it takes: nil for every type.
func (s Service) subscriptions() ([]string, map[string][]string) {
	byDomain := map[string][]string{}
	all := map[string]bool{}
	var order []string
	for _, entry := range s.Consumes {
		d, _ := consumedDomain(entry) // checked by Validate
		if _, ok := byDomain[d]; !ok && !all[d] {
			order = append(order, d)
		}
		if strings.HasSuffix(entry, ".*") {
			all[d] = true
		} else if !slices.Contains(byDomain[d], entry) {
			byDomain[d] = append(byDomain[d], entry)
		}
	}
	for d := range all {
		delete(byDomain, d)
	}
	return order, byDomain
}

func filterText(types []string) string {
	if types == nil {
		return "every type"
	}
	return "type in " + strings.Join(types, ", ")
}

// Step is one action of a provisioning plan.
type Step struct {
	Action   string `json:"action"`   // create-topic, create-queue, set-queue-policy, subscribe, delete-...
	Resource string `json:"resource"` // the resource's name
	Detail   string `json:"detail,omitempty"`
}

// String formats the step as one line.
func (s Step) String() string {
	if s.Detail == "" {
		return s.Action + " " + s.Resource
	}
	return s.Action + " " + s.Resource + " (" + s.Detail + ")"
}

// Plan returns the steps Provision takes, without calling AWS.
func (t *Topology) Plan() ([]Step, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	names := t.names()
	var steps []Step
	for _, d := range t.Domains {
		name, _ := names.Topic(d.Name, d.FIFO)
		steps = append(steps, Step{"create-topic", name, ""})
	}
	for _, s := range t.Services {
		domains, types := s.subscriptions()
		fifo := t.domain(domains[0]).FIFO
		q, _ := names.Queue(s.Name, fifo)
		dlq, _ := names.DeadLetterQueue(s.Name, fifo)
		steps = append(steps,
			Step{"create-queue", dlq, "dead-letter queue"},
			Step{"create-queue", q, fmt.Sprintf("visibility %ds, maxReceiveCount %d to %s", s.visibility(), s.maxReceiveCount(), dlq)})
		var topics []string
		for _, d := range domains {
			topic, _ := names.Topic(d, fifo)
			topics = append(topics, topic)
		}
		steps = append(steps, Step{"set-queue-policy", q, "allow sns:SendMessage from " + strings.Join(topics, ", ")})
		for i, d := range domains {
			steps = append(steps, Step{"subscribe", q, "to " + topics[i] + ", raw delivery, " + filterText(types[d])})
		}
	}
	return steps, nil
}

func (s Service) visibility() int {
	if s.VisibilityTimeoutSeconds == 0 {
		return 30
	}
	return s.VisibilityTimeoutSeconds
}

func (s Service) maxReceiveCount() int {
	if s.MaxReceiveCount == 0 {
		return 10
	}
	return s.MaxReceiveCount
}

// Clients are the AWS clients provisioning uses.
type Clients struct {
	SNS SNSAdmin
	SQS SQSAdmin
}

// ProvisionOptions adjust Provision.
type ProvisionOptions struct {
	// SkipQueuePolicy leaves the queue policy alone. AWS needs it for the
	// topics to deliver; only a server without policies (GoAws) is set up
	// without it.
	SkipQueuePolicy bool
}

// Provisioned lists what Provision created or found.
type Provisioned struct {
	TopicARNs map[string]string `json:"topicArns"` // by domain
	QueueURLs map[string]string `json:"queueUrls"` // by service
	DLQURLs   map[string]string `json:"deadLetterQueueUrls"`
}

// Provision creates the topology's topics, queues, dead-letter queues,
// queue policies and subscriptions. It is idempotent: run again, it
// changes nothing that is already as described, and brings subscription
// filters and queue attributes back to the topology.
func Provision(ctx context.Context, c Clients, t *Topology, opts ProvisionOptions) (*Provisioned, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	names := t.names()
	out := &Provisioned{TopicARNs: map[string]string{}, QueueURLs: map[string]string{}, DLQURLs: map[string]string{}}
	for _, d := range t.Domains {
		name, _ := names.Topic(d.Name, d.FIFO)
		in := &sns.CreateTopicInput{Name: aws.String(name)}
		if d.FIFO {
			in.Attributes = map[string]string{"FifoTopic": "true"}
		}
		res, err := c.SNS.CreateTopic(ctx, in)
		if err != nil {
			return out, fmt.Errorf("snssqs: create topic %s: %w", name, err)
		}
		out.TopicARNs[d.Name] = aws.ToString(res.TopicArn)
	}
	for _, s := range t.Services {
		if err := provisionService(ctx, c, t, s, opts, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func provisionService(ctx context.Context, c Clients, t *Topology, s Service, opts ProvisionOptions, out *Provisioned) error {
	names := t.names()
	domains, types := s.subscriptions()
	fifo := t.domain(domains[0]).FIFO
	qName, _ := names.Queue(s.Name, fifo)
	dlqName, _ := names.DeadLetterQueue(s.Name, fifo)
	fifoAttrs := func(attrs map[string]string) map[string]string {
		if fifo {
			attrs[string(sqstypes.QueueAttributeNameFifoQueue)] = "true"
		}
		return attrs
	}
	dlqURL, dlqARN, err := ensureQueue(ctx, c.SQS, dlqName, fifoAttrs(map[string]string{}))
	if err != nil {
		return err
	}
	redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": s.maxReceiveCount()})
	qURL, qARN, err := ensureQueue(ctx, c.SQS, qName, fifoAttrs(map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout): strconv.Itoa(s.visibility()),
		string(sqstypes.QueueAttributeNameRedrivePolicy):     string(redrive),
	}))
	if err != nil {
		return err
	}
	out.QueueURLs[s.Name], out.DLQURLs[s.Name] = qURL, dlqURL
	var topicARNs []string
	for _, d := range domains {
		topicARNs = append(topicARNs, out.TopicARNs[d])
	}
	if !opts.SkipQueuePolicy {
		if _, err := c.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
			QueueUrl: aws.String(qURL), Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): queuePolicy(qARN, topicARNs)},
		}); err != nil {
			return fmt.Errorf("snssqs: queue policy of %s: %w", qName, err)
		}
	}
	for i, d := range domains {
		attrs := map[string]string{"RawMessageDelivery": "true"}
		if types[d] != nil {
			filter, _ := json.Marshal(map[string][]string{"type": types[d]})
			attrs["FilterPolicy"] = string(filter)
		}
		if err := ensureSubscription(ctx, c.SNS, topicARNs[i], qARN, attrs); err != nil {
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
// attrs, and returns its URL and ARN.
func ensureQueue(ctx context.Context, c SQSAdmin, name string, attrs map[string]string) (string, string, error) {
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
	} else {
		res, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
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

// Teardown deletes what Provision created for the topology: subscriptions,
// queues, dead-letter queues and topics. Missing queues are skipped. Topic
// ARNs are learnt with CreateTopic, which is idempotent, so a topic that was
// missing is created and deleted again.
func Teardown(ctx context.Context, c Clients, t *Topology) error {
	if err := t.Validate(); err != nil {
		return err
	}
	names := t.names()
	var errs []error
	topicARNs := map[string]string{}
	for _, d := range t.Domains {
		name, _ := names.Topic(d.Name, d.FIFO)
		res, err := c.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)}) // idempotent: finds the ARN
		if err != nil {
			errs = append(errs, fmt.Errorf("find topic %s: %w", name, err))
			continue
		}
		topicARNs[d.Name] = aws.ToString(res.TopicArn)
	}
	for _, s := range t.Services {
		domains, _ := s.subscriptions()
		fifo := t.domain(domains[0]).FIFO
		for _, qName := range []string{mustQueue(names, s.Name, fifo, false), mustQueue(names, s.Name, fifo, true)} {
			if err := teardownQueue(ctx, c, qName, domains, topicARNs); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for d, arn := range topicARNs {
		if _, err := c.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
			errs = append(errs, fmt.Errorf("delete topic of %s: %w", d, err))
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
func teardownQueue(ctx context.Context, c Clients, qName string, domains []string, topicARNs map[string]string) error {
	res, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(qName)})
	switch {
	case isNotFound(err):
		return nil // not there
	case err != nil:
		return fmt.Errorf("find queue %s: %w", qName, err)
	}
	qa, err := c.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: res.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("queue %s kept: its subscriptions cannot be found: %w", qName, err)
	}
	for _, d := range domains {
		arn := topicARNs[d]
		if arn == "" {
			return fmt.Errorf("queue %s kept: the topic of %s was not found", qName, d)
		}
		sub, err := findSubscription(ctx, c.SNS, arn, qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])
		if err != nil {
			return fmt.Errorf("queue %s kept: %w", qName, err)
		}
		if sub == "" {
			continue
		}
		if _, err := c.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sub)}); err != nil {
			return fmt.Errorf("queue %s kept: unsubscribe %s: %w", qName, sub, err)
		}
	}
	if _, err := c.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: res.QueueUrl}); err != nil {
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

func mustQueue(n naming.AWSNames, service string, fifo, dlq bool) string {
	if dlq {
		name, _ := n.DeadLetterQueue(service, fifo)
		return name
	}
	name, _ := n.Queue(service, fifo)
	return name
}
