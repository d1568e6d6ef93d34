package snssqs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// routedSender is a Driver's Sender for a topology: events to the domains'
// topics, commands straight to the queue of the service that accepts them
// (driver.QueueDestination), one SendMessage each.
type routedSender struct {
	*Sender
	sqs    SQSAPI
	queues map[string]string // URL by accepting service
}

// Send implements driver.Sender.
func (s *routedSender) Send(ctx context.Context, dest string, msgs []*driver.Message) error {
	service, ok := driver.QueueOf(dest)
	if !ok {
		return s.Sender.Send(ctx, dest, msgs)
	}
	url, ok := s.queues[service]
	if !ok {
		return fmt.Errorf("%w: %w: no queue of %q accepts commands", driver.ErrNotSent, driver.ErrNotFound, service)
	}
	var failed []driver.BatchFailure
	for i, m := range msgs {
		if err := s.sendOne(ctx, url, m); err != nil {
			failed = append(failed, driver.BatchFailure{Index: i, Err: err})
		}
	}
	if len(failed) > 0 {
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

func (s *routedSender) sendOne(ctx context.Context, url string, m *driver.Message) error {
	attrs := make(map[string]sqstypes.MessageAttributeValue, len(m.Attributes))
	for k, v := range m.Attributes {
		if v != "" {
			attrs[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(m.Body)), MessageAttributes: attrs}
	if strings.HasSuffix(url, ".fifo") {
		group := m.GroupID
		if group == "" {
			group = m.DedupID
		}
		in.MessageGroupId, in.MessageDeduplicationId = aws.String(group), aws.String(m.DedupID)
	}
	if _, err := s.sqs.SendMessage(ctx, in); err != nil {
		if refused(err) {
			return fmt.Errorf("snssqs: SendMessage to %s: %w: %w", url, driver.ErrNotSent, contractError(err))
		}
		return fmt.Errorf("snssqs: SendMessage to %s: %w", url, err)
	}
	return nil
}
