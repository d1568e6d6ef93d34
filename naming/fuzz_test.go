package naming_test

import (
	"errors"
	"strconv"
	"strings"
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

// FuzzPastTense checks that the recogniser never panics, agrees with
// IsPastTense, names the first word when it refuses, and always accepts a
// declared word.
func FuzzPastTense(f *testing.F) {
	for _, s := range []string{"repaid", "sign_up", "overcame_x", "eed", "reid", "under", "with_held"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, action string) {
		err := naming.PastTense{}.Check(action)
		if (err == nil) != naming.IsPastTense(action) {
			t.Fatalf("Check and IsPastTense disagree on %q", action)
		}
		word, _, _ := strings.Cut(action, "_")
		if err != nil {
			var nerr *naming.Error
			if !errors.As(err, &nerr) || !errors.Is(err, naming.ErrNotPastTense) || !strings.Contains(nerr.Part, strconv.Quote(word)) {
				t.Fatalf("error for %q does not name the word: %v", action, err)
			}
		}
		if err := (naming.PastTense{Words: []string{word}}).Check(action); err != nil {
			t.Fatalf("a declared word is refused: %v", err)
		}
	})
}
