package envelope

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Producer builds new envelopes for one producing service: it mints the id
// (a UUIDv7) and the time, and links caused events to their cause. Its
// sources of nondeterminism are fields, so tests can fix them. A Producer is
// safe for concurrent use if its functions are.
type Producer struct {
	// Source is the producing service, e.g. urn:elmo:service:billing.
	Source string
	// Now returns the current time; nil means time.Now. The time is stored
	// in UTC, truncated to the millisecond.
	Now func() time.Time
	// NewID returns a new event id; nil means a UUIDv7 in canonical form.
	NewID func() (string, error)
}

// New returns an envelope of the given type with data (JSON text, nil for
// none): specversion 1.0, a new id, the producer's source, the current time,
// datacontenttype application/json, and correlationid set to its own id,
// since a new event starts a flow.
func (p *Producer) New(eventType string, data []byte) (Envelope, error) {
	if p.Source == "" {
		return Envelope{}, ErrNoSource
	}
	id, err := p.id()
	if err != nil {
		return Envelope{}, err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	e := Envelope{
		SpecVersion:   SpecVersion,
		ID:            id,
		Source:        p.Source,
		Type:          eventType,
		Time:          now().UTC().Truncate(time.Millisecond),
		CorrelationID: id,
		Data:          data,
	}
	if data != nil {
		e.DataContentType = ContentTypeJSON
	}
	return e, nil
}

// Caused returns a new envelope like [Producer.New] for an event caused by
// parent: causationid is the parent's id, correlationid the parent's
// correlationid (or its id when it has none), and the parent's tenantid
// carries over. The trace context does not: an event's traceparent is its
// own creation context, which the transport's Publish sets from the
// context it is published in (in a handler, a descendant of the parent's:
// the handler's span, or the publish span when traced).
func (p *Producer) Caused(parent *Envelope, eventType string, data []byte) (Envelope, error) {
	e, err := p.New(eventType, data)
	if err != nil {
		return Envelope{}, err
	}
	e.CausationID = parent.ID
	e.CorrelationID = parent.CorrelationID
	if e.CorrelationID == "" {
		e.CorrelationID = parent.ID
	}
	e.TenantID = parent.TenantID
	return e, nil
}

func (p *Producer) id() (string, error) {
	if p.NewID != nil {
		id, err := p.NewID()
		if err != nil {
			return "", fmt.Errorf("envelope: new id: %w", err)
		}
		return id, nil
	}
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("envelope: new id: %w", err)
	}
	return u.String(), nil
}
