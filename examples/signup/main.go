package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	fs := flag.NewFlagSet("signup", flag.ExitOnError)
	opts := flags(fs)
	_ = fs.Parse(os.Args[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signup:", err)
		os.Exit(1)
	}
}

// run runs the whole story and writes its trace to out.
func run(ctx context.Context, opts *options, out io.Writer) (err error) {
	var sp *spans
	if opts.trace {
		if sp, err = newSpans(); err != nil {
			return err
		}
	}
	bus, d, err := open(ctx, opts, signupTopology, sp.publishHooks())
	if err != nil {
		return err
	}
	defer bus.Teardown(context.Background()) //nolint:errcheck // best effort: a run's own topology

	tr := newTrace(out)
	tr.Header("ELMO sign-up example on the %s transport", opts.transport)
	world, err := start(ctx, bus, d, tr, sp)
	if err != nil {
		return err
	}
	err = world.story(ctx)
	if serr := world.shutdown(); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	if err := world.report(ctx); err != nil {
		return err
	}
	if sp != nil {
		sp.print(out)
	}
	return nil
}
