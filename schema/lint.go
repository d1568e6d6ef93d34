package schema

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
)

// Lint rule codes, one per convention of a catalogue. A [Finding] carries one.
const (
	LintLoad                 = "load"                  // the file cannot be loaded (JSON, draft, $ref, loop, compile)
	LintSchemaKeyword        = "schema-keyword"        // $schema must name draft 2020-12
	LintID                   = "id"                    // $id must follow the convention of ID
	LintTypeName             = "type-name"             // the event type in $id must be a valid type name
	LintLayout               = "layout"                // the file must be at ID.Path()
	LintDuplicate            = "duplicate"             // two schemas claim one type and version
	LintTitle                = "title"                 // the root must have a title
	LintDescription          = "description"           // the root must have a description
	LintAdditionalProperties = "additional-properties" // every object schema states its additionalProperties policy
	LintEnumCase             = "enum-case"             // string enum values are UPPER_SNAKE_CASE
	LintFormat               = "format"                // format names must be ones the validator asserts
	LintExamples             = "examples"              // the root must have examples
	LintExampleInvalid       = "example-invalid"       // every example must validate against its schema
	LintChainGap             = "chain-gap"             // minor versions of a major are 0, 1, 2, ... without gaps
	LintChainIncompatible    = "chain-incompatible"    // each minor version follows the evolution policy (Policy) against every earlier one
	LintPastTense            = "past-tense"            // the type's action starts with a verb in the past tense
	LintPropertyCase         = "property-case"         // no two property names of one object differ only in case
	LintShape                = "shape"                 // an event schema declares its events' shape (x-elmo-shape) and keeps its rules
	LintKind                 = "kind"                  // x-elmo-kind is event, command or reply
	LintImperative           = "imperative"            // a command's action names what to do: not a verb in the past tense
	LintUpcast               = "upcast"                // x-elmo-upcast is well formed, on a major's first minor, and turns every example of the previous major into a valid payload
)

// LintConfig configures [Lint]. A nil *LintConfig, like the zero value,
// means the defaults.
type LintConfig struct {
	// PastTense recognises the verbs of type actions; its Words are the
	// organisation's own. The zero value is the built-in recogniser.
	PastTense naming.PastTense
}

// Finding is one breach of a catalogue convention.
type Finding struct {
	Path    string `json:"path"`    // file inside the catalogue
	Pointer string `json:"pointer"` // JSON pointer into the schema, "" for its root
	Rule    string `json:"rule"`    // one of the Lint* codes
	// Message says what is wrong, naming the pointer and the convention.
	Message string `json:"message"`
}

// String formats the finding as "<path>#<pointer>: <rule>: <message>".
func (f Finding) String() string {
	return fmt.Sprintf("%s#%s: %s: %s", f.Path, f.Pointer, f.Rule, f.Message)
}

// assertedFormats are the format names the validator asserts; any other
// name would pass every value silently.
var assertedFormats = []string{
	"date", "date-time", "duration", "email", "ern", "hostname", "ipv4", "ipv6", "iri", "iri-reference",
	"json-pointer", "period", "relative-json-pointer", "semver", "time", "uri", "uri-reference",
	"uri-template", "uuid",
}

// Lint checks a catalogue against the protocol's conventions and returns
// every finding, ordered by path, pointer and rule. The error is only for a
// catalogue that cannot be read at all.
func Lint(fsys fs.FS, cfg *LintConfig) ([]Finding, error) {
	var conf LintConfig
	if cfg != nil {
		conf = *cfg
	}
	files, err := readSchemaFiles(fsys)
	if err != nil {
		return nil, err
	}
	var out []Finding
	add := func(path, ptr, rule, format string, args ...any) {
		out = append(out, Finding{path, ptr, rule, fmt.Sprintf(format, args...)})
	}
	for _, f := range files {
		if f.doc == nil {
			continue // reported with the load errors below
		}
		lintDocument(f, add)
		if f.err == nil {
			err := conf.PastTense.Check(f.id.Type.Action())
			switch kind := kindOf(f.doc); {
			case kind == KindCommand && err == nil:
				add(f.path, "/$id", LintImperative, "a command's action names what to do (generate, approve), not what happened: %q starts with a verb in the past tense", f.id.Type.Action())
			case kind != KindCommand && err != nil:
				add(f.path, "/$id", LintPastTense, "%v", err)
			}
		}
	}
	cat, errs := build(files)
	for _, err := range errs {
		var le *LoadError
		if !errors.As(err, &le) {
			add("", "", LintLoad, "%v", err)
			continue
		}
		var ne *naming.Error
		switch {
		case errors.As(le.Err, &ne):
			add(le.Path, "/$id", LintTypeName, "%v", le.Err)
		case errors.Is(le.Err, ErrID):
			add(le.Path, "/$id", LintID, "%v", le.Err)
		case errors.Is(le.Err, ErrDuplicate):
			add(le.Path, "/$id", LintDuplicate, "%v", le.Err)
		default:
			add(le.Path, "", LintLoad, "%v", le.Err)
		}
	}
	for _, s := range cat.all {
		lintExamples(s, add)
	}
	for _, t := range slices.SortedFunc(maps.Keys(cat.byType), func(a, b naming.Type) int { return cmp.Compare(a.String(), b.String()) }) {
		versions := cat.byType[t]
		for i, s := range versions {
			if s.id.Minor != i {
				add(s.path, "/$id", LintChainGap, "%s: minor versions must run 0, 1, 2, ... without gaps; found %d where %d was expected", t, s.id.Minor, i)
				break
			}
		}
		for _, step := range CheckChain(versions, Policy) {
			for _, c := range step.Report.Breaking(Policy) {
				add(step.New.path, c.Pointer, LintChainIncompatible, "breaks the evolution policy against %s (a new major version is needed): %s", step.Old.id.Version(), c)
			}
		}
	}
	for _, s := range cat.all {
		d, err := upcastOf(s.doc)
		switch {
		case err != nil:
			add(s.path, "/"+UpcastKeyword, LintUpcast, "%v", err)
		case d != nil && (s.id.Minor != 0 || s.id.Type.Major() < 2):
			add(s.path, "/"+UpcastKeyword, LintUpcast, "an upcast is declared on the first minor of a major from 2 on (x.0), from the previous major")
		}
	}
	for _, p := range CheckUpcasts(cat, cat.Upcasts()) {
		path := "" // where the upcast is declared: the major's first minor
		if v := cat.Versions(p.To); len(v) > 0 {
			path = v[0].path
		}
		add(path, "/"+UpcastKeyword, LintUpcast, "%v", p)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Rule, b.Rule))
	})
	return out, nil
}

// lintDocument checks the conventions that need no compilation.
func lintDocument(f schemaFile, add func(path, ptr, rule, format string, args ...any)) {
	root, _ := f.doc.(map[string]any)
	if root == nil {
		add(f.path, "", LintLoad, "the root of a payload schema must be an object")
		return
	}
	if _, ok := root["$schema"]; !ok {
		add(f.path, "", LintSchemaKeyword, "$schema is missing; it must be %s", Draft202012)
	}
	if f.err == nil && f.id.Path() != f.path {
		add(f.path, "/$id", LintLayout, "a schema with $id %s belongs at %s", f.id.URI, f.id.Path())
	}
	for _, k := range []struct{ key, rule string }{{"title", LintTitle}, {"description", LintDescription}} {
		if s, _ := root[k.key].(string); strings.TrimSpace(s) == "" {
			add(f.path, "", k.rule, "the schema must have a %s", k.key)
		}
	}
	if ex, _ := root["examples"].([]any); len(ex) == 0 {
		add(f.path, "", LintExamples, "the schema must have at least one example payload in examples")
	}
	switch kind, _ := root[KindKeyword].(string); {
	case kind != "" && !slices.Contains(Kinds, kind):
		add(f.path, "/"+KindKeyword, LintKind, "%s must be %s", KindKeyword, strings.Join(Kinds, ", "))
	case kind == "" || kind == KindEvent:
		lintShape(f.path, root, add) // commands and replies take no shape
	}
	walkSchemas("", f.doc, func(ptr string, m map[string]any) {
		if isObjectSchema(m) {
			_, ap := m["additionalProperties"]
			_, up := m["unevaluatedProperties"]
			if !ap && !up {
				add(f.path, ptr, LintAdditionalProperties, "an object schema must state its additionalProperties policy (false, true or a schema)")
			}
		}
		if enum, ok := m["enum"].([]any); ok {
			for i, v := range enum {
				if s, ok := v.(string); ok {
					if err := naming.ValidateEnumValue(s); err != nil {
						add(f.path, ptr+"/enum/"+strconv.Itoa(i), LintEnumCase, "%v", err)
					}
				}
			}
		}
		if props, ok := m["properties"].(map[string]any); ok {
			// encoding/json matches member names to Go fields regardless of
			// case, so such names would reach the same field.
			byFold := map[string]string{}
			for _, name := range sortedKeys(props) {
				fold := strings.ToLower(name)
				if other, dup := byFold[fold]; dup {
					add(f.path, ptr+"/properties/"+escapePointer(name), LintPropertyCase, "property %q differs from %q only in case", name, other)
				}
				byFold[fold] = name
			}
		}
		if format, ok := m["format"].(string); ok && !slices.Contains(assertedFormats, format) {
			add(f.path, ptr+"/format", LintFormat, "format %q is not asserted by the validator, so it would pass every value; use one of %s", format, strings.Join(assertedFormats, ", "))
		}
	})
}

func isObjectSchema(m map[string]any) bool {
	if _, ok := m["properties"]; ok {
		return true
	}
	t, _ := types(m)
	return slices.Contains(t, "object")
}

func lintExamples(s *Schema, add func(path, ptr, rule, format string, args ...any)) {
	root, _ := s.doc.(map[string]any)
	examples, _ := root["examples"].([]any)
	for i, ex := range examples {
		data, err := json.Marshal(ex)
		if err == nil {
			err = s.Validate(data)
		}
		if err != nil {
			add(s.path, "/examples/"+strconv.Itoa(i), LintExampleInvalid, "%v", err)
		}
	}
}

// Keywords whose value is a schema, a list of schemas, or a map of names to
// schemas.
var (
	schemaKeywords    = []string{"additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contentSchema"}
	schemaListKeyword = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMapKeywords = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)

// walkSchemas calls fn for every object subschema of v, depth first.
func walkSchemas(ptr string, v any, fn func(ptr string, m map[string]any)) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	fn(ptr, m)
	for _, k := range schemaKeywords {
		if c, ok := m[k]; ok {
			walkSchemas(ptr+"/"+k, c, fn)
		}
	}
	for _, k := range schemaListKeyword {
		list, _ := m[k].([]any)
		for i, c := range list {
			walkSchemas(ptr+"/"+k+"/"+strconv.Itoa(i), c, fn)
		}
	}
	for _, k := range schemaMapKeywords {
		sub, _ := m[k].(map[string]any)
		for _, name := range sortedKeys(sub) {
			walkSchemas(ptr+"/"+k+"/"+escapePointer(name), sub[name], fn)
		}
	}
}
