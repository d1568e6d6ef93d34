package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/schema"
)

// stringList is a flag that may be repeated or comma-separated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// writeOutput writes b to the file path, or to stdout when path is empty.
func writeOutput(path string, b []byte, stdout io.Writer) error {
	if path == "" {
		_, err := stdout.Write(b)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // a missing folder is made
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// gen writes code from a catalogue: eventctl gen go.
func gen(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "go" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(stdout, genUsage)
			return exitOK
		}
		fmt.Fprint(stderr, genUsage)
		return exitUsage
	}
	fs := newFlagSet("gen go", genUsage, stdout, stderr)
	catalog := fs.String("catalog", "", "schema catalogue folder (required)")
	pkg := fs.String("package", "", "the Go package name of the output (required)")
	out := fs.String("out", "", "write to this file (default: standard output)")
	var types stringList
	fs.Var(&types, "types", "only these event types, with their major (elmo.hr.employee.hired.v1) or without (every major); repeat or separate with commas")
	rest, status, ok := fs.parse(args[1:])
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "catalog", "package"); code != exitOK {
		return code
	}
	cat, err := schema.LoadDir(*catalog)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl gen go: %v\n", err)
		return exitUsage
	}
	code, err := gengo.Generate(cat, &gengo.Config{Package: *pkg, Types: types})
	switch {
	case errors.Is(err, gengo.ErrUnsupported):
		fmt.Fprintf(stderr, "eventctl gen go: %v\n", err)
		return exitInvalid
	case err != nil:
		fmt.Fprintf(stderr, "eventctl gen go: %v\n", err)
		return exitUsage
	}
	if err := writeOutput(*out, code, stdout); err != nil {
		fmt.Fprintf(stderr, "eventctl gen go: %v\n", err)
		return exitUsage
	}
	return exitOK
}

const genUsage = `usage: eventctl gen go --catalog DIR --package NAME [--out FILE] [--types T,...]

Writes Go payload types for the newest minor of each event type's major: a
struct per payload, string types with an event.EnumSet for enumerations,
named types for $defs, and an event.Definition bound to the type and its
dataschema. A construct with no faithful Go type (oneOf without a
discriminator, patternProperties, ...) is an error naming its JSON pointer
(exit 1).
`
