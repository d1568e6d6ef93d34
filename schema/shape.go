package schema

import (
	"slices"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
)

// ShapeKeyword is the keyword with which an event schema declares the shape
// of its events (PROTOCOL.md section 6.2).
const ShapeKeyword = "x-elmo-shape"

// The shapes an event may take.
const (
	// ShapeNotification: the fact and the identifiers of what changed
	// (ERNs, ids, times) and scalars; no object or array members but
	// arrays of identifiers. Consumers that need state ask its owner.
	ShapeNotification = "notification"
	// ShapeState: event-carried state transfer, the whole resource as it
	// is after the change, with its ERN and a version that increases per
	// resource, so that a consumer can drop stale copies.
	ShapeState = "state"
	// ShapeDelta: what changed, as a changes member holding each changed
	// field's new value (and, where the schema says so, its previous one).
	ShapeDelta = "delta"
)

// Shapes lists the shapes in their documented order.
var Shapes = []string{ShapeNotification, ShapeState, ShapeDelta}

// Shape returns the shape the schema declares, "" when it declares none.
func (s *Schema) Shape() string { return shapeOf(s.doc) }

func shapeOf(doc any) string {
	root, _ := doc.(map[string]any)
	shape, _ := root[ShapeKeyword].(string)
	return shape
}

// identifierFormats are the formats of the identifiers a notification may
// carry in arrays.
var identifierFormats = []string{"ern", "uuid"}

// lintShape checks an event schema's declared shape and its rules.
func lintShape(path string, root map[string]any, add func(path, ptr, rule, format string, args ...any)) {
	raw, declared := root[ShapeKeyword]
	shape, _ := raw.(string)
	switch {
	case !declared:
		add(path, "", LintShape, "an event schema must declare its shape: %s %s", ShapeKeyword, strings.Join(Shapes, ", "))
		return
	case !slices.Contains(Shapes, shape):
		add(path, "/"+ShapeKeyword, LintShape, "%s must be %s", ShapeKeyword, strings.Join(Shapes, ", "))
		return
	}
	props, _ := root["properties"].(map[string]any)
	required := stringList(root["required"])
	member := func(name string) map[string]any {
		m, _ := props[name].(map[string]any)
		return resolveLocal(root, m)
	}
	switch shape {
	case ShapeNotification:
		for _, name := range sortedKeys(props) {
			m := member(name)
			t, _ := types(m)
			_, hasProps := m["properties"]
			switch {
			case slices.Contains(t, "object") || hasProps:
				add(path, "/properties/"+escapePointer(name), LintShape, "a notification carries identifiers and scalars: no object members (state or delta events carry more)")
			case slices.Contains(t, "array") && !identifierArray(root, m):
				add(path, "/properties/"+escapePointer(name), LintShape, "a notification's arrays hold identifiers only (format %s)", strings.Join(identifierFormats, " or "))
			}
		}
	case ShapeState:
		hasERN := slices.ContainsFunc(required, func(name string) bool { f, _ := member(name)["format"].(string); return f == "ern" })
		t, _ := types(member("version"))
		if !hasERN || !slices.Contains(required, "version") || !slices.Contains(t, "integer") {
			add(path, "", LintShape, "a state event carries the whole resource with its ERN (a required member of format ern) and a required integer member version that increases per resource")
		}
	case ShapeDelta:
		t, _ := types(member("changes"))
		if !slices.Contains(required, "changes") || !slices.Contains(t, "object") {
			add(path, "", LintShape, "a delta event carries a required object member changes holding each changed field's new value")
		}
	}
}

// identifierArray reports whether an array schema's items are identifiers.
func identifierArray(root, m map[string]any) bool {
	items, _ := m["items"].(map[string]any)
	items = resolveLocal(root, items)
	f, _ := items["format"].(string)
	return slices.Contains(identifierFormats, f)
}

// resolveLocal follows a schema's $ref into the document itself ("#/..."),
// at most a few times; other references are left as they are.
func resolveLocal(root, m map[string]any) map[string]any {
	for range 8 {
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return m
		}
		var cur any = root
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			obj, _ := cur.(map[string]any)
			cur = obj[part]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return m
		}
		m = next
	}
	return m
}

// KindKeyword is the keyword with which a schema declares what its type
// is: an event (the default), a command or a reply (PROTOCOL.md section
// 10).
const KindKeyword = "x-elmo-kind"

// The kinds of a type.
const (
	KindEvent   = "event"
	KindCommand = "command"
	KindReply   = "reply"
)

// Kinds lists the kinds in their documented order.
var Kinds = []string{KindEvent, KindCommand, KindReply}

// Kind returns what the schema's type is: KindEvent unless it declares
// another kind.
func (s *Schema) Kind() string { return kindOf(s.doc) }

func kindOf(doc any) string {
	root, _ := doc.(map[string]any)
	if kind, _ := root[KindKeyword].(string); kind != "" {
		return kind
	}
	return KindEvent
}

// Kind returns what the catalogue's newest schema of a type declares it:
// KindEvent, KindCommand or KindReply; "" for a type it does not know. The
// transport routes commands to the one service that accepts them and
// replies to their requester, and envelope validation does not hold a
// command's action to the past tense (envelope.Validator.Commands).
func (c *Catalog) Kind(t naming.Type) string {
	versions := c.byType[t]
	if len(versions) == 0 {
		return ""
	}
	return versions[len(versions)-1].Kind()
}

// IsCommand reports whether the catalogue declares a type a command.
func (c *Catalog) IsCommand(t naming.Type) bool { return c.Kind(t) == KindCommand }
