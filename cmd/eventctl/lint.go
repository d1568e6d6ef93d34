package main

import (
	"encoding/json"
	"fmt"
	"io"
	fs2 "io/fs"
	"os"

	"github.com/elmosoftware/eventprotocol/schema"
)

func lint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", "usage: eventctl lint [--json] [--past-tense WORDS] DIR\n", stdout, stderr)
	asJSON := fs.Bool("json", false, "print the findings as a JSON array")
	pastTense := fs.String("past-tense", "", "comma-separated words the organisation accepts as past-tense verbs of type actions")
	dirs, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(dirs) != 1 {
		fs.Usage()
		return exitUsage
	}
	dir := dirs[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "eventctl lint: %s is not a folder\n", dir)
		return exitUsage
	}
	if schemas, err := fs2.Glob(os.DirFS(dir), "*/*.json"); err != nil || len(schemas) == 0 {
		fmt.Fprintf(stderr, "eventctl lint: %s holds no schemas (DOMAIN/ENTITY.ACTION.vMAJOR.MINOR.json)\n", dir)
		return exitUsage
	}
	findings, err := schema.Lint(os.DirFS(dir), &schema.LintConfig{PastTense: pastTenseWords(*pastTense)})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl lint: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		if findings == nil {
			findings = []schema.Finding{}
		}
		if err := writeJSON(stdout, findings); err != nil {
			fmt.Fprintf(stderr, "eventctl lint: %v\n", err)
			return exitUsage
		}
	} else {
		for _, f := range findings {
			fmt.Fprintln(stdout, printable(f.String()))
		}
		fmt.Fprintf(stdout, "%s: %s\n", dir, plural(len(findings), "finding"))
	}
	if len(findings) > 0 {
		return exitInvalid
	}
	return exitOK
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
