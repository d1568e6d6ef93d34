package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
)

const replayUsage = `usage: eventctl replay --db URL --topology FILE.json --service NAME [flags]

Sends archived events to one service's queue, never to a topic: in the order the
archive holds them, marked as a replay, keeping their ids (the service skips what
it handled unless --bypass-dedup), paced by --rate, resumable by --name after an
interruption. --dry-run prints what it would send: counts per type, the first and
last position. It refuses a selected type the service does not receive. With
--catalog, the events go upcast to the newest major the catalogue's upcasts reach.
`

// replayCmd runs "eventctl replay".
func replayCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", replayUsage, stdout, stderr)
	aws := addAWSFlags(fs.FlagSet)
	db := fs.String("db", "", "the archive's event store URL (required)")
	var cfg archive.ReplayConfig
	fs.StringVar(&cfg.Service, "service", "", "the service to replay to (required)")
	fs.StringVar(&cfg.Name, "name", "", "the replay's name: its checkpoint, to resume it (default: a new one)")
	types := fs.String("types", "", "comma-separated types or prefixes ending in * (default: what the service receives)")
	fs.StringVar(&cfg.Tenant, "tenant", "", "only this tenant's events")
	fs.StringVar(&cfg.Subject, "subject", "", "only this subject's events")
	axis := fs.String("axis", "recorded", "the window's time: recorded (when archived) or effective")
	from := fs.String("from", "", "window start, RFC 3339 (inclusive)")
	to := fs.String("to", "", "window end, RFC 3339 (exclusive)")
	knownAt := fs.String("known-at", "", "the archive as it was at this time, RFC 3339")
	fs.BoolVar(&cfg.BypassDedup, "bypass-dedup", false, "the service handles again what it handled before")
	fs.Float64Var(&cfg.Rate, "rate", 0, "at most this many events a second (0: no bound)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "print what would be sent, send nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	upcasts := fs.String("catalog", "", "send the events upcast by the upcasts this catalogue folder declares (x-elmo-upcast)")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "db", "topology", "service"); code != exitOK {
		return code
	}
	var problems []error
	cfg.Types = split(*types)
	switch *axis {
	case "recorded":
	case "effective":
		cfg.Axis = archive.Effective
	default:
		problems = append(problems, fmt.Errorf("--axis must be recorded or effective"))
	}
	for _, t := range []struct {
		flag, value string
		into        *time.Time
	}{{"--from", *from, &cfg.From}, {"--to", *to, &cfg.To}, {"--known-at", *knownAt, &cfg.KnownAt}} {
		if t.value == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, t.value)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s is not an RFC 3339 time", t.flag))
		}
		*t.into = v
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintf(stderr, "eventctl replay: %v\n", err)
		return exitUsage
	}
	if *upcasts != "" {
		cat, err := schema.LoadDir(*upcasts)
		if err == nil {
			cfg.Upcasters, err = envelope.NewUpcasters(cat.Upcasts()...)
		}
		if err != nil {
			fmt.Fprintf(stderr, "eventctl replay: --catalog: %v\n", err)
			return exitInvalid
		}
	}
	topo, err := aws.readTopology()
	if err != nil {
		fmt.Fprintf(stderr, "eventctl replay: %v\n", err)
		return topologyExit(err)
	}
	ctx, cancel := context.WithTimeout(ctx, *aws.timeout)
	defer cancel()
	bus, store, code := openArchive(ctx, aws, *db, topo, false, stderr)
	if code != exitOK {
		return code
	}
	defer store.Close()
	if !*asJSON {
		cfg.Progress = func(r archive.Report) {
			fmt.Fprintf(stdout, "sent %d of %d\n", r.Sent, r.Total)
		}
	}
	rep, err := archive.Replay(ctx, store, bus, &cfg)
	printReport(stdout, rep, cfg.DryRun, *asJSON)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl replay: %v\n", err)
		if errors.Is(err, transport.ErrNotReceived) || errors.Is(err, config.ErrInvalid) {
			return exitInvalid
		}
		return exitUsage
	}
	return exitOK
}

// printReport prints a replay's report.
func printReport(w io.Writer, rep archive.Report, dryRun, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(rep) // maps of strings and numbers
		fmt.Fprintln(w, string(b))
		return
	}
	verb := "sent"
	if dryRun {
		verb = "would send"
	}
	fmt.Fprintf(w, "replay %s: %s %s of %d selected, positions %d to %d", rep.Name, verb, plural(rep.Sent, "event"), rep.Total, rep.First, rep.Last)
	if rep.Resumed > 0 {
		fmt.Fprintf(w, ", resumed after %d", rep.Resumed)
	}
	fmt.Fprintln(w)
	types := make([]string, 0, len(rep.Selected))
	for t := range rep.Selected {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		fmt.Fprintf(w, "  %-50s %d\n", t, rep.Selected[t])
	}
}
