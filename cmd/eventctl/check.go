package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// maxFileBytes bounds what eventctl reads from one file.
const maxFileBytes = 512 << 20

// result is the outcome for one event.
type result struct {
	File       string      `json:"file"`
	Index      int         `json:"index"`          // position in the file, from 0
	Line       int         `json:"line,omitempty"` // for JSON lines, from 1
	Valid      bool        `json:"valid"`
	Violations []violation `json:"violations,omitempty"`
}

type violation struct {
	Attribute string `json:"attribute,omitempty"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
}

type report struct {
	Profile string   `json:"profile"`
	Events  []result `json:"events"`
	Valid   int      `json:"valid"`
	Invalid int      `json:"invalid"`
}

func check(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return checkCommand("check", args, stdin, stdout, stderr)
}

func validate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return checkCommand("validate", args, stdin, stdout, stderr)
}

// checkCommand runs check (envelopes) or validate (envelopes and payloads).
func checkCommand(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	synopsis := "usage: eventctl check [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] [--past-tense WORDS] [--topology FILE] FILE...\n"
	if name == "validate" {
		synopsis = "usage: eventctl validate --catalog DIR [--tolerant] [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] [--past-tense WORDS] [--topology FILE] FILE...\n"
	}
	fs := newFlagSet(name, synopsis, stdout, stderr)
	var catalogDir *string
	var tolerant *bool
	if name == "validate" {
		catalogDir = fs.String("catalog", "", "folder of the payload schema catalogue (required)")
		tolerant = fs.Bool("tolerant", false, "validate payloads as a consumer does (unknown members and enumeration values pass) instead of as a producer must")
	}
	profileName := fs.String("profile", "elmo", "rules to check: elmo or cloudevents")
	asJSON := fs.Bool("json", false, "print a JSON report instead of text")
	org := fs.String("org", "", "organisation of types, sources and ERNs (default elmo)")
	strict := fs.Bool("strict", true, "also flag what a producer must not write: ids that are not canonical UUIDs, type actions not in the past tense (elmo profile)")
	pastTense := fs.String("past-tense", "", "comma-separated words the organisation accepts as past-tense verbs of type actions")
	topoFile := fs.String("topology", "", "topology JSON file whose domains' maxMessageBytes bound the events' sizes (default 256 KiB each)")
	files, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	profile, err := envelope.ParseProfile(*profileName)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return exitUsage
	}
	if len(files) == 0 || (catalogDir != nil && *catalogDir == "") {
		fs.Usage()
		return exitUsage
	}
	c := checker{v: envelope.Validator{Profile: profile, Org: *org, Tolerant: !*strict, PastTense: pastTenseWords(*pastTense)}}
	if tolerant != nil {
		c.tolerant = *tolerant
	}
	if *topoFile != "" {
		topo, err := readTopology(*topoFile)
		if err != nil {
			fmt.Fprintf(stderr, "eventctl %s: --topology: %v\n", name, err)
			return topologyExit(err)
		}
		c.limit = topo.MessageLimit
	}
	if catalogDir != nil {
		cat, err := schema.LoadDir(*catalogDir)
		if err != nil {
			fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
			return exitUsage
		}
		c.catalog = cat
	}

	rep := report{Profile: profile.String(), Events: []result{}}
	for _, file := range files {
		b, err := readInput(file, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
			return exitUsage
		}
		rep.Events = append(rep.Events, c.document(file, b)...)
	}
	for _, r := range rep.Events {
		if r.Valid {
			rep.Valid++
		} else {
			rep.Invalid++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
			return exitUsage
		}
	} else {
		printText(stdout, rep)
	}
	if rep.Invalid > 0 {
		return exitInvalid
	}
	return exitOK
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxFileBytes)
	}
	return b, nil
}

// checker checks envelopes, and their payloads when it has a catalogue.
type checker struct {
	v        envelope.Validator
	catalog  *schema.Catalog // nil: envelopes only
	tolerant bool            // validate payloads as a consumer does
	// limit gives a domain's largest message; nil: transport.MaxMessageBytes
	limit func(domain string) int
}

// one checks one event.
func (c checker) one(b []byte) error {
	e, err := c.v.Check(b)
	if err != nil {
		return err
	}
	limit := transport.MaxMessageBytes
	if t, err := naming.ParseType(e.Type); err == nil && c.limit != nil {
		limit = c.limit(t.Domain())
	}
	if size := (&driver.Message{Body: b, Attributes: transport.MirroredAttributes(&e)}).Size(); size > limit {
		return &transport.TooLargeError{ID: e.ID, Size: size, Limit: limit}
	}
	if c.catalog == nil {
		return nil
	}
	return c.payload(&e)
}

// utf8BOM is the byte order mark JSON does not allow (RFC 8259 §8.1).
var utf8BOM = []byte("\xef\xbb\xbf")

// errBOM reports input that starts with a byte order mark.
var errBOM = errors.New("starts with a UTF-8 byte order mark (BOM), which JSON does not allow: save the file without it")

// position is the line and column (in bytes, from 1) of offset in b.
func position(b []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(b))
	line = 1 + bytes.Count(b[:offset], []byte("\n"))
	return line, offset - bytes.LastIndexByte(b[:offset], '\n')
}

// payload validates the payload of a valid envelope.
func (c checker) payload(e *envelope.Envelope) error {
	if e.DataRef != "" && e.Data == nil {
		return nil // claim-checked: the data is at its dataref, which the tools do not fetch
	}
	if c.tolerant {
		return c.catalog.ValidateTolerant(e)
	}
	return c.catalog.Validate(e)
}

// document checks the events of one file: a batch, JSON lines or one event.
func (c checker) document(name string, b []byte) []result {
	if bytes.HasPrefix(b, utf8BOM) {
		return []result{{File: name, Line: 1, Violations: []violation{{Rule: "bom", Message: errBOM.Error()}}}}
	}
	trimmed := bytes.TrimSpace(b)
	if bytes.HasPrefix(trimmed, []byte("[")) {
		events, err := c.v.CheckBatch(b)
		var berr *envelope.BatchError
		if err != nil && !errors.As(err, &berr) {
			return []result{fileResult(name, 0, 0, err)}
		}
		envErrs := map[int]error{}
		if berr != nil {
			for _, ev := range berr.Events {
				envErrs[ev.Index] = ev.Err
			}
		}
		if events == nil { // an element is not an object: no batch of events
			return []result{fileResult(name, berr.Events[0].Index, 0, berr.Events[0].Err)}
		}
		results := make([]result, len(events))
		for i := range events {
			err, invalid := envErrs[i]
			if !invalid && c.catalog != nil { // payloads of valid envelopes only
				err = c.payload(&events[i])
			}
			results[i] = fileResult(name, i, 0, err)
		}
		return results
	}
	if lines := jsonLines(trimmed); lines != nil {
		var results []result
		for _, l := range lines {
			err := c.one(l.text)
			r := fileResult(name, len(results), l.number, err)
			var serr *envelope.SyntaxError
			if errors.As(err, &serr) {
				r.Violations[0].Message = fmt.Sprintf("line %d, column %d: %v: %s", l.number, serr.Offset+1, serr.Err, serr.Msg)
			}
			results = append(results, r)
		}
		return results
	}
	err := c.one(b)
	r := fileResult(name, 0, 0, err)
	var serr *envelope.SyntaxError
	if errors.As(err, &serr) {
		line, col := position(b, serr.Offset)
		r.Line = line
		r.Violations[0].Message = fmt.Sprintf("line %d, column %d: %v: %s", line, col, serr.Err, serr.Msg)
	}
	return []result{r}
}

type line struct {
	number int
	text   []byte
}

// jsonLines splits b into its non-blank lines when b is JSON lines: more
// than one non-blank line, the first of which is a whole JSON value. It
// returns nil for anything else, such as one pretty-printed event.
func jsonLines(b []byte) []line {
	var lines []line
	for i, l := range bytes.Split(b, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			lines = append(lines, line{i + 1, l})
		}
	}
	if len(lines) < 2 || !json.Valid(lines[0].text) {
		return nil
	}
	return lines
}

func fileResult(name string, index, lineNo int, err error) result {
	r := result{File: name, Index: index, Line: lineNo, Valid: err == nil}
	var verr *envelope.ValidationError
	var serr *envelope.SyntaxError
	var perr *schema.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &verr):
		for _, v := range verr.Violations {
			r.Violations = append(r.Violations, violation{Attribute: v.Attribute, Rule: v.Rule.Code(), Message: v.Error()})
		}
	case errors.As(err, &serr):
		r.Violations = []violation{{Rule: syntaxCode(serr.Err), Message: serr.Error()}}
	case errors.Is(err, transport.ErrTooLarge):
		r.Violations = []violation{{Rule: "too_large_for_transport", Message: err.Error() + " (SNS and SQS refuse it)"}}
	case errors.As(err, &perr):
		for _, v := range perr.Violations {
			r.Violations = append(r.Violations, violation{Attribute: "data" + v.Pointer, Rule: "payload_schema", Message: v.Message + " (" + v.SchemaLocation + ")"})
		}
	case errors.Is(err, schema.ErrUnknownSchema):
		r.Violations = []violation{{Attribute: "type", Rule: "unknown_schema", Message: err.Error()}}
	case errors.Is(err, schema.ErrSchemaMismatch):
		r.Violations = []violation{{Attribute: "dataschema", Rule: "schema_mismatch", Message: err.Error()}}
	case errors.Is(err, envelope.ErrNoData):
		r.Violations = []violation{{Attribute: "data", Rule: "no_data", Message: err.Error()}}
	case errors.Is(err, envelope.ErrMalformed):
		r.Violations = []violation{{Attribute: "data", Rule: "malformed", Message: err.Error()}}
	default:
		r.Violations = []violation{{Rule: "error", Message: err.Error()}}
	}
	return r
}

func syntaxCode(err error) string {
	switch err {
	case envelope.ErrInvalidUTF8:
		return "invalid_utf8"
	case envelope.ErrTooDeep:
		return "too_deep"
	case envelope.ErrInputTooLarge:
		return "too_large"
	}
	return "malformed"
}

// pastTenseWords reads the --past-tense flag.
func pastTenseWords(list string) naming.PastTense {
	var p naming.PastTense
	for _, w := range strings.Split(list, ",") {
		if w = strings.TrimSpace(w); w != "" {
			p.Words = append(p.Words, w)
		}
	}
	return p
}

// printable escapes what a terminal would interpret (control characters,
// escape sequences, invisible formatting) so that text output shows input
// values without acting on them.
func printable(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i]) // invalid UTF-8
		case unicode.IsPrint(r) || r == ' ':
			b.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

func printText(w io.Writer, rep report) {
	for _, r := range rep.Events {
		where := fmt.Sprintf("%s: event %d", printable(r.File), r.Index)
		if r.Line > 0 {
			where += fmt.Sprintf(" (line %d)", r.Line)
		}
		if r.Valid {
			fmt.Fprintf(w, "%s: valid\n", where)
			continue
		}
		fmt.Fprintf(w, "%s: invalid\n", where)
		for _, v := range r.Violations {
			if v.Attribute != "" && !strings.HasPrefix(v.Message, v.Attribute) { // a payload's pointer
				fmt.Fprintf(w, "    [%s] %s: %s\n", v.Rule, printable(v.Attribute), printable(v.Message))
				continue
			}
			fmt.Fprintf(w, "    [%s] %s\n", v.Rule, printable(v.Message))
		}
	}
	fmt.Fprintf(w, "%s profile: %s checked, %d valid, %d invalid\n",
		rep.Profile, plural(rep.Valid+rep.Invalid, "event"), rep.Valid, rep.Invalid)
}
