package main

import (
	"embed"
	"io/fs"

	"github.com/elmosoftware/eventprotocol/schema"
)

// builtIn is the part of the repository's catalogue (testdata/catalog)
// that the ledger reads: hr and leave. A test keeps the copy equal to it.
//
//go:embed catalog
var builtIn embed.FS

// catalogHelp is the help of every --catalog flag.
const catalogHelp = "schema catalogue folder (default: the hr and leave schemas built into the binary)"

// loadCatalog loads the catalogue of dir, or the built-in one when dir is
// empty: every subcommand works from any folder.
func loadCatalog(dir string) (*schema.Catalog, error) {
	if dir != "" {
		return schema.LoadDir(dir)
	}
	sub, err := fs.Sub(builtIn, "catalog")
	if err != nil {
		return nil, err
	}
	return schema.Load(sub)
}
