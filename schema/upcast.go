package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// UpcastKeyword declares, in the first minor (x.0) of a major x ≥ 2, how an
// event of the previous major's payload becomes one of this major: a
// transform the tools read (eventctl compat runs it on the old major's
// examples; the documentation site and the AsyncAPI document show it) and
// envelope.Upcasters apply (Catalog.Upcasts). Its members, applied in this
// order to the payload's top-level members:
//
//	"drop":   ["member", ...]                   removed
//	"rename": {"old": "new", ...}               renamed (the new name must be free)
//	"set":    {"member": JSON value, ...}       added with that value when absent
//
// What it cannot say is written in Go (event.Upcast) and checked with
// CheckUpcasts.
const UpcastKeyword = "x-elmo-upcast"

// ErrUpcastDeclaration matches a malformed x-elmo-upcast (lint rule
// "upcast" reports the same).
var ErrUpcastDeclaration = errors.New("schema: malformed " + UpcastKeyword)

// declaredUpcast is an x-elmo-upcast.
type declaredUpcast struct {
	Drop   []string                   `json:"drop,omitempty"`
	Rename map[string]string          `json:"rename,omitempty"`
	Set    map[string]json.RawMessage `json:"set,omitempty"`
}

// upcastOf returns a schema document's x-elmo-upcast, nil when it has none.
func upcastOf(doc any) (*declaredUpcast, error) {
	root, _ := doc.(map[string]any)
	v, ok := root[UpcastKeyword]
	if !ok {
		return nil, nil
	}
	raw, err := json.Marshal(v) // a decoded document: it encodes
	if err != nil {
		return nil, err
	}
	var d declaredUpcast
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: want drop (names), rename (names to names) and set (names to values): %v", ErrUpcastDeclaration, err)
	}
	for old, name := range d.Rename {
		if name == "" || old == name || slices.Contains(d.Drop, name) {
			return nil, fmt.Errorf("%w: rename %q to %q", ErrUpcastDeclaration, old, name)
		}
	}
	return &d, nil
}

// convert applies the transform to a payload: one decode, one encode.
func (d *declaredUpcast) convert(data []byte) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("the payload is not a JSON object")
	}
	for _, name := range d.Drop {
		delete(obj, name)
	}
	renamed := make(map[string]json.RawMessage, len(d.Rename))
	for _, old := range slices.Sorted(maps.Keys(d.Rename)) {
		if v, ok := obj[old]; ok {
			delete(obj, old)
			renamed[d.Rename[old]] = v
		}
	}
	for name, v := range renamed {
		if _, taken := obj[name]; taken {
			return nil, fmt.Errorf("/%s: present under its old and its new name", name)
		}
		obj[name] = v
	}
	for name, v := range d.Set {
		if _, ok := obj[name]; !ok {
			obj[name] = v
		}
	}
	return json.Marshal(obj)
}

// Upcasts returns the upcasts the catalogue declares (x-elmo-upcast), one
// for each major whose first minor has one, to that major from the
// previous. Give them to envelope.NewUpcasters, with any written in Go.
func (c *Catalog) Upcasts() []envelope.Upcast {
	if c == nil {
		return nil
	}
	var out []envelope.Upcast
	for _, s := range c.all {
		d, err := upcastOf(s.doc)
		if d == nil || err != nil || s.id.Minor != 0 || s.id.Type.Major() < 2 {
			continue // lint reports what is wrong
		}
		from, _ := s.id.Type.WithMajor(s.id.Type.Major() - 1)
		out = append(out, envelope.Upcast{From: from, To: s.id.Type, DataSchema: s.id.URI, Convert: d.convert})
	}
	return out
}

// UpcastOf returns the previous major of t and a summary of the upcast the
// catalogue declares from it to t ("drop legacy; rename days to amount;
// set unit"), for documents and tools; ok is false when it declares none.
func (c *Catalog) UpcastOf(t naming.Type) (from naming.Type, summary string, ok bool) {
	v := c.Versions(t)
	if len(v) == 0 || t.Major() < 2 {
		return naming.Type{}, "", false
	}
	d, err := upcastOf(v[0].doc)
	if d == nil || err != nil {
		return naming.Type{}, "", false
	}
	from, _ = t.WithMajor(t.Major() - 1)
	var parts []string
	if len(d.Drop) > 0 {
		parts = append(parts, "drop "+strings.Join(d.Drop, ", "))
	}
	for _, old := range slices.Sorted(maps.Keys(d.Rename)) {
		parts = append(parts, "rename "+old+" to "+d.Rename[old])
	}
	if len(d.Set) > 0 {
		parts = append(parts, "set "+strings.Join(slices.Sorted(maps.Keys(d.Set)), ", ")+" when absent")
	}
	if len(parts) == 0 {
		parts = append(parts, "the payload unchanged")
	}
	return from, strings.Join(parts, "; "), true
}

// UpcastProblem is an upcast that fails on an example of its old major, or
// whose result the new major's newest minor refuses.
type UpcastProblem struct {
	From, To naming.Type
	// Example names the example: its schema's path and its pointer.
	Example string
	Err     error
}

// Error names the upcast, the example, and what failed.
func (p UpcastProblem) Error() string {
	return fmt.Sprintf("upcast %s to %s, %s: %v", p.From, p.To, p.Example, p.Err)
}

// Unwrap returns what failed.
func (p UpcastProblem) Unwrap() error { return p.Err }

// CheckUpcasts runs each upcast over every example of every minor of its
// old major and validates the result against its new major's newest
// minor: what eventctl compat does with the declared ones. Call it in a
// test with the upcasts written in Go. It reports each failure, and an
// upcast whose types the catalogue does not hold.
func CheckUpcasts(c *Catalog, upcasts []envelope.Upcast) []UpcastProblem {
	var out []UpcastProblem
	for _, up := range upcasts {
		target, ok := c.Lookup(up.To)
		olds := c.Versions(up.From)
		if !ok || len(olds) == 0 {
			out = append(out, UpcastProblem{From: up.From, To: up.To, Err: fmt.Errorf("the catalogue holds no schema of %s or of %s", up.From, up.To)})
			continue
		}
		for _, s := range olds {
			root, _ := s.doc.(map[string]any)
			examples, _ := root["examples"].([]any)
			for i, ex := range examples {
				where := s.path + "#/examples/" + strconv.Itoa(i)
				data, _ := json.Marshal(ex) // a decoded document: it encodes
				next, err := up.Convert(data)
				if err == nil {
					err = target.Validate(next)
				}
				if err != nil {
					out = append(out, UpcastProblem{From: up.From, To: up.To, Example: where, Err: err})
				}
			}
		}
	}
	return out
}
