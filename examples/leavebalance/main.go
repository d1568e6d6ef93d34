package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "balance":
			return balance(args[1:], stdout, stderr, time.Now)
		case "import":
			return importCmd(args[1:], stdout, stderr)
		case "serve":
			return serveCmd(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("leavebalance", flag.ContinueOnError)
	opts := flags(fs)
	if code, ok := parseFlags(fs, `usage: leavebalance [flags]           the narrated demo, in memory (or on SNS/SQS)
       leavebalance balance ...        one balance, from a file (--events) or the store (--db)
       leavebalance import ...         append a JSON lines history to the store, idempotently
       leavebalance serve ...          the HTTP JSON API over the store
Each subcommand's -h lists its flags. The demo's flags:`, args, stdout, stderr); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := demo(ctx, opts, stdout); err != nil {
		fmt.Fprintln(stderr, "leavebalance:", err)
		return exitInvalid
	}
	return exitOK
}

// answer is the --json output of the balance command.
type answer struct {
	Employee    string `json:"employee"`
	On          string `json:"on"`
	KnownAt     string `json:"knownAt"`
	Balance     string `json:"balance"`
	MainBalance string `json:"mainBalance,omitempty"`
}

func balance(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := flag.NewFlagSet("balance", flag.ContinueOnError)
	eventsFile := fs.String("events", "", "JSON lines of envelopes, in any order (this or --db)")
	dsn := fs.String("db", "", "the event store: a SQLite file, or a postgres:// URL (this or --events)")
	employeeArg := fs.String("employee", "", "the employee's ERN (required)")
	onArg := fs.String("on", "", "the date, YYYY-MM-DD (required)")
	knownAtArg := fs.String("known-at", "", "as known at this RFC 3339 time (default: now)")
	whatIf := fs.String("what-if", "", "JSON lines of hypothetical events for a what-if branch")
	forkAtArg := fs.String("fork-at", "", "where the what-if branch leaves the main timeline, RFC 3339 (required with --what-if)")
	snapshotEvery := fs.Int("snapshot-every", 1000, "cache the balance every N facts (0: never)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	catalogDir := fs.String("catalog", "", catalogHelp)
	const synopsis = "usage: leavebalance balance (--events FILE.jsonl | --db DSN) --employee ERN --on DATE [--known-at RFC3339] [--what-if FILE.jsonl --fork-at RFC3339] [--snapshot-every N] [--json]"
	usage := func(format string, args ...any) int {
		if format != "" {
			fmt.Fprintf(stderr, "leavebalance balance: "+format+"\n", args...)
		}
		fmt.Fprintln(stderr, synopsis)
		return exitUsage
	}
	if code, ok := parseFlags(fs, synopsis, args, stdout, stderr); !ok {
		return code
	}
	if (*eventsFile == "") == (*dsn == "") || *employeeArg == "" || *onArg == "" || fs.NArg() > 0 {
		return usage("")
	}
	employee, err := naming.ParseERN(*employeeArg)
	if err != nil {
		return usage("--employee: %v", err)
	}
	on, err := time.Parse(time.DateOnly, *onArg)
	if err != nil {
		return usage("--on %q: want YYYY-MM-DD", *onArg)
	}
	knownAt := now().UTC()
	if *knownAtArg != "" {
		if knownAt, err = time.Parse(time.RFC3339Nano, *knownAtArg); err != nil {
			return usage("--known-at %q: want an RFC 3339 time", *knownAtArg)
		}
	}
	var forkAt time.Time
	if (*whatIf == "") != (*forkAtArg == "") {
		return usage("--what-if and --fork-at go together")
	}
	if *forkAtArg != "" {
		if forkAt, err = time.Parse(time.RFC3339Nano, *forkAtArg); err != nil {
			return usage("--fork-at %q: want an RFC 3339 time", *forkAtArg)
		}
	}
	if *snapshotEvery < 0 {
		return usage("--snapshot-every must be 0 or more")
	}
	cat, err := loadCatalog(*catalogDir)
	if err != nil {
		fmt.Fprintln(stderr, "leavebalance balance:", err)
		return exitUsage
	}
	mainLedger := ledger.NewLedger(*snapshotEvery)
	if *dsn != "" {
		ctx := context.Background()
		store, err := openStore(ctx, *dsn, nil) // no appends
		if err != nil {
			fmt.Fprintln(stderr, "leavebalance balance:", err)
			return exitUsage
		}
		defer store.Close()
		save, err := openTimeline(ctx, store, eventstore.Stream{Name: employee.String()}, employee, mainLedger, func(err error) {
			fmt.Fprintln(stderr, "leavebalance balance: a snapshot:", err)
		})
		if err != nil {
			fmt.Fprintln(stderr, "leavebalance balance:", err)
			return exitInvalid
		}
		defer save()
	} else if code := load(mainLedger, *eventsFile, cat, stderr); code != exitOK {
		return code
	}
	ledger := mainLedger
	if *whatIf != "" {
		ledger = mainLedger.Fork(forkAt)
		if code := load(ledger, *whatIf, cat, stderr); code != exitOK {
			return code
		}
	}
	bal, err := ledger.Balance(employee, on, knownAt)
	if err != nil {
		fmt.Fprintln(stderr, "leavebalance balance:", err)
		return exitInvalid
	}
	ans := answer{Employee: employee.String(), On: on.Format(time.DateOnly), KnownAt: knownAt.Format(time.RFC3339Nano), Balance: bal.String()}
	if *whatIf != "" {
		mainBal, err := mainLedger.Balance(employee, on, knownAt)
		if err != nil {
			fmt.Fprintln(stderr, "leavebalance balance: main timeline:", err)
			return exitInvalid
		}
		ans.MainBalance = mainBal.String()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(ans); err != nil {
			return exitUsage
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "%s on %s, as known at %s: %s days\n", ans.Employee, ans.On, ans.KnownAt, ans.Balance)
	if ans.MainBalance != "" {
		fmt.Fprintf(stdout, "main timeline (without the what-if): %s days\n", ans.MainBalance)
	}
	return exitOK
}

// load adds the events of a JSON lines file to the ledger. Every invalid
// line is reported with its number; any makes the command fail.
func load(l *ledger.Ledger, file string, cat *schema.Catalog, stderr io.Writer) int {
	events, code := readFile(file, cat, stderr)
	if code != exitOK {
		return code
	}
	for _, c := range events {
		if err := l.Add(c.e); err != nil {
			fmt.Fprintln(stderr, "leavebalance balance:", err)
			return exitInvalid
		}
	}
	return exitOK
}

// importCmd appends a JSON lines file of envelopes to the event store.
func importCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dsn := fs.String("db", "", "the event store: a SQLite file, or a postgres:// URL (required)")
	catalogDir := fs.String("catalog", "", catalogHelp)
	const synopsis = "usage: leavebalance import --db DSN [--catalog DIR] FILE.jsonl"
	usage := func() int {
		fmt.Fprintln(stderr, synopsis)
		return exitUsage
	}
	if code, ok := parseFlags(fs, synopsis, args, stdout, stderr); !ok {
		return code
	}
	if *dsn == "" || fs.NArg() != 1 {
		return usage()
	}
	cat, err := loadCatalog(*catalogDir)
	if err != nil {
		fmt.Fprintln(stderr, "leavebalance import:", err)
		return exitUsage
	}
	events, code := readFile(fs.Arg(0), cat, stderr)
	if code != exitOK {
		return code
	}
	ctx := context.Background()
	store, err := openStore(ctx, *dsn, nil) // readFile checked every line against the catalogue
	if err != nil {
		fmt.Fprintln(stderr, "leavebalance import:", err)
		return exitUsage
	}
	defer store.Close()
	stored, err := importEvents(ctx, store, events)
	if err != nil {
		fmt.Fprintf(stderr, "leavebalance import: %v (%d events stored before it)\n", err, stored)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "imported %d events, %d of them new\n", len(events), stored)
	return exitOK
}
