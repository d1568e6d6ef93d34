package transport

// Where a message goes, and how large it and its batch may be: the
// Publisher's routing of events, commands and replies.

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// batchLimits returns the limits of one topic's batch: the driver's, and
// bytes within the topic's message limit, which SNS applies to a whole
// PublishBatch too.
func (p *Publisher) batchLimits(topic string) driver.Limits {
	l := p.sender.Limits()
	if limit := p.limit(topic); l.MaxBatchBytes <= 0 || l.MaxBatchBytes > limit {
		l.MaxBatchBytes = limit
	}
	return l
}

// kindCatalog is a catalogue that knows the kinds of types
// (*schema.Catalog): event, command or reply.
type kindCatalog interface{ Kind(naming.Type) string }

// kind returns what the catalogue says a type is, "" when it cannot say.
func (p *Publisher) kind(t naming.Type) string {
	if c, ok := p.cfg.Catalog.(kindCatalog); ok {
		return c.Kind(t)
	}
	return ""
}

// destination returns where an event goes: a command to the queue of the
// service that accepts it (its topic as the Topic function gives it), a
// reply to its requester's queue (its replyto), an event to its topic.
func (p *Publisher) destination(e *envelope.Envelope, t naming.Type) (string, error) {
	topic := p.cfg.Topic(t)
	_, toQueue := driver.QueueOf(topic)
	switch p.kind(t) {
	case "command":
		if !toQueue {
			return "", fmt.Errorf("%w: %s is a command: it goes to the one service that accepts it (a service's accepts in the topology), never to a topic", ErrNoOwner, t)
		}
	case "reply":
		requester, _ := e.Extensions[AttrReplyTo].(string)
		if requester == "" {
			return "", fmt.Errorf("%w: %s is a reply: it goes to its requester's queue, and it has no %s (build it with Reply, from the command)", ErrNoOwner, t, AttrReplyTo)
		}
		return driver.QueueDestination(requester), nil
	}
	return topic, nil
}

// limit returns the largest message of a topic.
func (p *Publisher) limit(topic string) int {
	if p.cfg.MaxMessageBytes == nil {
		return MaxMessageBytes
	}
	return p.cfg.MaxMessageBytes(topic)
}
