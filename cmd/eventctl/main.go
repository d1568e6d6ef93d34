// Command eventctl checks ELMO events and, in later commands, schemas and
// AWS topologies. It is meant for CI and for people at a terminal.
//
// Usage:
//
//	eventctl check [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] FILE...
//
// FILE "-" is standard input. A file holds one JSON event, a JSON array of
// events (a batch), or JSON lines (one event per line). The exit status is 0
// when every event is valid, 1 when any is invalid, and 2 on a usage or I/O
// error.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

const usage = `usage: eventctl <command> [arguments]

commands:
  check   validate events against the protocol (eventctl check -h)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, with its inputs and outputs passed in so tests
// can drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "eventctl: unknown command %q\n%s", args[0], usage)
	return exitUsage
}
