package docsite

import (
	"fmt"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

// table flattens a payload schema into rows, one per member, nested
// members below their parent (lines[].sku).
type table struct {
	root *orderedjson.Object
	seen []string // $defs being expanded: a recursive one stops
}

// maxDepth bounds the nesting a table shows.
const maxDepth = 8

// resolve follows a local $ref to its $defs entry; name is its name.
func (t *table) resolve(o *orderedjson.Object) (target *orderedjson.Object, name string) {
	ref, ok := o.Str("$ref")
	if !ok {
		return o, ""
	}
	name, local := strings.CutPrefix(ref, "#/$defs/")
	defs, _ := t.root.Vals["$defs"].(*orderedjson.Object)
	if !local || defs == nil {
		return nil, ref
	}
	target, _ = defs.Vals[name].(*orderedjson.Object)
	return target, name
}

// rows lists the members of the object schema o under path.
func (t *table) rows(o *orderedjson.Object, path string, depth int) []row {
	props, _ := o.Vals["properties"].(*orderedjson.Object)
	if props == nil || depth > maxDepth {
		return nil
	}
	required := map[string]bool{}
	if r, ok := o.Vals["required"].([]any); ok {
		for _, k := range r {
			if s, ok := k.(string); ok {
				required[s] = true
			}
		}
	}
	var out []row
	for _, k := range props.Keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		prop, _ := props.Vals[k].(*orderedjson.Object)
		out = append(out, t.member(prop, p, depth, required[k])...)
	}
	return out
}

// member is the row of one member and those of what it nests.
func (t *table) member(prop *orderedjson.Object, path string, depth int, required bool) []row {
	r := row{Path: path, Depth: depth, Required: required}
	if prop == nil {
		r.Type = "any value"
		return []row{r}
	}
	r.Description = text(prop, "description")
	target, def := t.resolve(prop)
	if target == nil {
		r.Type = "see " + def
		return []row{r}
	}
	if r.Description == "" {
		r.Description = text(target, "description")
	}
	r.Type, r.Constraints = describe(target)
	if def != "" {
		r.Type += " (" + def + ")"
		for _, s := range t.seen {
			if s == def {
				return []row{r} // recursive: described once, above
			}
		}
		t.seen = append(t.seen, def)
		defer func() { t.seen = t.seen[:len(t.seen)-1] }()
	}
	out := []row{r}
	out = append(out, t.nested(target, path, depth)...)
	return out
}

// nested lists what a member holds: an object's members, an array's
// items' members, a union's alternatives.
func (t *table) nested(o *orderedjson.Object, path string, depth int) []row {
	var out []row
	out = append(out, t.rows(o, path, depth+1)...)
	if items, ok := o.Vals["items"].(*orderedjson.Object); ok {
		if target, _ := t.resolve(items); target != nil {
			out = append(out, t.rows(target, path+"[]", depth+1)...)
		}
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		alts, _ := o.Vals[k].([]any)
		for i, a := range alts {
			ao, _ := a.(*orderedjson.Object)
			if ao == nil {
				continue
			}
			target, _ := t.resolve(ao)
			if target == nil {
				continue
			}
			p := path
			if k != "allOf" {
				p = fmt.Sprintf("%s (%s %d)", path, k, i+1)
			}
			out = append(out, t.rows(target, p, depth+1)...)
		}
	}
	return out
}

// describe says what values a schema takes, and its other constraints.
func describe(o *orderedjson.Object) (typ, constraints string) {
	var cs []string
	for _, k := range []string{"format", "pattern", "minLength", "maxLength", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "default"} {
		if v, ok := o.Vals[k]; ok {
			cs = append(cs, k+" "+value(v))
		}
	}
	constraints = strings.Join(cs, "; ")
	switch {
	case o.Vals["enum"] != nil:
		vals, _ := o.Vals["enum"].([]any)
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = value(v)
		}
		return "one of " + strings.Join(parts, ", "), constraints
	case o.Vals["const"] != nil:
		return "always " + value(o.Vals["const"]), constraints
	case o.Vals["oneOf"] != nil || o.Vals["anyOf"] != nil:
		alts, _ := o.Vals["oneOf"].([]any)
		if alts == nil {
			alts, _ = o.Vals["anyOf"].([]any)
		}
		return fmt.Sprintf("one of %d alternatives", len(alts)), constraints
	}
	switch tv := o.Vals["type"].(type) {
	case string:
		typ = tv
	case []any:
		parts := make([]string, len(tv))
		for i, v := range tv {
			parts[i], _ = v.(string)
		}
		typ = strings.Join(parts, " or ")
	default:
		switch {
		case o.Vals["properties"] != nil:
			typ = "object"
		case o.Vals["allOf"] != nil:
			typ = "object (all of its parts)"
		default:
			typ = "any value"
		}
	}
	if typ == "array" {
		if items, ok := o.Vals["items"].(*orderedjson.Object); ok {
			if ref, ok := items.Str("$ref"); ok {
				typ = "array of " + strings.TrimPrefix(ref, "#/$defs/")
			} else if it, _ := describe(items); it != "" {
				typ = "array of " + it
			}
		}
	}
	if typ == "object" && o.Vals["properties"] == nil {
		if ap, ok := o.Vals["additionalProperties"].(*orderedjson.Object); ok {
			at, _ := describe(ap)
			typ = "map of " + at
		}
	}
	return typ, constraints
}

func text(o *orderedjson.Object, k string) string {
	s, _ := o.Str(k)
	return s
}

// value writes a JSON value of a schema for a reader.
func value(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "null"
	case *orderedjson.Object, []any:
		return orderedjson.Canonical(v)
	}
	return fmt.Sprint(v)
}
