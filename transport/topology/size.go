package topology

import "strings"

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

// ClaimCheck is where events too large for their domain keep their data
// (the protocol's claim check): an S3 bucket on SNS/SQS. Objects are
// encrypted (SSE-S3, or SSE-KMS with their domain's KMS key) and expire
// after ClaimRetention.
type ClaimCheck struct {
	// Bucket is the bucket's name: 3 to 63 lowercase letters, digits,
	// hyphens and dots, starting and ending with a letter or digit.
	Bucket string `json:"bucket"`
}

// ClaimRetention is how long claim-checked data is kept: the longest a
// queue or a dead-letter queue keeps a message (MaxRetention, the
// dead-letter queues'), so that no event outlives its data.
const ClaimRetention = MaxRetention

// validBucket reports whether name is an S3 bucket name: 3 to 63 lowercase
// letters, digits, hyphens and dots, starting and ending with a letter or
// digit, without two dots in a row.
func validBucket(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		if !alnum && ((c != '-' && c != '.') || i == 0 || i == len(name)-1) {
			return false
		}
	}
	return true
}
