package event

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// Definition binds the Go payload type T to one event type (name and major
// version). A Definition is immutable and safe for concurrent use.
type Definition[T any] struct {
	typ            naming.Type
	name           string
	dataSchema     string
	classification string
	tenantLess     bool
	validator      envelope.Validator // strict, of the type's org
	fields         *fieldTree         // the member names T decodes
}

// DefineOption configures a Definition.
type DefineOption func(*defineConfig)

type defineConfig struct {
	dataSchema, classification string
	tenantLess, command        bool
}

// WithDataSchema sets the dataschema URI of the events, which should carry
// the schema's full version.
func WithDataSchema(uri string) DefineOption {
	return func(c *defineConfig) { c.dataSchema = uri }
}

// WithClassification sets the dataclassification of the events: public,
// internal, confidential or restricted. The default is internal.
func WithClassification(c string) DefineOption {
	return func(cfg *defineConfig) { cfg.classification = c }
}

// WithoutTenant declares events that belong to no tenant (platform-wide
// facts): New derives no tenantid from the subject, and validates without
// one. The default is a tenant per event.
func WithoutTenant() DefineOption {
	return func(cfg *defineConfig) { cfg.tenantLess = true }
}

// AsCommand declares a command rather than an event (its schema's
// x-elmo-kind is command): its action names what to do, so New does not
// hold it to the past tense. The transport sends it to the one service
// that accepts it.
func AsCommand() DefineOption {
	return func(cfg *defineConfig) { cfg.command = true }
}

// Define returns the definition of an event type with payload type T, which
// must encode as a JSON object: a struct, a pointer to one, or a map with
// string keys (else an error matching ErrPayload).
func Define[T any](eventType string, opts ...DefineOption) (*Definition[T], error) {
	typ, err := naming.ParseType(eventType)
	if err != nil {
		return nil, err
	}
	if rt := reflect.TypeFor[T](); !isObject(rt) {
		return nil, fmt.Errorf("%w: %s: payload type %v does not encode as a JSON object (want a struct or a map with string keys)", ErrPayload, eventType, rt)
	}
	cfg := defineConfig{classification: envelope.ClassificationInternal}
	for _, o := range opts {
		o(&cfg)
	}
	if !envelope.IsClassification(cfg.classification) {
		return nil, fmt.Errorf("%w: %q", envelope.ErrClassification, cfg.classification)
	}
	d := &Definition[T]{typ: typ, name: typ.String(), dataSchema: cfg.dataSchema, classification: cfg.classification,
		tenantLess: cfg.tenantLess, fields: fieldsOf(reflect.TypeFor[T](), map[reflect.Type]*fieldTree{})}
	d.validator = envelope.Validator{Org: typ.Org(), TenantLess: func(t naming.Type) bool { return d.tenantLess && t == typ }}
	if cfg.command {
		d.validator.Commands = func(t naming.Type) bool { return t == typ }
	}
	return d, nil
}

// isObject reports whether values of t encode as a JSON object.
func isObject(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Map:
		return t.Key().Kind() == reflect.String
	}
	return false
}

// MustDefine is like [Define] but panics on error; for package-level
// definitions known to be valid.
func MustDefine[T any](eventType string, opts ...DefineOption) *Definition[T] {
	d, err := Define[T](eventType, opts...)
	if err != nil {
		panic(err)
	}
	return d
}

// Type returns the event type.
func (d *Definition[T]) Type() naming.Type { return d.typ }

// Matches reports whether e is of the definition's type and major version.
func (d *Definition[T]) Matches(e *envelope.Envelope) bool { return e.Type == d.name }

// Option sets attributes of an envelope that [Definition.New] builds.
type Option func(*envelope.Envelope)

// WithSubject sets the subject, the ERN of the entity the event is about.
// New derives the tenantid from it.
func WithSubject(ern naming.ERN) Option {
	return func(e *envelope.Envelope) { e.Subject = ern.String() }
}

// WithTenant sets the tenantid. It is derived from the subject; set it
// only to state it, since one that contradicts the subject's is an error.
func WithTenant(id string) Option { return func(e *envelope.Envelope) { e.TenantID = id } }

// WithEffectiveTime sets the effectivetime (valid time), stored in UTC to
// the millisecond.
func WithEffectiveTime(t time.Time) Option {
	return func(e *envelope.Envelope) { e.EffectiveTime = t.UTC().Truncate(time.Millisecond) }
}

// WithPartitionKey sets the partitionkey, the ordering key of FIFO
// transports.
func WithPartitionKey(key string) Option { return func(e *envelope.Envelope) { e.PartitionKey = key } }

// New returns an envelope of the definition's type carrying payload, with the
// producer's id, source and time, the definition's dataschema and
// classification, then the options applied in order. The tenantid is
// derived from the subject unless the definition is WithoutTenant. The
// envelope is validated strictly, as a producer must: a missing subject, a
// tenant that contradicts the subject's, or any other broken rule is an
// *envelope.ValidationError, so that mistakes show here and not at
// Publish. The payload must encode as a JSON object.
func (d *Definition[T]) New(p *envelope.Producer, payload T, opts ...Option) (envelope.Envelope, error) {
	return d.build(p, nil, payload, opts)
}

// NewCaused is like New for an event caused by parent: causation and
// correlation ids and tenant come from parent; the trace context is set
// where the event is published (see [envelope.Producer.Caused]).
func (d *Definition[T]) NewCaused(p *envelope.Producer, parent *envelope.Envelope, payload T, opts ...Option) (envelope.Envelope, error) {
	return d.build(p, parent, payload, opts)
}

func (d *Definition[T]) build(p *envelope.Producer, parent *envelope.Envelope, payload T, opts []Option) (envelope.Envelope, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return envelope.Envelope{}, fmt.Errorf("%w: %s: %w", ErrPayload, d.name, err)
	}
	if len(data) == 0 || data[0] != '{' {
		return envelope.Envelope{}, fmt.Errorf("%w: %s: payload must encode as a JSON object", ErrPayload, d.name)
	}
	var e envelope.Envelope
	if parent != nil {
		e, err = p.Caused(parent, d.name, data)
	} else {
		e, err = p.New(d.name, data)
	}
	if err != nil {
		return envelope.Envelope{}, err
	}
	e.DataSchema = d.dataSchema
	e.DataClassification = d.classification
	for _, o := range opts {
		o(&e)
	}
	if e.TenantID == "" && !d.tenantLess {
		if ern, err := naming.ParseERN(e.Subject); err == nil {
			e.TenantID = ern.Tenant()
		}
	}
	if err := d.validator.Validate(&e); err != nil {
		return envelope.Envelope{}, fmt.Errorf("event: %s: %w", d.name, err)
	}
	return e, nil
}

// Members returns the check of the member names of T's JSON, for a
// decoder to run in its one pass over an event's data
// (envelope.Decoder.Members; the Consumer of package transport sets it
// for its typed handlers): it refuses a member whose name matches a field
// of T only when case is ignored. Decode then skips its own reading of
// the names when the envelope says they passed
// (envelope.Envelope.MembersCheckedBy). Nil when T decodes no named
// members.
func (d *Definition[T]) Members() envelope.MemberChecker {
	if d.fields == nil {
		return nil
	}
	return d.fields
}

// Decode returns the payload of e. It fails with [ErrTypeMismatch] when e is
// of another type or major version, envelope.ErrNoData when e has no data, and
// [ErrPayload] when the data does not decode into T. Members T does not know
// are ignored (a tolerant reader), but a member whose name matches a field
// of T only when case is ignored is refused: encoding/json would fill the
// field with a value that schema validation never saw under that name.
// Errors name the member, never its value.
func (d *Definition[T]) Decode(e *envelope.Envelope) (T, error) {
	var payload T
	if e.Type != d.name {
		return payload, fmt.Errorf("%w: got %q, want %q", ErrTypeMismatch, e.Type, d.name)
	}
	data := []byte(e.Data)
	if data == nil {
		data = e.DataBase64
	}
	if data == nil {
		return payload, fmt.Errorf("%w: %s %s", envelope.ErrNoData, d.name, e.ID)
	}
	if d.fields != nil && !e.MembersCheckedBy(d.fields) {
		if err := d.fields.checkCase(data); err != nil {
			return payload, fmt.Errorf("%w: %s %s: %w", ErrPayload, d.name, e.ID, payloadError(err))
		}
	}
	if err := json.Unmarshal(data, &payload); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %s %s: %w", ErrPayload, d.name, e.ID, payloadError(err))
	}
	return payload, nil
}
