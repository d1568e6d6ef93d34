package snssqs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// MaxBatch is the most entries SNS PublishBatch, SQS ReceiveMessage and
// DeleteMessageBatch take in one call.
const MaxBatch = 10

// MaxBatchBytes is the SNS limit on the total size of one PublishBatch to
// a topic of the default size. A batch's limit is its topic's
// MaximumMessageSize, which the Publisher applies (Limits reports none).
const MaxBatchBytes = 256 << 10

// SenderConfig configures a [Sender]. A nil *SenderConfig means the
// defaults.
type SenderConfig struct {
	// MaxBatch bounds the entries of one PublishBatch: 1 to 10. Default
	// 10, or 9 through a Driver on a local server (GoAws refuses 10).
	MaxBatch int
}

// Sender publishes to SNS topics. It is a driver.Sender; use it through
// transport.Publisher. Topics whose ARN ends in ".fifo" are FIFO: each
// message carries MessageGroupId (the envelope's partitionkey, or its id
// when it has none) and MessageDeduplicationId (the envelope's id).
type Sender struct {
	sns    SNSPublisher
	topics map[string]string // ARN by domain
	cfg    SenderConfig
}

// NewSender returns a Sender to the topics of topicARNs, by domain. A
// [Driver] makes one for a topology (Driver.OpenSender).
func NewSender(client SNSPublisher, topicARNs map[string]string, cfg *SenderConfig) (*Sender, error) {
	var c SenderConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if client == nil {
		errs = append(errs, &config.Error{Setting: "NewSender's client", Problem: "must not be nil"})
	}
	if len(topicARNs) == 0 {
		errs = append(errs, &config.Error{Setting: "NewSender's topicARNs", Problem: "must name at least one topic"})
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = MaxBatch
	}
	if c.MaxBatch < 1 || c.MaxBatch > MaxBatch {
		errs = append(errs, &config.Error{Setting: "SenderConfig.MaxBatch", Problem: fmt.Sprintf("must be 1 to %d", MaxBatch)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Sender{sns: client, topics: maps.Clone(topicARNs), cfg: c}, nil
}

// Limits implements driver.Sender.
func (s *Sender) Limits() driver.Limits {
	return driver.Limits{MaxBatch: s.cfg.MaxBatch} // bytes: the topic's limit, see MaxBatchBytes
}

// IsRetryable implements driver.Sender: throttling, server faults and
// connection errors are worth retrying; an entry the service refused as
// the sender's fault is not.
func (s *Sender) IsRetryable(err error) bool { return isRetryable(err) }

func isRetryable(err error) bool {
	var ee *EntryError
	if errors.As(err, &ee) {
		return !ee.SenderFault
	}
	if errors.Is(err, errNoResult) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// EntryError is the error of one entry of a batch call that the service
// refused while accepting others.
type EntryError struct {
	// Code is the service's error code, e.g. InvalidParameter.
	Code string
	// Message is the service's explanation.
	Message     string
	SenderFault bool // the request was wrong; sending it again will not help
}

// Error implements error.
func (e *EntryError) Error() string {
	return fmt.Sprintf("snssqs: entry refused: %s: %s (sender fault: %t)", e.Code, e.Message, e.SenderFault)
}

// Is reports whether target is driver.ErrNotSent: SNS refused the entry.
func (e *EntryError) Is(target error) bool { return target == driver.ErrNotSent }

// errNoResult reports a batch entry that the response names neither as
// successful nor as failed: its outcome is unknown (and it is retried).
var errNoResult = errors.New("snssqs: the response does not say whether the entry was accepted")

// Send implements driver.Sender with one PublishBatch call.
func (s *Sender) Send(ctx context.Context, domain string, msgs []*driver.Message) error {
	arn, ok := s.topics[domain]
	if !ok {
		return fmt.Errorf("%w: %w: no topic for the domain %q", driver.ErrNotSent, driver.ErrNotFound, domain)
	}
	fifo := strings.HasSuffix(arn, ".fifo")
	entries := make([]snstypes.PublishBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = snstypes.PublishBatchRequestEntry{
			Id:                aws.String(strconv.Itoa(i)),
			Message:           aws.String(string(m.Body)),
			MessageAttributes: snsAttributes(m.Attributes),
		}
		if fifo {
			group := m.GroupID
			if group == "" {
				group = m.DedupID
			}
			entries[i].MessageGroupId = aws.String(group)
			entries[i].MessageDeduplicationId = aws.String(m.DedupID)
		}
	}
	out, err := s.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(arn), PublishBatchRequestEntries: entries})
	if err != nil {
		if refused(err) {
			return fmt.Errorf("snssqs: PublishBatch to %s: %w: %w", arn, driver.ErrNotSent, contractError(err))
		}
		return fmt.Errorf("snssqs: PublishBatch to %s: %w", arn, err)
	}
	results := make([]error, len(msgs))
	for i := range results {
		results[i] = errNoResult
	}
	for _, ok := range out.Successful {
		if i, err := strconv.Atoi(aws.ToString(ok.Id)); err == nil && i >= 0 && i < len(results) {
			results[i] = nil
		}
	}
	for _, f := range out.Failed {
		if i, err := strconv.Atoi(aws.ToString(f.Id)); err == nil && i >= 0 && i < len(results) {
			results[i] = &EntryError{Code: aws.ToString(f.Code), Message: aws.ToString(f.Message), SenderFault: f.SenderFault}
		}
	}
	var failed []driver.BatchFailure
	for i, err := range results {
		if err != nil {
			failed = append(failed, driver.BatchFailure{Index: i, Err: err})
		}
	}
	if len(failed) > 0 {
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

// refused reports whether err is the service's refusal of a request: a
// client-fault error, or any 4xx response. Then nothing was done. Anything
// else (a lost reply, a timeout, a server fault) leaves the outcome unknown.
func refused(err error) bool {
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	return (errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient) ||
		(errors.As(err, &resp) && resp.HTTPStatusCode() >= 400 && resp.HTTPStatusCode() < 500)
}

func snsAttributes(attrs map[string]string) map[string]snstypes.MessageAttributeValue {
	out := make(map[string]snstypes.MessageAttributeValue, len(attrs))
	for k, v := range attrs {
		if v == "" {
			continue // SNS refuses empty values
		}
		out[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	return out
}
