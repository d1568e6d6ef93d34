// Package event is the typed face of the protocol for service code: it binds
// a Go payload type to an event type, builds envelopes from payloads and
// decodes payloads from envelopes.
//
// # Definitions
//
// A [Definition] names its event type explicitly. The wire name never comes
// from the Go type's name, so renaming a struct never renames an event:
//
//	var SignedUp = event.MustDefine[ClientSignedUp]("elmo.identity.client.signed_up.v1",
//		event.WithClassification(envelope.ClassificationConfidential))
//
//	env, err := SignedUp.New(producer, payload, event.WithSubject(client))
//	...
//	payload, err := SignedUp.Decode(&env)
//
// New validates the envelope strictly, as a producer must, so mistakes
// show where they are made, not at Publish: a missing subject, a tenant
// that contradicts the subject's ERN (the tenantid is derived from it;
// [WithoutTenant] declares platform-wide events), any broken rule is an
// *envelope.ValidationError. Define refuses a payload type that does not
// encode as a JSON object. Options are named With...: [WithDataSchema],
// [WithClassification], [WithoutTenant] for a Definition; [WithSubject],
// [WithTenant], [WithEffectiveTime], [WithPartitionKey] for an event.
//
// Decoding is a tolerant reader: members of the payload that the Go type does
// not know are ignored, so producers can add optional members in a minor
// version without breaking consumers (PROTOCOL.md section 6.1; a consumer's
// catalogue validates the same way, see schema.Catalog.ValidateTolerant).
// Member names match exactly: a member that matches a field only when case
// is ignored (Days for days), which encoding/json would bind to the field
// although no schema validated it under that name, is refused with
// [ErrPayload]. Decoding errors name the member, never its value. The
// names are read once: by the envelope's decoder, in its pass over the
// data, when it was given [Definition.Members] (the transport's Consumer
// gives it the check of each typed handler), else by Decode.
//
// # Enumerations
//
// Enumeration values are UPPER_SNAKE_CASE strings. Declare them as a string
// type and list the known values in an [EnumSet]. Decoding a payload keeps a
// value the consumer does not know (a newer producer may send one);
// [EnumSet.Known] tells the consumer, and [EnumSet.Check] is the strict form
// for producers and CI.
package event
