package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The Broker serves topologies: a topic per domain, named by the domain,
// and a subscription per service, named by the service. Settings an
// in-process broker cannot honour (encryption at rest, tags, retention)
// are accepted and ignored: its messages live in memory, for the life of
// the process.
var (
	_ driver.Driver           = (*Broker)(nil)
	_ driver.Provisioner      = (*Broker)(nil)
	_ driver.DeadLetterAccess = (*Broker)(nil)
)

// subscriptionOf is the subscription of a topology's service.
func subscriptionOf(t *topology.Topology, s topology.Service) SubscriptionConfig {
	var topics []string
	for _, sub := range s.Subscriptions() {
		topics = append(topics, sub.Domain)
	}
	return SubscriptionConfig{Name: s.Name, Topics: topics, Types: slices.Clone(s.Consumes),
		VisibilityTimeout: s.VisibilityTimeout(), MaxReceiveCount: s.ReceiveLimit(), FIFO: t.FIFO(s)}
}

// Plan implements driver.Provisioner.
func (b *Broker) Plan(t *topology.Topology) ([]driver.Step, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var steps []driver.Step
	for _, d := range t.Domains {
		steps = append(steps, driver.Step{Action: "create-topic", Resource: d.Name})
	}
	for _, s := range t.Services {
		sc := subscriptionOf(t, s)
		steps = append(steps, driver.Step{Action: "create-subscription", Resource: s.Name,
			Detail: fmt.Sprintf("topics %v, types %v, visibility %v, maxReceiveCount %d", sc.Topics, sc.Types, sc.VisibilityTimeout, sc.MaxReceiveCount)})
	}
	return steps, nil
}

// Provision implements driver.Provisioner: it creates the topics and
// subscriptions, and brings existing subscriptions' filters and settings
// to the topology, keeping their messages.
func (b *Broker) Provision(_ context.Context, t *topology.Topology) error {
	if err := t.Validate(); err != nil {
		return err
	}
	for _, d := range t.Domains {
		if err := b.CreateTopic(d.Name); err != nil {
			return err
		}
		if d.MaxMessageBytes != 0 { // as SNS's MaximumMessageSize
			b.mu.Lock()
			b.limits[d.Name] = d.MaxMessageBytes
			b.mu.Unlock()
		}
	}
	for _, s := range t.Services {
		sc := subscriptionOf(t, s)
		q, err := b.queue(s.Name)
		if err != nil {
			if err := b.CreateSubscription(sc); err != nil {
				return err
			}
			continue
		}
		b.mu.Lock()
		if q.cfg.FIFO != sc.FIFO {
			b.mu.Unlock()
			return fmt.Errorf("memory: subscription %q: FIFO is fixed at creation", s.Name)
		}
		for _, topic := range q.cfg.Topics {
			b.topics[topic] = slices.DeleteFunc(b.topics[topic], func(x *queue) bool { return x == q })
		}
		for _, topic := range sc.Topics {
			b.topics[topic] = append(b.topics[topic], q)
		}
		q.cfg = sc
		b.mu.Unlock()
	}
	return nil
}

// Teardown implements driver.Provisioner: it deletes the services'
// subscriptions, with their messages, and the domains' topics.
func (b *Broker) Teardown(_ context.Context, t *topology.Topology) error {
	if err := t.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range t.Services {
		q, ok := b.queues[s.Name]
		if !ok {
			continue
		}
		delete(b.queues, s.Name)
		for topic, qs := range b.topics {
			b.topics[topic] = slices.DeleteFunc(qs, func(x *queue) bool { return x == q })
		}
	}
	for _, d := range t.Domains {
		if len(b.topics[d.Name]) == 0 {
			delete(b.topics, d.Name)
		}
	}
	return nil
}

// OpenSender implements driver.Driver: the broker's sender.
func (b *Broker) OpenSender(context.Context, *topology.Topology) (driver.Sender, error) {
	return b.Sender(), nil
}

// OpenReceiver implements driver.Driver: the receiver of the service's
// subscription.
func (b *Broker) OpenReceiver(_ context.Context, t *topology.Topology, service string) (driver.Receiver, error) {
	if _, ok := t.Service(service); !ok {
		return nil, fmt.Errorf("%w: %q", topology.ErrUnknownService, service)
	}
	return b.Receiver(service)
}

// ListDeadLetters implements driver.DeadLetterAccess, oldest first.
func (b *Broker) ListDeadLetters(_ context.Context, t *topology.Topology, service string, max int) ([]driver.DeadLetter, error) {
	q, err := b.serviceQueue(t, service)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []driver.DeadLetter
	for _, m := range q.dlq[:min(max, len(q.dlq))] {
		rc, _ := strconv.Atoi(m.attrs[driver.AttrDeadLetterReceiveCount])
		out = append(out, driver.DeadLetter{ID: m.dlqID, Body: slices.Clone(m.body), Attributes: maps.Clone(m.attrs),
			Reason: m.attrs[driver.AttrDeadLetterReason], ReceiveCount: rc, DeadLetteredAt: m.deadAt})
	}
	return out, nil
}

// RedriveDeadLetters implements driver.DeadLetterAccess.
func (b *Broker) RedriveDeadLetters(ctx context.Context, t *topology.Topology, service string, ids []string) ([]string, error) {
	q, err := b.serviceQueue(t, service)
	if err != nil {
		return nil, err
	}
	var done, missing []string
	for _, id := range ids {
		b.mu.Lock()
		i := slices.IndexFunc(q.dlq, func(m *message) bool { return m.dlqID == id })
		if i < 0 {
			b.mu.Unlock()
			missing = append(missing, id)
			continue
		}
		if q.count >= b.cfg.MaxMessages {
			b.mu.Unlock()
			return done, fmt.Errorf("memory: redrive %s: %w: %w", id, driver.ErrNotSent, driver.ErrQueueFull)
		}
		m := q.dlq[i]
		q.dlq = slices.Delete(q.dlq, i, i+1)
		attrs := maps.Clone(m.attrs)
		delete(attrs, driver.AttrDeadLetterReason)
		delete(attrs, driver.AttrDeadLetterReceiveCount)
		// Back to the service's own queue, as SQS's redrive does: the other
		// subscribers of its topic had it already. A FIFO queue takes it
		// under a new deduplication id, the original's may be in its window.
		q.enqueue(&message{body: m.body, attrs: attrs, group: m.group, dedup: "redrive-" + m.dlqID, index: -1}, b.clock.Now())
		b.mu.Unlock()
		done = append(done, id)
	}
	if len(missing) > 0 {
		return done, fmt.Errorf("%w: dead letters %v of %q", driver.ErrNotFound, missing, service)
	}
	return done, nil
}

// PurgeDeadLetters implements driver.DeadLetterAccess.
func (b *Broker) PurgeDeadLetters(_ context.Context, t *topology.Topology, service string) (int, error) {
	q, err := b.serviceQueue(t, service)
	if err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(q.dlq)
	q.dlq = nil
	return n, nil
}

func (b *Broker) serviceQueue(t *topology.Topology, service string) (*queue, error) {
	if _, ok := t.Service(service); !ok {
		return nil, fmt.Errorf("%w: %q", topology.ErrUnknownService, service)
	}
	return b.queue(service)
}
