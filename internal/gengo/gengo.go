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
