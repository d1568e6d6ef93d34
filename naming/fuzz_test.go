package naming_test

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/naming"
)

// FuzzParseType checks that ParseType never panics and that every accepted
// name formats back to the same text.
func FuzzParseType(f *testing.F) {
	for _, s := range []string{"elmo.leave.balance.adjusted.v1", "a.b.c.sent.v9", "elmo..x.y.v1", "x.y.z.ed.v01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := naming.ParseType(s)
		if err != nil {
			if typ != (naming.Type{}) {
				t.Fatalf("error with non-zero type %v", typ)
			}
			return
		}
		if typ.String() != s {
			t.Fatalf("ParseType(%q).String() = %q", s, typ.String())
		}
	})
}

// FuzzParseERN checks that ParseERN never panics and round-trips.
func FuzzParseERN(f *testing.F) {
	for _, s := range []string{"ern:elmo:hr:acme:employee/e-1", "ern:elmo:platform::region/x", "ern:a:b:c:d/e//f", "ern:::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := naming.ParseERN(s)
		if err != nil {
			return
		}
		if e.String() != s {
			t.Fatalf("ParseERN(%q).String() = %q", s, e.String())
		}
		again, err := naming.ParseERN(e.String())
		if err != nil || again != e {
			t.Fatalf("reparse of %q: %v, %v", s, again, err)
		}
	})
}
