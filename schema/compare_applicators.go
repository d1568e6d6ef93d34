package schema

import (
	"fmt"
	"slices"
)

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
