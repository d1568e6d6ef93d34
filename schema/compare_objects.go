package schema

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

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
