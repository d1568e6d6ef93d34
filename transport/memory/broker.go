package memory

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
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

// ErrExists reports a subscription name that is already taken.
var ErrExists = errors.New("subscription already exists")

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
	// MaxMessageBytes bounds a message's driver.Message.Size. Default
	// DefaultMaxMessageBytes (256 KiB), as SNS and SQS.
	MaxMessageBytes int
}

// SubscriptionConfig describes a subscription: a named queue that receives a
// copy of every matching message published to its topics.
type SubscriptionConfig struct {
	// Name identifies the subscription, e.g. the consuming service's name.
	Name string
	// Topics the subscription receives from; they are created if needed.
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
	queues map[string]*queue
	nextID uint64
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
	return &Broker{cfg: c, clock: c.Clock, topics: map[string][]*queue{}, queues: map[string]*queue{}}, nil
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
	if len(sc.Topics) == 0 {
		errs = append(errs, &config.Error{Setting: "SubscriptionConfig.Topics", Problem: "must name at least one topic"})
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
		return fmt.Errorf("memory: %w: %s", ErrExists, sc.Name)
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
		return nil, fmt.Errorf("memory: %w: subscription %q", driver.ErrNotFound, name)
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

// message is a stored copy of a published message.
type message struct {
	body         []byte
	attrs        map[string]string
	group, dedup string
	receiveCount int
	visibleAt    time.Time
	handle       string // of the current delivery; "" when not in flight
	dlqID        string // in the dead-letter queue
	deadAt       time.Time
	index        int // in queue.waiting, -1 when not there
}

// export returns the message as a driver.Message. Body and Attributes are
// shared with the stored message: receivers must not modify them.
func (m *message) export(handle string) *driver.Message {
	return &driver.Message{Body: m.body, Attributes: m.attrs, GroupID: m.group, DedupID: m.dedup, Handle: handle, ReceiveCount: m.receiveCount}
}

// group is the ordered messages of one FIFO message group.
type group struct {
	msgs []*message // the head may be in flight
}

// queue is one subscription's queue. Its fields are guarded by b.mu.
type queue struct {
	b   *Broker
	cfg SubscriptionConfig

	count    int                 // messages stored, dead letters excluded
	ready    []*message          // standard: visible, in order
	waiting  timeHeap            // standard: invisible until visibleAt
	inflight map[string]*message // by delivery handle

	groups     map[string]*group // FIFO
	groupOrder []string          // FIFO: groups in order of first message
	dedup      map[string]time.Time

	dlq    []*message
	notify chan struct{} // closed and replaced on every change receivers wait for
}

func (q *queue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

func (q *queue) matches(m *driver.Message) bool {
	if len(q.cfg.Types) > 0 && !slices.ContainsFunc(q.cfg.Types, func(t string) bool { return typeMatches(t, m.Attributes[driver.AttrType]) }) {
		return false
	}
	for name, allowed := range q.cfg.Attributes {
		if v, ok := m.Attributes[name]; !ok || !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

// typeMatches reports whether an entry of SubscriptionConfig.Types takes
// the type typ.
func typeMatches(entry, typ string) bool {
	if prefix, ok := strings.CutSuffix(entry, "*"); ok {
		return strings.HasPrefix(typ, prefix)
	}
	return entry == typ
}

func (q *queue) enqueue(m *message, now time.Time) {
	if q.cfg.FIFO {
		for id, at := range q.dedup {
			if now.Sub(at) >= FIFODeduplicationWindow {
				delete(q.dedup, id)
			}
		}
		if m.dedup != "" {
			if _, seen := q.dedup[m.dedup]; seen {
				return // a duplicate within the window: accepted, not stored
			}
			q.dedup[m.dedup] = now
		}
		g, ok := q.groups[m.group]
		if !ok {
			g = &group{}
			q.groups[m.group] = g
			q.groupOrder = append(q.groupOrder, m.group)
		}
		g.msgs = append(g.msgs, m)
	} else {
		q.ready = append(q.ready, m)
	}
	q.count++
	q.wake()
}

// take delivers up to max messages and returns them, or the time at which
// one may become visible (zero if none will without a publish).
func (q *queue) take(max int, now time.Time) ([]*driver.Message, time.Time) {
	var out []*driver.Message
	deliver := func(m *message) bool {
		if m.receiveCount >= q.cfg.MaxReceiveCount && len(q.dlq) < q.b.cfg.MaxMessages {
			m.attrs = withReason(m.attrs, fmt.Sprintf("received %d times, the subscription's maxReceiveCount", m.receiveCount), m.receiveCount)
			q.deadLetter(m, now)
			q.count--
			return false
		}
		m.receiveCount++
		q.b.nextID++
		m.handle = strconv.FormatUint(q.b.nextID, 36)
		m.visibleAt = now.Add(q.cfg.VisibilityTimeout)
		q.inflight[m.handle] = m
		out = append(out, m.export(m.handle))
		return true
	}
	if q.cfg.FIFO {
		// As SQS FIFO: a group with a message in flight delivers nothing;
		// otherwise one receive may take several of its messages, in order.
		var next time.Time
		for _, id := range q.groupOrder {
			if len(out) >= max {
				break
			}
			g := q.groups[id]
			locked := false
			for _, m := range g.msgs {
				if m.handle == "" {
					continue
				}
				if m.visibleAt.After(now) {
					locked = true
					if next.IsZero() || m.visibleAt.Before(next) {
						next = m.visibleAt
					}
					continue
				}
				delete(q.inflight, m.handle) // its visibility ran out
				m.handle = ""
			}
			if locked {
				continue
			}
			kept := g.msgs[:0]
			for _, m := range g.msgs {
				if len(out) < max && !deliver(m) {
					continue // dead-lettered
				}
				kept = append(kept, m)
			}
			clear(g.msgs[len(kept):])
			g.msgs = kept
		}
		q.compactGroups()
		return out, next
	}
	for q.waiting.Len() > 0 && !q.waiting[0].visibleAt.After(now) {
		m := heap.Pop(&q.waiting).(*message)
		delete(q.inflight, m.handle)
		m.handle = ""
		q.ready = append(q.ready, m)
	}
	for len(q.ready) > 0 && len(out) < max {
		m := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		if deliver(m) {
			heap.Push(&q.waiting, m)
		}
	}
	if len(q.ready) == 0 {
		q.ready = nil // let the backing array go
	}
	var next time.Time
	if q.waiting.Len() > 0 {
		next = q.waiting[0].visibleAt
	}
	return out, next
}

func (q *queue) compactGroups() {
	kept := q.groupOrder[:0]
	for _, id := range q.groupOrder {
		if len(q.groups[id].msgs) == 0 {
			delete(q.groups, id)
			continue
		}
		kept = append(kept, id)
	}
	q.groupOrder = kept
}

// remove deletes a delivered message from the queue.
func (q *queue) remove(m *message) {
	delete(q.inflight, m.handle)
	m.handle = ""
	q.count--
	if q.cfg.FIFO {
		g := q.groups[m.group]
		if i := slices.Index(g.msgs, m); i >= 0 {
			g.msgs = slices.Delete(g.msgs, i, i+1)
		}
		q.compactGroups()
		q.wake() // the group may deliver its next message
		return
	}
	if m.index >= 0 {
		heap.Remove(&q.waiting, m.index)
	}
}

// deadLetter appends m to the dead-letter queue with an id of its own.
func (q *queue) deadLetter(m *message, now time.Time) {
	q.b.nextID++
	m.dlqID = "dl-" + strconv.FormatUint(q.b.nextID, 36)
	m.deadAt = now
	q.dlq = append(q.dlq, m)
}

func withReason(attrs map[string]string, reason string, receiveCount int) map[string]string {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	out[driver.AttrDeadLetterReason] = reason
	out[driver.AttrDeadLetterReceiveCount] = strconv.Itoa(receiveCount)
	return out
}

// timeHeap orders messages by visibleAt.
type timeHeap []*message

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].visibleAt.Before(h[j].visibleAt) }
func (h timeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timeHeap) Push(x any) {
	m := x.(*message)
	m.index = len(*h)
	*h = append(*h, m)
}
func (h *timeHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	m.index = -1
	*h = old[:len(old)-1]
	return m
}

type sender struct{ b *Broker }

func (s sender) Limits() driver.Limits {
	return driver.Limits{MaxBatch: s.b.cfg.MaxBatch, MaxBatchBytes: s.b.cfg.MaxMessageBytes}
}

func (s sender) IsRetryable(err error) bool { return errors.Is(err, driver.ErrQueueFull) }

// Send stores a copy of each message in every matching subscription of the
// topic. A message is accepted by all its subscriptions or by none.
func (s sender) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %w: %w", driver.ErrNotSent, err)
	}
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	subs, ok := b.topics[topic]
	if !ok {
		return fmt.Errorf("memory: %w: %w: topic %q", driver.ErrNotSent, driver.ErrNotFound, topic)
	}
	now := b.clock.Now()
	var failed []driver.BatchFailure
	for i, m := range msgs {
		if size := m.Size(); size > b.cfg.MaxMessageBytes {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("memory: %w: %w: %d bytes, limit %d", driver.ErrNotSent, driver.ErrTooLarge, size, b.cfg.MaxMessageBytes)})
			continue
		}
		var targets []*queue
		full := false
		for _, q := range subs {
			if q.matches(m) {
				targets = append(targets, q)
				full = full || q.count >= b.cfg.MaxMessages
			}
		}
		if full {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("memory: %w: %w", driver.ErrNotSent, driver.ErrQueueFull)})
			continue
		}
		if len(targets) == 0 {
			continue
		}
		for _, q := range targets { // body and attributes are handed over, see driver.Sender
			q.enqueue(&message{body: m.Body, attrs: m.Attributes, group: m.GroupID, dedup: m.DedupID, index: -1}, now)
		}
	}
	if len(failed) > 0 {
		if len(failed) == len(msgs) && len(msgs) == 1 {
			return failed[0].Err
		}
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

type receiver struct{ q *queue }

func (r receiver) Limits() driver.Limits { return driver.Limits{MaxBatch: r.q.b.cfg.MaxBatch} }

func (r receiver) IsRetryable(error) bool { return false }

// VisibilityTimeout implements driver.VisibilitySource: the subscription's.
func (r receiver) VisibilityTimeout(context.Context) (time.Duration, error) {
	return r.q.cfg.VisibilityTimeout, nil
}

// Receive returns the visible messages; when there are none it waits until
// one is visible or ctx is done. With a done ctx it is a poll that does not
// wait.
func (r receiver) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	q, b := r.q, r.q.b
	if max <= 0 || max > b.cfg.MaxBatch {
		max = b.cfg.MaxBatch
	}
	for {
		b.mu.Lock()
		now := b.clock.Now()
		msgs, next := q.take(max, now)
		notify := q.notify
		b.mu.Unlock()
		if len(msgs) > 0 {
			return msgs, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = b.clock.At(next)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-notify:
		case <-timer:
		}
	}
}

func (r receiver) Ack(ctx context.Context, handles []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	var failed []driver.BatchFailure
	for i, h := range handles {
		m, ok := r.q.inflight[h]
		if !ok {
			failed = append(failed, driver.BatchFailure{Index: i, Err: fmt.Errorf("memory: %w", driver.ErrInvalidHandle)})
			continue
		}
		r.q.remove(m)
	}
	if len(failed) > 0 {
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

func (r receiver) SetVisibility(ctx context.Context, handle string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := r.q.inflight[handle]
	if !ok {
		return fmt.Errorf("memory: %w", driver.ErrInvalidHandle)
	}
	m.visibleAt = b.clock.Now().Add(max(d, 0))
	if m.index >= 0 {
		heap.Fix(&r.q.waiting, m.index)
	}
	r.q.wake()
	return nil
}

func (r receiver) DeadLetter(ctx context.Context, dm *driver.Message, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := r.q.b
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := r.q.inflight[dm.Handle]
	if !ok {
		return fmt.Errorf("memory: %w", driver.ErrInvalidHandle)
	}
	if len(r.q.dlq) >= b.cfg.MaxMessages {
		return fmt.Errorf("memory: dead-letter queue: %w", driver.ErrQueueFull)
	}
	r.q.remove(m)
	m.attrs = withReason(m.attrs, reason, m.receiveCount)
	r.q.deadLetter(m, b.clock.Now())
	return nil
}
