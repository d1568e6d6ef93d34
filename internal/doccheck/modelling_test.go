package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// TestModellingGuideFiles: every schema and topology docs/modelling.md
// links is a file of the repository; the catalogues the schemas belong
// to pass lint, and the topologies load, name only types their
// catalogue holds, and validate.
func TestModellingGuideFiles(t *testing.T) {
	guide, err := os.ReadFile("../../docs/modelling.md")
	require.NoError(t, err)
	var catalogs, topologies []string
	for _, m := range regexp.MustCompile(`\]\(([^)#]+\.(?:json|go))\)`).FindAllStringSubmatch(string(guide), -1) {
		path := filepath.Join("../../docs", m[1])
		require.FileExists(t, path)
		switch {
		case strings.HasSuffix(path, "topology.json"):
			topologies = append(topologies, path)
		case strings.HasSuffix(path, ".json"): // <catalogue>/<domain>/<schema>
			if root := filepath.Dir(filepath.Dir(path)); !slices.Contains(catalogs, root) {
				catalogs = append(catalogs, root)
			}
		}
	}
	require.Len(t, catalogs, 3, "the sample catalogue, the leave approval's and the guide's own")
	require.Len(t, topologies, 2)
	for _, dir := range catalogs {
		findings, err := schema.Lint(os.DirFS(dir), nil)
		require.NoError(t, err)
		assert.Empty(t, findings, dir)
	}
	for _, path := range topologies {
		f, err := os.Open(path)
		require.NoError(t, err)
		topo, err := topology.Read(f)
		f.Close()
		require.NoError(t, err, path)
		require.NoError(t, topo.Validate(), path)
		cat, err := schema.LoadDir(filepath.Join(filepath.Dir(path), "catalog"))
		require.NoError(t, err, "%s: its catalogue beside it", path)
		known := map[string]bool{}
		for _, s := range cat.Schemas() {
			known[s.ID().Type.String()] = true
		}
		for _, s := range topo.Services {
			for _, typ := range append(append(slices.Clone(s.Consumes), s.Accepts...), s.Requests...) {
				assert.True(t, known[typ], "%s: %s names %s, which its catalogue lacks", path, s.Name, typ)
			}
		}
	}
}
