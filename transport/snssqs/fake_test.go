package snssqs_test

// Tests of AWS behaviour that GoAws cannot show, on fakes of the client
// interfaces: partial PublishBatch failures, FIFO attributes, receive
// counts, notification unwrapping, dead-lettering failures.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

type fakeSNS struct {
	mu      sync.Mutex
	inputs  []*sns.PublishBatchInput
	respond func(in *sns.PublishBatchInput) (*sns.PublishBatchOutput, error)
}

func (f *fakeSNS) PublishBatch(_ context.Context, in *sns.PublishBatchInput, _ ...func(*sns.Options)) (*sns.PublishBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inputs = append(f.inputs, in)
	return f.respond(in)
}

func sender(t *testing.T, f *fakeSNS, fifo bool) *snssqs.Sender {
	t.Helper()
	arn := "arn:aws:sns:ap-southeast-2:123456789012:prod-elmo-leave-events"
	if fifo {
		arn += ".fifo"
	}
	s, err := snssqs.NewSender(f, map[string]string{"leave": arn}, nil)
	require.NoError(t, err)
	return s
}

func msgs(n int) []*driver.Message {
	out := make([]*driver.Message, n)
	for i := range out {
		out[i] = &driver.Message{Body: []byte(`{"n":1}`), Attributes: map[string]string{driver.AttrType: "elmo.leave.x.happened.v1", driver.AttrTenantID: ""}, DedupID: "id-" + string(rune('a'+i))}
	}
	return out
}

func TestSenderPartialFailure(t *testing.T) {
	f := &fakeSNS{respond: func(in *sns.PublishBatchInput) (*sns.PublishBatchOutput, error) {
		return &sns.PublishBatchOutput{
			Successful: []snstypes.PublishBatchResultEntry{{Id: aws.String("0")}},
			Failed: []snstypes.BatchResultErrorEntry{
				{Id: aws.String("1"), Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: false},
				{Id: aws.String("2"), Code: aws.String("InvalidParameter"), Message: aws.String("bad attribute"), SenderFault: true},
			},
			// entry 3 is in neither list
		}, nil
	}}
	s := sender(t, f, false)
	err := s.Send(context.Background(), "leave", msgs(4))
	var berr *driver.BatchError
	require.ErrorAs(t, err, &berr)
	require.Len(t, berr.Failed, 3)
	idx := map[int]error{}
	for _, fl := range berr.Failed {
		idx[fl.Index] = fl.Err
	}
	assert.True(t, s.IsRetryable(idx[1]), "a service fault is retryable")
	assert.False(t, s.IsRetryable(idx[2]), "a sender fault is not")
	assert.True(t, s.IsRetryable(idx[3]), "an entry without a result is sent again")
	var ee *snssqs.EntryError
	require.ErrorAs(t, idx[2], &ee)
	assert.Equal(t, "InvalidParameter", ee.Code)

	in := f.inputs[0]
	assert.Equal(t, "arn:aws:sns:ap-southeast-2:123456789012:prod-elmo-leave-events", aws.ToString(in.TopicArn))
	attrs := in.PublishBatchRequestEntries[0].MessageAttributes
	assert.Equal(t, "elmo.leave.x.happened.v1", aws.ToString(attrs[driver.AttrType].StringValue))
	assert.Equal(t, "String", aws.ToString(attrs[driver.AttrType].DataType))
	assert.NotContains(t, attrs, driver.AttrTenantID, "empty attributes are not sent")
	assert.Nil(t, in.PublishBatchRequestEntries[0].MessageGroupId)
}

func TestSenderFIFO(t *testing.T) {
	f := &fakeSNS{respond: func(in *sns.PublishBatchInput) (*sns.PublishBatchOutput, error) {
		out := &sns.PublishBatchOutput{}
		for _, e := range in.PublishBatchRequestEntries {
			out.Successful = append(out.Successful, snstypes.PublishBatchResultEntry{Id: e.Id})
		}
		return out, nil
	}}
	s := sender(t, f, true)
	m := msgs(2)
	m[0].GroupID = "emp-1"
	require.NoError(t, s.Send(context.Background(), "leave", m))
	in := f.inputs[0]
	assert.Equal(t, "arn:aws:sns:ap-southeast-2:123456789012:prod-elmo-leave-events.fifo", aws.ToString(in.TopicArn))
	assert.Equal(t, "emp-1", aws.ToString(in.PublishBatchRequestEntries[0].MessageGroupId))
	assert.Equal(t, "id-a", aws.ToString(in.PublishBatchRequestEntries[0].MessageDeduplicationId))
	assert.Equal(t, "id-b", aws.ToString(in.PublishBatchRequestEntries[1].MessageGroupId), "no partitionkey: the id is the group")
}

func TestSenderWholeCallError(t *testing.T) {
	f := &fakeSNS{respond: func(*sns.PublishBatchInput) (*sns.PublishBatchOutput, error) {
		return nil, errors.New("connection reset")
	}}
	err := sender(t, f, false).Send(context.Background(), "leave", msgs(1))
	require.Error(t, err)
	var berr *driver.BatchError
	assert.False(t, errors.As(err, &berr), "a whole-call failure is not a partial one")
}

func TestNewSenderReceiverAndDriverConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string // the settings named
	}{
		{"sender", func() error { _, err := snssqs.NewSender(nil, nil, &snssqs.SenderConfig{MaxBatch: 11}); return err }(),
			[]string{"NewSender's client", "NewSender's topicARNs", "SenderConfig.MaxBatch"}},
		{"receiver", func() error {
			_, err := snssqs.NewReceiver(nil, "", &snssqs.ReceiverConfig{WaitTime: time.Minute})
			return err
		}(),
			[]string{"NewReceiver's client", "NewReceiver's queueURL", "ReceiverConfig.WaitTime"}},
		{"driver", func() error {
			_, err := snssqs.NewDriver(nil, nil, &snssqs.DriverConfig{WaitTime: -1, MaxBatch: 11})
			return err
		}(), []string{"NewDriver's SNS client", "NewDriver's SQS client", "DriverConfig.WaitTime", "DriverConfig.MaxBatch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, config.ErrInvalid)
			var named []string
			for _, e := range tc.err.(interface{ Unwrap() []error }).Unwrap() {
				var ce *config.Error
				require.ErrorAs(t, e, &ce)
				named = append(named, ce.Setting)
			}
			assert.Equal(t, tc.want, named)
		})
	}
}

type fakeSQS struct {
	snssqs.SQSReceiver // unused methods panic
	mu                 sync.Mutex
	receive            *sqs.ReceiveMessageOutput
	sendErr            error
	sent               []*sqs.SendMessageInput
	deleted            []string
	visibility         []int32
	redrive            string
}

func (f *fakeSQS) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return f.receive, nil
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return nil, f.sendErr
	}
	f.sent = append(f.sent, in)
	return &sqs.SendMessageOutput{}, nil
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, aws.ToString(in.ReceiptHandle))
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.visibility = append(f.visibility, in.VisibilityTimeout)
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (f *fakeSQS) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"RedrivePolicy": f.redrive}}, nil
}

func (f *fakeSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs/" + aws.ToString(in.QueueName))}, nil
}

const topicARN = "arn:aws:sns:ap-southeast-2:123456789012:prod-elmo-leave-events"

func notificationBody(topic, message string) string {
	return `{"Type":"Notification","MessageId":"m-1","TopicArn":"` + topic + `","Message":` + quoteJSON(message) +
		`,"Timestamp":"2026-11-26T10:00:00.000Z","SignatureVersion":"1","Signature":"abc","SigningCertURL":"https://sns/cert.pem",` +
		`"UnsubscribeURL":"https://sns/unsub","MessageAttributes":{"type":{"Type":"String","Value":"elmo.leave.x.happened.v1"}}}`
}

func quoteJSON(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func TestReceiverBodies(t *testing.T) {
	const envelope = `{"specversion":"1.0","id":"1"}`
	cases := []struct {
		name     string
		body     string
		pinned   []string
		wantBody string
		wantType string
	}{
		{"raw delivery", envelope, nil, envelope, ""},
		{"notification", notificationBody(topicARN, envelope), nil, envelope, "elmo.leave.x.happened.v1"},
		{"notification from the pinned topic", notificationBody(topicARN, envelope), []string{topicARN}, envelope, "elmo.leave.x.happened.v1"},
		{"notification from another topic is not unwrapped", notificationBody("arn:aws:sns:x:1:evil", envelope), []string{topicARN}, notificationBody("arn:aws:sns:x:1:evil", envelope), ""},
		{"partial notification shape is not unwrapped", `{"Type":"Notification","TopicArn":"` + topicARN + `","Message":"{}"}`, nil, `{"Type":"Notification","TopicArn":"` + topicARN + `","Message":"{}"}`, ""},
		{"extra members are not unwrapped", strings.Replace(notificationBody(topicARN, envelope), `"Type"`, `"specversion":"1.0","Type"`, 1), nil, strings.Replace(notificationBody(topicARN, envelope), `"Type"`, `"specversion":"1.0","Type"`, 1), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSQS{receive: &sqs.ReceiveMessageOutput{Messages: []sqstypes.Message{{
				Body: aws.String(tc.body), ReceiptHandle: aws.String("h1"),
				Attributes: map[string]string{"ApproximateReceiveCount": "3"},
			}}}}
			r, err := snssqs.NewReceiver(f, "https://sqs/q", &snssqs.ReceiverConfig{TopicARNs: tc.pinned})
			require.NoError(t, err)
			got, err := r.Receive(context.Background(), 10)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tc.wantBody, string(got[0].Body))
			assert.Equal(t, tc.wantType, got[0].Attributes[driver.AttrType])
			assert.Equal(t, 3, got[0].ReceiveCount)
			assert.Equal(t, "h1", got[0].Handle)
		})
	}
}

func TestReceiverDeadLetter(t *testing.T) {
	f := &fakeSQS{redrive: `{"deadLetterTargetArn":"arn:aws:sqs:ap-southeast-2:123456789012:prod-elmo-billing-dlq","maxReceiveCount":10}`}
	r, err := snssqs.NewReceiver(f, "https://sqs/prod-elmo-billing", nil)
	require.NoError(t, err)
	m := &driver.Message{Body: []byte(`{}`), Handle: "h1", ReceiveCount: 2, Attributes: map[string]string{driver.AttrType: "t"}}
	require.NoError(t, r.DeadLetter(context.Background(), m, strings.Repeat("why ", 1000)))
	require.Len(t, f.sent, 1)
	assert.Equal(t, "https://sqs/prod-elmo-billing-dlq", aws.ToString(f.sent[0].QueueUrl), "found through the RedrivePolicy")
	reason := aws.ToString(f.sent[0].MessageAttributes[driver.AttrDeadLetterReason].StringValue)
	assert.LessOrEqual(t, len(reason), 1024)
	assert.Equal(t, "2", aws.ToString(f.sent[0].MessageAttributes[driver.AttrDeadLetterReceiveCount].StringValue))
	assert.Equal(t, "t", aws.ToString(f.sent[0].MessageAttributes[driver.AttrType].StringValue))
	assert.Equal(t, []string{"h1"}, f.deleted)

	// When the dead-letter queue refuses, the original stays.
	f2 := &fakeSQS{sendErr: errors.New("access denied")}
	r2, err := snssqs.NewReceiver(f2, "https://sqs/q", &snssqs.ReceiverConfig{DeadLetterQueueURL: "https://sqs/q-dlq"})
	require.NoError(t, err)
	require.Error(t, r2.DeadLetter(context.Background(), m, "x"))
	assert.Empty(t, f2.deleted, "not deleted when the dead-letter queue did not take it")

	// No RedrivePolicy and no configured queue: a clear error.
	r3, err := snssqs.NewReceiver(&fakeSQS{}, "https://sqs/q", nil)
	require.NoError(t, err)
	assert.ErrorContains(t, r3.DeadLetter(context.Background(), m, "x"), "RedrivePolicy")
}

func TestReceiverVisibilityRoundsUp(t *testing.T) {
	f := &fakeSQS{}
	r, err := snssqs.NewReceiver(f, "https://sqs/q", nil)
	require.NoError(t, err)
	for _, d := range []time.Duration{0, 10 * time.Millisecond, 1500 * time.Millisecond, -time.Second, 24 * time.Hour} {
		require.NoError(t, r.SetVisibility(context.Background(), "h", d))
	}
	assert.Equal(t, []int32{0, 1, 2, 0, 43200}, f.visibility)
}
