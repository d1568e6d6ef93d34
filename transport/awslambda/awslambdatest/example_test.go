package awslambdatest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/transport/awslambda/awslambdatest"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// A mapping feeds a function the messages of a queue, and deletes what the
// function did not report failed: here a function in process that reports
// every record, so the message stays.
func ExampleMapping() {
	ctx := context.Background()
	srv, err := snssqstest.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	_, sqsC, _ := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: srv.Endpoint, LocalServer: true})
	q, err := sqsC.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work")})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := sqsC.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		fmt.Println(err)
		return
	}
	m := &awslambdatest.Mapping{SQS: sqsC, QueueURL: aws.ToString(q.QueueUrl), Invoke: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			fmt.Println("got", r.Body)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
		return resp, nil
	}}
	n, failed, err := m.Poll(ctx)
	fmt.Println(n, failed, err)
	// Output:
	// got hello
	// 1 1 <nil>
}
