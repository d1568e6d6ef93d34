// Package memory is an in-process transport with the semantics of SNS
// topics fanning out to SQS queues. It is the embedded default for the
// examples and for unit tests of services, and it passes the whole
// conformance suite of package transport/transporttest.
//
// A [Broker] has topics and named subscriptions. Each subscription has its
// own queue, which receives a copy of every message published to its
// topics that passes its filter (on the type attribute, and on any other
// mirrored attribute). A delivered message is invisible for the visibility
// timeout, then delivered again with a higher receive count unless it was
// acknowledged. SetVisibility delays a redelivery (a retry backoff) or
// extends the visibility while a long handler runs. After MaxReceiveCount
// deliveries a message moves to the subscription's dead-letter queue, as
// with an SQS redrive policy. A FIFO subscription delivers the messages of
// one group (the envelope's partitionkey) in order, one at a time, and
// drops a duplicate id within five minutes.
//
// Memory is bounded: a queue holds at most Config.MaxMessages messages,
// and a publish that would exceed that fails with driver.ErrQueueFull (a
// retryable error). The broker never buffers without bound. Time comes
// from a [Clock]; a [ManualClock] lets tests move it, so tests of timeouts
// need no sleeping.
//
// Services use the broker through package transport:
//
//	b, err := memory.New(nil)
//	b.CreateSubscription(memory.SubscriptionConfig{Name: "billing", Topics: []string{"identity"}})
//	pub, _ := transport.NewPublisher(b.Sender(), nil)
//	recv, _ := b.Receiver("billing")
//	cons, _ := transport.NewConsumer(recv, nil)
package memory
