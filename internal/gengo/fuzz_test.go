package gengo_test

import (
	"go/parser"
	"go/token"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/schema"
)

// FuzzGenerate: whatever schema the catalogue accepts, Generate writes Go
// that parses, or says which construct it cannot map; it never panics.
func FuzzGenerate(f *testing.F) {
	for _, s := range []string{
		`{"type":"string"}`,
		`{"type":"object","additionalProperties":{"type":"integer"},"properties":{"a":{"enum":["A_B","C"]}}}`,
		`{"oneOf":[{"type":"object","required":["k"],"properties":{"k":{"const":"X"}}},{"type":"object","required":["k"],"properties":{"k":{"const":"Y"}}}]}`,
		`{"allOf":[{"$ref":"#/$defs/d"},{"type":"object","properties":{"b":{"type":["number","null"]}}}]}`,
		`{"type":"array","items":{"$ref":"#/$defs/d"}}`,
		`{"anyOf":[{"type":"boolean"},{"type":"null"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prop string) {
		doc := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://schemas.elmo.example/elmo.shop.thing.made/1.0",
"title":"T","description":"d","type":"object","additionalProperties":false,"required":["x"],"properties":{"x":` + prop + `},
"$defs":{"d":{"type":"object","properties":{"a":{"type":"string"}}}}}`
		cat, err := schema.Load(fstest.MapFS{"shop/thing.made.v1.0.json": {Data: []byte(doc)}})
		if err != nil {
			return // not a schema the catalogue takes
		}
		code, err := gengo.Generate(cat, nil)
		if err != nil {
			require.ErrorIs(t, err, gengo.ErrUnsupported, "%s", prop)
			return
		}
		_, err = parser.ParseFile(token.NewFileSet(), "events.go", code, 0)
		require.NoError(t, err, "%s", prop)
	})
}
