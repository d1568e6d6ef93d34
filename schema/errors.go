package schema

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of this package. Errors returned by it match one of them
// with errors.Is; [*LoadError] and [*ValidationError] carry the details.
var (
	// ErrID reports a $id (or dataschema) that does not follow the
	// convention of [ID].
	ErrID = errors.New("schema: invalid schema id")
	// ErrLoad matches every [*LoadError]: a schema that cannot be loaded.
	ErrLoad = errors.New("schema: cannot load schema")
	// ErrJSON reports a schema file that is not valid JSON.
	ErrJSON = errors.New("schema: schema is not valid JSON")
	// ErrDraft reports a schema whose $schema is not JSON Schema draft 2020-12.
	ErrDraft = errors.New("schema: schema is not draft 2020-12")
	// ErrRef reports a $ref that does not resolve inside the catalogue. No
	// reference is ever fetched from the network or the file system.
	ErrRef = errors.New("schema: unresolvable $ref")
	// ErrRefLoop reports references that lead back to themselves without
	// consuming any data, such as {"$ref": "#"}.
	ErrRefLoop = errors.New("schema: $ref loop")
	// ErrDuplicate reports two schemas that claim the same $id.
	ErrDuplicate = errors.New("schema: duplicate schema id")
	// ErrCompile reports any other reason the validator refused a schema.
	ErrCompile = errors.New("schema: invalid schema")
	// ErrUnknownSchema reports an event whose type or dataschema names no
	// schema of the catalogue. An event without a schema is never a pass.
	ErrUnknownSchema = errors.New("schema: no schema in the catalogue")
	// ErrSchemaMismatch reports an event whose dataschema names a schema of
	// another event type.
	ErrSchemaMismatch = errors.New("schema: dataschema does not match the event type")
	// ErrInvalidData matches every [*ValidationError]: a payload that its
	// schema rejects.
	ErrInvalidData = errors.New("schema: payload does not match its schema")
)

// LoadError reports a schema file that cannot be loaded. Err matches one of
// ErrJSON, ErrDraft, ErrRef, ErrRefLoop, ErrDuplicate, ErrID or ErrCompile,
// and the error also matches ErrLoad.
type LoadError struct {
	Path string // file path inside the catalogue, or the schema's URI
	// Err is why the schema cannot be loaded.
	Err error
}

// Error implements error.
func (e *LoadError) Error() string { return fmt.Sprintf("schema: %s: %v", e.Path, e.Err) }

// Unwrap returns ErrLoad and Err.
func (e *LoadError) Unwrap() []error { return []error{ErrLoad, e.Err} }

// Violation is one reason a payload fails its schema. Like
// envelope.Violation it is an error, matching [ErrInvalidData].
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value in the
	// payload, "" for the payload itself.
	Pointer string `json:"pointer"`
	// SchemaLocation is the absolute location of the failed keyword:
	// the schema's URI, "#" and a JSON pointer into the schema.
	SchemaLocation string `json:"schemaLocation"`
	// Message says what is wrong, in English.
	Message string `json:"message"`
}

// Error implements error: "<pointer>: <message>", the pointer "(root)" for
// the payload itself.
func (v Violation) Error() string {
	p := v.Pointer
	if p == "" {
		p = "(root)"
	}
	return p + ": " + v.Message
}

// ValidationError reports every violation of a payload against its schema,
// sorted by pointer, then schema location, then message. It matches
// [ErrInvalidData].
type ValidationError struct {
	Schema string // URI of the schema
	// Violations are every violation, sorted.
	Violations []Violation
}

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "payload does not match schema %s:", e.Schema)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteByte(' ')
		b.WriteString(v.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidData.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidData }

// Unwrap returns the violations, so errors.As finds each.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Violations))
	for i, v := range e.Violations {
		errs[i] = v
	}
	return errs
}

// Is reports whether target is ErrInvalidData.
func (v Violation) Is(target error) bool { return target == ErrInvalidData }
