package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/elmosoftware/eventprotocol/schema"
)

// BenchmarkValidateHostileNumbers validates 26-byte payloads whose number
// would cost the validator time in the size of its exponent, against a
// typical payload of the same size.
func BenchmarkValidateHostileNumbers(b *testing.B) {
	c, err := schema.Load(fstestFS(map[string]string{"x/thing.happened.v1.0.json": `{
		"$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.0",
		"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}}`}))
	if err != nil {
		b.Fatal(err)
	}
	s, _ := c.Lookup(mustType("elmo.x.thing.happened.v1"))
	for _, p := range []string{`{"n":12345678901234567890}`, `{"n":1e999999}`, `{"n":-1e-999999}`} {
		b.Run(p, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Validate([]byte(p))
			}
		})
	}
}

// BenchmarkLoadAnchors loads a schema of n properties that each refer to an
// $anchor, for n, 2n and 4n: the cost per property must stay flat.
func BenchmarkLoadAnchors(b *testing.B) {
	for _, n := range []int{500, 1000, 2000} {
		fsys := fstestFS(map[string]string{"x/thing.happened.v1.0.json": anchorSchema(n)})
		b.Run(fmt.Sprintf("anchors=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schema.Load(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateManyMembers validates payloads of n, 2n and 4n bytes
// made of members the schema does not name (tolerated by an open model).
func BenchmarkValidateManyMembers(b *testing.B) {
	c, err := schema.Load(fstestFS(map[string]string{"x/thing.happened.v1.0.json": `{
		"$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.0",
		"type": "object", "additionalProperties": true, "properties": {"days": {"type": "string"}}}`}))
	if err != nil {
		b.Fatal(err)
	}
	s, _ := c.Lookup(mustType("elmo.x.thing.happened.v1"))
	for _, n := range []int{16 << 10, 32 << 10, 64 << 10} {
		var p strings.Builder
		p.WriteString(`{"days":"1"`)
		for i := 0; p.Len() < n; i++ {
			fmt.Fprintf(&p, `,"m%d":%d`, i, i)
		}
		p.WriteString("}")
		data := []byte(p.String())
		b.Run(fmt.Sprintf("n=%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Validate(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
