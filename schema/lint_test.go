package schema_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/schema"
)

func TestLintSampleCatalogIsClean(t *testing.T) {
	findings, err := schema.Lint(os.DirFS(catalogDir), nil)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

// good returns a schema that passes every lint rule, with replacements
// applied to its text.
func good(minor string, replace ...string) string {
	s := `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.MINOR",
  "title": "Thing happened",
  "description": "A thing happened.",
  "x-elmo-shape": "delta",
  "type": "object",
  "additionalProperties": false,
  "required": ["kind", "changes"],
  "properties": {
    "kind": {"enum": ["BIG", "SMALL"]},
    "at": {"type": "string", "format": "date"},
    "changes": {"type": "object", "additionalProperties": false, "properties": {"n": {"type": "integer"}}}
  },
  "examples": [{"kind": "BIG", "at": "2026-01-01", "changes": {"n": 1}}]
}`
	s = strings.ReplaceAll(s, "MINOR", minor)
	for i := 0; i+1 < len(replace); i += 2 {
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return s
}

func TestLintRules(t *testing.T) {
	const path = "x/thing.happened.v1.0.json"
	cases := []struct {
		name    string
		files   map[string]string
		rule    string
		pointer string
	}{
		{"clean", map[string]string{path: good("0")}, "", ""},
		{"unloadable", map[string]string{path: good("0", `"$ref"`, `"x"`, `"additionalProperties": false`, `"additionalProperties": false, "$ref": "#"`)}, schema.LintLoad, ""},
		{"no $schema", map[string]string{path: good("0", `"$schema": "https://json-schema.org/draft/2020-12/schema",`, ``)}, schema.LintSchemaKeyword, ""},
		{"bad $id", map[string]string{path: good("0", `elmo.x.thing.happened/1.0`, `elmo.x.thing.happened/v1`)}, schema.LintID, "/$id"},
		{"type name not past tense", map[string]string{"x/thing.happen.v1.0.json": good("0", `thing.happened`, `thing.happen`)}, schema.LintPastTense, "/$id"},
		{"invalid type name", map[string]string{"x/thing.Happened.v1.0.json": good("0", `thing.happened`, `thing.Happened`)}, schema.LintTypeName, "/$id"},
		{"properties differing in case", map[string]string{path: good("0", `"properties": {`, `"properties": {"Kind": {"type": "string"}, `)}, schema.LintPropertyCase, "/properties/kind"},
		{"wrong file layout", map[string]string{"thing.json": good("0")}, schema.LintLayout, "/$id"},
		{"duplicate type and version", map[string]string{path: good("0"), "x/copy.json": good("0")}, schema.LintDuplicate, "/$id"},
		{"no title", map[string]string{path: good("0", `"title": "Thing happened",`, ``)}, schema.LintTitle, ""},
		{"no description", map[string]string{path: good("0", `"description": "A thing happened.",`, ``)}, schema.LintDescription, ""},
		{"open object without policy", map[string]string{path: good("0", `"type": "object", "additionalProperties": false, "properties": {"n"`, `"type": "object", "properties": {"n"`)}, schema.LintAdditionalProperties, "/properties/changes"},
		{"enum not UPPER_SNAKE_CASE", map[string]string{path: good("0", `"SMALL"`, `"small"`)}, schema.LintEnumCase, "/properties/kind/enum/1"},
		{"unknown format", map[string]string{path: good("0", `"format": "date"`, `"format": "calendar-date"`)}, schema.LintFormat, "/properties/at/format"},
		{"no examples", map[string]string{path: good("0", `"examples": [{"kind": "BIG", "at": "2026-01-01", "changes": {"n": 1}}]`, `"examples": []`)}, schema.LintExamples, ""},
		{"no shape", map[string]string{path: good("0", `"x-elmo-shape": "delta",`, ``)}, schema.LintShape, ""},
		{"unknown shape", map[string]string{path: good("0", `"delta"`, `"snapshot"`)}, schema.LintShape, "/x-elmo-shape"},
		{"notification with an object member", map[string]string{path: good("0", `"delta"`, `"notification"`)}, schema.LintShape, "/properties/changes"},
		{"notification with an array of strings", map[string]string{path: good("0", `"delta"`, `"notification"`,
			`"changes": {"type": "object", "additionalProperties": false, "properties": {"n": {"type": "integer"}}}`, `"changes": {"type": "array", "items": {"type": "string"}}`,
			`"changes": {"n": 1}`, `"changes": ["a"]`)}, schema.LintShape, "/properties/changes"},
		{"notification with an array of ERNs", map[string]string{path: good("0", `"delta"`, `"notification"`,
			`"changes": {"type": "object", "additionalProperties": false, "properties": {"n": {"type": "integer"}}}`, `"changes": {"type": "array", "items": {"$ref": "#/$defs/ern"}}, "v": {"type": "integer"}`,
			`"examples"`, `"$defs": {"ern": {"type": "string", "format": "ern"}}, "examples"`,
			`"changes": {"n": 1}`, `"changes": ["ern:elmo:x:acme:thing/t-1"]`)}, "", ""},
		{"state without version", map[string]string{path: good("0", `"delta"`, `"state"`)}, schema.LintShape, ""},
		{"command in the past tense", map[string]string{path: good("0", `"x-elmo-shape": "delta",`, `"x-elmo-kind": "command",`)}, schema.LintImperative, "/$id"},
		{"command in the imperative", map[string]string{"x/thing.make.v1.0.json": good("0", `thing.happened`, `thing.make`, `"x-elmo-shape": "delta",`, `"x-elmo-kind": "command",`)}, "", ""},
		{"event in the imperative", map[string]string{"x/thing.make.v1.0.json": good("0", `thing.happened`, `thing.make`)}, schema.LintPastTense, "/$id"},
		{"unknown kind", map[string]string{path: good("0", `"x-elmo-shape": "delta",`, `"x-elmo-shape": "delta", "x-elmo-kind": "query",`)}, schema.LintKind, "/x-elmo-kind"},
		{"reply takes no shape", map[string]string{path: good("0", `"x-elmo-shape": "delta",`, `"x-elmo-kind": "reply",`)}, "", ""},
		{"delta without changes", map[string]string{path: good("0", `"required": ["kind", "changes"]`, `"required": ["kind"]`)}, schema.LintShape, ""},
		{"invalid example", map[string]string{path: good("0", `"at": "2026-01-01"`, `"at": "2026-13-01"`)}, schema.LintExampleInvalid, "/examples/0"},
		{"minor versions with a gap", map[string]string{path: good("0"), "x/thing.happened.v1.2.json": good("2")}, schema.LintChainGap, "/$id"},
		{"minor version not backward compatible", map[string]string{path: good("0"), "x/thing.happened.v1.1.json": good("1", `"required": ["kind", "changes"]`, `"required": ["kind", "changes", "at"]`)}, schema.LintChainIncompatible, "/required"},
		{"minor version widens a type", map[string]string{path: good("0"), "x/thing.happened.v1.1.json": good("1", `"format": "date"`, `"format": "date", "type": ["string", "null"]`)}, schema.LintChainIncompatible, "/properties/at/type"},
		{"minor version adds an enumeration value and an optional member", map[string]string{path: good("0"),
			"x/thing.happened.v1.1.json": good("1", `"enum": ["BIG", "SMALL"]`, `"enum": ["BIG", "SMALL", "HUGE"]`,
				`"at": {`, `"note": {"type": "string"}, "at": {`)}, "", ""},
		{"minor version not backward compatible with an earlier one", map[string]string{
			path:                         good("0"),
			"x/thing.happened.v1.1.json": good("1", `"enum": ["BIG", "SMALL"]`, `"enum": ["BIG", "SMALL", "HUGE"]`),
			"x/thing.happened.v1.2.json": good("2", `"enum": ["BIG", "SMALL"]`, `"enum": ["BIG", "HUGE"]`),
		}, schema.LintChainIncompatible, "/properties/kind/enum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, data := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(data)}
			}
			findings, err := schema.Lint(fsys, nil)
			require.NoError(t, err)
			if tc.rule == "" {
				assert.Empty(t, findings)
				return
			}
			var match *schema.Finding
			for i, f := range findings {
				if f.Rule == tc.rule {
					match = &findings[i]
					break
				}
			}
			require.NotNil(t, match, "want a %s finding, got %v", tc.rule, findings)
			assert.Equal(t, tc.pointer, match.Pointer)
			assert.NotEmpty(t, match.Message)
			assert.NotEmpty(t, match.Path)
		})
	}
}
