// Package envelope is the ELMO event envelope: a CloudEvents 1.0 event with
// the ELMO extension attributes, its JSON event format (structured mode),
// validation in two profiles, and a [Producer] that builds new events.
//
// # The envelope
//
// [Envelope] has a field for every attribute of the protocol (see
// PROTOCOL.md at the root of the module) and keeps any other extension
// attribute in Extensions, so that nothing is dropped on decode and
// re-encode. Data holds the "data" member as JSON text; the payload is
// decoded by the caller, usually through package event.
//
// # Encoding and decoding
//
// [Decode] and [DecodeBatch] read the CloudEvents JSON event format strictly
// (RFC 8259, UTF-8 only, nothing after the event, no duplicate members, no
// lone surrogate escapes) in one pass without reflection, within limits of
// size, nesting and members per event ([Decoder]). The data is scanned once
// too, for the protocol's rules of data ([CheckData]): no member name twice
// in one object and numbers a double can hold. A [Decoder] whose Members
// gives a [MemberChecker] for the event's type runs it in that same pass
// (package event's typed decoding checks its payload's member names so);
// [Envelope.MembersCheckedBy] tells whether they passed. Time and memory
// are linear in the input, whatever it holds: a hostile event costs a
// consumer about what an ordinary one of its size does. [Envelope.MarshalJSON]
// and [Envelope.AppendJSON] write it in a fixed order: decode(encode(e))
// equals e (field by field, as reflect.DeepEqual compares: an Envelope
// holds slices and maps, so == does not compile for it) for every
// envelope whose times are in UTC or carry a non-zero offset, and
// encode(decode(b)) is stable.
//
// # Validation
//
// A [Validator] checks one of two profiles: [CloudEvents], exactly the rules
// of CloudEvents 1.0 and its JSON format, and [ELMO] (the default), those plus
// every rule of the protocol. A Validator is strict unless it is
// [Validator].Tolerant, which consumers set: tolerance accepts what
// producers must not write and consumers need not refuse: ids that are not
// canonical UUIDs and type actions not in the past tense. [Validator.Check] decodes and validates in one
// call. Validation reports every violation at once in a [*ValidationError],
// in a stable order (the protocol's attribute order, then extensions by
// name); each [Violation] names its attribute and matches its [*Rule] with
// errors.Is, and a cause such as a *naming.Error with errors.As.
//
// # Errors
//
//   - [*SyntaxError]: the input is not a JSON event at all; it matches
//     [ErrMalformed], [ErrInvalidUTF8], [ErrTooDeep] or [ErrInputTooLarge].
//   - [*ValidationError] and [*BatchError]: the event or batch breaks rules;
//     both match [ErrInvalid], and each violation's rule.
//   - [ErrNoSource]: a [Producer] without a source.
//
// # Producing
//
// [Producer.New] mints a UUIDv7 id and the time (both injectable) and starts
// a correlation; [Producer.Caused] derives an event from its cause,
// propagating the correlation id, tenant and trace context.
package envelope
