package gengo

import (
	"fmt"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

// union makes a oneOf or anyOf of object schemas told apart by a member
// whose value each fixes with const: a struct of one pointer per
// alternative, and Other for an alternative a later minor adds.
func (sc *scope) union(ptr string, v any, name, head string, o *orderedjson.Object) (string, error) {
	alts, ok := v.([]any)
	if !ok || len(alts) < 2 {
		return "", sc.unsupported(ptr, "not a list of two or more schemas")
	}
	type alt struct {
		schema *orderedjson.Object
		value  string // the discriminator's
		typ    string
	}
	resolved := make([]*orderedjson.Object, len(alts))
	for i, a := range alts {
		ao, _ := a.(*orderedjson.Object)
		if ao != nil {
			if ref, isRef := ao.Str("$ref"); isRef {
				ao = sc.resolve(ref)
			}
		}
		if ao == nil {
			return "", sc.unsupported(fmt.Sprintf("%s/%d", ptr, i), "an alternative that is not an object schema")
		}
		resolved[i] = ao
	}
	disc := discriminator(resolved)
	if disc == "" {
		return "", sc.unsupported(ptr, "alternatives without a discriminator: no property that every alternative fixes with a const string")
	}
	var list []alt
	seen := map[string]bool{}
	for i, ao := range resolved {
		value := constOf(ao.Vals["properties"].(*orderedjson.Object).Vals[disc])
		field := pascal(value)
		if field == "" || seen[field] || field == "Other" {
			return "", sc.unsupported(fmt.Sprintf("%s/%d", ptr, i), "discriminator values that make the same Go field")
		}
		seen[field] = true
		if !token.IsIdentifier(field) {
			field = "X" + field
		}
		t, err := sc.typeOf(fmt.Sprintf("%s/%d", ptr, i), alts[i], name+field, "")
		if err != nil {
			return "", err
		}
		list = append(list, alt{schema: ao, value: value, typ: t})
	}
	sc.use("encoding/json", "")
	sc.use("errors", "")
	var b strings.Builder
	b.WriteString(typeDoc(head, name, o, "one of its alternatives."))
	fmt.Fprintf(&b, "//\n// The alternatives are told apart by the member %q.\n", disc)
	fmt.Fprintf(&b, "type %s struct {\n", name)
	var marshal, unmarshal strings.Builder
	for _, a := range list {
		field := pascal(a.value)
		if !token.IsIdentifier(field) {
			field = "X" + field
		}
		fmt.Fprintf(&b, "\t// %s is set when %q is %q.\n\t%s *%s\n", field, disc, a.value, field, strings.TrimPrefix(a.typ, "*"))
		fmt.Fprintf(&marshal, "\tcase u.%s != nil:\n\t\treturn json.Marshal(u.%s)\n", field, field)
		fmt.Fprintf(&unmarshal, "\tcase %q:\n\t\tu.%s = new(%s)\n\t\treturn json.Unmarshal(b, u.%s)\n", a.value, field, strings.TrimPrefix(a.typ, "*"), field)
	}
	fmt.Fprintf(&b, "\t// Other is an alternative this version does not know, as received.\n\tOther json.RawMessage\n}\n")
	fmt.Fprintf(&b, `
// MarshalJSON encodes the alternative that is set.
func (u %s) MarshalJSON() ([]byte, error) {
	switch {
%s	case u.Other != nil:
		return u.Other, nil
	}
	return nil, errors.New(%q)
}

// UnmarshalJSON decodes the alternative that %q names; one it does not
// know goes to Other.
func (u *%s) UnmarshalJSON(b []byte) error {
	var d struct {
		D *string %s
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	*u = %s{}
	if d.D == nil {
		return errors.New(%q)
	}
	switch *d.D {
%s	}
	u.Other = append(json.RawMessage(nil), b...)
	return nil
}
`, name, marshal.String(), name+": no alternative is set", disc, name, "`json:"+strconv.Quote(disc)+"`", name, name+": the member "+strconv.Quote(disc)+" is missing", unmarshal.String())
	if !sc.g.claim(name, orderedjson.Canonical(o), b.String()) {
		return "", sc.unsupported(ptr, "the name %s is taken", name)
	}
	return name, nil
}

// discriminator returns the first property that every alternative fixes
// to a distinct string with const (or a one-value enum), or "".
func discriminator(alts []*orderedjson.Object) string {
	first, _ := alts[0].Vals["properties"].(*orderedjson.Object)
	if first == nil {
		return ""
	}
	for _, k := range first.Keys {
		values := map[string]bool{}
		for _, a := range alts {
			props, _ := a.Vals["properties"].(*orderedjson.Object)
			if props == nil {
				return ""
			}
			v := constOf(props.Vals[k])
			if v == "" || values[v] || !requires(a, k) {
				values = nil
				break
			}
			values[v] = true
		}
		if values != nil {
			return k
		}
	}
	return ""
}

// requires reports whether an object schema requires the property k.
func requires(o *orderedjson.Object, k string) bool {
	r, _ := o.Vals["required"].([]any)
	return slices.Contains(r, any(k))
}

// constOf returns the string a property schema fixes, or "".
func constOf(v any) string {
	o, ok := v.(*orderedjson.Object)
	if !ok {
		return ""
	}
	if s, ok := o.Vals["const"].(string); ok {
		return s
	}
	if e, ok := o.Vals["enum"].([]any); ok && len(e) == 1 {
		s, _ := e[0].(string)
		return s
	}
	return ""
}
