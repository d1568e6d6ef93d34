package schema

import (
	"encoding/json"
	"math/big"
	"slices"
)

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
