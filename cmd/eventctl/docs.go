package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/elmosoftware/eventprotocol/internal/docsite"
)

// docs writes the browsable catalogue of a topology and its schemas.
func docs(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("docs", "usage: eventctl docs --catalog DIR --topology FILE --out DIR [--title T]\n", stdout, stderr)
	catalog := fs.String("catalog", "", "schema catalogue folder (required)")
	topoFile := fs.String("topology", "", "topology JSON file (required)")
	out := fs.String("out", "", "folder to write the site into (required; created)")
	title := fs.String("title", "", `the site's title (default "ELMO events (<env>)")`)
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "catalog", "topology", "out"); code != exitOK {
		return code
	}
	cat, topo, code := readCatalogAndTopology("docs", *catalog, *topoFile, stderr)
	if code != exitOK {
		return code
	}
	files, err := docsite.Build(cat, topo, &docsite.Config{Title: *title})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl docs: %v\n", err)
		return exitInvalid
	}
	if err := docsite.Write(*out, files); err != nil {
		fmt.Fprintf(stderr, "eventctl docs: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s to %s; open %s\n", plural(len(files), "file"), *out, filepath.Join(*out, "index.html"))
	return exitOK
}
