package schema

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// Draft202012 is the $schema URI of JSON Schema draft 2020-12, the only
// draft a catalogue accepts. A schema without $schema is read as this draft.
const Draft202012 = "https://json-schema.org/draft/2020-12/schema"

// Schema is one compiled payload schema of a catalogue. It is immutable and
// safe for concurrent use.
type Schema struct {
	id       ID
	path     string
	raw      []byte
	doc      any
	compiled *jsonschema.Schema
	tolerant *jsonschema.Schema // compiled from tolerate(doc)
	printer  *message.Printer
}

// ID returns the identity the schema declares in its $id.
func (s *Schema) ID() ID { return s.id }

// Path returns the schema's file path inside the catalogue.
func (s *Schema) Path() string { return s.path }

// Bytes returns a copy of the schema document as it was read.
func (s *Schema) Bytes() []byte { return bytes.Clone(s.raw) }

// errNilCatalog is what a nil *Catalog answers: it knows no schema.
var errNilCatalog = fmt.Errorf("%w: the catalogue is nil", ErrUnknownSchema)

// Validate checks a JSON payload against the schema, strictly, as a
// producer must. It returns nil, a [*ValidationError] listing every
// violation (matching [ErrInvalidData]), or an error of
// [envelope.CheckData] when data breaks the protocol's rules for data (not
// JSON, a member name twice in one object, a number out of range).
//
// Violations name the JSON pointer and the rule, never a value from the
// payload, so that they are safe to log and to put in a dead-letter reason.
func (s *Schema) Validate(data []byte) error {
	return s.validate(data, false)
}

func (s *Schema) validate(data []byte, tolerant bool) error {
	// The data rules first: they bound what the validator is handed
	// (numbers, in particular, cost it time in the size of their exponent).
	if err := envelope.CheckData(data); err != nil {
		return fmt.Errorf("schema %s: payload: %w", s.id.URI, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("schema %s: payload: %w", s.id.URI, envelope.ErrMalformed)
	}
	compiled := s.compiled
	if tolerant {
		compiled = s.tolerant
	}
	err = compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("schema %s: %w", s.id.URI, err)
	}
	out := &ValidationError{Schema: s.id.URI}
	s.collect(ve, &out.Violations)
	slices.SortFunc(out.Violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.SchemaLocation, b.SchemaLocation), cmp.Compare(a.Message, b.Message))
	})
	out.Violations = slices.Compact(out.Violations)
	return out
}

// collect flattens the validator's tree of errors into its leaves.
func (s *Schema) collect(e *jsonschema.ValidationError, into *[]Violation) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			s.collect(c, into)
		}
		return
	}
	var ptr strings.Builder
	for _, tok := range e.InstanceLocation {
		ptr.WriteByte('/')
		ptr.WriteString(escapePointer(tok))
	}
	loc := e.SchemaURL
	if kw := e.ErrorKind.KeywordPath(); len(kw) > 0 {
		if !strings.Contains(loc, "#") {
			loc += "#"
		}
		for _, tok := range kw {
			loc += "/" + escapePointer(tok)
		}
	}
	*into = append(*into, Violation{Pointer: ptr.String(), SchemaLocation: loc, Message: describe(e.ErrorKind, s.printer)})
}

// Catalog is a set of compiled payload schemas, looked up by event type and
// major version or by $id. It is immutable after [Load] and safe for
// concurrent use.
type Catalog struct {
	byID   map[string]*Schema
	byType map[naming.Type][]*Schema // minor versions, ascending
	all    []*Schema                 // by type, then minor
}

// LoadDir loads the catalogue in the folder dir; see [Load].
func LoadDir(dir string) (*Catalog, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("schema: catalogue: %w", err)
	}
	return Load(os.DirFS(dir))
}

// Load reads every *.json file under the root of fsys (an os.DirFS, an
// embed.FS, ...) as a payload schema and compiles them all. Each schema
// declares its identity in its $id (see [ID]); references between schemas
// resolve inside the catalogue only, never over the network.
//
// Every file that cannot be loaded is reported: the error joins one
// [*LoadError] per problem. Formats date-time, date, time, uuid, email, uri
// and the others of draft 2020-12 are asserted, and so is "ern" (an ELMO
// Resource Name, see [naming.ParseERN]).
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := readSchemaFiles(fsys)
	if err != nil {
		return nil, err
	}
	c, errs := build(files)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// build compiles the files into a catalogue of those that load, and returns
// a *LoadError for each problem.
func build(files []schemaFile) (*Catalog, []error) {
	c := &Catalog{byID: map[string]*Schema{}, byType: map[naming.Type][]*Schema{}}
	var errs []error
	d := newDocs()
	for _, f := range files {
		if f.err != nil {
			errs = append(errs, f.err)
			continue
		}
		if prev, ok := c.byID[f.id.URI]; ok {
			errs = append(errs, &LoadError{f.path, fmt.Errorf("%w: %s is also declared by %s", ErrDuplicate, f.id.URI, prev.path)})
			continue
		}
		c.byID[f.id.URI] = &Schema{id: f.id, path: f.path, raw: f.raw, doc: f.doc}
		d.add(f.id.URI, f.doc)
	}
	comp, tolerantComp := newCompiler(), newCompiler()
	printer := message.NewPrinter(language.English)
	for _, s := range sortedSchemas(c.byID) {
		err := comp.AddResource(s.id.URI, s.doc)
		if err == nil {
			err = tolerantComp.AddResource(s.id.URI, tolerate(s.doc))
		}
		if err != nil {
			errs = append(errs, &LoadError{s.path, fmt.Errorf("%w: %v", ErrCompile, err)})
		}
	}
	for _, s := range sortedSchemas(c.byID) {
		err := d.checkLoops(s.id.URI)
		if err == nil {
			s.compiled, err = comp.Compile(s.id.URI)
			err = compileError(err)
		}
		if err == nil {
			s.tolerant, err = tolerantComp.Compile(s.id.URI)
			err = compileError(err)
		}
		if err != nil {
			errs = append(errs, &LoadError{s.path, err})
			delete(c.byID, s.id.URI)
			continue
		}
		s.printer = printer
		c.all = append(c.all, s)
		c.byType[s.id.Type] = append(c.byType[s.id.Type], s)
	}
	return c, errs
}

// newCompiler returns a validator compiler set up the way the protocol
// needs: draft 2020-12, formats asserted, "ern" known, and no loading of
// anything that was not added to it.
func newCompiler() *jsonschema.Compiler {
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	comp.AssertFormat()
	comp.RegisterFormat(&jsonschema.Format{Name: "ern", Validate: validateERN})
	comp.UseLoader(noLoader{})
	return comp
}

// errNotERN is the format error of "ern"; it quotes nothing of the value.
var errNotERN = errors.New("not an ELMO Resource Name")

func validateERN(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if _, err := naming.ParseERN(s); err != nil {
		return errNotERN
	}
	return nil
}

// noLoader refuses every URL: references resolve inside the catalogue only.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%w: %s is not in the catalogue (references are never fetched)", ErrRef, url)
}

func compileError(err error) error {
	if err == nil {
		return nil
	}
	var load *jsonschema.LoadURLError
	var ptr *jsonschema.JSONPointerNotFoundError
	var anchor *jsonschema.AnchorNotFoundError
	switch {
	case errors.Is(err, ErrRef):
		return err
	case errors.As(err, &load), errors.As(err, &ptr), errors.As(err, &anchor):
		return fmt.Errorf("%w: %v", ErrRef, err)
	}
	return fmt.Errorf("%w: %v", ErrCompile, err)
}

type schemaFile struct {
	path string
	raw  []byte
	doc  any
	id   ID
	err  error // a *LoadError when the file cannot be used
}

// readSchemaFiles reads and decodes every *.json file of fsys, in path order.
// Only an I/O error that stops the walk is returned; per-file problems are
// kept in schemaFile.err.
func readSchemaFiles(fsys fs.FS) ([]schemaFile, error) {
	var files []schemaFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, parseSchemaFile(p, raw))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: reading catalogue: %w", err)
	}
	return files, nil
}

func parseSchemaFile(p string, raw []byte) schemaFile {
	f := schemaFile{path: p, raw: raw}
	doc, err := decodeSchema(raw)
	if err != nil {
		f.err = &LoadError{p, err}
		return f
	}
	f.doc = doc
	obj, _ := doc.(map[string]any)
	uri, _ := obj["$id"].(string)
	if uri == "" {
		f.err = &LoadError{p, fmt.Errorf("%w: $id is missing", ErrID)}
		return f
	}
	if f.id, err = ParseID(uri); err != nil {
		f.err = &LoadError{p, err}
	}
	return f
}

// decodeSchema decodes a schema document and checks its draft.
func decodeSchema(raw []byte) (any, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		if _, isBool := doc.(bool); isBool {
			return doc, nil
		}
		return nil, fmt.Errorf("%w: a schema is a JSON object or a boolean", ErrJSON)
	}
	if v, ok := obj["$schema"]; ok {
		if s, _ := v.(string); strings.TrimSuffix(s, "#") != Draft202012 {
			return nil, fmt.Errorf("%w: $schema is %v; want %s", ErrDraft, v, Draft202012)
		}
	}
	return doc, nil
}

func sortedSchemas(m map[string]*Schema) []*Schema {
	out := make([]*Schema, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Schema) int {
		return cmp.Or(cmp.Compare(a.id.Type.String(), b.id.Type.String()), cmp.Compare(a.id.Minor, b.id.Minor))
	})
	return out
}

// Schemas returns every schema of the catalogue, ordered by event type, then
// minor version.
func (c *Catalog) Schemas() []*Schema { return slices.Clone(c.all) }

// Lookup returns the latest minor version of the schema for the event type t
// (whose major version is part of t).
func (c *Catalog) Lookup(t naming.Type) (*Schema, bool) {
	v := c.byType[t]
	if len(v) == 0 {
		return nil, false
	}
	return v[len(v)-1], true
}

// Versions returns every minor version of the schema for t, ascending.
func (c *Catalog) Versions(t naming.Type) []*Schema { return slices.Clone(c.byType[t]) }

// ByID returns the schema whose $id is uri.
func (c *Catalog) ByID(uri string) (*Schema, bool) {
	s, ok := c.byID[uri]
	return s, ok
}

// For returns the schema that governs the payload of e for its producer:
// the one its dataschema names when it has one, otherwise the latest minor
// version for its type. An event whose schema is not in the catalogue gets an error
// matching [ErrUnknownSchema], and one whose dataschema names another type's
// schema an error matching [ErrSchemaMismatch].
func (c *Catalog) For(e *envelope.Envelope) (*Schema, error) {
	if c == nil {
		return nil, errNilCatalog
	}
	t, err := eventType(e)
	if err != nil {
		return nil, err
	}
	if e.DataSchema != "" {
		s, ok := c.byID[e.DataSchema]
		if !ok {
			return nil, fmt.Errorf("%w: dataschema %s", ErrUnknownSchema, e.DataSchema)
		}
		if s.id.Type != t {
			return nil, fmt.Errorf("%w: dataschema %s is for %s, the event is %s", ErrSchemaMismatch, e.DataSchema, s.id.Type, t)
		}
		return s, nil
	}
	return c.latest(t)
}

// eventType parses the type of e; an invalid one names no schema.
func eventType(e *envelope.Envelope) (naming.Type, error) {
	t, err := naming.ParseType(e.Type)
	if err != nil {
		return t, fmt.Errorf("%w: %w", ErrUnknownSchema, err)
	}
	return t, nil
}

// latest is Lookup with the error of an unknown type.
func (c *Catalog) latest(t naming.Type) (*Schema, error) {
	s, ok := c.Lookup(t)
	if !ok {
		return nil, fmt.Errorf("%w: event type %s", ErrUnknownSchema, t)
	}
	return s, nil
}

// Validate checks the payload of e strictly, as a producer must, against
// the exact schema version it declares (see [Catalog.For]). It returns nil,
// a [*ValidationError] (matching [ErrInvalidData]), or an error matching
// ErrUnknownSchema, ErrSchemaMismatch or envelope.ErrNoData. Consumers use
// [Catalog.ValidateTolerant].
func (c *Catalog) Validate(e *envelope.Envelope) error {
	s, err := c.For(e)
	if err != nil {
		return err
	}
	data, err := payload(e)
	if err != nil {
		return err
	}
	return s.Validate(data)
}

// payload returns the JSON payload of e.
func payload(e *envelope.Envelope) ([]byte, error) {
	switch {
	case e.Data != nil:
		return e.Data, nil
	case e.DataBase64 != nil:
		return e.DataBase64, nil
	}
	return nil, fmt.Errorf("%w: %s %s", envelope.ErrNoData, e.Type, e.ID)
}

// envelopeSchema is the JSON Schema of the protocol's envelope (ELMO
// profile), for tools in other languages.
//
//go:embed envelope.schema.json
var envelopeSchema []byte

// EnvelopeSchema returns a copy of the JSON Schema (draft 2020-12) that
// describes the ELMO envelope. It checks the shape of every attribute; the
// rules that need code (tenant-less types, the subject's tenant, past-tense
// actions, payload schemas) are stated in its description and checked by
// [envelope.Validator].
func EnvelopeSchema() []byte { return bytes.Clone(envelopeSchema) }
