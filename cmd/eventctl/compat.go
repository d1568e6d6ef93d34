package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/schema"
)

// pair is the comparison of one old schema with its successor.
type pair struct {
	Old        string          `json:"old"`
	New        string          `json:"new,omitempty"` // empty: the type was removed
	Compatible bool            `json:"compatible"`
	Breaking   []schema.Change `json:"breaking,omitempty"`
	Changes    []schema.Change `json:"changes"`
}

type compatReport struct {
	Mode       string `json:"mode"`
	Compatible bool   `json:"compatible"`
	Pairs      []pair `json:"pairs"`
	// Unchanged counts the pairs left out of Pairs: a schema the new
	// catalogue holds as it was (--baseline without --all).
	Unchanged int `json:"unchanged,omitempty"`
	// Upcasts are the new catalogue's declared upcasts, each run over
	// every example of its old major (--catalog).
	Upcasts []upcastCheck `json:"upcasts,omitempty"`
}

// upcastCheck is a declared upcast and what running it found.
type upcastCheck struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Problems []string `json:"problems,omitempty"`
}

// unchanged reports whether p compares a schema with itself and found
// nothing.
func (p pair) unchanged() bool { return p.New == p.Old && len(p.Changes) == 0 && len(p.Breaking) == 0 }

// changedOnly leaves the unchanged pairs out of rep, counting them.
func changedOnly(rep compatReport) compatReport {
	kept := rep.Pairs[:0:0]
	for _, p := range rep.Pairs {
		if p.unchanged() {
			rep.Unchanged++
			continue
		}
		kept = append(kept, p)
	}
	rep.Pairs = kept
	return rep
}

func compat(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compat", `usage: eventctl compat [--mode MODE] [--json] OLD.json NEW.json
       eventctl compat [--mode MODE] [--json] [--all] --catalog NEW_DIR --baseline OLD_DIR
`, stdout, stderr)
	modeName := fs.String("mode", "policy", "policy (the protocol's evolution policy for minor versions), backward, forward, full, or one of the last three with _transitive")
	asJSON := fs.Bool("json", false, "print a JSON report instead of text")
	catalogDir := fs.String("catalog", "", "folder of the new catalogue (with --baseline)")
	baselineDir := fs.String("baseline", "", "folder of the old catalogue, e.g. the base branch's")
	all := fs.Bool("all", false, "with --baseline: every pair, the unchanged schemas too (default: the changed ones)")
	files, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	mode, err := schema.ParseMode(*modeName)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl compat: %v\n", err)
		return exitUsage
	}
	var rep compatReport
	switch {
	case *catalogDir != "" && *baselineDir != "" && len(files) == 0:
		rep, err = compareCatalogs(*baselineDir, *catalogDir, mode)
		if !*all {
			rep = changedOnly(rep)
		}
	case *catalogDir == "" && *baselineDir == "" && len(files) == 2:
		rep, err = compareFiles(files[0], files[1], mode)
	default:
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventctl compat: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "eventctl compat: %v\n", err)
			return exitUsage
		}
	} else {
		printCompat(stdout, rep)
	}
	if !rep.Compatible {
		return exitInvalid
	}
	return exitOK
}

func newPair(oldName, newName string, r *schema.Report, mode schema.Mode) pair {
	p := pair{Old: oldName, New: newName, Compatible: r.Compatible(mode), Breaking: r.Breaking(mode), Changes: r.Changes}
	if p.Changes == nil {
		p.Changes = []schema.Change{}
	}
	return p
}

func compareFiles(oldPath, newPath string, mode schema.Mode) (compatReport, error) {
	oldSchema, err := os.ReadFile(oldPath)
	if err != nil {
		return compatReport{}, err
	}
	newSchema, err := os.ReadFile(newPath)
	if err != nil {
		return compatReport{}, err
	}
	r, err := schema.Compare(oldSchema, newSchema)
	if err != nil {
		return compatReport{}, err
	}
	return summarise(mode, []pair{newPair(oldPath, newPath, r, mode)}), nil
}

// compareCatalogs checks every type and major of the baseline against its
// latest version in the new catalogue: the baseline's latest version, or
// every baseline version when the mode is transitive. A type and major that
// disappeared is a breaking change in every mode.
func compareCatalogs(baselineDir, catalogDir string, mode schema.Mode) (compatReport, error) {
	baseline, err := schema.LoadDir(baselineDir)
	if err != nil {
		return compatReport{}, fmt.Errorf("baseline: %w", err)
	}
	current, err := schema.LoadDir(catalogDir)
	if err != nil {
		return compatReport{}, fmt.Errorf("catalogue: %w", err)
	}
	var pairs []pair
	schemas := baseline.Schemas()
	for i, old := range schemas {
		t := old.ID().Type
		latestOld := i == len(schemas)-1 || schemas[i+1].ID().Type != t
		if !latestOld && !mode.Transitive() {
			continue
		}
		successor, ok := current.Lookup(t)
		if !ok {
			pairs = append(pairs, pair{Old: old.ID().URI, Breaking: []schema.Change{{
				Rule: schema.RuleSchemaRemoved, Detail: fmt.Sprintf("%s has no schema in the new catalogue", t), Effect: schema.Narrows | schema.Widens,
			}}, Changes: []schema.Change{}})
			continue
		}
		pairs = append(pairs, newPair(old.ID().URI, successor.ID().URI, schema.CompareSchemas(old, successor), mode))
	}
	rep := summarise(mode, pairs)
	for _, up := range current.Upcasts() {
		check := upcastCheck{From: up.From.String(), To: up.To.String()}
		for _, p := range schema.CheckUpcasts(current, []envelope.Upcast{up}) {
			check.Problems = append(check.Problems, p.Error())
			rep.Compatible = false
		}
		rep.Upcasts = append(rep.Upcasts, check)
	}
	return rep, nil
}

func summarise(mode schema.Mode, pairs []pair) compatReport {
	if pairs == nil {
		pairs = []pair{}
	}
	return compatReport{Mode: mode.String(), Pairs: pairs, Compatible: !slices.ContainsFunc(pairs, func(p pair) bool { return !p.Compatible })}
}

func printCompat(w io.Writer, rep compatReport) {
	for _, p := range rep.Pairs {
		verdict := "compatible"
		if !p.Compatible {
			verdict = "INCOMPATIBLE"
		}
		target := p.New
		if target == "" {
			target = "(removed)"
		}
		fmt.Fprintf(w, "%s -> %s: %s (%s)\n", p.Old, target, verdict, rep.Mode)
		for _, c := range p.Breaking {
			fmt.Fprintf(w, "    %s\n", printable(c.String()))
		}
	}
	for _, u := range rep.Upcasts {
		verdict := "every example of the old major upcast validates"
		if len(u.Problems) > 0 {
			verdict = "FAILS"
		}
		fmt.Fprintf(w, "upcast %s -> %s: %s\n", u.From, u.To, verdict)
		for _, p := range u.Problems {
			fmt.Fprintf(w, "    %s\n", printable(p))
		}
	}
	fmt.Fprintf(w, "%s", plural(len(rep.Pairs), "comparison"))
	if rep.Unchanged > 0 {
		fmt.Fprintf(w, " (and %d unchanged, not shown; --all shows them)", rep.Unchanged)
	}
	fmt.Fprintf(w, ", mode %s: ", rep.Mode)
	if rep.Compatible {
		fmt.Fprintln(w, "compatible")
	} else {
		fmt.Fprintln(w, "incompatible")
	}
}
