package event

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"reflect"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

// fieldTree is the shape of the JSON a Go payload type decodes: for a
// struct, the exact member names of its fields; for a slice, array or map,
// its element (pointers are transparent). Decode uses it to refuse a member whose name
// matches a field only when case is ignored: encoding/json would fill the
// field with it, although the schema validated the exactly named member (or
// nothing at all).
type fieldTree struct {
	names  map[string]*fieldTree // a struct's member names; nil for other kinds
	folded map[string]string     // a struct's member names in ASCII lowercase, to the name
	elem   *fieldTree            // element of a slice, array or map
	table  nameTable             // names, for finding them fast
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// fieldsOf returns the tree of t, or nil when t decodes no named members.
func fieldsOf(t reflect.Type, seen map[reflect.Type]*fieldTree) *fieldTree {
	if f, ok := seen[t]; ok {
		return f // recursive types share their node
	}
	if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil // decodes itself
	}
	switch t.Kind() {
	case reflect.Pointer:
		return fieldsOf(t.Elem(), seen) // transparent in JSON
	case reflect.Slice, reflect.Array, reflect.Map:
		f := &fieldTree{}
		seen[t] = f
		if f.elem = fieldsOf(t.Elem(), seen); f.elem == nil {
			return nil
		}
		return f
	case reflect.Struct:
		f := &fieldTree{names: map[string]*fieldTree{}, folded: map[string]string{}}
		seen[t] = f
		addFields(f, t, seen)
		for name := range f.names {
			f.folded[strings.ToLower(name)] = name
		}
		f.table = newNameTable(f.names)
		return f
	}
	return nil
}

// addFields adds the members of struct t, with those of embedded structs,
// as encoding/json names them.
func addFields(f *fieldTree, t reflect.Type, seen map[reflect.Type]*fieldTree) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(f, ft, seen)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f.names[name] = fieldsOf(ft, seen)
	}
}

// errCaseOnly reports a member that matches a field only when case is
// ignored.
var errCaseOnly = errors.New("member name differs from a field's name only in case")

// checkCase walks the JSON text data along the tree and reports the first
// member whose name matches a field's only when case is ignored, by its
// JSON pointer. It reads the text once, without allocating for ordinary
// names; malformed text is left to encoding/json to report. Time is linear
// in len(data).
func (f *fieldTree) checkCase(data []byte) error {
	w := caseWalker{b: data}
	if _, err := w.value(0, f, 0); err == nil {
		return nil
	}
	// Found: walk again, minding the path this time, for the pointer.
	w = caseWalker{b: data, track: true}
	_, err := w.value(0, f, 0)
	return err
}

// caseWalker is a minimal JSON reader for checkCase.
type caseWalker struct {
	b     []byte
	track bool      // keep path; else an error has no pointer
	path  []pathSeg // member names and indexes leading to the current value
}

// pathSeg is a member name (in the input) or an array index.
type pathSeg struct {
	name  []byte
	index int
}

// maxCaseDepth bounds the walk's recursion; encoding/json refuses deeper
// nesting anyway.
const maxCaseDepth = 10000

func (w *caseWalker) ws(i int) int {
	for i < len(w.b) && w.b[i] <= ' ' && (w.b[i] == ' ' || w.b[i] == '\t' || w.b[i] == '\n' || w.b[i] == '\r') {
		i++
	}
	return i
}

// str returns the end of the string starting at b[i] == '"' (after its
// closing quote), or -1 when it is unterminated. It looks at eight bytes
// at a time for a quote or a backslash.
func (w *caseWalker) str(i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	b := w.b
	for i++; i < len(b); {
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q, bs := x^(lo*'"'), x^(lo*'\\')
			m := ((q-lo)&^q | (bs-lo)&^bs) & hi
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8 // the first quote or backslash
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return -1
}

// value moves past the value at b[i], read along f, and returns the index
// after it; -1 means malformed text, which ends the walk without an error.
// A value no field governs (f nil) has no member to check: it is skipped.
func (w *caseWalker) value(i int, f *fieldTree, depth int) (int, error) {
	i = w.ws(i)
	if i >= len(w.b) || depth > maxCaseDepth {
		return -1, nil
	}
	switch w.b[i] {
	case '"':
		return w.str(i), nil
	case '{', '[':
		if f == nil {
			return w.skip(i), nil
		}
		if w.b[i] == '[' {
			return w.array(i, f.elem, depth)
		}
		return w.object(i, f, depth)
	}
	for i < len(w.b) {
		switch w.b[i] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return i, nil
		}
		i++ // a number or a literal
	}
	return i, nil
}

// object moves past the object at b[i], read along f.
func (w *caseWalker) object(i int, f *fieldTree, depth int) (int, error) {
	i = w.ws(i + 1)
	if i < len(w.b) && w.b[i] == '}' {
		return i + 1, nil
	}
	for i < len(w.b) && w.b[i] == '"' {
		end := w.str(i)
		if end < 0 {
			return -1, nil
		}
		name := w.b[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			if json.Unmarshal(w.b[i:end], &s) != nil {
				return -1, nil
			}
			name = []byte(s)
		}
		if w.track {
			w.path = append(w.path, pathSeg{name: name})
		}
		child, err := f.member(name, w.path)
		if err != nil {
			return 0, err
		}
		i = w.ws(end)
		if i >= len(w.b) || w.b[i] != ':' {
			return -1, nil
		}
		i, err = w.value(i+1, child, depth+1)
		if w.track {
			w.path = w.path[:len(w.path)-1]
		}
		if err != nil || i < 0 {
			return i, err
		}
		i = w.ws(i)
		if i < len(w.b) && w.b[i] == ',' {
			i = w.ws(i + 1)
			continue
		}
		if i < len(w.b) && w.b[i] == '}' {
			return i + 1, nil
		}
		return -1, nil
	}
	return -1, nil
}

// array moves past the array at b[i], its elements read along elem.
func (w *caseWalker) array(i int, elem *fieldTree, depth int) (int, error) {
	i = w.ws(i + 1)
	if i < len(w.b) && w.b[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		var err error
		if w.track {
			w.path = append(w.path, pathSeg{index: n})
		}
		i, err = w.value(i, elem, depth+1)
		if w.track {
			w.path = w.path[:len(w.path)-1]
		}
		if err != nil || i < 0 {
			return i, err
		}
		i = w.ws(i)
		if i < len(w.b) && w.b[i] == ',' {
			i++
			continue
		}
		if i < len(w.b) && w.b[i] == ']' {
			return i + 1, nil
		}
		return -1, nil
	}
}

// skip moves past the object or array at b[i], whose members no field
// governs, counting brackets outside strings; -1 when it does not end.
// Malformed text inside is encoding/json's to report.
func (w *caseWalker) skip(i int) int {
	depth := 0
	for i < len(w.b) {
		switch w.b[i] {
		case '"':
			if i = w.str(i); i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}

// Member implements envelope.MemberChecker: the tree of the member called
// name, and false when name matches a field only when case is ignored.
func (f *fieldTree) Member(name []byte) (envelope.MemberChecker, bool) {
	child, err := f.member(name, nil)
	if err != nil {
		return nil, false
	}
	if child == nil {
		return nil, true // no typed nil in the interface
	}
	return child, true
}

// Elem implements envelope.MemberChecker: the tree of an array's elements.
func (f *fieldTree) Elem() envelope.MemberChecker {
	if f.elem == nil {
		return nil
	}
	return f.elem
}

// member returns the tree of the member called name of an object read
// along f, or an error when name matches one of f's fields only when case
// is ignored; path leads to the member.
func (f *fieldTree) member(name []byte, path []pathSeg) (*fieldTree, error) {
	switch {
	case f == nil:
		return nil, nil
	case f.names == nil:
		return f.elem, nil // a map
	}
	if child, ok := f.table.find(name); ok {
		return child, nil
	}
	field, ok := "", false
	if ascii(name) {
		var buf [64]byte
		lower := buf[:0]
		for _, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower = append(lower, c)
		}
		field, ok = f.folded[string(lower)]
	} else {
		for candidate := range f.names {
			if strings.EqualFold(candidate, string(name)) {
				field, ok = candidate, true
				break
			}
		}
	}
	if ok {
		return nil, fmt.Errorf("%w: %s (field %q)", errCaseOnly, pointer(path), field)
	}
	return nil, nil
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// pointer returns the JSON pointer (RFC 6901) of a path.
func pointer(path []pathSeg) string {
	var b strings.Builder
	for _, seg := range path {
		b.WriteByte('/')
		if seg.name == nil {
			b.WriteString(strconv.Itoa(seg.index))
			continue
		}
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(string(seg.name)))
	}
	return b.String()
}

// payloadError describes why data did not decode into a payload without
// quoting any of its values: such errors reach logs and dead-letter reasons.
// A *naming.Error's kind stays matchable with errors.Is.
func payloadError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var nameErr *naming.Error
	switch {
	case errors.As(err, &typeErr):
		return fmt.Errorf("member %q: a JSON %s cannot be a Go %v", typeErr.Field, jsonKind(typeErr.Value), typeErr.Type)
	case errors.As(err, &syntaxErr):
		return errors.New("not valid JSON at offset " + strconv.FormatInt(syntaxErr.Offset, 10))
	case errors.As(err, &nameErr):
		return fmt.Errorf("%w: %s", nameErr.Kind, nameErr.Rule)
	case errors.Is(err, errCaseOnly), errors.Is(err, io.ErrUnexpectedEOF):
		return err
	}
	return fmt.Errorf("a member does not decode (%T)", err)
}

// jsonKind keeps the kind of an UnmarshalTypeError's value ("number 12"
// becomes "number").
func jsonKind(value string) string {
	kind, _, _ := strings.Cut(value, " ")
	return kind
}
