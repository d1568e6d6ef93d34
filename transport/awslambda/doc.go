// Package awslambda runs a service's consumer on AWS Lambda: Handler.SQS is
// the function's handler of the SQS batches an event source mapping
// delivers, through the consumer's own pipeline (transport.Consumer.Deliver):
// envelope validation, tolerant payload validation, the mirrored-attribute
// and SNS-notification checks, idempotency, middleware, panic recovery,
// retries with backoff, dead letters with their reason, and the
// OpenTelemetry hooks. There is no second implementation of any of it.
//
//	svc, err := service.Open(ctx, "billing", catalog,
//		&service.Config{Consumer: &transport.ConsumerConfig{Push: true}})
//	err = service.Handle(svc, signedUp, raiseInvoice)
//	err = svc.Start(ctx)
//	h, err := awslambda.New(svc.Consumer(), nil)
//	lambda.Start(h.SQS)
//
// # The event source mapping
//
// Give the mapping FunctionResponseTypes ReportBatchItemFailures (console:
// "Report batch item failures"; CLI: aws lambda create-event-source-mapping
// --function-response-types ReportBatchItemFailures): the handler returns
// only the records that must come back, and the mapping deletes the others.
// Without it, one failed record makes the whole batch come back.
//
//   - Handled records, duplicates and poison messages (an invalid envelope
//     or payload, no handler, a permanent failure) count as done; a poison
//     message first goes to the queue's dead-letter queue with the
//     value-free reason attribute the Consumer writes.
//   - A failed record is reported, and its visibility set to its backoff
//     delay, so that it comes back then.
//   - FIFO queues: after a record that failed in a message group, the
//     group's later records of the batch are reported too, so order holds.
//   - Near the invocation's deadline (Config.Reserve before it), records not
//     yet started are reported instead of being cut off mid-handler.
//
// An error of the handler itself (a consumer that is not a started push
// consumer) fails the whole batch, which then comes back whole: nothing
// is lost.
//
// # Idempotency across instances
//
// Every instance of a function has its own memory: the consumer's default
// idempotency store deduplicates only what one instance saw. Give
// ConsumerConfig.Idempotency a shared store to deduplicate across instances.
//
// # SNS invoking Lambda directly
//
// Not supported: a direct SNS invocation has no queue, so a record can be
// neither delayed nor dead-lettered with its reason; subscribe a queue to
// the topic and map the queue to the function.
package awslambda
