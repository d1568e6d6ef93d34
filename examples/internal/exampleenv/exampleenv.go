package exampleenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// Options are the command-line options every example takes.
type Options struct {
	Transport string // "memory" or "snssqs"
	Endpoint  string // SNS/SQS endpoint override, e.g. http://127.0.0.1:4100
	Region    string
	Catalog   string // folder of the schema catalogue
}

// Flags registers the options on fs.
func Flags(fs *flag.FlagSet) *Options {
	o := &Options{}
	fs.StringVar(&o.Transport, "transport", "memory", "memory, or snssqs for SNS/SQS")
	fs.StringVar(&o.Endpoint, "endpoint", "", "SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100 (default: AWS)")
	fs.StringVar(&o.Region, "region", "us-east-1", "AWS region (snssqs)")
	fs.StringVar(&o.Catalog, "catalog", "testdata/catalog", "folder of the schema catalogue; searched for upwards from the working folder")
	return o
}

// LoadCatalog loads the catalogue at dir, or, when dir is relative and not
// found, at the same relative path in the nearest parent folder that has it
// (so an example finds the repository's testdata/catalog from anywhere in
// the repository).
func LoadCatalog(dir string) (*schema.Catalog, error) {
	if filepath.IsAbs(dir) {
		return schema.LoadDir(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for d := wd; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, dir)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return schema.LoadDir(candidate)
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("schema catalogue %s not found in %s or its parents (use -catalog)", dir, wd)
		}
	}
}

// Service is a consuming service of an example.
type Service struct {
	Name     string
	Consumes []string // event types
	// VisibilityTimeout of its queue; on SQS whole seconds. Default 30s.
	VisibilityTimeout time.Duration
	// MaxReceiveCount of its queue (the redrive backstop). Default 10.
	MaxReceiveCount int
}

// Env is a transport set up for one run.
type Env struct {
	Transport string
	Catalog   *schema.Catalog
	Sender    driver.Sender

	receivers map[string]driver.Receiver
	dead      func(ctx context.Context, service string) ([]*driver.Message, error)
	close     func() error
}

// Open sets up the transport for the services, and the topics of their
// domains.
func Open(ctx context.Context, o *Options, services []Service) (*Env, error) {
	cat, err := LoadCatalog(o.Catalog)
	if err != nil {
		return nil, err
	}
	switch o.Transport {
	case "memory":
		return openMemory(cat, services)
	case "snssqs":
		return openSNSSQS(ctx, o, cat, services)
	}
	return nil, fmt.Errorf("unknown transport %q (want memory or snssqs)", o.Transport)
}

func domainsOf(types []string) []string {
	var out []string
	for _, t := range types {
		if d := naming.MustParseType(t).Domain(); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func openMemory(cat *schema.Catalog, services []Service) (*Env, error) {
	b := memory.New(memory.Config{})
	env := &Env{Transport: "memory", Catalog: cat, Sender: b.Sender(), receivers: map[string]driver.Receiver{}, close: func() error { return nil }}
	for _, s := range services {
		err := b.CreateSubscription(memory.SubscriptionConfig{Name: s.Name, Topics: domainsOf(s.Consumes), Types: s.Consumes,
			VisibilityTimeout: s.VisibilityTimeout, MaxReceiveCount: s.MaxReceiveCount})
		if err != nil {
			return nil, err
		}
		if env.receivers[s.Name], err = b.Receiver(s.Name); err != nil {
			return nil, err
		}
	}
	env.dead = func(_ context.Context, service string) ([]*driver.Message, error) { return b.DeadLetters(service) }
	return env, nil
}

func openSNSSQS(ctx context.Context, o *Options, cat *schema.Catalog, services []Service) (*Env, error) {
	snsC, sqsC, err := snssqs.Connect(ctx, snssqs.ConnectConfig{Region: o.Region, Endpoint: o.Endpoint, LocalServer: o.Endpoint != ""})
	if err != nil {
		return nil, err
	}
	topo := &snssqs.Topology{Env: fmt.Sprintf("ex%06d", rand.IntN(1_000_000))}
	for _, s := range services {
		for _, d := range domainsOf(s.Consumes) {
			if !slices.ContainsFunc(topo.Domains, func(x snssqs.Domain) bool { return x.Name == d }) {
				topo.Domains = append(topo.Domains, snssqs.Domain{Name: d})
			}
		}
		topo.Services = append(topo.Services, snssqs.Service{Name: s.Name, Consumes: s.Consumes,
			MaxReceiveCount: s.MaxReceiveCount, VisibilityTimeoutSeconds: int((s.VisibilityTimeout + time.Second - 1) / time.Second)})
	}
	clients := snssqs.Clients{SNS: snsC, SQS: sqsC}
	// Local servers (GoAws) have no queue policies; AWS needs them.
	p, err := snssqs.Provision(ctx, clients, topo, snssqs.ProvisionOptions{SkipQueuePolicy: o.Endpoint != ""})
	if err != nil {
		_ = snssqs.Teardown(context.Background(), clients, topo)
		return nil, err
	}
	maxBatch := 0 // SNS's 10
	if o.Endpoint != "" {
		maxBatch = 9 // GoAws refuses 10 entries
	}
	sender, err := snssqs.NewSender(snssqs.SenderConfig{SNS: snsC, MaxBatch: maxBatch, TopicARN: func(domain string) (string, error) {
		if arn, ok := p.TopicARNs[domain]; ok {
			return arn, nil
		}
		return "", fmt.Errorf("no topic for domain %s", domain)
	}})
	if err != nil {
		return nil, err
	}
	env := &Env{Transport: "snssqs", Catalog: cat, Sender: sender, receivers: map[string]driver.Receiver{},
		close: func() error { return snssqs.Teardown(context.Background(), clients, topo) }}
	dlq := map[string]*snssqs.Receiver{}
	for _, s := range services {
		r, err := snssqs.NewReceiver(snssqs.ReceiverConfig{SQS: sqsC, QueueURL: p.QueueURLs[s.Name], DeadLetterQueueURL: p.DLQURLs[s.Name], WaitTime: time.Second})
		if err != nil {
			return nil, err
		}
		env.receivers[s.Name] = r
		if dlq[s.Name], err = snssqs.NewReceiver(snssqs.ReceiverConfig{SQS: sqsC, QueueURL: p.DLQURLs[s.Name], WaitTime: time.Second}); err != nil {
			return nil, err
		}
	}
	var mu sync.Mutex
	seen := map[string][]*driver.Message{}
	env.dead = func(ctx context.Context, service string) ([]*driver.Message, error) {
		// Read what arrived and remember it: reading hides messages for
		// their visibility timeout.
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		msgs, err := dlq[service].Receive(rctx, 10)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		seen[service] = append(seen[service], msgs...)
		return slices.Clone(seen[service]), nil
	}
	return env, nil
}

// Publisher returns a publisher on the environment that validates payloads
// against the catalogue.
func (e *Env) Publisher() (*transport.Publisher, error) {
	return transport.NewPublisher(e.Sender, &transport.PublisherConfig{Catalog: e.Catalog})
}

// Receiver returns a service's receiver.
func (e *Env) Receiver(service string) driver.Receiver { return e.receivers[service] }

// DeadLetters returns the messages in a service's dead-letter queue.
func (e *Env) DeadLetters(ctx context.Context, service string) ([]*driver.Message, error) {
	return e.dead(ctx, service)
}

// Close removes what Open provisioned.
func (e *Env) Close() error { return e.close() }
