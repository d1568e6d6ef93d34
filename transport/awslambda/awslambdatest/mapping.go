package awslambdatest

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS is what a Mapping calls.
type SQS interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// Mapping does what an SQS event source mapping with
// ReportBatchItemFailures does, one batch per Poll.
type Mapping struct {
	SQS      SQS
	QueueURL string
	// QueueARN goes in the records' eventSourceARN.
	QueueARN string
	// BatchSize is the most records of one invocation, 1 to 10. Default 10.
	BatchSize int
	// Invoke invokes the function: Function.Invoke, or a handler called
	// in process.
	Invoke func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)
}

// Poll receives a batch (waiting up to a second for one), invokes the
// function with it, and deletes the records it did not report failed; a
// failed invocation deletes none. It returns how many records it passed
// and how many were reported failed.
func (m *Mapping) Poll(ctx context.Context) (records, failed int, err error) {
	size := m.BatchSize
	if size == 0 {
		size = 10
	}
	out, err := m.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(m.QueueURL), MaxNumberOfMessages: int32(size), WaitTimeSeconds: 1,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil || len(out.Messages) == 0 {
		return 0, 0, err
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	for i, msg := range out.Messages {
		ev.Records[i] = Record(msg, m.QueueARN)
	}
	resp, err := m.Invoke(ctx, ev)
	if err != nil {
		return len(ev.Records), len(ev.Records), err
	}
	failedIDs := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failedIDs[f.ItemIdentifier] = true
	}
	var entries []sqstypes.DeleteMessageBatchRequestEntry
	for i, r := range ev.Records {
		if !failedIDs[r.MessageId] {
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r.ReceiptHandle)})
		}
	}
	if len(entries) > 0 {
		// A record the function deleted itself (moving it to the
		// dead-letter queue) may fail to delete again: no error, as for
		// the real mapping.
		if _, err := m.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: entries}); err != nil {
			return len(ev.Records), len(failedIDs), fmt.Errorf("awslambdatest: deleting the batch: %w", err)
		}
	}
	return len(ev.Records), len(failedIDs), nil
}

// Record is an SQS message as an event source mapping passes it to a
// function.
func Record(m sqstypes.Message, queueARN string) events.SQSMessage {
	r := events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
		Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: queueARN,
		MessageAttributes: make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes))}
	for k, a := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{DataType: aws.ToString(a.DataType), StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return r
}
