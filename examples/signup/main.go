package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elmosoftware/eventprotocol/examples/internal/exampleenv"
)

func main() {
	fs := flag.NewFlagSet("signup", flag.ExitOnError)
	opts := exampleenv.Flags(fs)
	_ = fs.Parse(os.Args[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signup:", err)
		os.Exit(1)
	}
}

// run runs the whole story and writes its trace to out.
func run(ctx context.Context, opts *exampleenv.Options, out io.Writer) error {
	env, err := exampleenv.Open(ctx, opts, services())
	if err != nil {
		return err
	}
	defer env.Close() //nolint:errcheck // best effort: a run's own topology

	tr := newTrace(out)
	tr.header("ELMO sign-up example on the %s transport", env.Transport)
	world, err := start(ctx, env, tr)
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
	return world.report(ctx)
}
