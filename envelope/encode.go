package envelope

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// MarshalJSON encodes e in the CloudEvents JSON event format. See
// [Envelope.AppendJSON]. The result is allocated once, at its size: it is
// written in a pooled buffer first, as encoding/json does.
func (e Envelope) MarshalJSON() ([]byte, error) {
	buf := encodeBuffers.Get().(*[]byte)
	out, err := e.AppendJSON((*buf)[:0])
	if err == nil {
		out = bytes.Clone(out)
	}
	if cap(*buf) < maxPooledBuffer {
		*buf = (*buf)[:0]
		encodeBuffers.Put(buf)
	}
	return out, err
}

// encodeBuffers keeps MarshalJSON's scratch buffers; one that grew past
// maxPooledBuffer for a large event is left to the collector.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuffer = 64 << 10

// AppendJSON appends e in the CloudEvents JSON event format to dst: the
// attributes in the protocol's order, other extensions sorted by name, the
// data last. Absent attributes are left out.
//
// It does not validate the protocol's rules, but it refuses, with a
// [*ValidationError], what it cannot encode faithfully: strings that are not
// valid UTF-8, extension names with a field of their own or outside the
// CloudEvents character set, extension values other than string, bool and
// int32, and Data that is plainly not JSON (empty, or not starting and ending
// like one JSON value, as truncated text does).
//
// Data is written as it is, without scanning it again: the payload is
// scanned once, where it enters. Data from json.Marshal (package event), from
// [Decode], or checked by [Validator.Validate] (which the transports call
// before publishing) is valid JSON; code that sets Data by hand should
// validate the envelope before encoding it.
func (e *Envelope) AppendJSON(dst []byte) ([]byte, error) {
	w := writer{buf: append(dst, '{')}
	for _, name := range attrSequence {
		switch name {
		case AttrTime:
			w.timestamp(name, e.Time)
		case AttrEffectiveTime:
			w.timestamp(name, e.EffectiveTime)
		case AttrData, AttrDataBase64:
			// last, after the other extensions
		default:
			if v := *stringField(e, name); v != "" {
				w.str(name, v)
			}
		}
	}
	if len(e.Extensions) > 0 {
		w.extensions(e.Extensions)
	}
	if e.Data != nil {
		if !plausibleJSON(e.Data) {
			w.fail(AttrData, ErrDataJSON, "")
		} else {
			w.key(AttrData)
			w.buf = append(w.buf, e.Data...)
		}
	}
	if e.DataBase64 != nil {
		w.key(AttrDataBase64)
		w.buf = append(w.buf, '"')
		w.buf = base64.StdEncoding.AppendEncode(w.buf, e.DataBase64)
		w.buf = append(w.buf, '"')
	}
	if len(w.vs) > 0 {
		return nil, &ValidationError{Violations: sortViolations(w.vs)}
	}
	return append(w.buf, '}'), nil
}

// writer appends the members of one JSON object.
type writer struct {
	buf      []byte
	notFirst bool
	vs       []Violation
}

func (w *writer) fail(attr string, rule *Rule, detail string) {
	w.vs = append(w.vs, Violation{Attribute: attr, Rule: rule, Detail: detail})
}

func (w *writer) key(name string) {
	if w.notFirst {
		w.buf = append(w.buf, ',')
	}
	w.notFirst = true
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
}

func (w *writer) str(name, v string) {
	if plain(v) { // the usual attribute: nothing to check or escape
		w.key(name)
		w.buf = append(append(append(w.buf, '"'), v...), '"')
		return
	}
	if !utf8.ValidString(v) {
		w.fail(name, ErrUTF8, "")
		return
	}
	w.key(name)
	w.buf = appendString(w.buf, v)
}

func (w *writer) timestamp(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.key(name)
	w.buf = append(w.buf, '"')
	w.buf = appendTimestamp(w.buf, t)
	w.buf = append(w.buf, '"')
}

func (w *writer) extensions(exts map[string]any) {
	names := make([]string, 0, len(exts))
	for name := range exts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch {
		case IsReserved(name):
			w.fail(name, ErrReservedName, "")
			continue
		case !isAttributeName(name):
			w.fail(name, ErrAttributeName, "")
			continue
		}
		switch v := exts[name].(type) {
		case string:
			w.str(name, v)
		case bool:
			w.key(name)
			w.buf = strconv.AppendBool(w.buf, v)
		case int32:
			w.key(name)
			w.buf = strconv.AppendInt(w.buf, int64(v), 10)
		default:
			w.fail(name, ErrExtensionValue, typeName(v))
		}
	}
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", v)
}

// plausibleJSON is the constant-time check of Data before encoding: b, less
// surrounding white space, starts and ends like one JSON value.
func plausibleJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return false
	}
	first, last := b[0], b[len(b)-1]
	switch first {
	case '{':
		return last == '}'
	case '[':
		return last == ']'
	case '"':
		return len(b) >= 2 && last == '"'
	case 't', 'n':
		return last == 'e' || last == 'l'
	case 'f':
		return last == 'e'
	}
	return (first == '-' || '0' <= first && first <= '9') && '0' <= last && last <= '9'
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
		if c := s[i]; !needsEscape[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c := s[i]; c {
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

// needsEscape marks the bytes appendString escapes.
var needsEscape = [256]bool{
	0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true,
	8: true, 9: true, 10: true, 11: true, 12: true, 13: true, 14: true, 15: true,
	16: true, 17: true, 18: true, 19: true, 20: true, 21: true, 22: true, 23: true,
	24: true, 25: true, 26: true, 27: true, 28: true, 29: true, 30: true, 31: true,
	'"': true, '\\': true, '<': true, '>': true, '&': true,
}
