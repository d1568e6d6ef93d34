package memory

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Broker is an in-process message broker with the semantics of SNS topics
// fanning out to SQS queues: named subscriptions each with their own queue,
// filters on mirrored attributes, visibility timeouts, redelivery with a
// receive count, dead-letter queues and optional FIFO ordering. Memory is
// bounded by Config.MaxMessages per queue. A Broker is safe for concurrent
// use; it needs no closing.
type Broker struct {
	cfg   Config
	clock Clock

	mu     sync.Mutex
	topics map[string][]*queue
	limits map[string]int // a topic's largest message, when its domain sets one
	// objects are the claim-checked data, by ref (see ClaimCheck)
	objects map[string][]byte
	queues  map[string]*queue
	nextID  uint64
}

// New returns an empty broker.
func New(cfg *Config) (*Broker, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	for _, f := range []struct {
		name  string
		value int
	}{{"MaxMessages", c.MaxMessages}, {"MaxBatch", c.MaxBatch}, {"MaxMessageBytes", c.MaxMessageBytes}} {
		if f.value < 0 {
			errs = append(errs, &config.Error{Setting: "memory.Config." + f.name, Problem: "must not be negative"})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = DefaultMaxMessages
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	return &Broker{cfg: c, clock: c.Clock, topics: map[string][]*queue{}, limits: map[string]int{}, objects: map[string][]byte{}, queues: map[string]*queue{}}, nil
}

// CreateTopic creates a topic; it does nothing if the topic exists.
func (b *Broker) CreateTopic(name string) error {
	if name == "" {
		return fmt.Errorf("memory: empty topic name")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.topics[name]; !ok {
		b.topics[name] = nil
	}
	return nil
}

// CreateSubscription creates a subscription and its queue, and the topics it
// names. A name already in use gets ErrExists.
func (b *Broker) CreateSubscription(sc SubscriptionConfig) error {
	var errs []error
	if sc.Name == "" {
		errs = append(errs, &config.Error{Setting: "SubscriptionConfig.Name", Problem: "must not be empty"})
	}
	if sc.VisibilityTimeout < 0 {
		errs = append(errs, &config.Error{Setting: "SubscriptionConfig.VisibilityTimeout", Problem: "must not be negative"})
	}
	if sc.MaxReceiveCount < 0 {
		errs = append(errs, &config.Error{Setting: "SubscriptionConfig.MaxReceiveCount", Problem: "must not be negative"})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if sc.VisibilityTimeout == 0 {
		sc.VisibilityTimeout = DefaultVisibilityTimeout
	}
	if sc.MaxReceiveCount == 0 {
		sc.MaxReceiveCount = DefaultMaxReceiveCount
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.queues[sc.Name]; ok {
		return fmt.Errorf("%w: %s", ErrExists, sc.Name)
	}
	q := &queue{b: b, cfg: sc, inflight: map[string]*message{}, notify: make(chan struct{})}
	if sc.FIFO {
		q.groups = map[string]*group{}
		q.dedup = map[string]time.Time{}
	}
	b.queues[sc.Name] = q
	for _, t := range sc.Topics {
		b.topics[t] = append(b.topics[t], q)
	}
	return nil
}

// Sender returns the broker's publishing side.
func (b *Broker) Sender() driver.Sender { return sender{b} }

// Receiver returns the receiving side of a subscription.
func (b *Broker) Receiver(subscription string) (driver.Receiver, error) {
	q, err := b.queue(subscription)
	if err != nil {
		return nil, err
	}
	return receiver{q}, nil
}

func (b *Broker) queue(name string) (*queue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[name]
	if !ok {
		return nil, fmt.Errorf("%w: subscription %q", driver.ErrNotFound, name)
	}
	return q, nil
}

// DeadLetters returns copies of the messages in a subscription's dead-letter
// queue, oldest first, each with its AttrDeadLetterReason.
func (b *Broker) DeadLetters(subscription string) ([]*driver.Message, error) {
	q, err := b.queue(subscription)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*driver.Message, len(q.dlq))
	for i, m := range q.dlq {
		out[i] = m.export("")
		out[i].Attributes = maps.Clone(m.attrs)
		out[i].Body = slices.Clone(m.body)
	}
	return out, nil
}

// Stats counts the messages of a subscription.
type Stats struct {
	Visible      int // waiting to be delivered
	InFlight     int // delivered, neither acknowledged nor visible again yet
	DeadLettered int // in the dead-letter queue
}

// Stats returns the counts of a subscription's queue.
func (b *Broker) Stats(subscription string) (Stats, error) {
	q, err := b.queue(subscription)
	if err != nil {
		return Stats{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Visible: q.count - len(q.inflight), InFlight: len(q.inflight), DeadLettered: len(q.dlq)}, nil
}
