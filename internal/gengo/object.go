package gengo

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

// object makes an object schema's type: a struct of its properties
// (with AdditionalProperties when it admits others), or a map when it
// names none.
func (sc *scope) object(ptr string, o *orderedjson.Object, name, head string) (string, error) {
	props, _ := o.Vals["properties"].(*orderedjson.Object)
	ap, hasAP := o.Get("additionalProperties")
	extra := ""
	if !hasAP || ap != false {
		t := sc.raw()
		if apo, ok := ap.(*orderedjson.Object); ok {
			var err error
			if t, err = sc.typeOf(ptr+"/additionalProperties", apo, name+"Value", ""); err != nil {
				return "", err
			}
		}
		extra = t
	}
	if props == nil || len(props.Keys) == 0 {
		if extra != "" {
			return "map[string]" + extra, nil
		}
	}
	required := map[string]bool{}
	if r, ok := o.Vals["required"].([]any); ok {
		for _, k := range r {
			if s, ok := k.(string); ok {
				required[s] = true
			}
		}
	}
	var b strings.Builder
	b.WriteString(typeDoc(head, name, o, "an object."))
	fmt.Fprintf(&b, "type %s struct {\n", name)
	fields := map[string]string{}
	var keys []string
	if props != nil {
		keys = props.Keys
	}
	for _, k := range keys {
		p := ptr + "/properties/" + escape(k)
		field := pascal(k)
		if field == "" {
			return "", sc.unsupported(p, "a property name with no letter or digit")
		}
		if !token.IsIdentifier(field) {
			field = "X" + field
		}
		if other, dup := fields[field]; dup || field == "AdditionalProperties" {
			return "", sc.unsupported(p, "properties %q and %q make the same Go field %s", other, k, field)
		}
		fields[field] = k
		t, err := sc.typeOf(p, props.Vals[k], name+field, "")
		if err != nil {
			return "", err
		}
		tag := k
		if !required[k] {
			t, tag = pointer(t), k+",omitzero"
		}
		b.WriteString(comment(description(props.Vals[k], ""), ""))
		fmt.Fprintf(&b, "\t%s %s `json:%q`\n", field, t, tag)
	}
	if extra != "" {
		fmt.Fprintf(&b, "\t// AdditionalProperties holds the members the schema does not name.\n\tAdditionalProperties map[string]%s `json:\"-\"`\n", extra)
	}
	b.WriteString("}\n")
	if extra != "" {
		sc.use("encoding/json", "")
		quoted := make([]string, len(keys))
		for i, k := range keys {
			quoted[i] = strconv.Quote(k)
		}
		named := "named" + name
		fmt.Fprintf(&b, extraMethods, name, name, name, name, named, extra, extra, named, name, named, strings.Join(quoted, ", "))
	}
	if !sc.g.claim(name, orderedjson.Canonical(o), b.String()) {
		return "", sc.unsupported(ptr, "the name %s is taken", name)
	}
	return name, nil
}

// extraMethods encode a struct's AdditionalProperties beside its fields.
const extraMethods = `
// MarshalJSON encodes the fields and the additional properties.
func (v %s) MarshalJSON() ([]byte, error) {
	type fields %s
	b, err := json.Marshal(fields(v))
	if err != nil || len(v.AdditionalProperties) == 0 {
		return b, err
	}
	extra, err := json.Marshal(v.AdditionalProperties)
	if err != nil {
		return nil, err
	}
	if len(b) == 2 { // {}
		return extra, nil
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// UnmarshalJSON decodes the fields, and the other members into
// AdditionalProperties.
func (v *%s) UnmarshalJSON(b []byte) error {
	type fields %s
	if err := json.Unmarshal(b, (*fields)(v)); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for _, k := range %sNamed {
		delete(all, k)
	}
	v.AdditionalProperties = nil
	for k, raw := range all {
		if v.AdditionalProperties == nil {
			v.AdditionalProperties = map[string]%s{}
		}
		var x %s
		if err := json.Unmarshal(raw, &x); err != nil {
			return err
		}
		v.AdditionalProperties[k] = x
	}
	return nil
}

// %s are the members %s names.
var %sNamed = []string{%s}
`
