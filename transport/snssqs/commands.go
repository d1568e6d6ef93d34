package snssqs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// routedSender is a Driver's Sender for a topology: events to the domains'
// topics, and what goes to one service (commands, replies, replays:
// driver.QueueDestination) straight to its queue, in batches.
type routedSender struct {
	*Sender
	d *Driver
	t *topology.Topology
}

// Send implements driver.Sender.
func (s *routedSender) Send(ctx context.Context, dest string, msgs []*driver.Message) error {
	service, ok := driver.QueueOf(dest)
	if !ok {
		return s.Sender.Send(ctx, dest, msgs)
	}
	svc, ok := s.t.Service(service)
	if !ok {
		return fmt.Errorf("%w: %w: the topology lists no service %q", driver.ErrNotSent, driver.ErrNotFound, service)
	}
	name, err := awsNames(s.t).Queue(svc.Name, s.t.FIFO(svc))
	if err != nil {
		return fmt.Errorf("%w: %w", driver.ErrNotSent, err)
	}
	url, err := s.d.queueURL(ctx, name) // remembered after the first
	if err != nil {
		return fmt.Errorf("%w: %w", driver.ErrNotSent, err)
	}
	fifo := strings.HasSuffix(url, ".fifo")
	entries := make([]sqstypes.SendMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(m.Body)), MessageAttributes: sqsAttributes(m.Attributes)}
		if fifo {
			group := m.GroupID
			if group == "" {
				group = m.DedupID
			}
			entries[i].MessageGroupId, entries[i].MessageDeduplicationId = aws.String(group), aws.String(m.DedupID)
		}
	}
	out, err := s.d.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		if refused(err) {
			return fmt.Errorf("snssqs: SendMessageBatch to %s: %w: %w", url, driver.ErrNotSent, contractError(err))
		}
		return fmt.Errorf("snssqs: SendMessageBatch to %s: %w", url, err)
	}
	if len(out.Failed) == 0 {
		return nil
	}
	failed := make([]driver.BatchFailure, 0, len(out.Failed))
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(msgs) {
			return fmt.Errorf("snssqs: SendMessageBatch to %s: a failure of an unknown entry %q", url, aws.ToString(f.Id))
		}
		err = fmt.Errorf("snssqs: SendMessageBatch to %s: %s: %s", url, aws.ToString(f.Code), aws.ToString(f.Message))
		if f.SenderFault {
			err = fmt.Errorf("%w: %w", driver.ErrNotSent, err)
		}
		failed = append(failed, driver.BatchFailure{Index: i, Err: err})
	}
	return &driver.BatchError{Failed: failed}
}

// sqsAttributes returns a message's attributes as SQS message attributes,
// leaving out empty ones.
func sqsAttributes(attrs map[string]string) map[string]sqstypes.MessageAttributeValue {
	out := make(map[string]sqstypes.MessageAttributeValue, len(attrs))
	for k, v := range attrs {
		if v != "" {
			out[k] = stringAttribute(v)
		}
	}
	return out
}

// stringAttribute is an SQS message attribute of type String.
func stringAttribute(v string) sqstypes.MessageAttributeValue {
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
