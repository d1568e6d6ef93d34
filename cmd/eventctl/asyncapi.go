package main

import (
	"fmt"
	"io"
	"os"

	"github.com/elmosoftware/eventprotocol/internal/asyncapi"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// readCatalogAndTopology reads the --catalog and --topology of a command;
// a failure is reported and its exit status returned.
func readCatalogAndTopology(cmd, catalog, topoFile string, stderr io.Writer) (*schema.Catalog, *topology.Topology, int) {
	cat, err := schema.LoadDir(catalog)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", cmd, err)
		return nil, nil, exitUsage
	}
	f, err := os.Open(topoFile)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", cmd, err)
		return nil, nil, exitUsage
	}
	defer f.Close()
	topo, err := topology.Read(f)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", cmd, err)
		return nil, nil, topologyExit(err)
	}
	return cat, topo, exitOK
}

// asyncAPI writes the AsyncAPI 3.0 document of a topology and catalogue.
func asyncAPI(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("asyncapi", "usage: eventctl asyncapi --catalog DIR --topology FILE [--out FILE] [--title T] [--version V]\n", stdout, stderr)
	catalog := fs.String("catalog", "", "schema catalogue folder (required)")
	topoFile := fs.String("topology", "", "topology JSON file (required)")
	out := fs.String("out", "", "write to this file (default: standard output)")
	title := fs.String("title", "", `the document's title (default "ELMO events (<env>)")`)
	version := fs.String("version", "", `the document's version (default "1.0.0")`)
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "catalog", "topology"); code != exitOK {
		return code
	}
	cat, topo, code := readCatalogAndTopology("asyncapi", *catalog, *topoFile, stderr)
	if code != exitOK {
		return code
	}
	doc, err := asyncapi.Generate(cat, topo, &asyncapi.Config{Title: *title, Version: *version})
	if err != nil {
		// A type without a schema, or a $ref the document cannot hold:
		// the catalogue and topology disagree.
		fmt.Fprintf(stderr, "eventctl asyncapi: %v\n", err)
		return exitInvalid
	}
	if err := writeOutput(*out, doc, stdout); err != nil {
		fmt.Fprintf(stderr, "eventctl asyncapi: %v\n", err)
		return exitUsage
	}
	return exitOK
}
