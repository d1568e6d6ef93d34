package schema

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"
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

// bound is a numeric bound; nil value means unbounded.
type bound struct {
	v         *big.Rat
	exclusive bool
}

func number(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(string(x))
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(x) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}

// lower returns the tighter of minimum and exclusiveMinimum (upper: of
// maximum and exclusiveMaximum).
func numberBound(m map[string]any, incl, excl string, lower bool) (bound, bool) {
	var b bound
	if v, ok := m[incl]; ok {
		r, ok := number(v)
		if !ok {
			return b, false
		}
		b = bound{v: r}
	}
	if v, ok := m[excl]; ok {
		r, ok := number(v)
		if !ok {
			return b, false
		}
		if b.v == nil {
			b = bound{r, true}
		} else if c := r.Cmp(b.v); c == 0 || (lower && c > 0) || (!lower && c < 0) {
			b = bound{r, true}
		}
	}
	return b, true
}

// tighter compares two bounds: +1 when a excludes more than b, -1 when less,
// 0 when equal.
func tighter(a, b bound, lower bool) int {
	switch {
	case a.v == nil && b.v == nil:
		return 0
	case a.v == nil:
		return -1
	case b.v == nil:
		return 1
	}
	c := a.v.Cmp(b.v)
	if !lower {
		c = -c
	}
	if c == 0 && a.exclusive != b.exclusive {
		if a.exclusive {
			return 1
		}
		return -1
	}
	return c
}

func (c *comparer) compareNumberBounds(ptr string, o, n map[string]any) {
	for _, k := range []struct {
		incl, excl string
		lower      bool
	}{{"minimum", "exclusiveMinimum", true}, {"maximum", "exclusiveMaximum", false}} {
		p := ptr + "/" + k.incl
		if _, ok := n[k.excl]; ok {
			p = ptr + "/" + k.excl
		}
		c.compareBound(p, k.incl+" bound", o, n, k.incl, k.excl, k.lower)
	}
	mo, ok1 := o["multipleOf"]
	mn, ok2 := n["multipleOf"]
	p := ptr + "/multipleOf"
	switch {
	case !ok1 && !ok2:
	case !ok1:
		c.add(p, RuleMultipleOfAdded, Narrows, "multipleOf %v added", mn)
	case !ok2:
		c.add(p, RuleMultipleOfRemoved, Widens, "multipleOf %v removed", mo)
	default:
		ro, ok1 := number(mo)
		rn, ok2 := number(mn)
		if !ok1 || !ok2 || ro.Sign() <= 0 || rn.Sign() <= 0 {
			c.unproven(p, "multipleOf is not a positive number")
			return
		}
		newOfOld := new(big.Rat).Quo(rn, ro).IsInt() // multiples of new are multiples of old
		oldOfNew := new(big.Rat).Quo(ro, rn).IsInt()
		switch {
		case newOfOld && oldOfNew:
		case newOfOld:
			c.add(p, RuleMultipleOfChanged, Narrows, "multipleOf %v became %v", mo, mn)
		case oldOfNew:
			c.add(p, RuleMultipleOfChanged, Widens, "multipleOf %v became %v", mo, mn)
		default:
			c.add(p, RuleMultipleOfChanged, Narrows|Widens, "multipleOf %v became %v", mo, mn)
		}
	}
}

func (c *comparer) compareCounts(ptr string, o, n map[string]any) {
	for _, k := range []struct {
		name  string
		lower bool
	}{{"minLength", true}, {"maxLength", false}, {"minItems", true}, {"maxItems", false}, {"minProperties", true}, {"maxProperties", false}, {"minContains", true}, {"maxContains", false}} {
		c.compareBound(ptr+"/"+k.name, k.name, o, n, k.name, "", k.lower)
	}
}

// compareBound compares a lower or upper bound given by the keywords incl
// and excl (empty for a count), reporting the change at p as what.
func (c *comparer) compareBound(p, what string, o, n map[string]any, incl, excl string, lower bool) {
	bo, ok1 := numberBound(o, incl, excl, lower)
	bn, ok2 := numberBound(n, incl, excl, lower)
	switch {
	case !ok1 || !ok2:
		c.unproven(p, "%s is not a number", incl)
	case tighter(bn, bo, lower) > 0:
		c.add(p, RuleBoundTightened, Narrows, "%s tightened", what)
	case tighter(bn, bo, lower) < 0:
		c.add(p, RuleBoundLoosened, Widens, "%s loosened", what)
	}
}

// compareOptional compares a keyword whose changes cannot be ordered:
// pattern or format.
func (c *comparer) compareOptional(ptr string, o, n map[string]any, k string) {
	vo, inO := o[k]
	vn, inN := n[k]
	p := ptr + "/" + k
	switch {
	case inO && inN:
		if !jsonEqual(vo, vn) {
			c.add(p, ChangeRule(k+"-changed"), Unproven, "cannot prove: %s %s became %s", k, valueText(vo), valueText(vn))
		}
	case inN:
		c.add(p, ChangeRule(k+"-added"), Narrows, "%s %s added", k, valueText(vn))
	case inO:
		c.add(p, ChangeRule(k+"-removed"), Widens, "%s %s removed", k, valueText(vo))
	}
}

func (c *comparer) compareUniqueItems(ptr string, o, n map[string]any) {
	uo, _ := o["uniqueItems"].(bool)
	un, _ := n["uniqueItems"].(bool)
	switch {
	case !uo && un:
		c.add(ptr+"/uniqueItems", RuleUniqueItemsAdded, Narrows, "items must now be unique")
	case uo && !un:
		c.add(ptr+"/uniqueItems", RuleUniqueItemsRemoved, Widens, "items need no longer be unique")
	}
}

func stringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (c *comparer) compareRequired(ptr string, o, n map[string]any) {
	ro, rn := stringList(o["required"]), stringList(n["required"])
	for _, name := range rn {
		if !slices.Contains(ro, name) {
			c.add(ptr+"/required", RuleRequiredAdded, Narrows, "property %q is now required", name)
		}
	}
	for _, name := range ro {
		if !slices.Contains(rn, name) {
			c.add(ptr+"/required", RuleRequiredRemoved, Widens, "property %q is no longer required", name)
		}
	}
}

// objectModel is the part of a schema that governs an object's members.
type objectModel struct {
	props    map[string]any
	patterns map[string]any
	extra    any // additionalProperties; true when absent
}

func newObjectModel(m map[string]any) objectModel {
	om := objectModel{extra: true}
	om.props, _ = m["properties"].(map[string]any)
	om.patterns, _ = m["patternProperties"].(map[string]any)
	if v, ok := m["additionalProperties"]; ok {
		om.extra = v
	} else if v, ok := m["unevaluatedProperties"]; ok && !inPlaceApplicators(m) {
		// With no applicator beside them, the members properties and
		// patternProperties do not evaluate are exactly the others:
		// unevaluatedProperties is the content model, as
		// additionalProperties would be.
		om.extra = v
	}
	return om
}

// inPlaceApplicators reports whether a schema has applicators whose
// subschemas evaluate members of the same instance, so that what
// unevaluatedProperties applies to depends on them.
func inPlaceApplicators(m map[string]any) bool {
	for _, k := range []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref", "$dynamicRef"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// modelsUnevaluated reports whether the object model of m accounts for its
// unevaluatedProperties (it has none, or no applicator beside it).
func modelsUnevaluated(m map[string]any) bool {
	_, ok := m["unevaluatedProperties"]
	return !ok || !inPlaceApplicators(m)
}

// governing returns the schemas that apply to the member name and where
// they are, or an error when a pattern cannot be compiled.
func (om objectModel) governing(name string) ([]any, []string, error) {
	var out []any
	var where []string
	if s, ok := om.props[name]; ok {
		out, where = append(out, s), append(where, "/properties/"+escapePointer(name))
	}
	for _, p := range sortedKeys(om.patterns) {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("pattern %q: %v", p, err)
		}
		if re.MatchString(name) {
			out, where = append(out, om.patterns[p]), append(where, "/patternProperties/"+escapePointer(p))
		}
	}
	if out == nil {
		return []any{om.extra}, []string{"/additionalProperties"}, nil
	}
	return out, where, nil
}

// modelText names the content model that governs the other members.
func (om objectModel) modelText() string {
	switch x := om.extra.(type) {
	case bool:
		if !x {
			return "closed content model"
		}
		if len(om.patterns) > 0 {
			return "partially open content model (patternProperties)"
		}
		return "open content model"
	}
	return "partially open content model (additionalProperties schema)"
}

func (c *comparer) compareObject(ptr string, o, n map[string]any, ob, nb string, depth int) {
	mo, mn := newObjectModel(o), newObjectModel(n)
	for _, name := range unionKeys(mo.props, mn.props) {
		p := ptr + "/properties/" + escapePointer(name)
		so, wo, err1 := mo.governing(name)
		sn, wn, err2 := mn.governing(name)
		if err := errors.Join(err1, err2); err != nil {
			c.unproven(p, "%v", err)
			continue
		}
		if len(so) != 1 || len(sn) != 1 {
			if len(so) != len(sn) || !slices.EqualFunc(so, sn, jsonEqual) {
				c.unproven(p, "property %q is governed by several schemas (properties and patternProperties)", name)
			}
			continue
		}
		_, inO := mo.props[name]
		_, inN := mn.props[name]
		if inO && inN {
			c.compare(p, so[0], sn[0], ob, nb, depth+1)
			continue
		}
		// Added or removed: summarise the nested comparison as one change.
		sub := &comparer{old: c.old, new: c.new, seen: c.seen}
		sub.compare(p, so[0], sn[0], ob, nb, depth+1)
		var e Effect
		for _, ch := range sub.changes {
			e |= ch.Effect
		}
		rule, model, where := RulePropertyAdded, mo.modelText(), wo[0]
		if inO {
			rule, model, where = RulePropertyRemoved, mn.modelText(), wn[0]
		}
		detail := fmt.Sprintf("property %q added under a %s (was governed by %s)", name, model, where)
		if inO {
			detail = fmt.Sprintf("property %q removed; now governed by %s of a %s", name, where, model)
		}
		if len(sub.changes) > 0 {
			detail += ": " + sub.changes[0].Detail
		}
		c.add(p, rule, e, "%s", detail)
		// An optional member added where the old model was closed: tolerant
		// readers of the old version accept any member they do not know.
		c.changes[len(c.changes)-1].Tolerated = !inO && e == Widens && mo.closed()
	}
	// Patterns: names matching a pattern only one side has were governed by
	// the other side's additionalProperties, when that side has no pattern.
	for _, pat := range unionKeys(mo.patterns, mn.patterns) {
		p := ptr + "/patternProperties/" + escapePointer(pat)
		so, inO := mo.patterns[pat]
		sn, inN := mn.patterns[pat]
		switch {
		case inO && inN:
			c.compare(p, so, sn, ob, nb, depth+1)
		case inN && len(mo.patterns) == 0:
			c.compare(p, mo.extra, sn, ob, nb, depth+1)
		case inO && len(mn.patterns) == 0:
			c.compare(p, so, mn.extra, ob, nb, depth+1)
		default:
			c.unproven(p, "patternProperties changed while other patterns remain")
		}
	}
	start := len(c.changes)
	c.compare(ptr+"/additionalProperties", mo.extra, mn.extra, ob, nb, depth+1)
	if mo.closed() {
		// Opening a closed model: tolerant readers already read it open.
		for i := start; i < len(c.changes); i++ {
			c.changes[i].Tolerated = c.changes[i].Effect == Widens
		}
	}
}

// closed reports whether the model accepts no member it does not name.
func (om objectModel) closed() bool {
	closed, ok := om.extra.(bool)
	return ok && !closed && len(om.patterns) == 0
}

func (c *comparer) compareArray(ptr string, o, n map[string]any, ob, nb string, depth int) {
	po, _ := o["prefixItems"].([]any)
	pn, _ := n["prefixItems"].([]any)
	if len(po) != len(pn) {
		c.unproven(ptr+"/prefixItems", "prefixItems went from %d to %d schemas", len(po), len(pn))
	} else {
		for i := range po {
			c.compare(fmt.Sprintf("%s/prefixItems/%d", ptr, i), po[i], pn[i], ob, nb, depth+1)
		}
	}
	io, ok := o["items"]
	if !ok {
		io = true
	}
	in, ok := n["items"]
	if !ok {
		in = true
	}
	c.compare(ptr+"/items", io, in, ob, nb, depth+1)
}

// compareAlternatives compares anyOf or oneOf lists. Alternatives are
// matched by equality; a lone changed alternative is compared in place.
func (c *comparer) compareAlternatives(ptr, k string, o, n map[string]any, ob, nb string, depth int) {
	vo, inO := o[k].([]any)
	vn, inN := n[k].([]any)
	p := ptr + "/" + k
	switch {
	case !inO && !inN:
		return
	case !inO:
		c.add(p, RuleKeywordAdded, Narrows, "%s added", k)
		return
	case !inN:
		c.add(p, RuleKeywordRemoved, Widens, "%s removed", k)
		return
	}
	var removed, added []int
	for i, a := range vo {
		if !slices.ContainsFunc(vn, func(b any) bool { return jsonEqual(a, b) }) {
			removed = append(removed, i)
		}
	}
	for i, b := range vn {
		if !slices.ContainsFunc(vo, func(a any) bool { return jsonEqual(a, b) }) {
			added = append(added, i)
		}
	}
	exclusive := k == "oneOf"
	if exclusive && len(added) > 0 && !disjoint(derefAll(c.new, nb, vn)) {
		c.unproven(p, "oneOf alternatives may overlap, so a payload may match several")
	}
	if len(removed) == 1 && len(added) == 1 && len(vo) == len(vn) {
		c.compare(fmt.Sprintf("%s/%d", p, added[0]), vo[removed[0]], vn[added[0]], ob, nb, depth+1)
		return
	}
	for _, i := range removed {
		c.add(fmt.Sprintf("%s/%d", p, i), RuleAlternativeRemoved, Narrows, "%s alternative %d removed", k, i)
	}
	for _, i := range added {
		c.add(fmt.Sprintf("%s/%d", p, i), RuleAlternativeAdded, Widens, "%s alternative %d added", k, i)
	}
}

// union returns the alternatives of m when m is a union (anyOf or oneOf
// beside annotations only), or m itself as the one alternative of a schema
// without anyOf and oneOf, and the union's keyword ("" for none). ok is
// false for a schema that mixes a union with other assertions.
func union(m map[string]any) (alts []any, kind string, ok bool) {
	_, anyOf := m["anyOf"]
	_, oneOf := m["oneOf"]
	switch {
	case !anyOf && !oneOf:
		return []any{m}, "", true
	case anyOf && oneOf:
		return nil, "", false
	case oneOf:
		kind = "oneOf"
	default:
		kind = "anyOf"
	}
	for k := range m {
		if k != kind && !annotations[k] {
			return nil, "", false
		}
	}
	alts, ok = m[kind].([]any)
	return alts, kind, ok && len(alts) > 0
}

// compareUnions compares two schemas of which at least one is a union and
// the two are not the same kind of union (a type that became anyOf, oneOf
// that became anyOf, ...): the new schema accepts every old payload when
// each old alternative is within a new one, and the other way round. It
// reports false, comparing nothing, when the schemas are not of that shape.
func (c *comparer) compareUnions(ptr string, o, n map[string]any, ob, nb string, depth int) bool {
	ao, ko, ok1 := union(o)
	an, kn, ok2 := union(n)
	if !ok1 || !ok2 || ko == kn {
		return false
	}
	fwd := &comparer{old: c.old, new: c.new, seen: c.seen}
	back := &comparer{old: c.new, new: c.old, seen: map[[2]node]bool{}}
	oldInNew := covered(fwd, ao, an, kn == "oneOf", ob, nb, depth)
	newInOld := covered(back, an, ao, ko == "oneOf", nb, ob, depth)
	// A direction that cannot be proven counts as failed: the change may
	// narrow (or widen), which breaks the modes that direction matters to
	// and no others.
	var e Effect
	if oldInNew != isCovered {
		e |= Narrows
	}
	if newInOld != isCovered {
		e |= Widens
	}
	what := func(k string, alts []any) string {
		if k == "" {
			return "a single schema"
		}
		return fmt.Sprintf("%s of %d alternatives", k, len(alts))
	}
	detail := what(ko, ao) + " became " + what(kn, an)
	switch {
	case e == Widens:
		c.add(ptr, RuleAlternativeAdded, e, "%s, which accepts more", detail)
	case e == Narrows:
		c.add(ptr, RuleAlternativeRemoved, e, "%s, which accepts less", detail)
	case e != 0:
		c.add(ptr, RuleAlternativesChanged, e, "%s, which accepts other values", detail)
	}
	return true
}

type coverage int

const (
	isCovered coverage = iota
	notCovered
	unknown
)

// covered tells whether every value of one of xs is accepted by the union
// of ys (exclusive: oneOf), comparing each x with each y by c, whose old
// side is the side of xs. It needs one y that takes all of x; for a oneOf,
// the ys must also be disjoint, so that no value matches two.
func covered(c *comparer, xs, ys []any, exclusive bool, xb, yb string, depth int) coverage {
	if exclusive && len(ys) > 1 && !disjoint(derefAll(c.new, yb, ys)) {
		return unknown
	}
	result := isCovered
	for _, x := range xs {
		found, unsure := false, false
		for _, y := range ys {
			sub := &comparer{old: c.old, new: c.new, seen: c.seen}
			sub.compare("", x, y, xb, yb, depth+1)
			var e Effect
			for _, ch := range sub.changes {
				e |= ch.Effect
			}
			if e&(Narrows|Unproven) == 0 {
				found = true
				break
			}
			unsure = unsure || e&Unproven != 0
		}
		switch {
		case found:
		case unsure:
			return unknown
		default:
			result = notCovered
		}
	}
	return result
}

// derefAll returns the alternatives with references resolved, for the
// shape checks of disjoint; an alternative that cannot be resolved stays as
// it is.
func derefAll(d *docs, base string, alts []any) []any {
	out := make([]any, len(alts))
	for i, a := range alts {
		if v, _, _, err := deref(d, base, a); err == nil {
			out[i] = v
		} else {
			out[i] = a
		}
	}
	return out
}

// disjoint reports whether no value can match two of the alternatives: they
// allow pairwise disjoint types, or pairwise different constants of one
// required property.
func disjoint(alts []any) bool {
	return disjointTypes(alts) || discriminated(alts)
}

// disjointTypes reports whether the alternatives allow pairwise disjoint
// types.
func disjointTypes(alts []any) bool {
	sets := make([][]string, 0, len(alts))
	for _, a := range alts {
		m, _ := a.(map[string]any)
		t, ok := types(m)
		if m == nil || !ok || t == nil {
			return false
		}
		sets = append(sets, t)
	}
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			if overlaps(sets[i], sets[j]) {
				return false
			}
		}
	}
	return true
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if typeSubset([]string{x}, b) {
			return true
		}
	}
	for _, x := range b {
		if typeSubset([]string{x}, a) {
			return true
		}
	}
	return false
}

// discriminated reports whether every alternative requires one property
// with a const of its own.
func discriminated(alts []any) bool {
	var prop string
	var seen []any
	for _, a := range alts {
		m, _ := a.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		found := false
		for _, name := range stringList(m["required"]) {
			pm, _ := props[name].(map[string]any)
			cv, ok := pm["const"]
			if enum, isList := pm["enum"].([]any); !ok && isList && len(enum) == 1 {
				cv, ok = enum[0], true
			}
			if !ok || (prop != "" && name != prop) {
				continue
			}
			if slices.ContainsFunc(seen, func(x any) bool { return jsonEqual(x, cv) }) {
				return false
			}
			prop, seen, found = name, append(seen, cv), true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

func (c *comparer) compareAllOf(ptr string, o, n map[string]any, ob, nb string, depth int) {
	vo, inO := o["allOf"].([]any)
	vn, inN := n["allOf"].([]any)
	p := ptr + "/allOf"
	switch {
	case !inO && !inN:
	case !inO:
		c.add(p, RuleKeywordAdded, Narrows, "allOf added")
	case !inN:
		c.add(p, RuleKeywordRemoved, Widens, "allOf removed")
	case len(vo) != len(vn):
		c.unproven(p, "allOf went from %d to %d schemas", len(vo), len(vn))
	default:
		for i := range vo {
			c.compare(fmt.Sprintf("%s/%d", p, i), vo[i], vn[i], ob, nb, depth+1)
		}
	}
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
