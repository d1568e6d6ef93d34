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

// Mode is a compatibility mode, with the meanings the Confluent Schema
// Registry gives them for JSON Schema.
type Mode int

// Compatibility modes. A transitive mode checks a new version against every
// earlier version of the chain, not only against the latest one.
const (
	// Backward: consumers on the new schema read data written with the old
	// one. Every payload the old schema accepts, the new one accepts.
	Backward Mode = iota
	// Forward: consumers on the old schema read data written with the new
	// one. Every payload the new schema accepts, the old one accepts.
	Forward
	// Full is Backward and Forward.
	Full
	// BackwardTransitive is Backward against every earlier version.
	BackwardTransitive
	// ForwardTransitive is Forward against every earlier version.
	ForwardTransitive
	// FullTransitive is Full against every earlier version.
	FullTransitive
)

var modeNames = []string{"backward", "forward", "full", "backward_transitive", "forward_transitive", "full_transitive"}

// String returns the mode's name, e.g. "backward_transitive".
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode parses a mode name as [Mode.String] writes it; case and "-" for
// "_" are tolerated.
func ParseMode(s string) (Mode, error) {
	s = strings.ReplaceAll(strings.ToLower(s), "-", "_")
	if i := slices.Index(modeNames, s); i >= 0 {
		return Mode(i), nil
	}
	return 0, fmt.Errorf("schema: unknown compatibility mode %q (want one of %s)", s, strings.Join(modeNames, ", "))
}

// Transitive reports whether m checks against every earlier version.
func (m Mode) Transitive() bool { return m >= BackwardTransitive }

func (m Mode) base() Mode {
	if m.Transitive() {
		return m - BackwardTransitive
	}
	return m
}

// Effect says which way a change moves the set of payloads a schema accepts.
type Effect uint8

// Effects of a change; they combine as bits.
const (
	// Widens: the new schema accepts payloads the old one rejected. It
	// breaks Forward.
	Widens Effect = 1 << iota
	// Narrows: the new schema rejects payloads the old one accepted. It
	// breaks Backward.
	Narrows
	// Unproven: the comparison cannot prove the change harmless in either
	// direction. It breaks every mode, with the reason "cannot prove".
	Unproven
)

// Breaks reports whether a change with this effect breaks mode m.
func (e Effect) Breaks(m Mode) bool {
	if e&Unproven != 0 {
		return true
	}
	switch m.base() {
	case Backward:
		return e&Narrows != 0
	case Forward:
		return e&Widens != 0
	}
	return e&(Narrows|Widens) != 0
}

// String lists the effect's bits, e.g. "narrows", "widens+narrows", or
// "none".
func (e Effect) String() string {
	var parts []string
	for _, b := range effectNames {
		if e&b.e != 0 {
			parts = append(parts, b.s)
		}
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, "+")
}

type effectName struct {
	e Effect
	s string
}

var effectNames = []effectName{{Widens, "widens"}, {Narrows, "narrows"}, {Unproven, "cannot prove"}}

// MarshalText writes [Effect.String].
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads what [Effect.MarshalText] writes.
func (e *Effect) UnmarshalText(b []byte) error {
	*e = 0
	if string(b) == "none" {
		return nil
	}
	for _, part := range strings.Split(string(b), "+") {
		i := slices.IndexFunc(effectNames, func(n effectName) bool { return n.s == part })
		if i < 0 {
			return fmt.Errorf("schema: unknown effect %q", part)
		}
		*e |= effectNames[i].e
	}
	return nil
}

// Change is one difference between two versions of a schema.
type Change struct {
	// Pointer locates the change: a JSON pointer into the new schema, or
	// into the old one for what was removed.
	Pointer string `json:"pointer"`
	// Rule is a stable code for the kind of change, e.g. "required-added"
	// or "enum-value-removed".
	Rule string `json:"rule"`
	// Detail says what changed, in English.
	Detail string `json:"detail"`
	// Effect says which modes the change breaks.
	Effect Effect `json:"effect"`
}

// String formats the change for people: "<pointer>: <rule>: <detail> (<effect>)".
func (c Change) String() string {
	p := c.Pointer
	if p == "" {
		p = "(root)"
	}
	return fmt.Sprintf("%s: %s: %s (%s)", p, c.Rule, c.Detail, c.Effect)
}

// Report lists every change between two versions of a schema, ordered by
// pointer, then rule.
type Report struct {
	Changes []Change `json:"changes"`
}

// Compatible reports whether no change breaks mode m.
func (r *Report) Compatible(m Mode) bool { return len(r.Breaking(m)) == 0 }

// Breaking returns the changes that break mode m.
func (r *Report) Breaking(m Mode) []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Effect.Breaks(m) {
			out = append(out, c)
		}
	}
	return out
}

// Compare compares two versions of a JSON Schema (draft 2020-12) and
// classifies every change. It works on any schema, whether or not it follows
// the catalogue's conventions; references resolve inside each document
// only. Errors match [ErrJSON] or [ErrDraft].
func Compare(oldSchema, newSchema []byte) (*Report, error) {
	o, err := decodeSchema(oldSchema)
	if err != nil {
		return nil, fmt.Errorf("old schema: %w", err)
	}
	n, err := decodeSchema(newSchema)
	if err != nil {
		return nil, fmt.Errorf("new schema: %w", err)
	}
	return compareDocs(o, n), nil
}

// CompareSchemas compares two schemas of a catalogue; see [Compare].
func CompareSchemas(oldSchema, newSchema *Schema) *Report {
	return compareDocs(oldSchema.doc, newSchema.doc)
}

// ChainStep is one comparison of a chain check.
type ChainStep struct {
	Old, New *Schema
	Report   *Report
}

// CheckChain checks the versions of a schema, oldest first, in mode m: each
// version against its predecessor, or against every earlier version when m
// is transitive. It returns the steps that break m, in order; none means the
// chain is compatible.
func CheckChain(versions []*Schema, m Mode) []ChainStep {
	var out []ChainStep
	for i := 1; i < len(versions); i++ {
		first := i - 1
		if m.Transitive() {
			first = 0
		}
		for j := first; j < i; j++ {
			r := CompareSchemas(versions[j], versions[i])
			if !r.Compatible(m) {
				out = append(out, ChainStep{versions[j], versions[i], r})
			}
		}
	}
	return out
}

// The documents are compared with these bases: a reference that leaves the
// document cannot be proven either way.
const (
	oldBase = "urn:elmo:compat:old"
	newBase = "urn:elmo:compat:new"
)

func compareDocs(o, n any) *Report {
	c := &comparer{
		old:  docs{oldBase: o},
		new:  docs{newBase: n},
		seen: map[[2]node]bool{},
	}
	c.compare("", o, n, oldBase, newBase, 0)
	slices.SortStableFunc(c.changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Rule, b.Rule))
	})
	return &Report{Changes: c.changes}
}

type comparer struct {
	old, new docs
	seen     map[[2]node]bool // pairs of referenced schemas being compared
	changes  []Change
}

// maxDepth bounds nesting; deeper schemas cannot be proven either way.
const maxDepth = 64

func (c *comparer) add(ptr, rule string, e Effect, format string, args ...any) {
	c.changes = append(c.changes, Change{Pointer: ptr, Rule: rule, Detail: fmt.Sprintf(format, args...), Effect: e})
}

func (c *comparer) unproven(ptr, format string, args ...any) {
	c.add(ptr, "cannot-prove", Unproven, "cannot prove: "+format, args...)
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
func deref(d docs, base string, v any) (any, string, node, error) {
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
		c.add(ptr, "schema-allowed", Widens, "accepts values where the old schema accepted none")
		return
	case nFalse:
		c.add(ptr, "schema-forbidden", Narrows, "accepts no value where the old schema accepted some")
		return
	case om == nil || nm == nil:
		c.unproven(ptr, "a schema must be an object or a boolean")
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
	for _, k := range unionKeys(o, n) {
		if handled[k] || annotations[k] || !knownKeywords[k] {
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
			c.add(p, "keyword-added", Narrows, "%s added", k)
		default:
			c.add(p, "keyword-removed", Widens, "%s removed", k)
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
	to, ok1 := types(o)
	tn, ok2 := types(n)
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
		c.add(ptr+"/type", "type-narrowed", e, "type %s became %s", typeText(to), typeText(tn))
	case Widens:
		c.add(ptr+"/type", "type-widened", e, "type %s became %s", typeText(to), typeText(tn))
	case Narrows | Widens:
		c.add(ptr+"/type", "type-changed", e, "type %s became %s", typeText(to), typeText(tn))
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
		c.add(p, "enum-added", Narrows, "values limited to %s", valuesText(vn))
	case vn == nil:
		c.add(ptr+"/enum", "enum-removed", Widens, "values no longer limited to %s", valuesText(vo))
	default:
		for _, v := range vo {
			if !slices.ContainsFunc(vn, func(x any) bool { return jsonEqual(x, v) }) {
				c.add(p, "enum-value-removed", Narrows, "value %s no longer allowed", valueText(v))
			}
		}
		for _, v := range vn {
			if !slices.ContainsFunc(vo, func(x any) bool { return jsonEqual(x, v) }) {
				c.add(p, "enum-value-added", Widens, "value %s now allowed", valueText(v))
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
		c.add(p, "multiple-of-added", Narrows, "multipleOf %v added", mn)
	case !ok2:
		c.add(p, "multiple-of-removed", Widens, "multipleOf %v removed", mo)
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
			c.add(p, "multiple-of-changed", Narrows, "multipleOf %v became %v", mo, mn)
		case oldOfNew:
			c.add(p, "multiple-of-changed", Widens, "multipleOf %v became %v", mo, mn)
		default:
			c.add(p, "multiple-of-changed", Narrows|Widens, "multipleOf %v became %v", mo, mn)
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
		c.add(p, "bound-tightened", Narrows, "%s tightened", what)
	case tighter(bn, bo, lower) < 0:
		c.add(p, "bound-loosened", Widens, "%s loosened", what)
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
			c.add(p, k+"-changed", Unproven, "cannot prove: %s %s became %s", k, valueText(vo), valueText(vn))
		}
	case inN:
		c.add(p, k+"-added", Narrows, "%s %s added", k, valueText(vn))
	case inO:
		c.add(p, k+"-removed", Widens, "%s %s removed", k, valueText(vo))
	}
}

func (c *comparer) compareUniqueItems(ptr string, o, n map[string]any) {
	uo, _ := o["uniqueItems"].(bool)
	un, _ := n["uniqueItems"].(bool)
	switch {
	case !uo && un:
		c.add(ptr+"/uniqueItems", "unique-items-added", Narrows, "items must now be unique")
	case uo && !un:
		c.add(ptr+"/uniqueItems", "unique-items-removed", Widens, "items need no longer be unique")
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
			c.add(ptr+"/required", "required-added", Narrows, "property %q is now required", name)
		}
	}
	for _, name := range ro {
		if !slices.Contains(rn, name) {
			c.add(ptr+"/required", "required-removed", Widens, "property %q is no longer required", name)
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
	}
	return om
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
		rule, model, where := "property-added", mo.modelText(), wo[0]
		if inO {
			rule, model, where = "property-removed", mn.modelText(), wn[0]
		}
		detail := fmt.Sprintf("property %q %s under a %s (was governed by %s)", name, strings.TrimPrefix(rule, "property-"), model, where)
		if inO {
			detail = fmt.Sprintf("property %q %s; now governed by %s of a %s", name, strings.TrimPrefix(rule, "property-"), where, model)
		}
		if len(sub.changes) > 0 {
			detail += ": " + sub.changes[0].Detail
		}
		c.add(p, rule, e, "%s", detail)
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
	c.compare(ptr+"/additionalProperties", mo.extra, mn.extra, ob, nb, depth+1)
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
		c.add(p, "keyword-added", Narrows, "%s added", k)
		return
	case !inN:
		c.add(p, "keyword-removed", Widens, "%s removed", k)
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
	if exclusive && len(added) > 0 && !disjoint(vn) {
		c.unproven(p, "oneOf alternatives may overlap, so a payload may match several")
	}
	if len(removed) == 1 && len(added) == 1 && len(vo) == len(vn) {
		c.compare(fmt.Sprintf("%s/%d", p, added[0]), vo[removed[0]], vn[added[0]], ob, nb, depth+1)
		return
	}
	for _, i := range removed {
		c.add(fmt.Sprintf("%s/%d", p, i), "alternative-removed", Narrows, "%s alternative %d removed", k, i)
	}
	for _, i := range added {
		c.add(fmt.Sprintf("%s/%d", p, i), "alternative-added", Widens, "%s alternative %d added", k, i)
	}
}

// disjoint reports whether no value can match two of the alternatives: they
// allow pairwise disjoint types, or pairwise different constants of one
// required property.
func disjoint(alts []any) bool {
	var sets [][]string
	for _, a := range alts {
		m, _ := a.(map[string]any)
		t, ok := types(m)
		if m == nil || !ok || t == nil {
			sets = nil
			break
		}
		sets = append(sets, t)
	}
	if sets != nil {
		for i := range sets {
			for j := i + 1; j < len(sets); j++ {
				if typeSubset(sets[i][:1], sets[j]) || typeSubset(sets[j][:1], sets[i]) || overlaps(sets[i], sets[j]) {
					return false
				}
			}
		}
		return true
	}
	return discriminated(alts)
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
		c.add(p, "keyword-added", Narrows, "allOf added")
	case !inN:
		c.add(p, "keyword-removed", Widens, "allOf removed")
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
