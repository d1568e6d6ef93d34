package snssqs_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// BenchmarkClaimCheck5MiB publishes and consumes a 5 MiB event on fauxqs
// through the library (S3 put, SNS publish; SQS receive, S3 get, digest
// and data rules, delete) side by side with the raw SDK doing the same
// calls (PutObject and Publish; ReceiveMessage, GetObject and
// DeleteMessage).
func BenchmarkClaimCheck5MiB(b *testing.B) {
	ctx := context.Background()
	srv := fauxqsServer()
	snsC, sqsC := clientsOf(b, srv.endpoint)
	s3C := s3Of(b, srv.endpoint)
	topo := claimSpec()
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second, S3: s3C})
	require.NoError(b, err)
	require.NoError(b, d.Provision(ctx, topo))
	b.Cleanup(func() { _ = d.Teardown(context.Background(), topo) })
	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(b, err)
	names := naming.AWSNames{Env: topo.Env}
	qName, _ := names.Queue("ledger", false)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(qName)})
	require.NoError(b, err)
	tName, _ := names.Topic("payroll", false)
	topic, err := snsC.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(tName)})
	require.NoError(b, err)

	b.Run("library", func(b *testing.B) {
		got := make(chan int, 1)
		cons, err := bus.Consumer(ctx, "ledger", &transport.ConsumerConfig{Concurrency: 1, Pollers: 1})
		require.NoError(b, err)
		require.NoError(b, cons.HandleFunc("elmo.payroll.pay_run.completed.v1", func(_ context.Context, d *transport.Delivery) error {
			got <- len(d.Envelope.Data)
			return nil
		}))
		require.NoError(b, cons.Start(ctx))
		defer cons.Shutdown(ctx) //nolint:errcheck
		b.SetBytes(5 << 20)
		for b.Loop() {
			e := sized(b, "elmo.payroll.pay_run.completed.v1", 5<<20)
			if err := bus.Publisher().Publish(ctx, e); err != nil {
				b.Fatal(err)
			}
			select {
			case n := <-got:
				if n != len(e.Data) {
					b.Fatal("short data")
				}
			case <-time.After(30 * time.Second):
				b.Fatal("the event never arrived")
			}
		}
	})
	b.Run("raw SDK", func(b *testing.B) {
		b.SetBytes(5 << 20)
		for b.Loop() {
			e := sized(b, "elmo.payroll.pay_run.completed.v1", 5<<20)
			key := aws.String(e.Type + "/" + e.ID)
			if _, err := s3C.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(topo.ClaimCheck.Bucket), Key: key, Body: bytes.NewReader(e.Data)}); err != nil {
				b.Fatal(err)
			}
			msg := `{"specversion":"1.0","id":"` + e.ID + `","dataref":"s3://` + topo.ClaimCheck.Bucket + "/" + *key + `"}`
			if _, err := snsC.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(msg), // the subscription filters on type
				MessageAttributes: map[string]snstypes.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(e.Type)}}}); err != nil {
				b.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); ; {
				if time.Now().After(deadline) {
					b.Fatal("the raw message never arrived")
				}
				out, err := sqsC.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
				if err != nil {
					b.Fatal(err)
				}
				if len(out.Messages) == 0 {
					continue
				}
				obj, err := s3C.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(topo.ClaimCheck.Bucket), Key: key})
				if err != nil {
					b.Fatal(err)
				}
				data, err := io.ReadAll(obj.Body)
				obj.Body.Close()
				if err != nil || len(data) != len(e.Data) {
					b.Fatal("short data", err)
				}
				if _, err := sqsC.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
					b.Fatal(err)
				}
				break
			}
		}
	})
}
