package envelope_test

import (
	"bytes"
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
