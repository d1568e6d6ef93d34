package gengo

import (
	"errors"
	"fmt"
	"go/format"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// Errors of Generate.
var (
	// ErrUnsupported matches an *UnsupportedError: a schema construct
	// that no Go type maps faithfully.
	ErrUnsupported = errors.New("gengo: no faithful Go type")
	// ErrUnknownType reports a Config.Types entry that names no event
	// type of the catalogue.
	ErrUnknownType = errors.New("gengo: unknown event type")
	// ErrInvalidConfig reports a Config value that cannot be used, such as
	// a package name that is not a Go identifier.
	ErrInvalidConfig = errors.New("gengo: invalid configuration")
)

// UnsupportedError names the schema and the JSON pointer of a construct
// that no Go type maps faithfully, and why. It matches ErrUnsupported.
type UnsupportedError struct {
	Schema  string // the schema's file in the catalogue
	Pointer string // the construct's JSON pointer in it
	Reason  string
}

// Error names the schema, the pointer and the reason.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("gengo: %s#%s: %s", e.Schema, e.Pointer, e.Reason)
}

// Is makes the error match ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// Config configures Generate. A nil *Config means the defaults.
type Config struct {
	// Package is the generated file's package name. Default "events".
	Package string
	// Types limits the output to these event types: with their major
	// ("elmo.identity.client.signed_up.v1") or without it (every major).
	// Empty means every type of the catalogue.
	Types []string
}

// Generate writes a gofmt'ed Go file for the catalogue: for the newest
// minor of each event type's major, its payload struct and an
// event.Definition bound to it and to the schema's $id, with string types
// and an event.EnumSet for enumerations and named types for $defs. The
// output is the same for the same catalogue and configuration.
func Generate(cat *schema.Catalog, cfg *Config) ([]byte, error) {
	c := Config{Package: "events"}
	if cfg != nil {
		c = *cfg
		if c.Package == "" {
			c.Package = "events"
		}
	}
	if !token.IsIdentifier(c.Package) || c.Package == "_" {
		return nil, fmt.Errorf("%w: package %q is not a Go identifier", ErrInvalidConfig, c.Package)
	}
	schemas, err := selected(cat, c.Types)
	if err != nil {
		return nil, err
	}
	g := &generator{decls: map[string]decl{}, imports: map[string]bool{"github.com/elmosoftware/eventprotocol/event": true}}
	names := rootNames(schemas)
	var errs []error
	for _, s := range schemas {
		if err := g.root(s, names[s.ID().Type]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g.file(c.Package)
}

// selected returns the newest minor of each major the entries name (all
// when there are none), ordered by event type.
func selected(cat *schema.Catalog, types []string) ([]*schema.Schema, error) {
	var all []naming.Type
	for _, s := range cat.Schemas() {
		if t := s.ID().Type; !slices.Contains(all, t) {
			all = append(all, t)
		}
	}
	want := map[naming.Type]bool{}
	var unknown []string
	for _, entry := range types {
		n := 0
		for _, t := range all {
			if t.String() == entry || t.Unversioned() == entry {
				want[t] = true
				n++
			}
		}
		if n == 0 {
			unknown = append(unknown, strconv.Quote(entry))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnknownType, strings.Join(unknown, ", "))
	}
	var out []*schema.Schema
	for _, t := range all {
		if len(types) == 0 || want[t] {
			s, _ := cat.Lookup(t)
			out = append(out, s)
		}
	}
	return out, nil
}

// rootNames names each event type's payload struct: its entity and
// action, with the domain in front when two domains share them, and V<n>
// after from major 2.
func rootNames(schemas []*schema.Schema) map[naming.Type]string {
	short := func(t naming.Type) string { return pascal(t.Entity()) + pascal(t.Action()) }
	count := map[string]map[string]bool{}
	for _, s := range schemas {
		t := s.ID().Type
		if count[short(t)] == nil {
			count[short(t)] = map[string]bool{}
		}
		count[short(t)][t.Domain()] = true
	}
	names := map[naming.Type]string{}
	for _, s := range schemas {
		t := s.ID().Type
		n := short(t)
		if len(count[n]) > 1 {
			n = pascal(t.Domain()) + n
		}
		if t.Major() > 1 {
			n += "V" + strconv.Itoa(t.Major())
		}
		names[t] = n
	}
	return names
}

// decl is one top-level declaration of the output, and what it was made
// from: two schemas that make a type of one name from the same key share
// it.
type decl struct {
	key  string
	code string
}

type generator struct {
	decls   map[string]decl // by Go name
	imports map[string]bool
}

// claim records the declaration of name; ok is false when another key
// holds the name already.
func (g *generator) claim(name, key, code string) bool {
	if d, ok := g.decls[name]; ok {
		return d.key == key
	}
	g.decls[name] = decl{key: key, code: code}
	return true
}

// file assembles and formats the output.
func (g *generator) file(pkg string) ([]byte, error) {
	var b strings.Builder
	b.WriteString("// Code generated by eventctl gen go from the schema catalogue. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// Package %s holds the payload types of the catalogue's event types.\npackage %s\n\nimport (\n", pkg, pkg)
	// The standard library first, then the others.
	var std, others []string
	for _, imp := range slices.Sorted(maps.Keys(g.imports)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") {
			others = append(others, imp)
		} else {
			std = append(std, imp)
		}
	}
	for i, group := range [][]string{std, others} {
		if i > 0 && len(std) > 0 {
			b.WriteString("\n")
		}
		for _, imp := range group {
			fmt.Fprintf(&b, "\t%q\n", imp)
		}
	}
	b.WriteString(")\n")
	for _, name := range slices.Sorted(maps.Keys(g.decls)) {
		b.WriteString("\n")
		b.WriteString(g.decls[name].code)
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("gengo: the generated code does not parse: %w", err)
	}
	return out, nil
}

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
	typ, err := sc.typeOf("", root, name, head)
	if err != nil {
		return err
	}
	if typ != name {
		return sc.unsupported("", "the payload is not a JSON object with properties")
	}
	def := name + "Event"
	code := comment(fmt.Sprintf("%s binds %s to %s and its dataschema.", def, name, id.Type)) +
		fmt.Sprintf("var %s = event.MustDefine[%s](%q, event.WithDataSchema(%q))\n", def, name, id.Type.String(), id.URI)
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

// description returns a schema's title and description, or def.
func description(v any, def string) string {
	o, ok := v.(*orderedjson.Object)
	if !ok {
		return def
	}
	t, _ := o.Str("title")
	d, _ := o.Str("description")
	switch {
	case t != "" && d != "":
		return strings.TrimSuffix(t, ".") + ". " + d
	case t != "":
		return t
	case d != "":
		return d
	}
	return def
}

// typeDoc is the doc comment of a type: head then the schema's title and
// description, or "<name> is <its description, else def>".
func typeDoc(head, name string, schema any, def string) string {
	if head != "" {
		return comment(head, description(schema, ""))
	}
	return comment(name + " is " + lowerFirst(description(schema, def)))
}

// comment makes a // comment of its non-empty paragraphs.
func comment(paragraphs ...string) string {
	var b strings.Builder
	for _, p := range paragraphs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("//\n")
		}
		for _, line := range wrap(p, 76) {
			b.WriteString("// " + line + "\n")
		}
	}
	return b.String()
}

// wrap breaks text into lines of about width characters.
func wrap(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	return lines
}

func lowerFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s // an acronym
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// escape writes a property name as a JSON pointer token.
func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
