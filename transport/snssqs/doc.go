// Package snssqs is the transport ELMO services run in production: events
// published to SNS topics (one per domain) and consumed from SQS queues (one
// per consuming service), on aws-sdk-go-v2. It is the only package of the
// module that imports the AWS SDK. Services use it through packages
// transport and transport/topology: a [Driver] serves a topology, and
// transport.Open wires it into a Publisher (over a [Sender]) and a
// Consumer per service (over a [Receiver]).
//
// # Guarantees
//
//   - Delivery is at least once. A handler that succeeds has its message
//     deleted (DeleteMessageBatch, up to 10 at a time); one that fails has it
//     made visible again after the runtime's backoff (ChangeMessageVisibility);
//     a message that can never succeed (undecodable, invalid, its mirrored
//     attributes contradicting the envelope) is sent to the queue's
//     dead-letter queue with the reason in its deadletter_reason attribute,
//     then deleted. If the dead-letter queue does not take it, it stays in
//     its queue: nothing is dropped. The queue's RedrivePolicy is the
//     backstop for consumers that die.
//   - Duplicates happen (a lost acknowledgement, a publish retried after a
//     timeout): the runtime deduplicates on (source, id).
//   - Order is kept only on FIFO topics and queues, per partitionkey (the
//     MessageGroupId; MessageDeduplicationId is the event's id).
//   - Size: a message over 256 KiB (body and attributes) is refused before
//     sending with transport.ErrTooLarge, and PublishBatch calls are split
//     so that each stays under 256 KiB in all.
//   - Publishing: a PublishBatch entry SNS refuses is retried when SNS says
//     it was not the sender's fault, and an entry the response does not
//     mention is treated as not sent. transport.PublishError names every
//     event that was not accepted.
//   - The consumer's visibility is extended every third of the queue's
//     visibility timeout while a handler works, so a long handler does not
//     see its message delivered twice.
//   - Shutdown stops the pollers, lets handlers finish until its deadline,
//     makes unfinished messages visible again at once and flushes pending
//     deletes. It then waits for its cancelled long polls to end, up to
//     ReceiverConfig.WaitTime or until its context is done, and releases
//     what they bring: on an idle queue a Shutdown without a deadline
//     takes up to the long-poll wait (20s by default), so give it one.
//   - Bodies: raw (RawMessageDelivery, what [Driver.Provision] sets up) and SNS
//     notification JSON are both read. A body is unwrapped only when it
//     has the whole shape of a notification and, when
//     ReceiverConfig.TopicARNs is set, names one of those topics in its
//     TopicArn. That pinning checks no signature: it refuses notifications
//     that claim another topic, nothing more, since anyone allowed to send
//     to the queue can write any TopicArn. What keeps forged messages out
//     is the queue policy [Driver.Provision] writes, which lets only the topics
//     send to the queue (and IAM for direct senders).
//   - Mirrored attributes are compared with the envelope in both layers
//     of a notification: the notification's and those of the SQS message
//     around it (which Lambda or Pipes filters route on), whatever their
//     data type (String, Number or Binary). Layers that disagree, or an
//     attribute that contradicts the envelope, dead-letter the message.
//
// # Configuration
//
// Pass clients built the AWS way: sns.NewFromConfig and sqs.NewFromConfig of
// an aws.Config from config.LoadDefaultConfig, or [Connect], which does
// that (with an HTTP client and further load options when given) and sets
// the endpoint override (BaseEndpoint) for local servers. The transport
// uses the clients through small interfaces of only the methods it calls
// ([SNSAPI], [SQSAPI]), so tests can fake them.
//
//	AWS:        snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: "ap-southeast-2"})
//	LocalStack: snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: "us-east-1", Endpoint: "http://localhost:4566"})
//	GoAws:      snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: "us-east-1", Endpoint: "http://127.0.0.1:4100"})
//
// with credentials from the environment (for local servers any value, e.g.
// AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test). Then
// [NewDriver](snsClient, sqsClient, nil). A Driver whose clients talk to a
// loopback address takes the server for a local stand-in: PublishBatch of
// at most 9 entries (GoAws refuses 10) and no queue policies (GoAws has
// none).
//
// # Provisioning and dead letters
//
// A topology (package transport/topology) lists domains and consuming
// services; [Driver.Provision] creates, idempotently, the topics, the
// queues with their dead-letter queues (RedrivePolicy), the queue policy
// that lets the topics deliver (one statement listing every topic), and
// the subscriptions with RawMessageDelivery and a FilterPolicy on the type
// attribute, with the topology's settings: message retention
// (MessageRetentionPeriod; dead-letter queues keep messages 14 days),
// encryption at rest (SqsManagedSseEnabled or KmsMasterKeyId on queues,
// KmsMasterKeyId on topics) and tags (TagQueue, TagResource), set again on
// existing resources so that they converge. [Driver.Plan] lists the steps without calling AWS, and
// [Driver.Teardown] removes it all. Without provisioning, the Driver finds
// the resources by name (ListTopics, GetQueueUrl). [Driver.ListDeadLetters],
// [Driver.RedriveDeadLetters] and [Driver.PurgeDeadLetters] work on a
// service's dead-letter queue: SQS cannot look without receiving, so
// listing receives with a 30-second visibility timeout and releases what
// it received before it returns. The same is on the command line: eventctl
// provision, teardown and dlq.
//
// # Large events: 1 MiB domains and the claim check
//
// A domain's maxMessageBytes raises its topic's MaximumMessageSize and the
// MaximumMessageSize of the queues and dead-letter queues subscribed to it
// (at most 1 MiB). Beyond its domain's size an event is claim-checked when
// the topology names a bucket (claimCheck) and the Driver has an S3 client
// (DriverConfig.S3, see [ConnectS3]): [Driver.ClaimCheck] keeps its data at
// s3://<bucket>/<type>/<id>, encrypted with S3's keys or, for a domain
// with a KMS key, with that key; Provision creates the bucket with SSE-S3
// by default and a lifecycle rule that expires objects after the
// dead-letter queues' 14 days, and Teardown empties and deletes it. A
// consumer reads only that bucket, at most ConsumerConfig.MaxClaimBytes,
// and checks the data's digest.

// # Errors
//
// Service errors are mapped onto the driver's vocabulary: a receipt handle
// that names no delivery (ReceiptHandleIsInvalid, MessageNotInflight)
// matches driver.ErrInvalidHandle, a missing queue or topic
// driver.ErrNotFound, and a request the service refused (a client fault or
// a 4xx reply) driver.ErrNotSent; a lost reply or a server fault matches
// none of them, its outcome unknown. Retryability follows the SDK's
// retryables (throttling, server faults, connection errors).
//
// # Tested against GoAws and fauxqs
//
// The tests run the whole conformance suite of package
// transport/transporttest, provisioning end to end and fault injection
// (a connection cut, replies lost, a consumer killed, attributes forged)
// against two real SNS/SQS-speaking servers that the tests install and
// start themselves: GoAws v0.5.4 (built with go install) and fauxqs 1.9.2
// (npm, on Node.js). Neither is AWS; where one falls short, the harness
// works around it and the behaviour is tested on the other, or on fakes of
// the client interfaces:
//
//   - GoAws: PublishBatch refuses 10 entries (9 works), so a Driver on a
//     loopback endpoint sends 9 (production uses 10).
//     ApproximateReceiveCount is always 1 (exact on fauxqs). FIFO topics
//     are ignored (FIFO queues are tested on fauxqs). The queue Policy
//     attribute is not implemented: a Driver on a loopback endpoint sets
//     none, so the queue policy is not exercised by the tests. Tags,
//     encryption settings and topic attributes are not kept: they are
//     tested on fauxqs (retention on both). Filter policies match exact strings only, which
//     is all Provision uses. SendMessageBatch replies without its
//     Successful list, and ChangeMessageVisibilityBatch is not implemented:
//     the transport uses neither. Errors are not typed, and a receive's
//     VisibilityTimeout of 0 is ignored: the harness reads dead-letter
//     queues once and remembers. The notification body's
//     MessageAttributes have another shape than AWS's: notification
//     unwrapping (AWS's shape) is tested on a fake; Provision always sets
//     raw delivery.
//   - fauxqs: it reorders the last entry of a PublishBatch to a FIFO
//     topic, so FIFO through SNS is not claimed in its conformance run;
//     FIFO order is tested on it with direct SQS sends to a FIFO queue,
//     where it is faithful. Deleting with an invalid receipt handle
//     succeeds silently there (SQS refuses it). It does not know the
//     SqsManagedSseEnabled attribute (SSE-SQS), which is therefore checked
//     only in the plan; KMS encryption is checked on it.
//   - Neither can be made to fail part of a PublishBatch: partial failures
//     are tested on a fake.
//   - S3 (the claim check) is tested on fauxqs, which serves it on the same
//     endpoint, and on gofakes3 in process. fauxqs accepts a bucket's
//     encryption and lifecycle without keeping them, and gofakes3 refuses
//     both (its tests make the bucket themselves): the requests are tested
//     on a fake of the client.
//   - Neither knows the SNS topic attribute MaximumMessageSize (a domain's
//     maxMessageBytes above 256 KiB): both refuse it. On a loopback endpoint
//     the Driver does not set it, and says so in its plan; the request it
//     sends to AWS is tested on a fake of the client. Queues take 1 MiB on
//     both. GoAws publishes messages of any size, so 1 MiB events go end
//     to end on it; fauxqs refuses publishes over 256 KiB.
package snssqs
