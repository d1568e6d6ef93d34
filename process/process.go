package process

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
)

// Extension attributes of what a process keeps for itself.
const (
	// RoleAttr says what a record of an instance's stream is: RoleFact,
	// RoleHandled or RoleDeadline. The relay publishes none of them.
	RoleAttr = "processrole"
	// InstanceAttr names the instance a deadline comes back to.
	InstanceAttr = "processinstance"
)

// The roles of an instance's records.
const (
	RoleFact     = "fact"     // what the process learnt: its state
	RoleHandled  = "handled"  // the mark of a message handled
	RoleDeadline = "deadline" // an event that comes back at its effective time
)

// HandledType is the type of the marks of handled messages.
const HandledType = "elmo.process.message.handled.v1"

// Decision is what a process instance decides on a message.
type Decision struct {
	// Record are facts the process learnt: its state, folded by
	// Definition.Evolve.
	Record []*envelope.Envelope
	// Send are the commands and events it sends, through the outbox.
	Send []*envelope.Envelope
	// Deadlines come back to the process as messages at their time,
	// whatever happened meanwhile: Decide ignores one that is moot.
	Deadlines []Deadline
}

// Deadline is an event a process receives at a time.
type Deadline struct {
	At    time.Time
	Event *envelope.Envelope
}

// Definition describes a kind of process over its state S.
type Definition[S any] struct {
	// Name names the kind: its instances' streams are process/<Name>/<id>.
	Name string
	// Instance returns the instance a message belongs to. Default: its
	// correlationid (a deadline's: its instance's).
	Instance func(m *envelope.Envelope) string
	// Evolve folds a recorded fact into the state.
	Evolve func(state S, fact *envelope.Envelope) (S, error)
	// Decide reacts to a message, given the state so far. It must have no
	// side effects of its own (what it does, it returns in the Decision):
	// it runs again when another delivery of the instance's messages
	// committed first.
	Decide func(ctx context.Context, state S, m *envelope.Envelope) (Decision, error)
}

// Config configures New. A nil *Config means the defaults.
type Config struct {
	// Producer makes the marks of handled messages. Default: source
	// urn:elmo:service:process.
	Producer *envelope.Producer
	// Clock paces deadlines. Default config.SystemClock.
	Clock config.Clock
}

// Manager runs the instances of one kind of process. It is safe for
// concurrent use; several managers of one kind (instances of a service)
// may run at once on one store.
type Manager[S any] struct {
	def      Definition[S]
	store    *eventstore.Store
	producer *envelope.Producer
	clock    config.Clock
	due      *deadlines
}

// New returns the manager of a kind of process on a store.
func New[S any](store *eventstore.Store, def Definition[S], cfg *Config) (*Manager[S], error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if store == nil {
		errs = append(errs, &config.Error{Setting: "process.New's store", Problem: "must not be nil"})
	}
	if def.Name == "" || def.Evolve == nil || def.Decide == nil {
		errs = append(errs, &config.Error{Setting: "process.Definition", Problem: "needs a Name, Evolve and Decide"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Producer == nil {
		c.Producer = &envelope.Producer{Source: "urn:elmo:service:process"}
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	return &Manager[S]{def: def, store: store, producer: c.Producer, clock: c.Clock, due: newDeadlines()}, nil
}

// Publishable reports whether the outbox relay publishes a stored event:
// not what a process keeps for itself. It is an outbox.Config.Publish.
func Publishable(e *envelope.Envelope) bool {
	_, kept := e.Extensions[RoleAttr]
	return !kept
}

// stream is an instance's stream.
func (m *Manager[S]) stream(instance string) eventstore.Stream {
	return eventstore.Stream{Name: "process/" + m.def.Name + "/" + instance}
}

func (m *Manager[S]) instance(msg *envelope.Envelope) string {
	if id, _ := msg.Extensions[InstanceAttr].(string); id != "" {
		return id
	}
	if m.def.Instance != nil {
		return m.def.Instance(msg)
	}
	return msg.CorrelationID
}

// handledID is the id of the mark of a message handled by this kind of
// process: the same for every delivery of the message.
func (m *Manager[S]) handledID(msg *envelope.Envelope) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(m.def.Name+"\x00"+msg.Source+"\x00"+msg.ID)).String()
}

// Handle runs a message through its instance, exactly once: a message
// already handled is passed over. An error of the store is passing
// (ErrConflict: another delivery was handled meanwhile): the consumer
// delivers the message again. Use it as a consumer's handler.
func (m *Manager[S]) Handle(ctx context.Context, msg *envelope.Envelope) error {
	instance := m.instance(msg)
	if instance == "" {
		return fmt.Errorf("%w: %s %s", ErrNoInstance, msg.Type, msg.ID)
	}
	stream, mark := m.stream(instance), m.handledID(msg)
	var state S
	var version int64
	for rec, err := range m.store.ReadStream(ctx, stream, 0) {
		if err != nil {
			return err
		}
		e, err := m.store.Decode(rec) // facts of an older major, upcast
		if err != nil {
			return fmt.Errorf("process: %s version %d: %w", stream.Name, rec.Version, err)
		}
		version = rec.Version
		switch {
		case e.ID == mark:
			return nil // handled before
		case e.Extensions[RoleAttr] == RoleFact:
			if state, err = m.def.Evolve(state, &e); err != nil {
				return fmt.Errorf("process: evolving %s at version %d: %w", stream.Name, rec.Version, err)
			}
		}
	}
	d, err := m.def.Decide(ctx, state, msg)
	if err != nil {
		return err
	}
	handled, err := m.producer.Caused(msg, HandledType, nil)
	if err != nil {
		return err
	}
	handled.ID = mark
	handled.Subject, handled.TenantID = msg.Subject, msg.TenantID
	batch := []*envelope.Envelope{kept(&handled, RoleHandled, nil)}
	for _, f := range d.Record {
		batch = append(batch, kept(f, RoleFact, nil))
	}
	for _, dl := range d.Deadlines {
		e := *dl.Event
		e.EffectiveTime = dl.At.UTC().Truncate(time.Millisecond)
		batch = append(batch, kept(&e, RoleDeadline, map[string]any{InstanceAttr: instance}))
	}
	batch = append(batch, d.Send...)
	if _, err := m.store.Append(ctx, stream, eventstore.Exactly(version), batch...); err != nil {
		return err
	}
	for _, dl := range d.Deadlines {
		e := *dl.Event
		e.Extensions = withExt(e.Extensions, map[string]any{InstanceAttr: instance})
		m.due.add(dl.At, &e)
	}
	return nil
}

// kept marks a copy of e as what the process keeps for itself.
func kept(e *envelope.Envelope, role string, more map[string]any) *envelope.Envelope {
	c := *e
	c.Extensions = withExt(e.Extensions, more)
	c.Extensions[RoleAttr] = role
	return &c
}

func withExt(base, more map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(more)+1)
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}
