package memory

import (
	"time"
)

// Defaults of [Config] and [SubscriptionConfig].
const (
	DefaultMaxMessages       = 1 << 20
	DefaultMaxBatch          = 10
	DefaultMaxMessageBytes   = 256 << 10
	DefaultVisibilityTimeout = 30 * time.Second
	DefaultMaxReceiveCount   = 10
	// FIFODeduplicationWindow is how long a FIFO subscription remembers a
	// message's DedupID, as SQS does.
	FIFODeduplicationWindow = 5 * time.Minute
)

// Config configures a [Broker]. A nil *Config means the defaults, as does
// a zero field; negative values are errors.
type Config struct {
	// Clock drives visibility timeouts and delays; nil means real time.
	Clock Clock
	// MaxMessages bounds each queue and each dead-letter queue; a publish
	// that would exceed it fails with driver.ErrQueueFull. Default
	// DefaultMaxMessages.
	MaxMessages int
	// MaxBatch is the batch limit of Send, Receive and Ack. Default
	// DefaultMaxBatch, as SNS and SQS.
	MaxBatch int
	// MaxMessageBytes bounds a message's driver.Message.Size on a topic
	// whose domain sets no limit of its own (Provision gives a topology's
	// domain its maxMessageBytes, as SNS's MaximumMessageSize). Default
	// DefaultMaxMessageBytes (256 KiB), as SNS and SQS.
	MaxMessageBytes int
}

// SubscriptionConfig describes a subscription: a named queue that receives a
// copy of every matching message published to its topics.
type SubscriptionConfig struct {
	// Name identifies the subscription, e.g. the consuming service's name.
	Name string
	// Topics the subscription receives from; they are created if needed.
	// None: its queue gets only what is sent to it directly (commands,
	// driver.QueueDestination).
	Topics []string
	// Types, when not empty, keeps only messages whose AttrType attribute is
	// one of them (an SNS filter policy on the type attribute). An entry
	// "<org>.<domain>.*" takes every type of the domain, as in a
	// topology's Consumes.
	Types []string
	// Attributes, when not empty, keeps only messages whose attribute of
	// each name has one of the listed values.
	Attributes map[string][]string
	// VisibilityTimeout is how long a delivered message stays invisible
	// before it is delivered again. Default DefaultVisibilityTimeout.
	VisibilityTimeout time.Duration
	// MaxReceiveCount moves a message to the dead-letter queue instead of
	// delivering it again once it has been received this many times (the
	// SQS redrive policy). Default DefaultMaxReceiveCount; negative is an
	// error.
	MaxReceiveCount int
	// FIFO delivers the messages of one GroupID in order, as SQS FIFO
	// does: while a message of the group is in flight, no other is
	// delivered, and one receive may take several in order,
	// and drops a message whose DedupID was seen in the last
	// FIFODeduplicationWindow.
	FIFO bool
}
