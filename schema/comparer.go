package schema

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// The documents are compared with these bases: a reference that leaves the
// document cannot be proven either way.
const (
	oldBase = "urn:elmo:compat:old"
	newBase = "urn:elmo:compat:new"
)

func compareDocs(o, n any) *Report {
	c := &comparer{
		old:  newDocs(),
		new:  newDocs(),
		seen: map[[2]node]bool{},
	}
	c.old.add(oldBase, o)
	c.new.add(newBase, n)
	c.compare("", o, n, oldBase, newBase, 0)
	if so, sn := shapeOf(o), shapeOf(n); so != "" && sn != "" && so != sn {
		// Consumers rely on what a shape promises (PROTOCOL.md 6.2), not
		// only on the payloads it allows.
		c.add("/"+ShapeKeyword, RuleShapeChanged, Widens|Narrows, "the events' shape changed from %s to %s: that needs a new major version", so, sn)
	}
	if ko, kn := kindOf(o), kindOf(n); ko != kn {
		c.add("/"+KindKeyword, RuleKindChanged, Widens|Narrows, "the type changed from %s to %s: that needs a new type", ko, kn)
	}
	slices.SortStableFunc(c.changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Rule, b.Rule))
	})
	return &Report{Changes: c.changes}
}

type comparer struct {
	old, new *docs
	seen     map[[2]node]bool // pairs of referenced schemas being compared
	changes  []Change
}

// maxDepth bounds nesting; deeper schemas cannot be proven either way.
const maxDepth = 64

func (c *comparer) add(ptr string, rule ChangeRule, e Effect, format string, args ...any) {
	c.changes = append(c.changes, Change{Pointer: ptr, Rule: rule, Detail: fmt.Sprintf(format, args...), Effect: e})
}

func (c *comparer) unproven(ptr, format string, args ...any) {
	c.add(ptr, RuleCannotProve, Unproven, "cannot prove: "+format, args...)
}

// annotations never change which payloads a schema accepts.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$anchor": true, "$dynamicAnchor": true, "$comment": true, "$defs": true,
	"$vocabulary": true, "definitions": true, "title": true, "description": true, "examples": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "contentMediaType": true, "contentEncoding": true,
	"contentSchema": true,
}

// applicator and assertion keywords of draft 2020-12. Others are unknown
// keywords, which a validator collects as annotations.
var knownKeywords = map[string]bool{
	"$ref": true, "$dynamicRef": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true, "if": true, "then": true,
	"else": true, "dependentSchemas": true, "prefixItems": true, "items": true, "contains": true, "properties": true,
	"patternProperties": true, "additionalProperties": true, "propertyNames": true, "unevaluatedItems": true,
	"unevaluatedProperties": true, "type": true, "enum": true, "const": true, "multipleOf": true, "maximum": true,
	"exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true, "maxLength": true, "minLength": true,
	"pattern": true, "maxItems": true, "minItems": true, "uniqueItems": true, "maxContains": true, "minContains": true,
	"maxProperties": true, "minProperties": true, "required": true, "dependentRequired": true, "format": true,
}

// deref replaces a schema that is a $ref (with or without sibling keywords)
// by the schema it refers to, merged with the siblings.
func deref(d *docs, base string, v any) (any, string, node, error) {
	var at node
	for range maxDepth {
		m, ok := v.(map[string]any)
		if !ok {
			return v, base, at, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v, base, at, nil
		}
		to, target, err := d.resolve(base, ref)
		if err != nil {
			return nil, "", at, err
		}
		at = to
		merged := map[string]any{}
		switch t := target.(type) {
		case bool:
			if !t {
				return false, to.base, at, nil
			}
		case map[string]any:
			for k, x := range t {
				merged[k] = x
			}
		default:
			return nil, "", at, fmt.Errorf("%w %q: the target is not a schema", ErrRef, ref)
		}
		for k, x := range m {
			if k == "$ref" || annotations[k] {
				continue
			}
			if y, ok := merged[k]; ok && !jsonEqual(x, y) {
				return nil, "", at, fmt.Errorf("$ref %q has a sibling %q that differs from its target's", ref, k)
			}
			merged[k] = x
		}
		v, base = merged, to.base
	}
	return nil, "", at, fmt.Errorf("%w: references nested deeper than %d", ErrRefLoop, maxDepth)
}

func (c *comparer) compare(ptr string, o, n any, ob, nb string, depth int) {
	if depth > maxDepth {
		c.unproven(ptr, "schemas nested deeper than %d", maxDepth)
		return
	}
	if jsonEqual(o, n) && !hasRef(o) {
		return // equal, and meaning only what they say
	}
	var errO, errN error
	var atO, atN node
	o, ob, atO, errO = deref(c.old, ob, o)
	n, nb, atN, errN = deref(c.new, nb, n)
	if err := errors.Join(errO, errN); err != nil {
		c.unproven(ptr, "%v", err)
		return
	}
	if atO != (node{}) || atN != (node{}) {
		pair := [2]node{atO, atN}
		if c.seen[pair] {
			return // already being compared further up: assume equal (co-induction)
		}
		c.seen[pair] = true
		defer delete(c.seen, pair)
	}
	om, oFalse := asObject(o)
	nm, nFalse := asObject(n)
	switch {
	case oFalse && nFalse:
		return
	case oFalse:
		c.add(ptr, RuleSchemaAllowed, Widens, "accepts values where the old schema accepted none")
		return
	case nFalse:
		c.add(ptr, RuleSchemaForbidden, Narrows, "accepts no value where the old schema accepted some")
		return
	case om == nil || nm == nil:
		c.unproven(ptr, "a schema must be an object or a boolean")
		return
	}
	if c.compareUnions(ptr, om, nm, ob, nb, depth) {
		return
	}
	c.compareType(ptr, om, nm)
	c.compareEnum(ptr, om, nm)
	c.compareNumberBounds(ptr, om, nm)
	c.compareCounts(ptr, om, nm)
	c.compareOptional(ptr, om, nm, "pattern")
	c.compareOptional(ptr, om, nm, "format")
	c.compareUniqueItems(ptr, om, nm)
	c.compareRequired(ptr, om, nm)
	c.compareObject(ptr, om, nm, ob, nb, depth)
	c.compareArray(ptr, om, nm, ob, nb, depth)
	c.compareAlternatives(ptr, "anyOf", om, nm, ob, nb, depth)
	c.compareAlternatives(ptr, "oneOf", om, nm, ob, nb, depth)
	c.compareAllOf(ptr, om, nm, ob, nb, depth)
	c.compareOthers(ptr, om, nm)
}

// unionKeys returns the keys of a and b, sorted, each once.
func unionKeys(a, b map[string]any) []string {
	keys := slices.Concat(slices.Collect(maps.Keys(a)), slices.Collect(maps.Keys(b)))
	slices.Sort(keys)
	return slices.Compact(keys)
}

// hasRef reports whether a schema holds a reference anywhere, whose meaning
// depends on the document around it.
func hasRef(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "$ref" || k == "$dynamicRef" || hasRef(c) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(x, hasRef)
	}
	return false
}

// asObject returns a schema as a map (true is {}), or reports false.
func asObject(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return map[string]any{}, false
		}
		return nil, true
	case map[string]any:
		return x, false
	}
	return nil, false
}

// handled lists the keywords with a comparison of their own.
var handled = map[string]bool{
	"type": true, "enum": true, "const": true, "minimum": true, "exclusiveMinimum": true, "maximum": true,
	"exclusiveMaximum": true, "multipleOf": true, "minLength": true, "maxLength": true, "minItems": true,
	"maxItems": true, "minProperties": true, "maxProperties": true, "pattern": true, "format": true,
	"uniqueItems": true, "required": true, "properties": true, "patternProperties": true,
	"additionalProperties": true, "items": true, "prefixItems": true, "anyOf": true, "oneOf": true, "allOf": true,
}

// compareOthers handles the remaining assertion and applicator keywords.
// Each constrains the payload on its own (a schema is the conjunction of its
// keywords), so adding one narrows, removing one widens, and changing one
// cannot be proven either way.
func (c *comparer) compareOthers(ptr string, o, n map[string]any) {
	modelled := modelsUnevaluated(o) && modelsUnevaluated(n)
	for _, k := range unionKeys(o, n) {
		if handled[k] || annotations[k] || !knownKeywords[k] || (k == "unevaluatedProperties" && modelled) {
			continue
		}
		ov, inO := o[k]
		nv, inN := n[k]
		p := ptr + "/" + k
		switch {
		case inO && inN:
			if !jsonEqual(ov, nv) {
				c.unproven(p, "%s changed", k)
			}
		case inN:
			c.add(p, RuleKeywordAdded, Narrows, "%s added", k)
		default:
			c.add(p, RuleKeywordRemoved, Widens, "%s removed", k)
		}
	}
	if c.unevaluatedDepends(o, n) {
		c.unproven(ptr, "unevaluatedProperties or unevaluatedItems with other changes")
	}
}

// unevaluatedDepends reports whether an unevaluated* keyword is present while
// other applicators changed: what it applies to depends on them.
func (c *comparer) unevaluatedDepends(o, n map[string]any) bool {
	_, uo := o["unevaluatedProperties"]
	_, un := n["unevaluatedProperties"]
	if modelsUnevaluated(o) && modelsUnevaluated(n) {
		uo, un = false, false // compared as the object model
	}
	_, io := o["unevaluatedItems"]
	_, in := n["unevaluatedItems"]
	if !uo && !un && !io && !in {
		return false
	}
	for _, k := range []string{"properties", "patternProperties", "additionalProperties", "allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas", "prefixItems", "items", "contains", "$ref"} {
		if !jsonEqual(o[k], n[k]) {
			return true
		}
	}
	return false
}

// jsonEqual compares decoded JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, jsonEqual)
	case json.Number, float64:
		rx, ok1 := number(x)
		ry, ok2 := number(b)
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case nil:
		return b == nil
	case bool, string:
		return a == b
	}
	return false
}
