package schema

import (
	"encoding/json"
	"slices"
	"strings"
)

// types returns the set of JSON types a schema allows, nil for all.
func types(m map[string]any) ([]string, bool) {
	switch t := m["type"].(type) {
	case nil:
		return nil, true
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// impliedTypes is types, but a schema without "type" whose enum or const
// allows only values of some types allows only those types.
func impliedTypes(m map[string]any) ([]string, bool) {
	t, ok := types(m)
	if t != nil || !ok {
		return t, ok
	}
	vals, ok := values(m)
	if !ok || vals == nil {
		return nil, true
	}
	implied := []string{}
	for _, v := range vals {
		if name := jsonType(v); !slices.Contains(implied, name) {
			implied = append(implied, name)
		}
	}
	slices.Sort(implied)
	return implied, true
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	default:
		if r, ok := number(x); ok && r.IsInt() {
			return "integer"
		}
		return "number"
	}
}

// typeSubset reports whether every value of the types a is of the types b.
func typeSubset(a, b []string) bool {
	if b == nil {
		return true
	}
	if a == nil {
		return false
	}
	for _, t := range a {
		if !slices.Contains(b, t) && !(t == "integer" && slices.Contains(b, "number")) {
			return false
		}
	}
	return true
}

func (c *comparer) compareType(ptr string, o, n map[string]any) {
	to, ok1 := impliedTypes(o)
	tn, ok2 := impliedTypes(n)
	if !ok1 || !ok2 {
		c.unproven(ptr+"/type", "type is not a string or an array of strings")
		return
	}
	var e Effect
	if !typeSubset(to, tn) {
		e |= Narrows
	}
	if !typeSubset(tn, to) {
		e |= Widens
	}
	switch e {
	case Narrows:
		c.add(ptr+"/type", RuleTypeNarrowed, e, "type %s became %s", typeText(to), typeText(tn))
	case Widens:
		c.add(ptr+"/type", RuleTypeWidened, e, "type %s became %s", typeText(to), typeText(tn))
	case Narrows | Widens:
		c.add(ptr+"/type", RuleTypeChanged, e, "type %s became %s", typeText(to), typeText(tn))
	}
}

func typeText(t []string) string {
	if t == nil {
		return "any"
	}
	return strings.Join(t, "|")
}

// values returns the values an enum or const allows, nil for any.
func values(m map[string]any) ([]any, bool) {
	var out []any
	limited := false
	if e, ok := m["enum"]; ok {
		arr, ok := e.([]any)
		if !ok {
			return nil, false
		}
		out, limited = arr, true
	}
	if cv, ok := m["const"]; ok {
		if limited {
			if !slices.ContainsFunc(out, func(x any) bool { return jsonEqual(x, cv) }) {
				return []any{}, true
			}
		}
		out, limited = []any{cv}, true
	}
	if !limited {
		return nil, true
	}
	if out == nil {
		out = []any{}
	}
	return out, true
}

func (c *comparer) compareEnum(ptr string, o, n map[string]any) {
	vo, ok1 := values(o)
	vn, ok2 := values(n)
	if !ok1 || !ok2 {
		c.unproven(ptr+"/enum", "enum is not an array")
		return
	}
	p := ptr + "/enum"
	if _, ok := n["enum"]; !ok {
		if _, ok := n["const"]; ok {
			p = ptr + "/const"
		}
	}
	switch {
	case vo == nil && vn == nil:
	case vo == nil:
		c.add(p, RuleEnumAdded, Narrows, "values limited to %s", valuesText(vn))
	case vn == nil:
		c.add(ptr+"/enum", RuleEnumRemoved, Widens, "values no longer limited to %s", valuesText(vo))
	default:
		for _, v := range vo {
			if !slices.ContainsFunc(vn, func(x any) bool { return jsonEqual(x, v) }) {
				c.add(p, RuleEnumValueRemoved, Narrows, "value %s no longer allowed", valueText(v))
			}
		}
		for _, v := range vn {
			if !slices.ContainsFunc(vo, func(x any) bool { return jsonEqual(x, v) }) {
				c.add(p, RuleEnumValueAdded, Widens, "value %s now allowed", valueText(v))
				// A tolerant reader accepts an unknown value of an
				// enumeration of UPPER_SNAKE_CASE strings.
				c.changes[len(c.changes)-1].Tolerated = allUpperSnake(vo) && allUpperSnake([]any{v})
			}
		}
	}
}

func valueText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func valuesText(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = valueText(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
