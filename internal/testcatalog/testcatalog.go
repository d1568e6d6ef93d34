package testcatalog

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing/fstest"

	"github.com/elmosoftware/eventprotocol/schema"
)

// Dir returns the folder of the sample catalogue.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "catalog")
}

// Without loads the sample catalogue less the schema files whose paths
// (relative to the catalogue, e.g. "identity/client.signed_up.v1.2.json")
// are listed: a consumer whose catalogue stops at an older minor version.
func Without(paths ...string) (*schema.Catalog, error) {
	root := os.DirFS(Dir())
	files := fstest.MapFS{}
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		for _, skip := range paths {
			if p == skip {
				return nil
			}
		}
		data, err := fs.ReadFile(root, p)
		files[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		return nil, err
	}
	return schema.Load(files)
}

// SignedUpV10 loads the sample catalogue as a consumer that knows only
// version 1.0 of elmo.identity.client.signed_up.v1: 1.1 and 1.2 add an
// optional member, a closed model's members and an enumeration value.
func SignedUpV10() (*schema.Catalog, error) {
	return Without("identity/client.signed_up.v1.1.json", "identity/client.signed_up.v1.2.json")
}
