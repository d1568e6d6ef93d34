package topology

// Message sizes of a domain (Domain.MaxMessageBytes).
const (
	// DefaultMaxMessageBytes is the largest message of a domain that sets
	// none: SNS's default for a topic, 256 KiB.
	DefaultMaxMessageBytes = 256 << 10
	// MaxMessageBytesLimit is the most a domain may set: SQS's largest
	// message, and SNS's for a topic whose MaximumMessageSize is raised,
	// 1 MiB.
	MaxMessageBytesLimit = 1 << 20
	// MinMessageBytes is the least a domain may set, SQS's smallest
	// MaximumMessageSize.
	MinMessageBytes = 1024
)

// MessageLimit returns the domain's largest message in bytes, its default
// applied.
func (d Domain) MessageLimit() int {
	if d.MaxMessageBytes == 0 {
		return DefaultMaxMessageBytes
	}
	return d.MaxMessageBytes
}

// MessageLimit returns the largest message of a domain of the topology in
// bytes: DefaultMaxMessageBytes for a domain it does not list.
func (t *Topology) MessageLimit(domain string) int {
	if d, ok := t.Domain(domain); ok {
		return d.MessageLimit()
	}
	return DefaultMaxMessageBytes
}

// QueueMessageLimit returns the largest message a service's queue (and its
// dead-letter queue) must take: the largest of the domains it receives
// from, and whether one of them sets a size (else the queue keeps its
// provider's default).
func (t *Topology) QueueMessageLimit(s Service) (int, bool) {
	limit, set := DefaultMaxMessageBytes, false
	for _, sub := range s.Subscriptions() {
		if d, ok := t.Domain(sub.Domain); ok && d.MaxMessageBytes != 0 {
			limit, set = max(limit, d.MaxMessageBytes), true
		}
	}
	return limit, set
}
