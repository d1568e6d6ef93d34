package envelope

import (
	"encoding/json"
	"time"
)

// SpecVersion is the only CloudEvents specversion this package produces and
// accepts.
const SpecVersion = "1.0"

// ContentTypeJSON is the only data content type of ELMO events.
const ContentTypeJSON = "application/json"

// Names of the attributes that have a field of their own in [Envelope].
const (
	AttrSpecVersion        = "specversion"
	AttrID                 = "id"
	AttrSource             = "source"
	AttrType               = "type"
	AttrTime               = "time"
	AttrSubject            = "subject"
	AttrDataContentType    = "datacontenttype"
	AttrDataSchema         = "dataschema"
	AttrData               = "data"
	AttrDataBase64         = "data_base64"
	AttrTenantID           = "tenantid"
	AttrCorrelationID      = "correlationid"
	AttrCausationID        = "causationid"
	AttrEffectiveTime      = "effectivetime"
	AttrTraceParent        = "traceparent"
	AttrTraceState         = "tracestate"
	AttrPartitionKey       = "partitionkey"
	AttrSequence           = "sequence"
	AttrAuthType           = "authtype"
	AttrAuthID             = "authid"
	AttrDataClassification = "dataclassification"
	AttrDataRef            = "dataref"
	AttrDataDigest         = "datadigest"
)

// Data classifications of the CloudEvents data-classification extension.
const (
	ClassificationPublic       = "public"
	ClassificationInternal     = "internal"
	ClassificationConfidential = "confidential"
	ClassificationRestricted   = "restricted"
)

// IsClassification reports whether c is one of the four data
// classifications.
func IsClassification(c string) bool {
	switch c {
	case ClassificationPublic, ClassificationInternal, ClassificationConfidential, ClassificationRestricted:
		return true
	}
	return false
}

// Envelope is one event: the CloudEvents 1.0 context attributes, the ELMO
// extension attributes, any other extension attributes, and the data.
//
// An empty string or a zero time means the attribute is absent. An Envelope
// is a plain value: copy it, compare it, build it by hand or with a
// [Producer]. Decoding never validates the protocol's rules beyond the JSON
// event format; call [Validator.Validate] (or [Validator.Check], which decodes
// and validates) for that.
type Envelope struct {
	// SpecVersion is the CloudEvents version, always "1.0".
	SpecVersion string
	// ID identifies the event; unique per Source. ELMO producers mint a
	// UUIDv7.
	ID string
	// Source is a URI-reference naming the producer; ELMO: urn:<org>:service:<name>.
	Source string
	// Type is the event type; ELMO: <org>.<domain>.<entity>.<action>.v<major>.
	Type string
	// Time is when the change was recorded. ELMO: required, UTC, whole
	// milliseconds.
	Time time.Time
	// Subject is the entity the event is about; ELMO: its ERN.
	Subject string
	// DataContentType is the media type of the data; ELMO: application/json
	// or absent.
	DataContentType string
	// DataSchema is the absolute URI of the data's schema, with its full
	// version.
	DataSchema string
	// Data is the "data" member as JSON text, nil when absent. ELMO: a JSON
	// object. It is encoded as it is after a check that it is valid JSON.
	Data json.RawMessage
	// DataBase64 is binary data, read from and written to "data_base64". ELMO
	// producers never set it; an ELMO consumer reads it as JSON text.
	DataBase64 []byte

	// TenantID is the tenant the event belongs to (ELMO extension).
	TenantID string
	// CorrelationID is the id of the first event or command of the business
	// flow (correlation extension).
	CorrelationID string
	// CausationID is the id of the event or command that directly caused this
	// one (correlation extension).
	CausationID string
	// EffectiveTime is when the fact takes effect in the business (valid
	// time, ELMO extension); zero means the same as Time.
	EffectiveTime time.Time
	// TraceParent is the W3C traceparent header value (distributed-tracing
	// extension).
	TraceParent string
	// TraceState is the W3C tracestate header value.
	TraceState string
	// PartitionKey orders related events (partitioning extension); it
	// becomes the SQS FIFO MessageGroupId.
	PartitionKey string
	// Sequence orders the events of one subject, compared as strings
	// (sequence extension).
	Sequence string
	// AuthType says what kind of principal caused the change, e.g. "user"
	// or "service_account" (authcontext extension).
	AuthType string
	// AuthID identifies the principal (authcontext extension).
	AuthID string
	// DataClassification is public, internal, confidential or restricted
	// (data-classification extension).
	DataClassification string
	// DataRef names where the data is kept when the event carries none:
	// a claim check (the CloudEvents dataref extension), e.g.
	// s3://bucket/key. ELMO: an absolute URI, with DataDigest, in place of
	// Data.
	DataRef string
	// DataDigest is the digest of the data DataRef names, which a consumer
	// verifies: "sha256:" and 64 lowercase hex digits (ELMO extension).
	DataDigest string

	// Extensions holds every other extension attribute by name. Values are
	// string, bool or int32 (the CloudEvents String, Boolean and Integer
	// types; other CloudEvents types are carried as strings). Decoding keeps
	// unknown extensions here and encoding writes them back sorted by name.
	Extensions map[string]any

	checked membersCheck // set by a Decoder with Members
}

// EffectiveAt returns EffectiveTime, or Time when EffectiveTime is absent.
func (e *Envelope) EffectiveAt() time.Time {
	if e.EffectiveTime.IsZero() {
		return e.Time
	}
	return e.EffectiveTime
}

// attrSequence lists the attributes with a field of their own in their
// encoding order, which is also the order of validation violations.
var attrSequence = [...]string{
	AttrSpecVersion, AttrID, AttrSource, AttrType, AttrTime, AttrSubject,
	AttrDataContentType, AttrDataSchema, AttrTenantID, AttrCorrelationID,
	AttrCausationID, AttrEffectiveTime, AttrTraceParent, AttrTraceState,
	AttrPartitionKey, AttrSequence, AttrAuthType, AttrAuthID,
	AttrDataClassification, AttrDataRef, AttrDataDigest, AttrData, AttrDataBase64,
}

// attrOrder returns the position of name in attrSequence, or
// len(attrSequence) for any other name.
func attrOrder(name string) int {
	for i, a := range attrSequence {
		if a == name {
			return i
		}
	}
	return len(attrSequence)
}

// IsReserved reports whether name is an attribute or member with a field of
// its own in [Envelope], and so cannot be a key of Extensions.
func IsReserved(name string) bool { return knownAttr([]byte(name)) != "" }
