// Package gengo writes Go payload types from a schema catalogue: the code
// behind `eventctl gen go`.
//
// For the newest minor of each event type's major, [Generate] writes a
// struct for the payload (OrderPlaced; OrderPlacedV2 from major 2) and an
// event.Definition bound to it and to the schema's $id (OrderPlacedEvent).
// Descriptions become doc comments. The mapping:
//
//   - string: string; format "ern" naming.ERN; format "date-time"
//     time.Time; other formats and patterns stay strings (the catalogue
//     validates them). integer: int64; number: float64; boolean: bool.
//   - enum of UPPER_SNAKE_CASE strings: a string type, a constant per value
//     and an event.EnumSet of them (<Type>Values), whose Known lets a
//     tolerant consumer keep a value a later minor adds.
//   - object with properties: a struct; required members are values,
//     optional ones pointers (slices, maps and raw JSON as they are) omitted
//     when nil (omitzero, so an empty list is not an absent one). An object
//     that admits other members (additionalProperties true, a schema, or
//     absent) keeps them in AdditionalProperties, typed by that schema, and
//     encodes them back. Without properties: a map.
//   - array: a slice of its items; a schema that admits anything:
//     json.RawMessage.
//   - $ref to #/$defs/<name>: a named type (a defined type for a basic one,
//     an alias otherwise, so time.Time keeps its JSON methods), shared by
//     the schemas whose $defs agree, prefixed with the payload's name where
//     they differ.
//   - "X or null" (a type list with "null", or oneOf/anyOf of X and null):
//     a pointer. An optional member that may be null decodes from null and
//     from absence alike, and nil encodes as absent.
//   - allOf of object schemas: one struct of their properties.
//   - oneOf or anyOf of object schemas that fix one required member to a
//     distinct string with const: a struct of one pointer per alternative,
//     with JSON methods that choose by that member, and Other for an
//     alternative a later minor adds.
//
// Anything else (oneOf without a discriminator, patternProperties,
// prefixItems, if/then/else, several types, enumerations of numbers, a
// $ref to another schema or a recursive one) is an *UnsupportedError naming
// the schema and the JSON pointer of the construct: never code that is
// silently wrong. The output is gofmt'ed and the same for the same input.
package gengo
