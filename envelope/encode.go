package envelope

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// MarshalJSON encodes e in the CloudEvents JSON event format. See
// [Envelope.AppendJSON].
func (e Envelope) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 256+len(e.Data)+len(e.DataBase64)*4/3))
}

// AppendJSON appends e in the CloudEvents JSON event format to dst: the
// attributes in the protocol's order, other extensions sorted by name, the
// data last. Absent attributes are left out.
//
// It does not validate the protocol's rules, but it refuses, with a
// [*ValidationError], what it cannot encode faithfully: Data that is not
// valid JSON, strings that are not valid UTF-8, extension names with a field
// of their own or outside the CloudEvents character set, and extension values
// other than string, bool and int32.
func (e *Envelope) AppendJSON(dst []byte) ([]byte, error) {
	var vs []Violation
	dst = append(dst, '{')
	first := true
	key := func(name string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
	}
	str := func(name, v string) {
		if v == "" {
			return
		}
		if !utf8.ValidString(v) {
			vs = append(vs, Violation{Attribute: name, Rule: ErrUTF8})
			return
		}
		key(name)
		dst = appendString(dst, v)
	}
	timestamp := func(name string, t time.Time) {
		if t.IsZero() {
			return
		}
		key(name)
		dst = append(dst, '"')
		dst = appendTimestamp(dst, t)
		dst = append(dst, '"')
	}

	for _, name := range attrSequence {
		switch name {
		case AttrTime:
			timestamp(name, e.Time)
		case AttrEffectiveTime:
			timestamp(name, e.EffectiveTime)
		case AttrData, AttrDataBase64:
			// last, after the other extensions
		default:
			str(name, *stringField(e, name))
		}
	}

	if len(e.Extensions) > 0 {
		names := make([]string, 0, len(e.Extensions))
		for name := range e.Extensions {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			switch {
			case IsReserved(name):
				vs = append(vs, Violation{Attribute: name, Rule: ErrReservedName})
				continue
			case !isAttributeName(name):
				vs = append(vs, Violation{Attribute: name, Rule: ErrAttributeName})
				continue
			}
			switch v := e.Extensions[name].(type) {
			case string:
				if !utf8.ValidString(v) {
					vs = append(vs, Violation{Attribute: name, Rule: ErrUTF8})
					continue
				}
				key(name)
				dst = appendString(dst, v)
			case bool:
				key(name)
				dst = strconv.AppendBool(dst, v)
			case int32:
				key(name)
				dst = strconv.AppendInt(dst, int64(v), 10)
			default:
				vs = append(vs, Violation{Attribute: name, Rule: ErrExtensionValue, Detail: typeName(v)})
			}
		}
	}

	if e.Data != nil {
		if !validJSON(e.Data) {
			vs = append(vs, Violation{Attribute: AttrData, Rule: ErrDataJSON})
		} else {
			key(AttrData)
			dst = append(dst, e.Data...)
		}
	}
	if e.DataBase64 != nil {
		key(AttrDataBase64)
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, e.DataBase64)
		dst = append(dst, '"')
	}
	dst = append(dst, '}')
	if len(vs) > 0 {
		return nil, &ValidationError{Violations: sortViolations(vs)}
	}
	return dst, nil
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}

// validJSON reports whether b is exactly one valid JSON value.
func validJSON(b []byte) bool {
	s := scanner{b: b, maxDepth: DefaultMaxDepth}
	return s.skip(0) == nil && s.end() == nil
}

func isAttributeName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendString appends s, valid UTF-8, as a JSON string. It escapes what JSON
// requires, and <, > and & as encoding/json does, so that output is safe to
// embed in HTML.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
