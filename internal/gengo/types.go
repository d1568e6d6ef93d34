package gengo

import (
	"fmt"
	"maps"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// scope is the generation of one schema.
type scope struct {
	name   string // the payload struct's
	g      *generator
	s      *schema.Schema
	root   *orderedjson.Object
	defs   map[string]string // $defs name → Go type, once made
	making map[string]bool   // $defs being made: a $ref to one is recursion
}

func (sc *scope) unsupported(ptr, format string, args ...any) error {
	return &UnsupportedError{Schema: sc.s.Path(), Pointer: ptr, Reason: fmt.Sprintf(format, args...)}
}

// use records an import and returns the qualified name.
func (sc *scope) use(path, name string) string {
	sc.g.imports[path] = true
	return name
}

func (sc *scope) raw() string { return sc.use("encoding/json", "json.RawMessage") }

// root makes the payload struct of a schema and its definition.
func (g *generator) root(s *schema.Schema, name string) error {
	doc, err := orderedjson.Decode(s.Bytes())
	if err != nil {
		return fmt.Errorf("gengo: %s: %w", s.Path(), err)
	}
	sc := &scope{name: name, g: g, s: s, defs: map[string]string{}, making: map[string]bool{}}
	root, ok := doc.(*orderedjson.Object)
	if !ok {
		return sc.unsupported("", "the payload schema is not an object schema")
	}
	sc.root = root
	id := s.ID()
	head := fmt.Sprintf("%s is the payload of %s, schema %d.%d (%s).", name, id.Type, id.Type.Major(), id.Minor, id.URI)
	if shape := s.Shape(); shape != "" {
		head += fmt.Sprintf(" Its events are of the %s shape.", shape)
	}
	opts := fmt.Sprintf("event.WithDataSchema(%q)", id.URI)
	if s.Kind() == schema.KindCommand {
		head += " It is a command: sent to the one service that accepts it."
		opts += ", event.AsCommand()"
	}
	typ, err := sc.typeOf("", root, name, head)
	if err != nil {
		return err
	}
	if typ != name {
		return sc.unsupported("", "the payload is not a JSON object with properties")
	}
	def := name + "Event"
	code := comment(fmt.Sprintf("%s binds %s to %s and its dataschema.", def, name, id.Type)) +
		fmt.Sprintf("var %s = event.MustDefine[%s](%q, %s)\n", def, name, id.Type.String(), opts)
	if !g.claim(def, def, code) {
		return sc.unsupported("", "the name %s is taken", def)
	}
	return nil
}

// Keywords that give a value a shape no Go type here follows.
var shapeKeywords = []string{"patternProperties", "prefixItems", "if", "then", "else", "dependentSchemas", "$dynamicRef"}

// typeOf returns the Go type of the schema v at ptr. A type it declares
// is named name; head, when set, opens its doc comment.
func (sc *scope) typeOf(ptr string, v any, name, head string) (string, error) {
	switch v := v.(type) {
	case bool:
		if v {
			return sc.raw(), nil
		}
		return "", sc.unsupported(ptr, "the schema false admits no value")
	case *orderedjson.Object:
		return sc.objectSchema(ptr, v, name, head)
	}
	return "", sc.unsupported(ptr, "not a schema")
}

func (sc *scope) objectSchema(ptr string, o *orderedjson.Object, name, head string) (string, error) {
	for _, k := range shapeKeywords {
		if _, ok := o.Get(k); ok {
			return "", sc.unsupported(ptr+"/"+k, "%s gives a shape no Go type follows", k)
		}
	}
	for _, k := range []string{"unevaluatedProperties", "unevaluatedItems"} {
		if v, ok := o.Get(k); ok && v != false {
			return "", sc.unsupported(ptr+"/"+k, "%s other than false gives a shape no Go type follows", k)
		}
	}
	if ref, ok := o.Str("$ref"); ok {
		return sc.ref(ptr+"/$ref", ref)
	}
	if t, ok := nullable(o); ok {
		inner, err := sc.typeOf(ptr, t, name, head)
		if err != nil {
			return "", err
		}
		return pointer(inner), nil
	}
	if enum, ok := o.Get("enum"); ok {
		return sc.enum(ptr, o, enum, name, head)
	}
	if c, ok := o.Get("const"); ok {
		if _, ok := c.(string); !ok {
			return "", sc.unsupported(ptr+"/const", "a const that is not a string")
		}
		return "string", nil
	}
	if _, ok := o.Get("allOf"); ok {
		merged, err := sc.allOf(ptr, o)
		if err != nil {
			return "", err
		}
		return sc.object(ptr, merged, name, head)
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := o.Get(k); ok {
			return sc.union(ptr+"/"+k, alts, name, head, o)
		}
	}
	typ, err := sc.jsonType(ptr, o)
	if err != nil {
		return "", err
	}
	switch typ {
	case "string":
		switch f, _ := o.Str("format"); f {
		case "ern":
			return sc.use("github.com/elmosoftware/eventprotocol/naming", "naming.ERN"), nil
		case "date-time":
			return sc.use("time", "time.Time"), nil
		}
		return "string", nil
	case "integer":
		return "int64", nil
	case "number":
		return "float64", nil
	case "boolean":
		return "bool", nil
	case "array":
		items, ok := o.Get("items")
		if !ok {
			return "[]" + sc.raw(), nil
		}
		t, err := sc.typeOf(ptr+"/items", items, name+"Item", "")
		return "[]" + t, err
	case "object":
		return sc.object(ptr, o, name, head)
	case "":
		return sc.raw(), nil // any JSON value
	}
	return "", sc.unsupported(ptr+"/type", "a value of type %s", typ)
}

// jsonType returns the schema's one JSON type: stated, or implied by its
// keywords; "" when any value goes.
func (sc *scope) jsonType(ptr string, o *orderedjson.Object) (string, error) {
	switch t := o.Vals["type"].(type) {
	case string:
		return t, nil
	case []any:
		if len(t) == 1 {
			if s, ok := t[0].(string); ok {
				return s, nil
			}
		}
		return "", sc.unsupported(ptr+"/type", "a value of several JSON types")
	case nil:
		if _, ok := o.Vals["type"]; ok {
			break
		}
		for _, k := range []string{"properties", "additionalProperties", "required"} {
			if _, ok := o.Get(k); ok {
				return "object", nil
			}
		}
		if _, ok := o.Get("items"); ok {
			return "array", nil
		}
		return "", nil
	}
	return "", sc.unsupported(ptr+"/type", "type is not a string or an array of strings")
}

// nullable returns the schema without null when it is "X or null": a
// type array with "null", or oneOf/anyOf of a schema and {"type":"null"}.
func nullable(o *orderedjson.Object) (any, bool) {
	if types, ok := o.Vals["type"].([]any); ok && len(types) == 2 {
		for i, t := range types {
			if t == "null" {
				if other, ok := types[1-i].(string); ok && other != "null" {
					c := &orderedjson.Object{Keys: o.Keys, Vals: maps.Clone(o.Vals)}
					c.Vals["type"] = other
					return c, true
				}
			}
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts, ok := o.Vals[k].([]any)
		if !ok || len(alts) != 2 {
			continue
		}
		for i, a := range alts {
			if n, ok := a.(*orderedjson.Object); ok && len(n.Keys) == 1 && n.Vals["type"] == "null" {
				return alts[1-i], true
			}
		}
	}
	return nil, false
}

// pointer is the Go type of "t or null": nil of a slice, map or raw
// message is null already.
func pointer(t string) string {
	if strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "*") || t == "json.RawMessage" {
		return t
	}
	return "*" + t
}

// ref returns the Go type of a $ref: a $defs entry of the same schema.
func (sc *scope) ref(ptr, ref string) (string, error) {
	def, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok || def == "" || strings.ContainsAny(def, "/~%") {
		return "", sc.unsupported(ptr, "a $ref other than #/$defs/<name>")
	}
	if t, ok := sc.defs[def]; ok {
		return t, nil
	}
	if sc.making[def] {
		return "", sc.unsupported(ptr, "a recursive $ref")
	}
	defs, _ := sc.root.Vals["$defs"].(*orderedjson.Object)
	var v any
	if defs != nil {
		v, ok = defs.Get(def)
	}
	if !ok {
		return "", sc.unsupported(ptr, "$defs has no %q", def)
	}
	sc.making[def] = true
	defer delete(sc.making, def)
	defPtr := "/$defs/" + def
	key := orderedjson.Canonical(v)
	// The $defs name alone when every schema that defines it agrees on
	// it, else prefixed with the payload's name.
	for _, name := range []string{pascal(def), sc.name + pascal(def)} {
		if d, taken := sc.g.decls[name]; taken && d.key != key {
			continue
		}
		t, err := sc.named(defPtr, v, name, key)
		if err != nil {
			return "", err
		}
		sc.defs[def] = t
		return t, nil
	}
	return "", sc.unsupported(defPtr, "the names %s and %s are taken", pascal(def), sc.name+pascal(def))
}

// named makes the type of a $defs entry under name: a struct, an
// enumeration or a union as such, a Go basic type as a defined type, and
// anything else as an alias (a defined type would lose its methods, such
// as time.Time's JSON encoding).
func (sc *scope) named(ptr string, v any, name, key string) (string, error) {
	if _, ok := sc.g.decls[name]; ok {
		return name, nil // made from the same key by another schema
	}
	t, err := sc.typeOf(ptr, v, name, "")
	if err != nil || t == name {
		return t, err
	}
	doc := comment(name+" is "+lowerFirst(description(v, "a value of the schema's $defs.")), "")
	kw := " = "
	switch t {
	case "string", "int64", "float64", "bool":
		kw = " "
	}
	if !sc.g.claim(name, key, doc+"type "+name+kw+t+"\n") {
		return "", sc.unsupported(ptr, "the name %s is taken", name)
	}
	return name, nil
}

// enum makes a string enumeration: a string type, its values as
// constants, and their event.EnumSet.
func (sc *scope) enum(ptr string, o *orderedjson.Object, enum any, name, head string) (string, error) {
	list, ok := enum.([]any)
	if !ok || len(list) == 0 {
		return "", sc.unsupported(ptr+"/enum", "enum is not a list of values")
	}
	var consts, names []string
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return "", sc.unsupported(fmt.Sprintf("%s/enum/%d", ptr, i), "an enumeration value that is not a string")
		}
		if err := naming.ValidateEnumValue(s); err != nil {
			return "", sc.unsupported(fmt.Sprintf("%s/enum/%d", ptr, i), "an enumeration value that is not UPPER_SNAKE_CASE")
		}
		c := name + pascal(s)
		names = append(names, c)
		consts = append(consts, fmt.Sprintf("\t%s %s = %q\n", c, name, s))
	}
	var b strings.Builder
	b.WriteString(typeDoc(head, name, o, "an enumeration."))
	fmt.Fprintf(&b, "type %s string\n\n// The values of %s the schema lists.\nconst (\n%s)\n\n", name, name, strings.Join(consts, ""))
	b.WriteString(comment(name + "Values are the values of " + name + " the schema lists. A consumer keeps a value it does not know (Known is false): a later minor may add values."))
	fmt.Fprintf(&b, "var %sValues = event.MustEnumSet(%s)\n", name, strings.Join(names, ", "))
	if !sc.g.claim(name, orderedjson.Canonical(o), b.String()) {
		return "", sc.unsupported(ptr, "the name %s is taken", name)
	}
	return name, nil
}

// allOf merges an allOf of object schemas (and the schema's own
// properties) into one object schema.
func (sc *scope) allOf(ptr string, o *orderedjson.Object) (*orderedjson.Object, error) {
	alts, ok := o.Vals["allOf"].([]any)
	if !ok {
		return nil, sc.unsupported(ptr+"/allOf", "allOf is not a list of schemas")
	}
	merged := &orderedjson.Object{Vals: map[string]any{"type": "object"}}
	props := &orderedjson.Object{Vals: map[string]any{}}
	var required []any
	parts := append([]any{o}, alts...)
	for i, part := range parts {
		p := ptr
		if i > 0 {
			p = fmt.Sprintf("%s/allOf/%d", ptr, i-1)
		}
		po, ok := part.(*orderedjson.Object)
		if ok {
			if ref, isRef := po.Str("$ref"); isRef {
				p, po = p+"/$ref", sc.resolve(ref)
				ok = po != nil
			}
		}
		if !ok {
			return nil, sc.unsupported(p, "allOf of a schema that is not an object schema")
		}
		if i > 0 {
			if t, _ := sc.jsonType(p, po); t != "object" {
				return nil, sc.unsupported(p, "allOf of a schema that is not an object schema")
			}
			for _, k := range []string{"allOf", "oneOf", "anyOf"} {
				if _, nested := po.Get(k); nested {
					return nil, sc.unsupported(p+"/"+k, "%s inside allOf", k)
				}
			}
			if ap, ok := po.Get("additionalProperties"); ok && ap != true {
				return nil, sc.unsupported(p+"/additionalProperties", "additionalProperties inside allOf closes the object to the other parts' properties")
			}
		}
		if pp, ok := po.Vals["properties"].(*orderedjson.Object); ok {
			for _, k := range pp.Keys {
				if prev, dup := props.Vals[k]; dup && orderedjson.Canonical(prev) != orderedjson.Canonical(pp.Vals[k]) {
					return nil, sc.unsupported(p+"/properties/"+escape(k), "property %q differs between parts of allOf", k)
				} else if !dup {
					props.Keys = append(props.Keys, k)
				}
				props.Vals[k] = pp.Vals[k]
			}
		}
		if r, ok := po.Vals["required"].([]any); ok {
			required = append(required, r...)
		}
	}
	merged.Keys = []string{"type", "properties", "required"}
	merged.Vals["properties"], merged.Vals["required"] = props, required
	for _, k := range []string{"additionalProperties", "description", "title"} {
		if v, ok := o.Get(k); ok {
			merged.Keys = append(merged.Keys, k)
			merged.Vals[k] = v
		}
	}
	return merged, nil
}

// resolve returns the $defs entry a local $ref names, or nil.
func (sc *scope) resolve(ref string) *orderedjson.Object {
	def, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	defs, _ := sc.root.Vals["$defs"].(*orderedjson.Object)
	if defs == nil {
		return nil
	}
	v, _ := defs.Vals[def].(*orderedjson.Object)
	return v
}
