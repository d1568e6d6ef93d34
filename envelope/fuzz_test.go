package envelope_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// FuzzDecode checks that decoding never panics, that every error is typed,
// and that whatever decodes cleanly re-encodes to an event that decodes to the
// same envelope.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "envelopes", "*", "*", "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"\ud800\u00e9","data":{"a":[1,-0.5e+3,true,null,"x"]},"ext":-2147483648}`))
	f.Add([]byte(`{"id":"1","data":{"a":1,"a":2}}` + "\x00{}"))
	f.Add([]byte(`{"id":"1","time":"0001-01-01T00:00:00Z","data_base64":"e30=\n","x":"\u0085"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e envelope.Envelope
		var err error
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
			_, err = envelope.Validator{}.CheckBatch(b)
			if err != nil && !errors.Is(err, envelope.ErrInvalid) && !isSyntax(err) {
				t.Fatalf("untyped batch error %T: %v", err, err)
			}
			return
		}
		e, err = envelope.Validator{Profile: envelope.CloudEvents}.Check(b)
		if err != nil {
			if !errors.Is(err, envelope.ErrInvalid) && !isSyntax(err) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		out, err := e.MarshalJSON()
		if err != nil {
			t.Fatalf("valid event does not encode: %v", err)
		}
		again, err := envelope.Decode(out)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v\n%s", err, out)
		}
		out2, err := again.MarshalJSON()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", out, out2)
		}
	})
}

func isSyntax(err error) bool {
	var serr *envelope.SyntaxError
	return errors.As(err, &serr)
}

// FuzzCheckData checks the rules of data against encoding/json: never a
// panic, every error typed, nothing accepted that encoding/json refuses,
// and a duplicate reported exactly when an object repeats a member name.
func FuzzCheckData(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":{"a":2},"c":[{"a":3}]}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"n":1e999999}`,
		`{"n":-1e-400}`, `[1,2,{"x":[{"y":1,"y":2}]}]`, "{}\x00", `"\ud800"`, `{"a/b":{"~":1,"~":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := envelope.CheckData(b)
		valid := json.Valid(b)
		switch {
		case err == nil:
			if !valid {
				t.Fatalf("accepted what encoding/json refuses: %q", b)
			}
		case isSyntax(err):
			// encoding/json takes invalid UTF-8 in strings; RFC 8259 does not.
			if valid && !errors.Is(err, envelope.ErrTooDeep) && !errors.Is(err, envelope.ErrInvalidUTF8) {
				t.Fatalf("syntax error for valid JSON %q: %v", b, err)
			}
			return
		case errors.Is(err, envelope.ErrDuplicate), errors.Is(err, envelope.ErrNumber):
			if !valid {
				t.Fatalf("rule violation for invalid JSON %q: %v", b, err)
			}
		default:
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if valid {
			dup := hasDuplicateMember(json.NewDecoder(bytes.NewReader(b)))
			if dup != errors.Is(err, envelope.ErrDuplicate) && !errors.Is(err, envelope.ErrNumber) {
				t.Fatalf("duplicate member: reference %v, CheckData %v, input %q", dup, err, b)
			}
		}
	})
}

// hasDuplicateMember is the reference: it walks the tokens of one JSON value
// and reports whether an object repeats a member name.
func hasDuplicateMember(dec *json.Decoder) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		dup := false
		for dec.More() {
			key, _ := dec.Token()
			k, _ := key.(string)
			dup = dup || seen[k]
			seen[k] = true
			dup = hasDuplicateMember(dec) || dup
		}
		_, _ = dec.Token()
		return dup
	case json.Delim('['):
		dup := false
		for dec.More() {
			dup = hasDuplicateMember(dec) || dup
		}
		_, _ = dec.Token()
		return dup
	}
	return false
}
