package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const dlqUsage = `usage: eventctl dlq <list|show|redrive|purge> --topology FILE.json --service NAME [flags] [ID...]

  list     the service's dead letters: id, event type, event id, reason
  show     one dead letter whole: reason, attempts, attributes, the original bytes
  redrive  send the dead letters of the ids (or --all) back to the service's own
           queue, their bytes unchanged (other subscribers get nothing again),
           and remove them from the dead-letter queue
  purge    delete the service's dead letters
`

// dlqFlagValues are the flags of eventctl dlq.
type dlqFlagValues struct {
	aws         awsFlags
	service     *string
	asJSON, all *bool
	max         *int
}

// dlqFlags is the flag set of eventctl dlq and its subcommands.
func dlqFlags(name string, stdout, stderr io.Writer) (*flagSet, dlqFlagValues) {
	fs := newFlagSet(name, dlqUsage, stdout, stderr)
	return fs, dlqFlagValues{
		aws:     addAWSFlags(fs.FlagSet),
		service: fs.String("service", "", "the consuming service (required)"),
		asJSON:  fs.Bool("json", false, "write JSON"),
		max:     fs.Int("max", 100, "list: at most this many"),
		all:     fs.Bool("all", false, "redrive: every dead letter"),
	}
}

// dlq runs "eventctl dlq".
func dlq(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || !slices.Contains([]string{"list", "show", "redrive", "purge"}, args[0]) {
		fs, _ := dlqFlags("dlq", stdout, stderr)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fs.printUsage(stdout)
			return exitOK
		}
		fs.printUsage(stderr)
		return exitUsage
	}
	sub := args[0]
	fs, f := dlqFlags("dlq "+sub, stdout, stderr)
	aws, service, asJSON, max, all := f.aws, f.service, f.asJSON, f.max, f.all
	ids, status, ok := fs.parse(args[1:])
	if !ok {
		return status
	}
	var problems []string
	switch {
	case (sub == "list" || sub == "purge") && len(ids) > 0:
		problems = append(problems, sub+" takes no dead-letter id")
	case sub == "show" && len(ids) != 1:
		problems = append(problems, "show takes one dead-letter id")
	case sub == "redrive" && (len(ids) > 0) == *all:
		problems = append(problems, "redrive takes dead-letter ids, or --all")
	}
	if *aws.topology == "" {
		problems = append(problems, "--topology is required")
	}
	if *service == "" {
		problems = append(problems, "--service is required")
	}
	if *max < 1 {
		problems = append(problems, "--max must be at least 1")
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "eventctl dlq %s: %s\n", sub, strings.Join(problems, "; "))
		fs.Usage()
		return exitUsage
	}
	topo, err := aws.readTopology()
	if err != nil {
		fmt.Fprintf(stderr, "eventctl dlq: %v\n", err)
		return topologyExit(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *aws.timeout)
	defer cancel()
	d, err := aws.driver(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl dlq: %v\n", err)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "eventctl dlq %s: %v\n", sub, err)
		if errors.Is(err, topology.ErrUnknownService) || errors.Is(err, driver.ErrNotFound) {
			return exitInvalid
		}
		return exitUsage
	}
	switch sub {
	case "purge":
		n, err := d.PurgeDeadLetters(ctx, topo, *service)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "purged %s of %s\n", plural(n, "dead letter"), *service)
		return exitOK
	case "redrive":
		if *all {
			list, err := d.ListDeadLetters(ctx, topo, *service, 1<<20)
			if err != nil {
				return fail(err)
			}
			ids = nil
			for _, dl := range list {
				ids = append(ids, dl.ID)
			}
		}
		done, err := d.RedriveDeadLetters(ctx, topo, *service, ids)
		for _, id := range done {
			fmt.Fprintf(stdout, "redriven %s\n", id)
		}
		if err != nil {
			return fail(err)
		}
		return exitOK
	}
	list, err := d.ListDeadLetters(ctx, topo, *service, *max+1) // one more: are there more?
	if err != nil {
		return fail(err)
	}
	more := len(list) > *max
	if more {
		list = list[:*max]
	}
	if sub == "show" {
		i := slices.IndexFunc(list, func(dl driver.DeadLetter) bool { return dl.ID == ids[0] })
		if i < 0 {
			fmt.Fprintf(stderr, "eventctl dlq show: %s has no dead letter %s among its first %d (eventctl dlq list shows their ids; --max looks further)\n", *service, ids[0], *max)
			return exitInvalid
		}
		if err := writeJSON(stdout, shown(list[i])); err != nil {
			return fail(err)
		}
		return exitOK
	}
	if more {
		fmt.Fprintf(stderr, "eventctl dlq list: %s has more than %s; --max shows more\n", *service, plural(*max, "dead letter"))
	}
	if *asJSON {
		out := make([]shownDeadLetter, len(list))
		for i, dl := range list {
			out[i] = shown(dl)
		}
		if err := writeJSON(stdout, out); err != nil {
			return fail(err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tEVENT\tRECEIVES\tREASON")
	for _, dl := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", dl.ID, dl.Attributes[driver.AttrType], eventID(dl.Body), dl.ReceiveCount, firstLine(dl.Reason))
	}
	if err := tw.Flush(); err != nil {
		return fail(err)
	}
	return exitOK
}

// shownDeadLetter is a dead letter as eventctl writes it: the body as JSON
// when it is JSON, else as a string.
type shownDeadLetter struct {
	driver.DeadLetter
	Body any `json:"body"`
}

func shown(dl driver.DeadLetter) shownDeadLetter {
	s := shownDeadLetter{DeadLetter: dl, Body: string(dl.Body)}
	if json.Valid(dl.Body) {
		s.Body = json.RawMessage(dl.Body)
	}
	return s
}

// eventID is the id of the event in body, or "?" when it does not decode.
func eventID(body []byte) string {
	e, err := envelope.Decode(body)
	if err != nil || e.ID == "" {
		return "?"
	}
	return e.ID
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " ..."
		}
	}
	return s
}
