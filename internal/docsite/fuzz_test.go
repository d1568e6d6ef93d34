package docsite_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/docsite"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// FuzzBuild: whatever schema the catalogue accepts, the site is built
// (its payload table describes any construct) and never panics.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		`{"type":"string","pattern":"^a"}`,
		`{"type":"array","items":{"$ref":"#/$defs/d"}}`,
		`{"oneOf":[{"$ref":"#/$defs/d"},{"type":"object","properties":{"k":{"const":1}}}]}`,
		`{"type":"object","additionalProperties":{"enum":[1,"a",null]}}`,
		`{"$ref":"#/$defs/d","description":"<script>alert(1)</script>"}`,
	} {
		f.Add(s)
	}
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "shop"}},
		Services: []topology.Service{{Name: "warehouse", Consumes: []string{"elmo.shop.*"}}}}
	f.Fuzz(func(t *testing.T, prop string) {
		doc := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://schemas.elmo.example/elmo.shop.thing.made/1.0",
"title":"T","description":"d","type":"object","additionalProperties":false,"properties":{"x":` + prop + `},
"$defs":{"d":{"type":"object","properties":{"a":{"$ref":"#/$defs/d"}}}}}`
		cat, err := schema.Load(fstest.MapFS{"shop/thing.made.v1.0.json": {Data: []byte(doc)}})
		if err != nil {
			return
		}
		files, err := docsite.Build(cat, topo, nil)
		require.NoError(t, err)
		require.NotContains(t, string(files["event-elmo.shop.thing.made.v1.html"]), "<script>alert", "schema text is escaped")
	})
}
