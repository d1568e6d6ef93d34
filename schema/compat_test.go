package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/schema"
)

// obj wraps properties in an object schema with the given extra keywords.
func obj(props string, extra ...string) string {
	s := `{"type":"object","properties":{` + props + `}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func TestCompareTable(t *testing.T) {
	const closed = `"additionalProperties":false`
	tree := func(leaf string) string {
		return `{"$defs":{"node":{"type":"object","additionalProperties":false,"properties":{"value":` + leaf + `,"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}`
	}
	// verdict: B = backward compatible, F = forward compatible, - = not.
	cases := []struct {
		name, old, new, verdict string
		rule                    schema.ChangeRule
	}{
		{"identical", obj(`"a":{"type":"string"}`), obj(`"a":{"type":"string"}`), "BF", ""},
		{"shape changed", obj(`"a":{}`, `"x-elmo-shape":"notification"`), obj(`"a":{}`, `"x-elmo-shape":"state"`), "--", "shape-changed"},
		{"kind changed", obj(`"a":{}`), obj(`"a":{}`, `"x-elmo-kind":"command"`), "--", "kind-changed"},
		{"kind declared as the default", obj(`"a":{}`), obj(`"a":{}`, `"x-elmo-kind":"event"`), "BF", ""},
		{"shape declared where there was none", obj(`"a":{}`), obj(`"a":{}`, `"x-elmo-shape":"notification"`), "BF", ""},
		{"annotations only", obj(`"a":{"type":"string","description":"x"}`, `"title":"A"`), obj(`"a":{"type":"string","description":"y"}`, `"title":"B"`, `"examples":[{}]`), "BF", ""},
		{"property added, open model", obj(`"a":{"type":"string"}`), obj(`"a":{"type":"string"},"b":{"type":"string"}`), "-F", "property-added"},
		{"property added as true, open model", obj(`"a":{}`), obj(`"a":{},"b":true`), "BF", "property-added"},
		{"property added, closed model", obj(`"a":{}`, closed), obj(`"a":{},"b":{"type":"string"}`, closed), "B-", "property-added"},
		{"property added, narrower than additionalProperties schema", obj(``, `"additionalProperties":{"type":"string"}`), obj(`"b":{"type":"string","maxLength":5}`, `"additionalProperties":{"type":"string"}`), "-F", "property-added"},
		{"property added, wider than additionalProperties schema", obj(``, `"additionalProperties":{"type":"string"}`), obj(`"b":{"type":["string","null"]}`, `"additionalProperties":{"type":"string"}`), "B-", "property-added"},
		{"property added, same as additionalProperties schema", obj(``, `"additionalProperties":{"type":"string"}`), obj(`"b":{"type":"string"}`, `"additionalProperties":{"type":"string"}`), "BF", "property-added"},
		{"property removed, open model", obj(`"a":{"type":"string"}`), obj(``), "B-", "property-removed"},
		{"property removed, closed model", obj(`"a":{"type":"string"}`, closed), obj(``, closed), "-F", "property-removed"},
		{"property removed into equal additionalProperties", obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`), obj(``, `"additionalProperties":{"type":"string"}`), "BF", "property-removed"},
		{"additionalProperties false to true", obj(`"a":{}`, closed), obj(`"a":{}`, `"additionalProperties":true`), "B-", "schema-allowed"},
		{"additionalProperties false to absent", obj(`"a":{}`, closed), obj(`"a":{}`), "B-", "schema-allowed"},
		{"additionalProperties absent to false", obj(`"a":{}`), obj(`"a":{}`, closed), "-F", "schema-forbidden"},
		{"additionalProperties schema changed type", obj(``, `"additionalProperties":{"type":"string"}`), obj(``, `"additionalProperties":{"type":"number"}`), "--", "type-changed"},
		{"patternProperties added to open model", obj(``), obj(``, `"patternProperties":{"^x-":{"type":"string"}}`), "-F", "type-narrowed"},
		{"patternProperties removed from closed model", obj(``, closed, `"patternProperties":{"^x-":{"type":"string"}}`), obj(``, closed), "-F", "schema-forbidden"},
		{"patternProperties schema widened", obj(``, closed, `"patternProperties":{"^x-":{"type":"string"}}`), obj(``, closed, `"patternProperties":{"^x-":{"type":["string","null"]}}`), "B-", "type-widened"},
		{"pattern added beside another pattern", obj(``, `"patternProperties":{"^a":{}}`), obj(``, `"patternProperties":{"^a":{},"^b":{"type":"string"}}`), "--", "cannot-prove"},
		{"required added", obj(`"a":{}`), obj(`"a":{}`, `"required":["a"]`), "-F", "required-added"},
		{"required removed", obj(`"a":{}`, `"required":["a"]`), obj(`"a":{}`), "B-", "required-removed"},
		{"integer widened to number", `{"type":"integer"}`, `{"type":"number"}`, "B-", "type-widened"},
		{"number narrowed to integer", `{"type":"number"}`, `{"type":"integer"}`, "-F", "type-narrowed"},
		{"null added", `{"type":"string"}`, `{"type":["string","null"]}`, "B-", "type-widened"},
		{"null removed", `{"type":["string","null"]}`, `{"type":"string"}`, "-F", "type-narrowed"},
		{"type changed", `{"type":"string"}`, `{"type":"integer"}`, "--", "type-changed"},
		{"type removed", `{"type":"string"}`, `{}`, "B-", "type-widened"},
		{"enum value added", `{"enum":["A","B"]}`, `{"enum":["A","B","C"]}`, "B-", "enum-value-added"},
		{"enum value removed", `{"enum":["A","B"]}`, `{"enum":["A"]}`, "-F", "enum-value-removed"},
		{"enum added", `{"type":"string"}`, `{"type":"string","enum":["A"]}`, "-F", "enum-added"},
		{"enum removed", `{"type":"string","enum":["A"]}`, `{"type":"string"}`, "B-", "enum-removed"},
		{"enum numbers compare by value", `{"enum":[1,2.0]}`, `{"enum":[1.0,2]}`, "BF", ""},
		{"const changed", `{"const":"A"}`, `{"const":"B"}`, "--", "enum-value-added"},
		{"const to wider enum", `{"const":"A"}`, `{"enum":["A","B"]}`, "B-", "enum-value-added"},
		{"minimum raised", `{"type":"number","minimum":0}`, `{"type":"number","minimum":1}`, "-F", "bound-tightened"},
		{"maximum raised", `{"type":"number","maximum":10}`, `{"type":"number","maximum":11}`, "B-", "bound-loosened"},
		{"minimum made exclusive", `{"type":"number","minimum":0}`, `{"type":"number","exclusiveMinimum":0}`, "-F", "bound-tightened"},
		{"maximum removed", `{"type":"number","maximum":10}`, `{"type":"number"}`, "B-", "bound-loosened"},
		{"multipleOf 2 to 4", `{"type":"integer","multipleOf":2}`, `{"type":"integer","multipleOf":4}`, "-F", "multiple-of-changed"},
		{"multipleOf 4 to 2", `{"type":"integer","multipleOf":4}`, `{"type":"integer","multipleOf":2}`, "B-", "multiple-of-changed"},
		{"maxLength reduced", `{"type":"string","maxLength":10}`, `{"type":"string","maxLength":5}`, "-F", "bound-tightened"},
		{"minLength removed", `{"type":"string","minLength":1}`, `{"type":"string"}`, "B-", "bound-loosened"},
		{"pattern added", `{"type":"string"}`, `{"type":"string","pattern":"^a"}`, "-F", "pattern-added"},
		{"pattern removed", `{"type":"string","pattern":"^a"}`, `{"type":"string"}`, "B-", "pattern-removed"},
		{"pattern changed", `{"type":"string","pattern":"^a"}`, `{"type":"string","pattern":"^[ab]"}`, "--", "pattern-changed"},
		{"format added", `{"type":"string"}`, `{"type":"string","format":"date"}`, "-F", "format-added"},
		{"format removed", `{"type":"string","format":"date"}`, `{"type":"string"}`, "B-", "format-removed"},
		{"format changed", `{"type":"string","format":"date"}`, `{"type":"string","format":"date-time"}`, "--", "format-changed"},
		{"nested object narrowed", obj(`"a":` + obj(`"b":{"type":"number"}`)), obj(`"a":` + obj(`"b":{"type":"integer"}`)), "-F", "type-narrowed"},
		{"nested object gains required", obj(`"a":` + obj(`"b":{}`)), obj(`"a":` + obj(`"b":{}`, `"required":["b"]`)), "-F", "required-added"},
		{"array items widened", `{"type":"array","items":{"type":"integer"}}`, `{"type":"array","items":{"type":"number"}}`, "B-", "type-widened"},
		{"array items added", `{"type":"array"}`, `{"type":"array","items":{"type":"string"}}`, "-F", "type-narrowed"},
		{"minItems raised", `{"type":"array","minItems":1}`, `{"type":"array","minItems":2}`, "-F", "bound-tightened"},
		{"maxItems removed", `{"type":"array","maxItems":3}`, `{"type":"array"}`, "B-", "bound-loosened"},
		{"uniqueItems added", `{"type":"array"}`, `{"type":"array","uniqueItems":true}`, "-F", "unique-items-added"},
		{"prefixItems length changed", `{"prefixItems":[{}]}`, `{"prefixItems":[{},{}]}`, "--", "cannot-prove"},
		{"$ref target narrowed", `{"$defs":{"d":{"type":"string","maxLength":9}},"properties":{"a":{"$ref":"#/$defs/d"}}}`, `{"$defs":{"d":{"type":"string","maxLength":5}},"properties":{"a":{"$ref":"#/$defs/d"}}}`, "-F", "bound-tightened"},
		{"$ref replaced by equal inline schema", `{"$defs":{"d":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/d"}}}`, `{"properties":{"a":{"type":"string"}}}`, "BF", ""},
		{"$ref with sibling keyword", `{"$defs":{"d":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/d"}}}`, `{"$defs":{"d":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/d","maxLength":3}}}`, "-F", "bound-tightened"},
		{"unused $defs changed", `{"$defs":{"d":{"type":"string"}}}`, `{"$defs":{"d":{"type":"number"}}}`, "BF", ""},
		{"recursive schema unchanged", tree(`{"type":"string"}`), tree(`{"type":"string"}`), "BF", ""},
		{"recursive schema widened", tree(`{"type":"string"}`), tree(`{"type":["string","null"]}`), "B-", "type-widened"},
		{"remote $ref", `{"$ref":"https://example.com/x.json"}`, `{"$ref":"https://example.com/x.json"}`, "--", "cannot-prove"},
		{"anyOf alternative added", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}`, "B-", "alternative-added"},
		{"anyOf alternative removed", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `{"anyOf":[{"type":"string"}]}`, "-F", "alternative-removed"},
		{"anyOf alternative changed in place", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `{"anyOf":[{"type":"string"},{"type":"number"}]}`, "B-", "type-widened"},
		{"oneOf disjoint alternative added", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}`, "B-", "alternative-added"},
		{"oneOf overlapping alternative added", `{"oneOf":[{"type":"string"}]}`, `{"oneOf":[{"type":"string"},{"type":"string","maxLength":2}]}`, "--", "cannot-prove"},
		{"oneOf discriminated alternative added", `{"oneOf":[{"required":["k"],"properties":{"k":{"const":"A"}}}]}`, `{"oneOf":[{"required":["k"],"properties":{"k":{"const":"A"}}},{"required":["k"],"properties":{"k":{"const":"B"}}}]}`, "B-", "alternative-added"},
		{"oneOf alternative removed", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"string"}]}`, "-F", "alternative-removed"},
		{"anyOf added", `{}`, `{"anyOf":[{"type":"string"}]}`, "-F", "alternative-removed"},
		{"allOf length changed", `{"allOf":[{"type":"string"}]}`, `{"allOf":[{"type":"string"},{"maxLength":2}]}`, "--", "cannot-prove"},
		{"allOf member narrowed", `{"allOf":[{"type":"number"}]}`, `{"allOf":[{"type":"integer"}]}`, "-F", "type-narrowed"},
		{"not changed", `{"not":{"type":"string"}}`, `{"not":{"type":"number"}}`, "--", "cannot-prove"},
		{"dependentRequired added", `{}`, `{"dependentRequired":{"a":["b"]}}`, "-F", "keyword-added"},
		{"unknown keyword changed", `{"x-owner":"a"}`, `{"x-owner":"b"}`, "BF", ""},
		{"true to false", `true`, `false`, "-F", "schema-forbidden"},
		{"enumeration became its type", `{"enum":["A","B"]}`, `{"type":"string"}`, "B-", "enum-removed"},
		{"integer enumeration became number", `{"enum":[1,2]}`, `{"type":"number"}`, "B-", "enum-removed"},
		// Combinators, reasoned about structurally.
		{"type became anyOf of it and another", `{"type":"string"}`, `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, "B-", "alternative-added"},
		{"anyOf became one of its alternatives", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `{"type":"string"}`, "-F", "alternative-removed"},
		{"type became anyOf of wider alternatives", `{"type":"integer","minimum":0}`, `{"anyOf":[{"type":"number"},{"type":"null"}]}`, "B-", "alternative-added"},
		{"oneOf became anyOf, overlapping alternatives", `{"oneOf":[{"type":"string"},{"type":"string","maxLength":2}]}`, `{"anyOf":[{"type":"string"},{"type":"string","maxLength":2}]}`, "B-", "alternative-added"},
		{"oneOf became anyOf, disjoint alternatives", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, "BF", ""},
		{"anyOf became oneOf, overlapping alternatives", `{"anyOf":[{"type":"string"},{"type":"string","maxLength":2}]}`, `{"oneOf":[{"type":"string"},{"type":"string","maxLength":2}]}`, "-F", "alternative-removed"},
		{"oneOf with $ref alternatives gains a discriminated one",
			`{"$defs":{"a":{"type":"object","required":["kind"],"properties":{"kind":{"const":"A"}}}},"oneOf":[{"$ref":"#/$defs/a"}]}`,
			`{"$defs":{"a":{"type":"object","required":["kind"],"properties":{"kind":{"const":"A"}}},"b":{"type":"object","required":["kind"],"properties":{"kind":{"enum":["B"]}}}},"oneOf":[{"$ref":"#/$defs/a"},{"$ref":"#/$defs/b"}]}`,
			"B-", "alternative-added"},
		// unevaluatedProperties: false is a closed content model.
		{"property added, closed by unevaluatedProperties", obj(`"a":{}`, `"unevaluatedProperties":false`), obj(`"a":{},"b":{"type":"string"}`, `"unevaluatedProperties":false`), "B-", "property-added"},
		{"property removed, closed by unevaluatedProperties", obj(`"a":{}`, `"unevaluatedProperties":false`), obj(``, `"unevaluatedProperties":false`), "-F", "property-removed"},
		{"additionalProperties false became unevaluatedProperties false", obj(`"a":{}`, closed), obj(`"a":{}`, `"unevaluatedProperties":false`), "BF", ""},
		{"unevaluatedProperties beside allOf", obj(`"a":{}`, `"unevaluatedProperties":false`, `"allOf":[{}]`), obj(`"a":{},"b":{}`, `"unevaluatedProperties":false`, `"allOf":[{}]`), "--", "cannot-prove"},
		{"false to object", `false`, `{"type":"string"}`, "B-", "schema-allowed"},
	}
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(tc.old)) && json.Valid([]byte(tc.new)), "test schemas must be JSON")
			r, err := schema.Compare([]byte(tc.old), []byte(tc.new))
			require.NoError(t, err)
			backward, forward := r.Compatible(schema.Backward), r.Compatible(schema.Forward)
			assert.Equal(t, tc.verdict[0] == 'B', backward, "backward: %v", r.Changes)
			assert.Equal(t, tc.verdict[1] == 'F', forward, "forward: %v", r.Changes)
			assert.Equal(t, backward && forward, r.Compatible(schema.Full), "full: %v", r.Changes)
			if tc.rule != "" {
				rules := make([]schema.ChangeRule, len(r.Changes))
				for i, c := range r.Changes {
					rules[i] = c.Rule
				}
				assert.Contains(t, rules, tc.rule)
			}
			if tc.verdict == "--" && tc.rule == "cannot-prove" {
				assert.Contains(t, r.Breaking(schema.Backward)[0].Detail, "cannot prove")
			}
		})
	}
}

// TestComparePolicy checks the evolution policy of minor versions: Full,
// except for what tolerant readers absorb.
func TestComparePolicy(t *testing.T) {
	const closed = `"additionalProperties":false`
	cases := []struct {
		name, old, new string
		ok             bool
	}{
		{"optional member added, closed model", obj(`"a":{}`, closed), obj(`"a":{},"b":{"type":"string"}`, closed), true},
		{"optional member added, closed by unevaluatedProperties", obj(`"a":{}`, `"unevaluatedProperties":false`), obj(`"a":{},"b":{"type":"string"}`, `"unevaluatedProperties":false`), true},
		{"enumeration value added", `{"enum":["A","B"]}`, `{"enum":["A","B","C_D"]}`, true},
		{"closed model opened", obj(`"a":{}`, closed), obj(`"a":{}`), true},
		{"required member added", obj(`"a":{}`, closed), obj(`"a":{},"b":{"type":"string"}`, closed, `"required":["b"]`), false},
		{"optional member added, open model", obj(`"a":{}`), obj(`"a":{},"b":{"type":"string"}`), false},
		{"enumeration value not UPPER_SNAKE_CASE added", `{"enum":["A"]}`, `{"enum":["A","b"]}`, false},
		{"member removed", obj(`"a":{}`, closed), obj(``, closed), false},
		{"type widened", obj(`"a":{"type":"string"}`, closed), obj(`"a":{"type":["string","null"]}`, closed), false},
		{"bound loosened", `{"type":"integer","maximum":5}`, `{"type":"integer","maximum":6}`, false},
		{"enumeration value removed", `{"enum":["A","B"]}`, `{"enum":["A"]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := schema.Compare([]byte(tc.old), []byte(tc.new))
			require.NoError(t, err)
			assert.Equal(t, tc.ok, r.Compatible(schema.Policy), "%v", r.Changes)
		})
	}
}

func TestCompareErrors(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           error
	}{
		{"invalid JSON", `{"type":`, `{}`, schema.ErrJSON},
		{"not a schema", `{}`, `[1]`, schema.ErrJSON},
		{"unknown draft", `{"$schema":"http://json-schema.org/draft-07/schema#"}`, `{}`, schema.ErrDraft},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Compare([]byte(tc.old), []byte(tc.new))
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestCompareRefLoopIsUnproven(t *testing.T) {
	r, err := schema.Compare([]byte(`{"$ref":"#"}`), []byte(`{"$ref":"#"}`))
	require.NoError(t, err)
	assert.False(t, r.Compatible(schema.Backward))
	assert.Contains(t, r.Changes[0].Detail, "cannot prove")
}

func TestParseMode(t *testing.T) {
	for _, m := range []schema.Mode{schema.Backward, schema.Forward, schema.Full, schema.BackwardTransitive, schema.ForwardTransitive, schema.FullTransitive, schema.Policy} {
		got, err := schema.ParseMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	got, err := schema.ParseMode("FULL-TRANSITIVE")
	require.NoError(t, err)
	assert.Equal(t, schema.FullTransitive, got)
	_, err = schema.ParseMode("sideways")
	require.Error(t, err)
}

func TestEffectText(t *testing.T) {
	for _, e := range []schema.Effect{0, schema.Widens, schema.Narrows, schema.Widens | schema.Narrows, schema.Unproven, schema.Narrows | schema.Unproven} {
		b, err := e.MarshalText()
		require.NoError(t, err)
		var got schema.Effect
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, e, got, string(b))
	}
	var e schema.Effect
	require.Error(t, e.UnmarshalText([]byte("sideways")))
}
