package schema

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// docs resolves references between the documents of a catalogue (or the two
// documents of a comparison). It never reads anything but those documents.
type docs struct {
	byURI   map[string]any               // decoded documents by absolute URI without fragment
	anchors map[string]map[string]string // per document: $anchor name to pointer, built once
}

func newDocs() *docs { return &docs{byURI: map[string]any{}, anchors: map[string]map[string]string{}} }

func (d *docs) add(uri string, doc any) { d.byURI[uri] = doc }

// node is a subschema: the document it lives in and its location there.
type node struct {
	base string // URI of the document
	ptr  string // JSON pointer inside the document, "" for its root
}

// resolve follows ref, written in the document base, to the value it names.
func (d *docs) resolve(base, ref string) (node, any, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return node{}, nil, fmt.Errorf("%w %q: %v", ErrRef, ref, err)
	}
	if b, err := url.Parse(base); err == nil {
		u = b.ResolveReference(u)
	}
	frag := u.Fragment
	u.Fragment = ""
	target := u.String()
	doc, ok := d.byURI[target]
	if !ok {
		return node{}, nil, fmt.Errorf("%w %q: %s is not in the catalogue (references are never fetched)", ErrRef, ref, target)
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		ptr, ok := d.anchor(target, frag)
		if !ok {
			return node{}, nil, fmt.Errorf("%w %q: no $anchor %q in %s", ErrRef, ref, frag, target)
		}
		frag = ptr
	}
	v, ok := lookup(doc, frag)
	if !ok {
		return node{}, nil, fmt.Errorf("%w %q: nothing at %q in %s", ErrRef, ref, frag, target)
	}
	return node{target, frag}, v, nil
}

// lookup returns the value at the JSON pointer ptr in doc.
func lookup(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	v := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// anchor returns the pointer of the subschema of the document uri that
// declares $anchor name. The document's anchors are indexed on first use, so
// resolving many anchors stays linear in the size of the documents.
func (d *docs) anchor(uri, name string) (string, bool) {
	index, ok := d.anchors[uri]
	if !ok {
		index = map[string]string{}
		indexAnchors(d.byURI[uri], "", index)
		d.anchors[uri] = index
	}
	ptr, ok := index[name]
	return ptr, ok
}

// indexAnchors records the pointer of every $anchor under v; the first one
// in document order wins, as in a depth-first search.
func indexAnchors(v any, ptr string, index map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["$anchor"].(string); ok {
			if _, seen := index[a]; !seen {
				index[a] = ptr
			}
		}
		for _, k := range sortedKeys(x) {
			if k == "enum" || k == "const" || k == "examples" || k == "default" {
				continue // data, not schemas
			}
			indexAnchors(x[k], ptr+"/"+escapePointer(k), index)
		}
	case []any:
		for i, c := range x {
			indexAnchors(c, ptr+"/"+strconv.Itoa(i), index)
		}
	}
}

func escapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
}

// inPlace lists the keywords whose subschemas apply to the same instance as
// their parent: following them consumes no data, so a cycle through them
// alone never ends.
var inPlace = []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"}

// checkLoops reports a reference cycle that consumes no data anywhere in the
// document at base, and any $ref that does not resolve.
func (d *docs) checkLoops(base string) error {
	const (
		visiting = 1
		done     = 2
	)
	state := map[node]int{}
	var visit func(n node, v any) error
	visit = func(n node, v any) error {
		switch state[n] {
		case visiting:
			return fmt.Errorf("%w through %s#%s", ErrRefLoop, n.base, n.ptr)
		case done:
			return nil
		}
		state[n] = visiting
		defer func() { state[n] = done }()
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if ref, ok := m["$ref"].(string); ok {
			to, tv, err := d.resolve(n.base, ref)
			if err != nil {
				return err
			}
			if err := visit(to, tv); err != nil {
				return err
			}
		}
		for _, k := range inPlace {
			switch c := m[k].(type) {
			case []any:
				for i, s := range c {
					if err := visit(node{n.base, n.ptr + "/" + k + "/" + strconv.Itoa(i)}, s); err != nil {
						return err
					}
				}
			case map[string]any:
				if k == "dependentSchemas" {
					for _, name := range sortedKeys(c) {
						if err := visit(node{n.base, n.ptr + "/" + k + "/" + escapePointer(name)}, c[name]); err != nil {
							return err
						}
					}
					continue
				}
				if err := visit(node{n.base, n.ptr + "/" + k}, c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Start from every object of the document, so that a loop in a
	// property's schema or in an unused definition is found too.
	var walk func(ptr string, v any) error
	walk = func(ptr string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			if err := visit(node{base, ptr}, x); err != nil {
				return err
			}
			for _, k := range sortedKeys(x) {
				if k == "enum" || k == "const" || k == "examples" || k == "default" {
					continue // data, not schemas
				}
				if err := walk(ptr+"/"+escapePointer(k), x[k]); err != nil {
					return err
				}
			}
		case []any:
			for i, c := range x {
				if err := walk(ptr+"/"+strconv.Itoa(i), c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk("", d.byURI[base])
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
