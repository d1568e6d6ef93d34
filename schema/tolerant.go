package schema

import (
	"fmt"
	"slices"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// upperSnakePattern is the pattern of enumeration values (PROTOCOL.md
// section 3), which a tolerant reader accepts where an enumeration does not
// list them.
const upperSnakePattern = "^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"

// tolerate returns a copy of a schema as a tolerant consumer reads it, so
// that data written by a later minor version of the same major passes
// (PROTOCOL.md section 6, "Evolution"):
//   - closed content models open: additionalProperties: false and
//     unevaluatedProperties: false are dropped, so members the schema does
//     not name are accepted whatever they hold;
//   - an enumeration whose values are all UPPER_SNAKE_CASE strings accepts
//     any UPPER_SNAKE_CASE string.
//
// Everything else holds: types, required members, formats, bounds and
// patterns of what the schema names, and an additionalProperties schema.
func tolerate(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m)+1)
	var allOf []any
	for k, x := range m {
		switch {
		case k == "additionalProperties" || k == "unevaluatedProperties":
			if closed, ok := x.(bool); ok && !closed {
				continue
			}
			out[k] = tolerate(x)
		case k == "allOf":
			allOf = append(tolerateList(x), allOf...)
		case k == "enum":
			if values, ok := x.([]any); ok && len(values) > 0 && allUpperSnake(values) {
				allOf = append(allOf, map[string]any{"type": "string", "pattern": upperSnakePattern})
				continue
			}
			out[k] = x
		case slices.Contains(schemaKeywords, k):
			out[k] = tolerate(x)
		case slices.Contains(schemaListKeyword, k):
			out[k] = tolerateList(x)
		case slices.Contains(schemaMapKeywords, k):
			out[k] = tolerateMap(x)
		default:
			out[k] = x
		}
	}
	if allOf != nil {
		out["allOf"] = allOf
	}
	return out
}

func tolerateMap(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = tolerate(x)
	}
	return out
}

func tolerateList(v any) []any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]any, len(list))
	for i, x := range list {
		out[i] = tolerate(x)
	}
	return out
}

// allUpperSnake reports whether every value is an UPPER_SNAKE_CASE string.
func allUpperSnake(values []any) bool {
	for _, v := range values {
		s, ok := v.(string)
		if !ok || naming.ValidateEnumValue(s) != nil {
			return false
		}
	}
	return true
}

// ValidateTolerant checks a JSON payload as a tolerant consumer does: like
// [Schema.Validate], but members the schema does not name are accepted, and
// so are UPPER_SNAKE_CASE values of its enumerations that it does not list.
// A payload written by any minor version of the schema's major version that
// follows the evolution policy passes (PROTOCOL.md section 6).
func (s *Schema) ValidateTolerant(data []byte) error {
	return s.validate(data, true)
}

// TolerantFor returns the schema a tolerant consumer validates the payload
// of e against: the newest minor version of e's type and major version that
// the catalogue knows, whatever minor version e's dataschema names (an older
// one, the same, or a newer one the catalogue has not seen yet). A type or
// major version the catalogue does not know gets an error matching
// [ErrUnknownSchema]; a dataschema that names a schema of another type or
// major version, an error matching [ErrSchemaMismatch].
func (c *Catalog) TolerantFor(e *envelope.Envelope) (*Schema, error) {
	if c == nil {
		return nil, errNilCatalog
	}
	t, err := eventType(e)
	if err != nil {
		return nil, err
	}
	if e.DataSchema != "" {
		if id, err := ParseID(e.DataSchema); err == nil && id.Type != t {
			return nil, fmt.Errorf("%w: dataschema %s is for %s, the event is %s", ErrSchemaMismatch, e.DataSchema, id.Type, t)
		}
	}
	return c.latest(t)
}

// ValidateTolerant checks the payload of e as a consumer does: against the
// schema [Catalog.TolerantFor] picks, with [Schema.ValidateTolerant]. It
// returns nil, a [*ValidationError] (matching [ErrInvalidData]), or an
// error matching ErrUnknownSchema, ErrSchemaMismatch or envelope.ErrNoData.
// Producers use [Catalog.Validate], which is strict.
func (c *Catalog) ValidateTolerant(e *envelope.Envelope) error {
	s, err := c.TolerantFor(e)
	if err != nil {
		return err
	}
	data, err := payload(e)
	if err != nil {
		return err
	}
	return s.ValidateTolerant(data)
}
