package schema_test

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/schema"
)

func FuzzParseID(f *testing.F) {
	f.Add("https://schemas.elmo.example/elmo.leave.absence.approved/1.2")
	f.Add("https://x/elmo.a.b.c_ed/01.0")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := schema.ParseID(s)
		if err != nil {
			return
		}
		back, err := schema.ParseID(id.URI)
		if err != nil || back != id {
			t.Fatalf("ParseID(%q) = %+v, reparsed %+v, %v", s, id, back, err)
		}
	})
}

// FuzzCompare compares arbitrary documents: never a panic, and a schema is
// always fully compatible with itself unless it cannot be proven.
func FuzzCompare(f *testing.F) {
	f.Add([]byte(`{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`), []byte(`{"type":"object","properties":{"a":{"type":["string","null"]}}}`))
	f.Add([]byte(`{"$defs":{"n":{"properties":{"c":{"items":{"$ref":"#/$defs/n"}}}}},"$ref":"#/$defs/n"}`), []byte(`{"$ref":"#"}`))
	f.Add([]byte(`{"oneOf":[{"type":"string"},{"const":1}],"patternProperties":{"^a":{}}}`), []byte(`{"anyOf":[true,false],"minimum":1e400}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		r, err := schema.Compare(a, b)
		if err != nil {
			return
		}
		for _, c := range r.Changes {
			if c.Rule == "" {
				t.Fatalf("change without a rule: %+v", c)
			}
		}
		self, err := schema.Compare(a, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range self.Changes {
			if c.Effect&schema.Unproven == 0 {
				t.Fatalf("a schema differs from itself: %v", c)
			}
		}
	})
}
