package snssqs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The Driver serves topologies on SNS and SQS.
var (
	_ driver.Driver           = (*Driver)(nil)
	_ driver.Provisioner      = (*Driver)(nil)
	_ driver.DeadLetterAccess = (*Driver)(nil)
)

// DriverConfig configures a [Driver]. A nil *DriverConfig means the
// defaults.
type DriverConfig struct {
	// WaitTime is the long-polling wait of the receivers, at most 20s.
	// Default DefaultWaitTime.
	WaitTime time.Duration
	// MaxBatch bounds the entries of one PublishBatch, 1 to 10. Default
	// 10; 9 on a local server, since GoAws refuses 10.
	MaxBatch int
	// S3 is the client of a topology's claim-check bucket
	// (topology.ClaimCheck), e.g. ConnectS3's: required by a topology that
	// names one, unused otherwise.
	S3 S3API
}

// Driver serves topologies (see package topology) on SNS and SQS with the
// names of naming.AWSNames: a topic per domain, a queue and a dead-letter
// queue per service, subscriptions with raw delivery and a filter policy
// on the type attribute. It is safe for concurrent use.
//
// The driver finds the resources of a topology by name: queue URLs with
// GetQueueUrl, topic ARNs with ListTopics (or from its own Provision),
// so a service needs sns:ListTopics, sqs:GetQueueUrl and the rights of
// publishing and consuming; only provisioning needs more.
//
// Clients whose endpoint is a loopback address (GoAws, fauxqs) are taken
// for a local server: batches of 9 by default, and no queue policies,
// which local servers do not have.
type Driver struct {
	sns   SNSAPI
	sqs   SQSAPI
	cfg   DriverConfig
	local bool

	mu       sync.Mutex
	resolved map[string]string // topic ARN or queue URL, by AWS name
}

// NewDriver returns a Driver on the clients, e.g. those of [Connect].
func NewDriver(snsClient SNSAPI, sqsClient SQSAPI, cfg *DriverConfig) (*Driver, error) {
	var c DriverConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if snsClient == nil {
		errs = append(errs, &config.Error{Setting: "NewDriver's SNS client", Problem: "must not be nil"})
	}
	if sqsClient == nil {
		errs = append(errs, &config.Error{Setting: "NewDriver's SQS client", Problem: "must not be nil"})
	}
	if c.WaitTime < 0 || c.WaitTime > DefaultWaitTime {
		errs = append(errs, &config.Error{Setting: "DriverConfig.WaitTime", Problem: "must be 0 to 20s"})
	}
	if c.MaxBatch < 0 || c.MaxBatch > MaxBatch {
		errs = append(errs, &config.Error{Setting: "DriverConfig.MaxBatch", Problem: fmt.Sprintf("must be 1 to %d (0 for the default)", MaxBatch)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d := &Driver{sns: snsClient, sqs: sqsClient, cfg: c, local: isLocal(snsClient), resolved: map[string]string{}}
	if d.cfg.MaxBatch == 0 {
		d.cfg.MaxBatch = MaxBatch
		if d.local {
			d.cfg.MaxBatch = 9
		}
	}
	return d, nil
}

// isLocal reports whether the client is an *sns.Client whose endpoint is a
// loopback address.
func isLocal(c SNSAPI) bool {
	client, ok := c.(*sns.Client)
	if !ok {
		return false
	}
	endpoint := aws.ToString(client.Options().BaseEndpoint)
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func awsNames(t *topology.Topology) naming.AWSNames { return naming.AWSNames{Env: t.Env, Org: t.Org} }

func (d *Driver) remember(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resolved[name] = value
}

func (d *Driver) known(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resolved[name]
}

func (d *Driver) forget(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.resolved, name)
}

// topicARN returns the ARN of the topic of that name: known, else found
// with ListTopics. A topic that does not exist is driver.ErrNotFound.
func (d *Driver) topicARN(ctx context.Context, name string) (string, error) {
	if arn := d.known(name); arn != "" {
		return arn, nil
	}
	var token *string
	for {
		out, err := d.sns.ListTopics(ctx, &sns.ListTopicsInput{NextToken: token})
		if err != nil {
			return "", fmt.Errorf("snssqs: ListTopics: %w", err)
		}
		for _, t := range out.Topics {
			arn := aws.ToString(t.TopicArn)
			if strings.HasSuffix(arn, ":"+name) {
				d.remember(name, arn)
				return arn, nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return "", fmt.Errorf("%w: topic %s (not provisioned?)", driver.ErrNotFound, name)
		}
		token = out.NextToken
	}
}

// queueURL returns the URL of the queue of that name. A queue that does
// not exist is driver.ErrNotFound.
func (d *Driver) queueURL(ctx context.Context, name string) (string, error) {
	if u := d.known(name); u != "" {
		return u, nil
	}
	out, err := d.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	switch {
	case isNotFound(err):
		return "", fmt.Errorf("%w: queue %s (not provisioned?)", driver.ErrNotFound, name)
	case err != nil:
		return "", fmt.Errorf("snssqs: GetQueueUrl %s: %w", name, err)
	}
	u := aws.ToString(out.QueueUrl)
	d.remember(name, u)
	return u, nil
}

// OpenSender implements driver.Driver: a Sender to the topics of the
// topology's domains.
func (d *Driver) OpenSender(ctx context.Context, t *topology.Topology) (driver.Sender, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	arns := map[string]string{}
	for _, dom := range t.Domains {
		name, _ := awsNames(t).Topic(dom.Name, dom.FIFO)
		arn, err := d.topicARN(ctx, name)
		if err != nil {
			return nil, err
		}
		arns[dom.Name] = arn
	}
	topics, err := NewSender(d.sns, arns, &SenderConfig{MaxBatch: d.cfg.MaxBatch})
	if err != nil {
		return nil, err
	}
	return &routedSender{Sender: topics, d: d, t: t}, nil
}

// serviceOf returns the named service of the topology, and its queue and
// dead-letter queue names.
func serviceOf(t *topology.Topology, name string) (s topology.Service, queue, dlq string, err error) {
	if err := t.Validate(); err != nil {
		return s, "", "", err
	}
	s, ok := t.Service(name)
	if !ok {
		return s, "", "", fmt.Errorf("%w: %q", topology.ErrUnknownService, name)
	}
	queue, _ = awsNames(t).Queue(name, t.FIFO(s))
	dlq, _ = awsNames(t).DeadLetterQueue(name, t.FIFO(s))
	return s, queue, dlq, nil
}

// OpenReceiver implements driver.Driver: a Receiver of the service's
// queue, unwrapping SNS notifications only from the topics the service
// consumes from.
func (d *Driver) OpenReceiver(ctx context.Context, t *topology.Topology, name string) (driver.Receiver, error) {
	s, queue, dlq, err := serviceOf(t, name)
	if err != nil {
		return nil, err
	}
	qURL, err := d.queueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	dlqURL, err := d.queueURL(ctx, dlq)
	if err != nil {
		return nil, err
	}
	var pinned []string
	for _, sub := range s.Subscriptions() {
		topic, _ := awsNames(t).Topic(sub.Domain, t.FIFO(s))
		arn, err := d.topicARN(ctx, topic)
		if err != nil {
			return nil, err
		}
		pinned = append(pinned, arn)
	}
	return NewReceiver(d.sqs, qURL, &ReceiverConfig{DeadLetterQueueURL: dlqURL, TopicARNs: pinned, WaitTime: d.cfg.WaitTime})
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}
