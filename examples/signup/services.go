package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// ClientSignedUp is the payload of elmo.identity.client.signed_up.v1: a
// client signed up. The events of the story are bound to their payload
// types by explicit name, below.
type ClientSignedUp struct {
	Client       naming.ERN `json:"client"`
	CompanyName  string     `json:"companyName"`
	Plan         string     `json:"plan"`
	ContactEmail string     `json:"contactEmail"`
}

// TenantProvisioned is the payload of elmo.platform.tenant.provisioned.v1:
// the client's tenant is ready.
type TenantProvisioned struct {
	Tenant naming.ERN `json:"tenant"`
	Region string     `json:"region"`
}

var (
	signedUp = event.MustDefine[ClientSignedUp]("elmo.identity.client.signed_up.v1",
		event.WithDataSchema("https://schemas.elmo.example/elmo.identity.client.signed_up/1.0"),
		event.WithClassification(envelope.ClassificationConfidential))
	provisioned = event.MustDefine[TenantProvisioned]("elmo.platform.tenant.provisioned.v1",
		event.WithDataSchema("https://schemas.elmo.example/elmo.platform.tenant.provisioned/1.0"))
)

// The consuming services, each with its own queue.
const (
	svcProvisioning = "provisioning"
	svcEmail        = "welcome-email"
	svcBilling      = "billing"
	svcLeadership   = "leadership-notify"
)

var allServices = []string{svcProvisioning, svcEmail, svcBilling, svcLeadership}

// signupTopology is the example's topology in the environment env: the
// topics of the identity and platform domains, a queue per consuming
// service, and who publishes what.
func signupTopology(env string) *topology.Topology {
	su, tp := signedUp.Type().String(), provisioned.Type().String()
	return &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "identity"}, {Name: "platform"}},
		Services: []topology.Service{
			{Name: svcProvisioning, Consumes: []string{su}},
			{Name: svcEmail, Consumes: []string{su}},
			{Name: svcBilling, Consumes: []string{su}},
			{Name: svcLeadership, Consumes: []string{su, tp}},
		},
		Producers: []topology.Producer{
			{Name: "signup", Publishes: []string{su}},
			{Name: svcProvisioning, Publishes: []string{tp}},
		}}
}

// world is the running example: a publisher per producing service and a
// consumer per consuming service.
type world struct {
	bus       *transport.Bus
	legacy    *transport.Publisher // a producer that validates no payload
	tr        *trace
	pub       *transport.Publisher
	consumers []*transport.Consumer

	identity     *envelope.Producer // the sign-up service
	provisioning *envelope.Producer

	mu           sync.Mutex
	emailTries   int
	handled      chan string // "<service> <type>" per handled event
	duplicates   chan string // service per skipped duplicate
	invoiceCount int
}

func start(ctx context.Context, bus *transport.Bus, d driver.Driver, tr *trace, sp *spans) (*world, error) {
	// A second Bus on the same resources, without a catalogue: its
	// Publisher checks envelopes but no payload, as a legacy producer.
	legacy, err := transport.Open(ctx, d, bus.Topology(), &transport.OpenConfig{Publisher: &transport.PublisherConfig{Hooks: sp.publishHooks()}})
	if err != nil {
		return nil, err
	}
	w := &world{
		bus: bus, legacy: legacy.Publisher(), tr: tr, pub: bus.Publisher(),
		identity:     &envelope.Producer{Source: "urn:elmo:service:identity"},
		provisioning: &envelope.Producer{Source: "urn:elmo:service:provisioning"},
		handled:      make(chan string, 32),
		duplicates:   make(chan string, 32),
	}
	handlers := map[string]func(*transport.Consumer) error{
		svcProvisioning: func(c *transport.Consumer) error { return transport.Handle(c, signedUp, w.provision) },
		svcEmail:        func(c *transport.Consumer) error { return transport.Handle(c, signedUp, w.sendWelcome) },
		svcBilling:      func(c *transport.Consumer) error { return transport.Handle(c, signedUp, w.invoice) },
		svcLeadership: func(c *transport.Consumer) error {
			return errors.Join(transport.Handle(c, signedUp, w.notifySignUp), transport.Handle(c, provisioned, w.notifyProvisioned))
		},
	}
	for _, s := range allServices {
		store, err := transport.NewMemoryStore(nil)
		if err != nil {
			return nil, err
		}
		// The bus's catalogue validates payloads: invalid ones go to the
		// dead-letter queue.
		c, err := bus.Consumer(ctx, s, &transport.ConsumerConfig{
			Hooks:       sp.consumerHooks(s),
			Idempotency: &tracingStore{MemoryStore: store, service: s, w: w},
			Backoff:     &transport.Backoff{Initial: 300 * time.Millisecond, Max: time.Second},
			MaxAttempts: 5,
		})
		if err != nil {
			return nil, err
		}
		if err := handlers[s](c); err != nil {
			return nil, err
		}
		if err := c.Start(ctx); err != nil {
			return nil, err
		}
		w.consumers = append(w.consumers, c)
	}
	return w, nil
}

// publish publishes and says so.
func (w *world) publish(ctx context.Context, who string, e *envelope.Envelope) error {
	if err := w.pub.Publish(ctx, e); err != nil {
		return err
	}
	w.tr.Line(who, "published %s (%s)", e.Type, links(e))
	return nil
}

func (w *world) done(service, typ string) { w.handled <- service + " " + typ }

// count adds one to a counter of the world and returns it.
func (w *world) count(n *int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	*n++
	return *n
}

// received says that a service got an event, and which delivery it was.
func (w *world) received(ctx context.Context, service string, e *envelope.Envelope) {
	d, _ := transport.DeliveryFrom(ctx)
	count := 0
	if d != nil {
		count = d.ReceiveCount
	}
	w.tr.Line(service, "received  %s (delivery %d; %s)", e.Type, count, links(e))
}

func (w *world) provision(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
	w.received(ctx, svcProvisioning, e)
	tenant, err := naming.NewERN("elmo", "platform", p.Client.Tenant(), "tenant", p.Client.Tenant())
	if err != nil {
		return transport.Permanent(err)
	}
	w.tr.Line(svcProvisioning, "prepared the databases of tenant %s", p.Client.Tenant())
	out, err := provisioned.NewCaused(w.provisioning, e, TenantProvisioned{Tenant: tenant, Region: "AP_SOUTHEAST_2"}, event.WithSubject(tenant))
	if err != nil {
		return err
	}
	if err := w.publish(ctx, svcProvisioning, &out); err != nil {
		return err // the sign-up comes back and provisioning is retried
	}
	w.done(svcProvisioning, e.Type)
	return nil
}

func (w *world) sendWelcome(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
	w.received(ctx, svcEmail, e)
	try := w.count(&w.emailTries)
	if try <= 2 {
		w.tr.Line(svcEmail, "email provider is down (attempt %d): the message goes back with a backoff", try)
		return errors.New("email provider unavailable")
	}
	w.tr.Line(svcEmail, "sent the welcome email to %s (attempt %d)", p.ContactEmail, try)
	w.done(svcEmail, e.Type)
	return nil
}

func (w *world) invoice(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
	w.received(ctx, svcBilling, e)
	n := w.count(&w.invoiceCount)
	w.tr.Line(svcBilling, "raised invoice INV-%04d for %s, %s plan", n, p.CompanyName, p.Plan)
	w.done(svcBilling, e.Type)
	return nil
}

func (w *world) notifySignUp(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
	w.received(ctx, svcLeadership, e)
	w.tr.Line(svcLeadership, "told leadership: new client %s on the %s plan", p.CompanyName, p.Plan)
	w.done(svcLeadership, e.Type)
	return nil
}

func (w *world) notifyProvisioned(ctx context.Context, e *envelope.Envelope, p TenantProvisioned) error {
	w.received(ctx, svcLeadership, e)
	w.tr.Line(svcLeadership, "told leadership: tenant %s is ready in %s", p.Tenant.Tenant(), p.Region)
	w.done(svcLeadership, e.Type)
	return nil
}

// tracingStore is the default idempotency store, saying when it skips a
// duplicate.
type tracingStore struct {
	*transport.MemoryStore
	service string
	w       *world
}

func (s *tracingStore) Claim(ctx context.Context, key string) (transport.ClaimResult, error) {
	res, err := s.MemoryStore.Claim(ctx, key)
	if err == nil && res == transport.AlreadyDone {
		_, id, _ := strings.Cut(key, "\x00")
		s.w.tr.Line(s.service, "duplicate delivery of %s: already handled, acknowledged without running the handler", short(id))
		s.w.duplicates <- s.service
	}
	return res, err
}

// story tells the three parts of the example, waiting for each to finish.
func (w *world) story(ctx context.Context) error {
	acme, _ := naming.NewERN("elmo", "identity", "acme", "client", "acme")
	w.tr.Header("1. Acme signs up; four services react on their own queues")
	e, err := signedUp.New(w.identity, ClientSignedUp{Client: acme, CompanyName: "Acme Pty Ltd", Plan: "STANDARD", ContactEmail: "ops@acme.example"},
		event.WithSubject(acme), event.WithTenant("acme"))
	if err != nil {
		return err
	}
	if err := w.publish(ctx, "identity", &e); err != nil {
		return err
	}
	if err := w.await(ctx, w.handled, 5, "the reactions to the sign-up"); err != nil {
		return err
	}

	w.tr.Header("2. The identity service retries its publish: the same event is delivered again")
	if err := w.publish(ctx, "identity", &e); err != nil {
		return err
	}
	if err := w.await(ctx, w.duplicates, 4, "the duplicate deliveries"); err != nil {
		return err
	}

	w.tr.Header("3. A legacy producer sends a malformed sign-up (no contact email; its unknown plan alone would be tolerated)")
	bad, err := w.identity.New(signedUp.Type().String(), []byte(`{"client":"ern:elmo:identity:globex:client/globex","companyName":"Globex","plan":"GOLD"}`))
	if err != nil {
		return err
	}
	bad.Subject, bad.TenantID = "ern:elmo:identity:globex:client/globex", "globex"
	// A Publisher with the catalogue would have refused it.
	if err := w.legacy.Publish(ctx, &bad); err != nil {
		return err
	}
	w.tr.Line("legacy-producer", "sent %s (%s) without validation", bad.Type, links(&bad))
	return w.awaitDeadLetters(ctx) // every consumer of sign-ups dead-letters it
}

// await waits for n signals on ch.
func (w *world) await(ctx context.Context, ch <-chan string, n int, what string) error {
	timeout := time.After(time.Minute)
	for range n {
		select {
		case <-ch:
		case <-timeout:
			return fmt.Errorf("timed out waiting for %s", what)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// awaitDeadLetters polls until every service has dead-lettered a message.
func (w *world) awaitDeadLetters(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		missing := 0
		for _, s := range allServices {
			dl, err := w.bus.DeadLetters(ctx, s, 1)
			if err != nil {
				return err
			}
			if len(dl) == 0 {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the malformed sign-up to be dead-lettered")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (w *world) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, c := range w.consumers {
		errs = append(errs, c.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// report lists the dead-letter queues.
func (w *world) report(ctx context.Context) error {
	w.tr.Header("Dead-letter queues")
	for _, s := range allServices {
		dl, err := w.bus.DeadLetters(ctx, s, 10)
		if err != nil {
			return err
		}
		for _, m := range dl {
			e, _ := envelope.Decode(m.Body)
			reason := m.Reason
			if i := strings.IndexByte(reason, '\n'); i >= 0 {
				reason = reason[:i]
			}
			w.tr.Line(s, "dead letter %s: %s", short(e.ID), reason)
		}
	}
	w.tr.Header("Done: every service reacted on its own; the email outage held up nobody else")
	return nil
}
