package snssqs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// inspectVisibility is how long the dead letters a tool receives stay
// invisible to others if the tool cannot release them.
const inspectVisibility = 30

// dlqScan receives the dead-letter queue's messages, each once, and hands
// each to visit until visit returns false or the queue has no more
// visible messages. It returns the receipt handles of the messages
// received that visit did not settle (returned keep=true), for release.
func (d *Driver) dlqScan(ctx context.Context, dlqURL string, visit func(m sqstypes.Message) (keep, more bool, err error)) ([]string, error) {
	seen := map[string]bool{}
	var keep []string
	for {
		out, err := d.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: MaxBatch, WaitTimeSeconds: 1, VisibilityTimeout: inspectVisibility,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil {
			return keep, fmt.Errorf("snssqs: ReceiveMessage from the dead-letter queue: %w", err)
		}
		fresh := 0
		for i, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				keep = append(keep, aws.ToString(m.ReceiptHandle))
				continue
			}
			seen[id] = true
			fresh++
			k, more, err := visit(m)
			if k {
				keep = append(keep, aws.ToString(m.ReceiptHandle))
			}
			if err != nil || !more {
				for _, rest := range out.Messages[i+1:] { // received, not visited
					keep = append(keep, aws.ToString(rest.ReceiptHandle))
				}
				return keep, err
			}
		}
		if fresh == 0 {
			return keep, nil
		}
	}
}

// release makes received messages visible again. What it cannot release
// comes back after inspectVisibility seconds.
func (d *Driver) release(ctx context.Context, queueURL string, handles []string) error {
	var errs []error
	for _, h := range handles {
		if _, err := d.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(h), VisibilityTimeout: 0}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("snssqs: %d dead letters stay invisible for %ds: %w", len(errs), inspectVisibility, errors.Join(errs...))
	}
	return nil
}

func deadLetterOf(m sqstypes.Message) driver.DeadLetter {
	attrs := attributesOf(m)
	dl := driver.DeadLetter{ID: aws.ToString(m.MessageId), Body: []byte(aws.ToString(m.Body)), Attributes: attrs, Reason: attrs[driver.AttrDeadLetterReason]}
	dl.ReceiveCount, _ = strconv.Atoi(attrs[driver.AttrDeadLetterReceiveCount])
	if _, ours := attrs[driver.AttrDeadLetterReason]; ours {
		// The consumer runtime sent it to the dead-letter queue then.
		if ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
			dl.DeadLetteredAt = time.UnixMilli(ms).UTC()
		}
	}
	return dl
}

// ListDeadLetters implements driver.DeadLetterAccess. SQS has no way to
// look without receiving: the dead letters are received, with a short
// visibility timeout, and released again before it returns.
func (d *Driver) ListDeadLetters(ctx context.Context, t *topology.Topology, service string, max int) ([]driver.DeadLetter, error) {
	_, _, dlq, err := serviceOf(t, service)
	if err != nil {
		return nil, err
	}
	dlqURL, err := d.queueURL(ctx, dlq)
	if err != nil {
		return nil, err
	}
	var out []driver.DeadLetter
	var keep []string
	if max > 0 {
		keep, err = d.dlqScan(ctx, dlqURL, func(m sqstypes.Message) (bool, bool, error) {
			out = append(out, deadLetterOf(m))
			return true, len(out) < max, nil
		})
	}
	return out, errors.Join(err, d.release(context.WithoutCancel(ctx), dlqURL, keep))
}

// RedriveDeadLetters implements driver.DeadLetterAccess: each dead
// letter of ids is sent back to the service's own queue, as SQS's own
// redrive does, never to a topic whose other subscribers had it already,
// its body and attributes as they were (without the dead-letter ones),
// then deleted from the dead-letter queue. A send whose outcome is unknown
// leaves the dead letter in place (redriving it again may deliver it
// twice; the service deduplicates), and one deleted after sending but not
// acknowledged is a duplicate, never a loss.
func (d *Driver) RedriveDeadLetters(ctx context.Context, t *topology.Topology, service string, ids []string) ([]string, error) {
	_, queue, dlq, err := serviceOf(t, service)
	if err != nil {
		return nil, err
	}
	dlqURL, err := d.queueURL(ctx, dlq)
	if err != nil {
		return nil, err
	}
	queueURL, err := d.queueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var done []string
	keep, err := d.dlqScan(ctx, dlqURL, func(m sqstypes.Message) (bool, bool, error) {
		id := aws.ToString(m.MessageId)
		if !want[id] {
			return true, true, nil
		}
		if err := d.redrive(ctx, queueURL, m); err != nil {
			// It stays in the dead-letter queue either way.
			err = fmt.Errorf("outcome unknown, it may have been sent (redriving it again may deliver it twice): %w", err)
			return true, false, fmt.Errorf("snssqs: redrive %s: %w", id, err)
		}
		delete(want, id)
		done = append(done, id)
		if _, err := d.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			return false, false, fmt.Errorf("snssqs: %s redriven, but still in the dead-letter queue (redriving it again delivers it twice): %w", id, err)
		}
		return false, len(want) > 0, nil
	})
	err = errors.Join(err, d.release(context.WithoutCancel(ctx), dlqURL, keep))
	if len(want) > 0 && err == nil {
		err = fmt.Errorf("%w: dead letters %v of %q", driver.ErrNotFound, sortedKeys(want), service)
	}
	return done, err
}

// redrive sends a dead letter back to its service's queue.
func (d *Driver) redrive(ctx context.Context, queueURL string, m sqstypes.Message) error {
	attrs := make(map[string]sqstypes.MessageAttributeValue, len(m.MessageAttributes))
	for k, v := range m.MessageAttributes {
		if k != driver.AttrDeadLetterReason && k != driver.AttrDeadLetterReceiveCount {
			attrs[k] = v
		}
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: m.Body, MessageAttributes: attrs}
	if strings.HasSuffix(queueURL, ".fifo") {
		group := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
		if group == "" {
			group = "redrive"
		}
		// A new deduplication id: the original's may still be in the
		// queue's window. Consumers deduplicate on the envelope's (source, id).
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = m.MessageId
	}
	_, err := d.sqs.SendMessage(ctx, in)
	return err
}

// PurgeDeadLetters implements driver.DeadLetterAccess: it receives and
// deletes the dead letters until none is visible, and counts them.
func (d *Driver) PurgeDeadLetters(ctx context.Context, t *topology.Topology, service string) (int, error) {
	_, _, dlq, err := serviceOf(t, service)
	if err != nil {
		return 0, err
	}
	dlqURL, err := d.queueURL(ctx, dlq)
	if err != nil {
		return 0, err
	}
	n := 0
	keep, err := d.dlqScan(ctx, dlqURL, func(m sqstypes.Message) (bool, bool, error) {
		if _, err := d.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			return true, false, fmt.Errorf("snssqs: purge: %w", err)
		}
		n++
		return false, true, nil
	})
	return n, errors.Join(err, d.release(context.WithoutCancel(ctx), dlqURL, keep))
}
