package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
)

func main() {
	fs := flag.NewFlagSet("leaveapproval", flag.ExitOnError)
	opts := flags(fs)
	_ = fs.Parse(os.Args[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leaveapproval:", err)
		os.Exit(1)
	}
}

// run runs the whole story and writes it to out.
func run(ctx context.Context, opts *options, out io.Writer) error {
	bus, err := openBus(ctx, opts)
	if err != nil {
		return err
	}
	defer bus.Teardown(context.Background()) //nolint:errcheck // best effort: a run's own topology
	store, cleanup, err := openStore(ctx, opts.db)
	if err != nil {
		return err
	}
	defer cleanup()
	defer store.Close()

	tr := examplekit.NewTrace(out, 16)
	where := "SQLite"
	if isPostgres(opts.db) {
		where = "PostgreSQL"
	}
	tr.Header("ELMO leave-approval example on the %s transport, the leave service's store in %s", opts.transport, where)
	w, err := start(ctx, bus, store, tr)
	if err != nil {
		return err
	}
	err = w.story(ctx)
	if serr := w.shutdown(); err == nil {
		err = serr
	}
	return err
}

// trace prints the story, one line per step, safely from many goroutines.
type trace = examplekit.Trace
