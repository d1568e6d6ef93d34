package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
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
  dlq       list, show, redrive or purge a service's dead letters (eventctl dlq -h)
  archive   keep every event of chosen domains in an event store
  replay    send archived events to one service's queue
  gen go    write Go payload types and event definitions from a catalogue
  new       write a schema skeleton (event, command), the next minor, or a service
  asyncapi  write the AsyncAPI 3.0 document of a topology and catalogue
  docs      write a browsable site of a topology's services, events and schemas
  version   print eventctl's version
  help CMD  print a command's usage (as CMD -h does)

Flags may come before or after file arguments. Exit status: 0 all good, 1 something
invalid (an event, a schema, a topology), 2 a usage or I/O error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// version is eventctl's module version and the Go that built it.
func version() string {
	v := "(devel)"
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		v = info.Main.Version
	}
	return fmt.Sprintf("eventctl %s (%s)", v, runtime.Version())
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
	case "dlq":
		return dlq(args[1:], stdout, stderr)
	case "archive", "replay":
		ctx, stop := signalled()
		defer stop()
		if args[0] == "archive" {
			return archiveCmd(ctx, args[1:], stdout, stderr)
		}
		return replayCmd(ctx, args[1:], stdout, stderr)
	case "gen":
		return gen(args[1:], stdout, stderr)
	case "new":
		return newCmd(args[1:], stdout, stderr)
	case "asyncapi":
		return asyncAPI(args[1:], stdout, stderr)
	case "docs":
		return docs(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version())
		return exitOK
	case "help":
		if len(args) == 2 {
			return run([]string{args[1], "-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "eventctl: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// flagSet is a command's flags with its usage: asked for (-h), the usage
// goes to standard output; after a mistake, to standard error.
type flagSet struct {
	*flag.FlagSet
	synopsis       string
	stdout, stderr io.Writer
}

// newFlagSet is a command's flag set.
func newFlagSet(name, synopsis string, stdout, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, stdout: stdout, stderr: stderr}
	fs.SetOutput(stderr) // flag errors
	fs.Usage = func() { fs.printUsage(stderr) }
	return fs
}

// printUsage writes the synopsis, then the flags, to w.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprint(w, fs.synopsis)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(fs.stderr)
}

// misuse reports what is wrong with a command's arguments: each required
// flag left empty, named, and extra arguments when it takes none. It
// prints them, then the usage, to standard error and returns exitUsage;
// it returns exitOK when nothing is wrong.
func (fs *flagSet) misuse(rest []string, required ...string) int {
	var problems []string
	for _, name := range required {
		if f := fs.Lookup(name); f != nil && f.Value.String() == "" {
			problems = append(problems, "--"+name+" is required")
		}
	}
	if len(rest) > 0 {
		problems = append(problems, "unexpected arguments: "+strings.Join(rest, " "))
	}
	if len(problems) == 0 {
		return exitOK
	}
	fmt.Fprintf(fs.stderr, "eventctl %s: %s\n", fs.Name(), strings.Join(problems, "; "))
	fs.Usage()
	return exitUsage
}

// parse parses a command's arguments, with flags before, between or
// after the others, and returns the others. When ok is false the command
// ends with code: exitOK after -h (the usage on standard output),
// exitUsage after a flag error (reported, then the usage, on standard
// error).
func (fs *flagSet) parse(args []string) (rest []string, code int, ok bool) {
	usage := fs.Usage
	fs.Usage = func() {} // printed below, where it belongs
	defer func() { fs.Usage = usage }()
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printUsage(fs.stdout)
				return nil, exitOK, false
			}
			fs.printUsage(fs.stderr)
			return nil, exitUsage, false
		}
		if fs.NArg() == 0 {
			return rest, exitOK, true
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
