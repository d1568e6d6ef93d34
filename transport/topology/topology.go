package topology

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/naming"
)

// Defaults and limits of a Service's subscription.
const (
	DefaultVisibilityTimeout = 30 * time.Second
	DefaultMaxReceiveCount   = 10
	DefaultRetention         = 4 * 24 * time.Hour
	// MaxRetention is the longest a queue keeps a message (SQS's limit);
	// dead-letter queues keep theirs this long.
	MaxRetention = 14 * 24 * time.Hour
)

// Topology is the publishing and consuming structure of one environment.
type Topology struct {
	// Env is the deployment environment, e.g. "dev" or "prod": [a-z][a-z0-9]*,
	// at most 16 characters. It is part of every resource's name.
	Env string `json:"env"`
	// Org is the organisation of the event types; empty means
	// naming.DefaultOrg.
	Org string `json:"org,omitempty"`
	// Domains are the domains whose events have a topic.
	Domains []Domain `json:"domains"`
	// Services are the consuming services.
	Services []Service `json:"services"`
	// Producers are the publishing services and what each publishes. They
	// own no resources (their events go to their domains' topics): they
	// document the flow of events, for eventctl asyncapi and eventctl docs.
	// A service may be both a producer and a consumer.
	Producers []Producer `json:"producers,omitempty"`
	// Tags label every resource of the topology (cost allocation,
	// ownership): at most 50, keys of 1 to 128 characters, values of at
	// most 256. A service's own Tags add to them.
	Tags map[string]string `json:"tags,omitempty"`
	// ClaimCheck, when set, keeps the data of events too large for their
	// domain (see ClaimCheck); without it such events are refused.
	ClaimCheck *ClaimCheck `json:"claimCheck,omitempty"`
}

// Encryption encrypts messages at rest. Events classified confidential or
// restricted travel only through encrypted topics and queues.
type Encryption struct {
	// KMSKeyID is the KMS key (an id, ARN or alias) that encrypts the
	// messages. Empty means the provider's own keys: SQS-managed keys
	// (SSE-SQS) for queues, the AWS-managed key alias/aws/sns for topics.
	KMSKeyID string `json:"kmsKeyId,omitempty"`
}

// Domain is a domain whose events have a topic: every event type
// <org>.<domain>.* is published to it.
type Domain struct {
	// Name is the domain, as in the event types, e.g. "identity".
	Name string `json:"name"`
	// FIFO makes the topic, and the queues of the services consuming from
	// it, order the events of one partition key (message group).
	FIFO bool `json:"fifo,omitempty"`
	// Encryption, when set, encrypts the topic's messages at rest.
	Encryption *Encryption `json:"encryption,omitempty"`
	// MaxMessageBytes is the largest message (envelope and attributes) the
	// domain's topic, and every queue subscribed to it, takes: 1024 to
	// MaxMessageBytesLimit (1 MiB). 0 means DefaultMaxMessageBytes (256
	// KiB), and leaves the resources' own settings alone: to bring a
	// raised topic back, set 262144.
	MaxMessageBytes int `json:"maxMessageBytes,omitempty"`
}

// Service is a consuming service: one subscription, receiving the event
// types it consumes from their domains' topics.
type Service struct {
	// Name is the service, e.g. "billing": lowercase letters, digits and
	// hyphens.
	Name string `json:"name"`
	// Consumes lists the event types the service handles, or
	// "<org>.<domain>.*" for every type of a domain. Their domains must be
	// in Topology.Domains, all FIFO or none.
	Consumes []string `json:"consumes"`
	// Accepts lists the command types the service owns (with their major
	// versions, no wildcards): they are sent to its queue alone, and no
	// other service may accept them.
	Accepts []string `json:"accepts,omitempty"`
	// Requests lists the commands the service sends and awaits replies
	// to: each must be accepted by a service. Replies come to the
	// service's own queue.
	Requests []string `json:"requests,omitempty"`
	// MaxReceiveCount moves a message to the dead-letter queue after this
	// many receives, 1 to 1000. Default DefaultMaxReceiveCount: above the
	// consumer runtime's MaxAttempts, as a backstop for consumers that keep
	// dying.
	MaxReceiveCount int `json:"maxReceiveCount,omitempty"`
	// VisibilityTimeoutSeconds is how long a received message stays
	// invisible, 1 to 43200. Default 30 (DefaultVisibilityTimeout).
	VisibilityTimeoutSeconds int `json:"visibilityTimeoutSeconds,omitempty"`
	// RetentionSeconds is how long the queue keeps a message nobody
	// handles, 60 to 1209600 (14 days). Default 345600 (4 days,
	// DefaultRetention). The dead-letter queue keeps its messages 14 days,
	// the most SQS allows: a message's age counts from when it first
	// entered the queue.
	RetentionSeconds int `json:"retentionSeconds,omitempty"`
	// Encryption, when set, encrypts the messages of the queue and its
	// dead-letter queue at rest.
	Encryption *Encryption `json:"encryption,omitempty"`
	// Tags label the service's queues, besides the topology's Tags.
	Tags map[string]string `json:"tags,omitempty"`
}

// Producer is a publishing service.
type Producer struct {
	// Name is the service, e.g. "signup": lowercase letters, digits and
	// hyphens, as a consuming service's.
	Name string `json:"name"`
	// Publishes lists the event types the service publishes, or
	// "<org>.<domain>.*" for every type of a domain. Their domains must be
	// in Topology.Domains.
	Publishes []string `json:"publishes"`
}

// Subscription is what a service receives from one domain's topic.
type Subscription struct {
	// Domain is the domain whose topic the service subscribes to.
	Domain string
	// Types are the event types taken from the topic; nil means every type.
	Types []string
}

// Read decodes a topology from JSON, refusing unknown fields, and
// validates it.
func Read(r io.Reader) (*Topology, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t Topology
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate reports every problem of the topology at once, in an error
// matching ErrInvalid.
func (t *Topology) Validate() error {
	var errs []error
	names := naming.AWSNames{Env: t.Env, Org: t.Org}
	namesOK := false // the domains' names are checked once the env and org are valid
	if t.Env == "" {
		errs = append(errs, errors.New(`"env" is required: the environment every resource name starts with, e.g. "dev" or "prod"`))
	} else if err := names.Check(); err != nil {
		errs = append(errs, err)
	} else {
		namesOK = true
	}
	if len(t.Domains) == 0 {
		errs = append(errs, errors.New("no domains"))
	}
	if t.ClaimCheck != nil && !validBucket(t.ClaimCheck.Bucket) {
		errs = append(errs, fmt.Errorf("claimCheck: bucket %q must be 3 to 63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit", t.ClaimCheck.Bucket))
	}
	domains := map[string]Domain{}
	for _, d := range t.Domains {
		if _, err := names.Topic(d.Name, d.FIFO); err != nil && namesOK {
			errs = append(errs, fmt.Errorf("domain %q: %w", d.Name, err))
		}
		if _, dup := domains[d.Name]; dup {
			errs = append(errs, fmt.Errorf("domain %q is listed twice", d.Name))
		}
		if d.MaxMessageBytes != 0 && (d.MaxMessageBytes < MinMessageBytes || d.MaxMessageBytes > MaxMessageBytesLimit) {
			errs = append(errs, fmt.Errorf("domain %q: maxMessageBytes must be %d to %d (0 for the default, %d)", d.Name, MinMessageBytes, MaxMessageBytesLimit, DefaultMaxMessageBytes))
		}
		domains[d.Name] = d
	}
	seen := map[string]bool{}
	for _, s := range t.Services {
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("service %q is listed twice", s.Name))
		}
		seen[s.Name] = true
		if len(s.Consumes) == 0 && len(s.Accepts) == 0 && len(s.Requests) == 0 {
			errs = append(errs, fmt.Errorf("service %q %w", s.Name, errNothingReceived))
		}
		fifo := map[bool]bool{}
		for _, typ := range s.Consumes {
			domain, err := consumedDomain(typ)
			if err != nil {
				errs = append(errs, fmt.Errorf("service %q: %w", s.Name, err))
				continue
			}
			d, ok := domains[domain]
			if !ok {
				errs = append(errs, fmt.Errorf("service %q consumes %s, whose domain %q has no topic in the topology", s.Name, typ, domain))
				continue
			}
			fifo[d.FIFO] = true
		}
		if len(fifo) > 1 {
			errs = append(errs, fmt.Errorf("service %q consumes from FIFO and standard topics; a queue is one or the other", s.Name))
		}
		if _, err := names.DeadLetterQueue(s.Name, fifo[true]); err != nil && namesOK {
			errs = append(errs, fmt.Errorf("service %q: %w", s.Name, err))
		}
		if s.MaxReceiveCount < 0 || s.MaxReceiveCount > 1000 {
			errs = append(errs, fmt.Errorf("service %q: maxReceiveCount must be 1 to 1000 (0 for the default)", s.Name))
		}
		if s.VisibilityTimeoutSeconds < 0 || s.VisibilityTimeoutSeconds > 43200 {
			errs = append(errs, fmt.Errorf("service %q: visibilityTimeoutSeconds must be 1 to 43200 (0 for the default)", s.Name))
		}
		if s.RetentionSeconds != 0 && (s.RetentionSeconds < 60 || s.RetentionSeconds > int(MaxRetention/time.Second)) {
			errs = append(errs, fmt.Errorf("service %q: retentionSeconds must be 60 to %d (0 for the default)", s.Name, int(MaxRetention/time.Second)))
		}
		errs = append(errs, checkTags(fmt.Sprintf("service %q: ", s.Name), t.ServiceTags(s))...)
	}
	producers := map[string]bool{}
	for _, p := range t.Producers {
		if producers[p.Name] {
			errs = append(errs, fmt.Errorf("producer %q is listed twice", p.Name))
		}
		producers[p.Name] = true
		if _, err := names.Queue(p.Name, false); err != nil && namesOK { // the same names as a consuming service's
			errs = append(errs, fmt.Errorf("producer %q: %w", p.Name, err))
		}
		if len(p.Publishes) == 0 {
			errs = append(errs, fmt.Errorf("producer %q publishes nothing", p.Name))
		}
		for _, typ := range p.Publishes {
			domain, err := consumedDomain(typ)
			if err != nil {
				errs = append(errs, fmt.Errorf("producer %q: %w", p.Name, err))
			} else if _, ok := domains[domain]; !ok {
				errs = append(errs, fmt.Errorf("producer %q publishes %s, whose domain %q has no topic in the topology", p.Name, typ, domain))
			}
		}
	}
	errs = append(errs, checkTags("", t.Tags)...)
	errs = append(errs, t.checkAccepts()...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// checkTags reports tags that AWS would refuse.
func checkTags(where string, tags map[string]string) []error {
	var errs []error
	if len(tags) > 50 {
		errs = append(errs, fmt.Errorf("%stags: at most 50", where))
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			errs = append(errs, fmt.Errorf("%stag key %q: 1 to 128 characters, and no aws: prefix", where, k))
		}
		if len(tags[k]) > 256 {
			errs = append(errs, fmt.Errorf("%stag %q: a value of at most 256 characters", where, k))
		}
	}
	return errs
}

// ServiceTags returns the tags of a service's queues: the topology's, and
// the service's own over them.
func (t *Topology) ServiceTags(s Service) map[string]string {
	if len(t.Tags) == 0 && len(s.Tags) == 0 {
		return nil
	}
	tags := maps.Clone(t.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, s.Tags)
	return tags
}

// Retention returns how long the service's queue keeps a message, its
// default applied.
func (s Service) Retention() time.Duration {
	if s.RetentionSeconds == 0 {
		return DefaultRetention
	}
	return time.Duration(s.RetentionSeconds) * time.Second
}

// Domain returns the domain of that name.
func (t *Topology) Domain(name string) (Domain, bool) {
	i := slices.IndexFunc(t.Domains, func(d Domain) bool { return d.Name == name })
	if i < 0 {
		return Domain{}, false
	}
	return t.Domains[i], true
}

// Service returns the service of that name.
func (t *Topology) Service(name string) (Service, bool) {
	i := slices.IndexFunc(t.Services, func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, false
	}
	return t.Services[i], true
}

// FIFO reports whether the service's subscription is FIFO: whether the
// domains it consumes from are (Validate makes them all one or the other).
func (t *Topology) FIFO(s Service) bool {
	subs := s.Subscriptions()
	if len(subs) == 0 {
		return false
	}
	d, _ := t.Domain(subs[0].Domain)
	return d.FIFO
}

// VisibilityTimeout returns the service's visibility timeout, its default
// applied.
func (s Service) VisibilityTimeout() time.Duration {
	if s.VisibilityTimeoutSeconds == 0 {
		return DefaultVisibilityTimeout
	}
	return time.Duration(s.VisibilityTimeoutSeconds) * time.Second
}

// ReceiveLimit returns the service's MaxReceiveCount, its default applied.
func (s Service) ReceiveLimit() int {
	if s.MaxReceiveCount == 0 {
		return DefaultMaxReceiveCount
	}
	return s.MaxReceiveCount
}

// Receives reports whether the service's queue gets messages of
// eventType: a command it accepts, or an event an entry of Consumes names
// (or its domain's wildcard).
func (s Service) Receives(eventType string) bool {
	if slices.Contains(s.Accepts, eventType) {
		return true
	}
	for _, entry := range s.Consumes {
		if entry == eventType {
			return true
		}
		if prefix, ok := strings.CutSuffix(entry, "*"); ok && strings.HasPrefix(eventType, prefix) {
			return true
		}
	}
	return false
}

// Subscriptions returns what the service receives, one entry per domain
// in the order Consumes first names them. An entry of Consumes that does
// not parse is skipped (Validate reports it).
func (s Service) Subscriptions() []Subscription {
	var out []Subscription
	all := map[string]bool{}
	for _, entry := range s.Consumes {
		d, err := consumedDomain(entry)
		if err != nil {
			continue
		}
		i := slices.IndexFunc(out, func(sub Subscription) bool { return sub.Domain == d })
		if i < 0 {
			out = append(out, Subscription{Domain: d})
			i = len(out) - 1
		}
		if strings.HasSuffix(entry, ".*") {
			all[d] = true
		} else if !slices.Contains(out[i].Types, entry) {
			out[i].Types = append(out[i].Types, entry)
		}
	}
	for i := range out {
		if all[out[i].Domain] {
			out[i].Types = nil
		}
	}
	return out
}

// consumedDomain returns the domain of an entry of Service.Consumes or
// Producer.Publishes: an event type, or a wildcard "<org>.<domain>.*".
func consumedDomain(entry string) (string, error) {
	if prefix, ok := strings.CutSuffix(entry, ".*"); ok {
		org, domain, ok := strings.Cut(prefix, ".")
		if !ok || org == "" || strings.Contains(domain, ".") {
			return "", fmt.Errorf("%q: a wildcard is <org>.<domain>.*", entry)
		}
		if _, err := naming.NewType(org, domain, "x", "happened", 1); err != nil {
			return "", fmt.Errorf("%q: %w", entry, err)
		}
		return domain, nil
	}
	t, err := naming.ParseType(entry)
	if err != nil {
		return "", err
	}
	return t.Domain(), nil
}
