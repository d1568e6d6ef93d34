package snssqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Receiver limits.
const (
	// DefaultWaitTime is the long-polling wait of ReceiveMessage.
	DefaultWaitTime = 20 * time.Second
	// MaxVisibility is the SQS limit on a visibility timeout: 12 hours.
	MaxVisibility = 12 * time.Hour
	// maxReasonBytes bounds the dead-letter reason attribute.
	maxReasonBytes = 1024
)

// ReceiverConfig configures a [Receiver]. A nil *ReceiverConfig means the
// defaults.
type ReceiverConfig struct {
	// DeadLetterQueueURL is where DeadLetter sends messages. Default: the
	// queue named by the deadLetterTargetArn of the queue's RedrivePolicy,
	// looked up on first use.
	DeadLetterQueueURL string
	// TopicARNs pins notification unwrapping: a body in the SNS
	// notification format is unwrapped only when its TopicArn is one of
	// these. Empty: any topic. No signature is verified; the queue policy
	// that lets only the topics send is what keeps forgeries out. A
	// Driver pins the topics the service consumes from.
	TopicARNs []string
	// WaitTime is the long-polling wait, at most 20s. Default
	// DefaultWaitTime.
	WaitTime time.Duration
}

// Receiver receives from one SQS queue. It is a driver.Receiver; use it
// through transport.Consumer.
type Receiver struct {
	sqs      SQSReceiver
	queueURL string
	cfg      ReceiverConfig

	mu  sync.Mutex
	dlq string // resolved dead-letter queue URL

	// Requests that outlive their caller (a long poll whose Receive was
	// cancelled, and the release of what it brought) run under bg, which
	// Close cancels, and are counted in late.
	bg       context.Context
	bgCancel context.CancelFunc
	late     sync.WaitGroup
}

// NewReceiver returns a Receiver of the queue at queueURL. A [Driver]
// makes one for a topology's service (Driver.OpenReceiver).
func NewReceiver(client SQSReceiver, queueURL string, cfg *ReceiverConfig) (*Receiver, error) {
	var c ReceiverConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if client == nil {
		errs = append(errs, &config.Error{Setting: "NewReceiver's client", Problem: "must not be nil"})
	}
	if queueURL == "" {
		errs = append(errs, &config.Error{Setting: "NewReceiver's queueURL", Problem: "must not be empty"})
	}
	if c.WaitTime < 0 || c.WaitTime > DefaultWaitTime {
		errs = append(errs, &config.Error{Setting: "ReceiverConfig.WaitTime", Problem: "must be 0 to 20s"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.WaitTime == 0 {
		c.WaitTime = DefaultWaitTime
	}
	bg, cancel := context.WithCancel(context.Background())
	return &Receiver{sqs: client, queueURL: queueURL, cfg: c, dlq: c.DeadLetterQueueURL, bg: bg, bgCancel: cancel}, nil
}

// VisibilityTimeout implements driver.VisibilitySource: it reads the
// queue's VisibilityTimeout attribute.
func (r *Receiver) VisibilityTimeout(ctx context.Context) (time.Duration, error) {
	out, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(r.queueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil {
		return 0, fmt.Errorf("snssqs: reading the VisibilityTimeout of %s: %w", r.queueURL, err)
	}
	secs, err := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)])
	if err != nil || secs < 0 {
		return 0, fmt.Errorf("snssqs: %s has no valid VisibilityTimeout attribute", r.queueURL)
	}
	return time.Duration(secs) * time.Second, nil
}

// Close ends what the receiver still runs on its own: it waits until ctx
// is done for long polls whose Receive was cancelled to finish and for
// their messages to be released, then abandons the rest (those messages
// wait out their visibility timeout). After Close returns, no request of
// the receiver is running. The consumer runtime calls it at the end of
// Shutdown. Receive after Close fails.
func (r *Receiver) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		r.late.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	r.bgCancel()
	<-done
	return nil
}

// Limits implements driver.Receiver.
func (r *Receiver) Limits() driver.Limits { return driver.Limits{MaxBatch: MaxBatch} }

// IsRetryable implements driver.Receiver.
func (r *Receiver) IsRetryable(err error) bool { return isRetryable(err) }

// Receive implements driver.Receiver with one long-polling ReceiveMessage.
// It may return no message and no error when the wait ended empty.
//
// When ctx is done during the long poll, Receive returns at once, but the
// request itself is not abandoned: a server may already have taken
// messages for it (made them invisible), and cutting the connection would
// leave them invisible until their visibility timeout. The request
// finishes in the background, and whatever it brings is made visible again
// immediately.
func (r *Receiver) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	if max <= 0 || max > MaxBatch {
		max = MaxBatch
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := r.bg.Err(); err != nil {
		return nil, fmt.Errorf("snssqs: receiver closed: %w", err)
	}
	done := make(chan receiveResult, 1)
	r.late.Add(1)
	go func() {
		defer r.late.Done()
		rctx, cancel := context.WithTimeout(r.bg, r.cfg.WaitTime+30*time.Second)
		defer cancel()
		out, err := r.sqs.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(r.queueURL),
			MaxNumberOfMessages:         int32(max),
			WaitTimeSeconds:             int32(r.cfg.WaitTime / time.Second),
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount, sqstypes.MessageSystemAttributeNameMessageGroupId},
		})
		done <- receiveResult{out, err}
	}()
	var res receiveResult
	select {
	case res = <-done:
	case <-ctx.Done():
		r.late.Add(1)
		go r.releaseLate(done)
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, fmt.Errorf("snssqs: ReceiveMessage: %w", contractError(res.err))
	}
	out := res.out
	msgs := make([]*driver.Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, r.Message(m))
	}
	return msgs, nil
}

type receiveResult struct {
	out *sqs.ReceiveMessageOutput
	err error
}

// releaseLate makes the messages of a receive nobody waits for any more
// visible again.
func (r *Receiver) releaseLate(done <-chan receiveResult) {
	defer r.late.Done()
	res := <-done
	if res.err != nil {
		return
	}
	for _, m := range res.out.Messages {
		_ = r.SetVisibility(r.bg, aws.ToString(m.ReceiptHandle), 0) // at worst it waits for its visibility timeout
	}
}

// attributesOf returns a message's attributes as strings. Every attribute
// is kept whatever its data type (a Binary "type" must be compared with the
// envelope like a String one).
func attributesOf(m sqstypes.Message) map[string]string {
	attrs := make(map[string]string, len(m.MessageAttributes))
	for k, v := range m.MessageAttributes {
		switch {
		case v.StringValue != nil:
			attrs[k] = *v.StringValue
		case v.BinaryValue != nil:
			attrs[k] = string(v.BinaryValue)
		}
	}
	return attrs
}

// Message converts a message of the receiver's queue that was received by
// other means the way Receive converts its own: the SNS notification
// unwrapped, both layers' attributes kept, and a contradiction between
// them reported in the result's Conflict.
func (r *Receiver) Message(m sqstypes.Message) *driver.Message {
	return r.Record([]byte(aws.ToString(m.Body)), attributesOf(m), aws.ToString(m.ReceiptHandle), m.Attributes)
}

// Record is Message for a message given by its parts, as an AWS Lambda
// event source mapping passes it (see transport/awslambda): its body, its
// message attributes as strings (binary ones as their bytes), its receipt
// handle, and its system attributes (ApproximateReceiveCount,
// MessageGroupId). The result owns body and attrs.
func (r *Receiver) Record(body []byte, attrs map[string]string, handle string, system map[string]string) *driver.Message {
	var conflict error
	if inner, nattrs, ok := unwrap(body, r.cfg.TopicARNs); ok {
		// Both layers' attributes count: the notification's, and those of
		// the SQS message around it, which routing (Lambda or Pipes
		// filters) reads. Where they disagree, the message is refused.
		body = inner
		for _, k := range slices.Sorted(maps.Keys(nattrs)) {
			if outer, ok := attrs[k]; ok && outer != nattrs[k] && conflict == nil {
				conflict = fmt.Errorf("attribute %s is %q in the SQS message but %q in the SNS notification", k, outer, nattrs[k])
			}
			attrs[k] = nattrs[k]
		}
	}
	count := 1
	if n := system[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)]; n != "" {
		count, _ = strconv.Atoi(n)
	}
	return &driver.Message{Body: body, Attributes: attrs, Handle: handle, ReceiveCount: max(count, 1), Conflict: conflict,
		GroupID: system[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]}
}

// Ack implements driver.Receiver with one DeleteMessageBatch per 10 handles.
func (r *Receiver) Ack(ctx context.Context, handles []string) error {
	var failed []driver.BatchFailure
	// An empty handle would make SQS refuse the whole call: it is refused
	// here, and the others are sent with their indexes kept.
	var index []int
	for i, h := range handles {
		if h == "" {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("%w: empty", driver.ErrInvalidHandle)})
			continue
		}
		index = append(index, i)
	}
	for start := 0; start < len(index); start += MaxBatch {
		chunk := index[start:min(start+MaxBatch, len(index))]
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(chunk))
		for i, at := range chunk {
			entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(handles[at])}
		}
		out, err := r.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.queueURL), Entries: entries})
		if err != nil {
			for _, at := range chunk {
				failed = append(failed, driver.BatchFailure{Index: at, Err: fmt.Errorf("snssqs: DeleteMessageBatch: %w", contractError(err))})
			}
			continue
		}
		for _, f := range out.Failed {
			if i, err := strconv.Atoi(aws.ToString(f.Id)); err == nil && i >= 0 && i < len(chunk) {
				entry := &EntryError{Code: aws.ToString(f.Code), Message: aws.ToString(f.Message), SenderFault: f.SenderFault}
				failed = append(failed, driver.BatchFailure{Index: chunk[i], Err: contractError(entry)})
			}
		}
	}
	if len(failed) > 0 {
		slices.SortFunc(failed, func(a, b driver.BatchFailure) int { return a.Index - b.Index })
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

// SetVisibility implements driver.Receiver with ChangeMessageVisibility.
// SQS counts whole seconds: d is rounded up, and capped at MaxVisibility.
func (r *Receiver) SetVisibility(ctx context.Context, handle string, d time.Duration) error {
	if handle == "" {
		return fmt.Errorf("%w: empty", driver.ErrInvalidHandle)
	}
	d = min(max(d, 0), MaxVisibility)
	secs := int32(math.Ceil(d.Seconds()))
	_, err := r.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(r.queueURL), ReceiptHandle: aws.String(handle), VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("snssqs: ChangeMessageVisibility: %w", contractError(err))
	}
	return nil
}

// DeadLetter implements driver.Receiver: it sends the message, with its
// attributes and the reason, to the dead-letter queue, then deletes it
// from the queue. If the send fails, the message stays where it was.
func (r *Receiver) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	dlq, err := r.deadLetterQueue(ctx)
	if err != nil {
		return err
	}
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes-3] + "..."
	}
	attrs := make(map[string]sqstypes.MessageAttributeValue, len(m.Attributes)+2)
	for k, v := range m.Attributes {
		if v != "" && len(attrs) < 8 {
			attrs[k] = stringAttribute(v)
		}
	}
	attrs[driver.AttrDeadLetterReason] = stringAttribute(strings.ToValidUTF8(reason, "?"))
	attrs[driver.AttrDeadLetterReceiveCount] = stringAttribute(strconv.Itoa(m.ReceiveCount))
	in := &sqs.SendMessageInput{QueueUrl: aws.String(dlq), MessageBody: aws.String(string(m.Body)), MessageAttributes: attrs}
	if strings.HasSuffix(dlq, ".fifo") {
		group := m.GroupID
		if group == "" {
			group = "deadletter"
		}
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = aws.String(m.Handle[:min(len(m.Handle), 128)])
	}
	if _, err := r.sqs.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("snssqs: dead-letter queue %s: %w", dlq, err)
	}
	if _, err := r.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.queueURL), ReceiptHandle: aws.String(m.Handle)}); err != nil {
		// The copy is in the dead-letter queue; the original comes back
		// and is dead-lettered again: a duplicate, never a loss.
		return fmt.Errorf("snssqs: dead-lettered, but not deleted from the queue: %w", contractError(err))
	}
	return nil
}

// deadLetterQueue returns the dead-letter queue's URL, from the config or
// from the queue's RedrivePolicy.
//
// The lookup runs without holding the lock, so dead-letters never wait
// on each other's network calls; concurrent first lookups may each ask.
func (r *Receiver) deadLetterQueue(ctx context.Context) (string, error) {
	r.mu.Lock()
	dlq := r.dlq
	r.mu.Unlock()
	if dlq != "" {
		return dlq, nil
	}
	out, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(r.queueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy},
	})
	if err != nil {
		return "", fmt.Errorf("snssqs: reading the RedrivePolicy of %s: %w", r.queueURL, err)
	}
	var policy struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	raw := out.Attributes[string(sqstypes.QueueAttributeNameRedrivePolicy)]
	if err := json.Unmarshal([]byte(raw), &policy); err != nil || policy.DeadLetterTargetArn == "" {
		return "", fmt.Errorf("snssqs: %s has no RedrivePolicy with a deadLetterTargetArn, and ReceiverConfig.DeadLetterQueueURL is empty", r.queueURL)
	}
	name := policy.DeadLetterTargetArn[strings.LastIndexByte(policy.DeadLetterTargetArn, ':')+1:]
	u, err := r.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("snssqs: dead-letter queue %s: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dlq = aws.ToString(u.QueueUrl)
	return r.dlq, nil
}
