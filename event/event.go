package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// Errors of this package.
var (
	// ErrTypeMismatch reports an envelope whose type is not the definition's.
	ErrTypeMismatch = errors.New("event: type mismatch")
	// ErrNoData reports an envelope without data.
	ErrNoData = errors.New("event: envelope has no data")
	// ErrPayload reports a payload that cannot be encoded or decoded, or that
	// is not a JSON object.
	ErrPayload = errors.New("event: bad payload")
	// ErrClassification reports an unknown data classification.
	ErrClassification = errors.New("event: unknown data classification")
)

// Definition binds the Go payload type T to one event type (name and major
// version). A Definition is immutable and safe for concurrent use.
type Definition[T any] struct {
	typ            naming.Type
	name           string
	dataSchema     string
	classification string
	fields         *fieldTree // the member names T decodes
}

// DefineOption configures a Definition.
type DefineOption func(*defineConfig)

type defineConfig struct {
	dataSchema, classification string
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

// Define returns the definition of an event type with payload type T.
func Define[T any](eventType string, opts ...DefineOption) (*Definition[T], error) {
	typ, err := naming.ParseType(eventType)
	if err != nil {
		return nil, err
	}
	cfg := defineConfig{classification: envelope.ClassificationInternal}
	for _, o := range opts {
		o(&cfg)
	}
	switch cfg.classification {
	case envelope.ClassificationPublic, envelope.ClassificationInternal,
		envelope.ClassificationConfidential, envelope.ClassificationRestricted:
	default:
		return nil, fmt.Errorf("%w: %q", ErrClassification, cfg.classification)
	}
	return &Definition[T]{typ: typ, name: typ.String(), dataSchema: cfg.dataSchema, classification: cfg.classification,
		fields: fieldsOf(reflect.TypeFor[T](), map[reflect.Type]*fieldTree{})}, nil
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

// Subject sets the subject, the ERN of the entity the event is about.
func Subject(ern naming.ERN) Option { return func(e *envelope.Envelope) { e.Subject = ern.String() } }

// Tenant sets the tenantid.
func Tenant(id string) Option { return func(e *envelope.Envelope) { e.TenantID = id } }

// EffectiveAt sets the effectivetime (valid time), stored in UTC to the
// millisecond.
func EffectiveAt(t time.Time) Option {
	return func(e *envelope.Envelope) { e.EffectiveTime = t.UTC().Truncate(time.Millisecond) }
}

// PartitionKey sets the partitionkey, the ordering key of FIFO transports.
func PartitionKey(key string) Option { return func(e *envelope.Envelope) { e.PartitionKey = key } }

// New returns an envelope of the definition's type carrying payload, with the
// producer's id, source and time, the definition's dataschema and
// classification, then the options applied in order. The payload must encode
// as a JSON object.
func (d *Definition[T]) New(p *envelope.Producer, payload T, opts ...Option) (envelope.Envelope, error) {
	return d.build(p, nil, payload, opts)
}

// NewCaused is like New for an event caused by parent: causation and
// correlation ids, tenant and trace context come from parent (see
// [envelope.Producer.Caused]).
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
	return e, nil
}

// Decode returns the payload of e. It fails with [ErrTypeMismatch] when e is
// of another type or major version, [ErrNoData] when e has no data, and
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
		return payload, fmt.Errorf("%w: %s %s", ErrNoData, d.name, e.ID)
	}
	if d.fields != nil {
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
