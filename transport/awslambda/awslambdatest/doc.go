// Package awslambdatest runs Lambda functions for tests, yours included:
// the AWS Lambda Runtime Interface Emulator (installed with go install on
// first use and kept in the user's cache), and a Mapping that does what an
// SQS event source mapping with ReportBatchItemFailures does (receive a
// batch, invoke the function, delete what it did not report failed)
// against any SQS server, such as GoAws or fauxqs.
//
//	fn := awslambdatest.StartForTest(t, "./bootstrap", "ELMO_TRANSPORT=...")
//	m := &awslambdatest.Mapping{SQS: sqsClient, QueueURL: url, Invoke: fn.Invoke}
//	n, err := m.Poll(ctx)
package awslambdatest
