// Command eventctl checks ELMO events, payload schemas and schema changes.
// It is meant for CI and for people at a terminal.
//
// Usage:
//
//	eventctl check [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] FILE...
//	eventctl validate --catalog DIR [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] FILE...
//	eventctl lint [--json] DIR
//	eventctl compat [--mode MODE] [--json] OLD.json NEW.json
//	eventctl compat [--mode MODE] [--json] --catalog NEW_DIR --baseline OLD_DIR
//	eventctl provision --topology FILE.json [--endpoint URL] [--region R] [--dry-run] [--skip-queue-policy]
//	eventctl teardown --topology FILE.json [--endpoint URL] [--region R] [--dry-run]
//
// check validates envelopes; validate also validates each payload against
// its schema in the catalogue. For both, FILE "-" is standard input, and a
// file holds one JSON event, a JSON array of events (a batch), or JSON lines
// (one event per line).
//
// lint reports every breach of the catalogue conventions (see package
// schema). compat compares two versions of a JSON Schema, or every schema of
// a baseline catalogue with its successor, in mode backward (the default),
// forward, full, or their _transitive forms, and prints each breaking change
// with its JSON pointer and rule.
//
// provision applies a topology (see package transport/snssqs) idempotently
// and prints the ARNs and URLs it created or found, as JSON; with
// --dry-run it prints the plan and calls nothing. teardown removes what
// provision created. Credentials come from the AWS SDK's default chain (the
// environment, shared files, roles); --endpoint points at a local server
// such as GoAws or LocalStack.
//
// The exit status is 0 when everything is valid or compatible, 1 when
// anything is invalid, has a finding or is incompatible (or provisioning
// failed), and 2 on a usage or I/O error.
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
  check     check events against the protocol (eventctl check -h)
  validate  check events and their payloads against a schema catalogue
  lint      check a schema catalogue against the protocol's conventions
  compat    check that a schema (or a catalogue) change is compatible
  provision create the SNS topics and SQS queues of a topology (--dry-run: plan only)
  teardown  remove them
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
	case "validate":
		return validate(args[1:], stdin, stdout, stderr)
	case "lint":
		return lint(args[1:], stdout, stderr)
	case "compat":
		return compat(args[1:], stdout, stderr)
	case "provision", "teardown":
		return provision(args[0], args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "eventctl: unknown command %q\n%s", args[0], usage)
	return exitUsage
}
