// Package schema holds the payload schemas of the ELMO event protocol: a
// catalogue that validates payloads, a lint of the catalogue's conventions,
// and a compatibility check between schema versions for CI.
//
// # The catalogue
//
// Every event type and major version has one JSON Schema (draft 2020-12)
// per minor version. A schema declares what it describes in its $id, an
// absolute URI whose path ends in /<unversioned type>/<major>.<minor> (see
// [ID]), and lives at <domain>/<entity>.<action>.v<major>.<minor>.json in
// the catalogue's folder:
//
//	leave/absence.approved.v1.1.json  $id https://schemas.elmo.example/elmo.leave.absence.approved/1.1
//
// [Load] reads a catalogue from any fs.FS, so a service can embed its own
// with //go:embed; [LoadDir] reads a folder. Schemas compile once, at load;
// a [Catalog] is then immutable and safe for concurrent use. References
// resolve inside the catalogue only: nothing is ever fetched from the
// network or the file system, and a reference cycle that consumes no data
// (such as {"$ref": "#"}) is refused at load instead of overflowing the
// stack at validation.
//
// # Producers strict, consumers tolerant
//
// [Catalog.Validate] is the producer's check: strict, against the exact
// schema the envelope's dataschema names, or the latest minor version of
// its type. [Catalog.ValidateTolerant] is the consumer's: against the newest
// minor version of the event's major that the catalogue knows, whatever
// minor dataschema names (a newer one the consumer has not seen included),
// with closed content models opened and unknown UPPER_SNAKE_CASE
// enumeration values accepted, so that a producer can publish a minor
// version before its consumers know it (PROTOCOL.md section 6.1). An event
// whose type and major have no schema fails with [ErrUnknownSchema]: a
// missing schema is never a pass. A payload that fails gets a
// [*ValidationError] listing every violation, sorted, each with the JSON
// pointer into the payload, the schema location of the failed keyword and
// a message that names the rule, never a value of the payload, so that it
// is safe to log. Payloads first pass [envelope.CheckData] (no duplicate
// member names, bounded numbers), which bounds what the validator spends. Formats are asserted
// (date-time, date, uuid, email, uri, ...) and so is "ern", an ELMO Resource
// Name. The validator is github.com/santhosh-tekuri/jsonschema/v6, whose
// types never appear in this package's API.
//
// # Lint
//
// [Lint] checks the conventions: $schema, $id and file layout, valid type
// names, UPPER_SNAKE_CASE enumeration values, an explicit
// additionalProperties on every object, title and description, examples
// that validate, formats the validator asserts, no duplicate type and
// version, type actions in the past tense ([LintConfig] takes an
// organisation's words), no property names that differ only in case, the
// events' shape declared ([ShapeKeyword]: notification, state or delta) and
// its rules kept, and minor versions that run 0, 1, 2, ... with each
// following the evolution policy ([Policy]) against every earlier one. Each
// [Finding] names its rule. A change of shape within a major is breaking
// ([RuleShapeChanged]).
//
// # Compatibility
//
// [Compare] classifies every change between two versions of any draft
// 2020-12 schema, and [Report.Compatible] gives the verdict for a [Mode]:
// [Policy], the protocol's evolution policy for minor versions (full
// compatibility less the widenings tolerant readers absorb, marked
// [Change.Tolerated]), or one with the Confluent Schema Registry's
// meanings: [Backward] (consumers on the new schema read data written with
// the old), [Forward] (consumers on the old schema read data written with
// the new), [Full] (both), and their transitive forms for [CheckChain].
// Each change carries a stable [ChangeRule]. Each [Change] has an [Effect]: it
// widens the accepted payloads (breaks Forward), narrows them (breaks
// Backward), or cannot be proven either way (breaks every mode, with the
// reason "cannot prove"). The comparison is conservative: what it cannot
// prove compatible it reports as incompatible, never the reverse.
//
// Properties are compared under their content model: a property added to
// a closed model (additionalProperties false) widens; added to an open one
// it narrows unless it allows anything; added where an additionalProperties
// schema or a patternProperties schema governed it, it is compared with
// that schema. The same holds in reverse for removed properties.
// unevaluatedProperties with no applicator beside it is a content model
// like additionalProperties. A schema that changes shape between a single
// schema, anyOf and oneOf is compared alternative by alternative: a type
// that becomes anyOf of it and another widens, and oneOf becomes anyOf
// widens unless its alternatives are disjoint (distinct types, or distinct
// constants of one required member, also behind $ref).
//
// # The envelope's schema
//
// [EnvelopeSchema] returns a JSON Schema of the envelope itself, for tools
// in other languages.
package schema
