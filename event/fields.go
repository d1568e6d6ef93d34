package event

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
)

// fieldTree is the shape of the JSON a Go payload type decodes: for a
// struct, the exact member names of its fields; for a slice, array, map or
// pointer, its element. Decode uses it to refuse a member whose name
// matches a field only when case is ignored: encoding/json would fill the
// field with it, although the schema validated the exactly named member (or
// nothing at all).
type fieldTree struct {
	names map[string]*fieldTree // a struct's member names; nil for other kinds
	elem  *fieldTree            // element of a slice, array, map or pointer
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
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		f := &fieldTree{}
		seen[t] = f
		if f.elem = fieldsOf(t.Elem(), seen); f.elem == nil {
			return nil
		}
		return f
	case reflect.Struct:
		f := &fieldTree{names: map[string]*fieldTree{}}
		seen[t] = f
		addFields(f, t, seen)
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
// JSON pointer. Time is linear in len(data).
func (f *fieldTree) checkCase(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return f.walk(dec, "")
}

func (f *fieldTree) walk(dec *json.Decoder, ptr string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := key.(string)
			var child *fieldTree
			switch {
			case f == nil:
			case f.names == nil:
				child = f.elem // a map, or a pointer to one
			default:
				var known bool
				if child, known = f.names[name]; !known {
					for field := range f.names {
						if strings.EqualFold(field, name) {
							return fmt.Errorf("%w: %s (field %q)", errCaseOnly, pointer(ptr, name), field)
						}
					}
				}
			}
			if err := child.walk(dec, pointer(ptr, name)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return err
	case json.Delim('['):
		var elem *fieldTree
		if f != nil {
			elem = f.elem
		}
		for i := 0; dec.More(); i++ {
			if err := elem.walk(dec, ptr+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	}
	return nil
}

func pointer(ptr, name string) string {
	return ptr + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
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
