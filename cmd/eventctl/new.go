package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

const newUsage = `usage: eventctl new event TYPE --shape notification|state|delta --catalog DIR
       eventctl new command TYPE --catalog DIR
       eventctl new minor TYPE --catalog DIR
       eventctl new service NAME --catalog DIR [--consumes T,...] [--publishes T,...] --dir OUT

  event    a schema skeleton for a new event type (its major's 1.0, or N.0), at the
           path and $id the conventions require, which eventctl lint accepts
  command  the same for a command (x-elmo-kind command)
  minor    the newest minor of TYPE's major copied to the next minor, to evolve
  service  a runnable service on the front door: main.go, the catalogue it uses
           embedded, a handler stub per consumed type, and a test on the memory
           transport that publishes and handles each type
A name the protocol's rules refuse is refused with the rule; no file is ever
overwritten.
`

// newCmd runs "eventctl new".
func newCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, newUsage)
		return exitUsage
	}
	switch args[0] {
	case "event", "command", "minor":
		return newSchema(args[0], args[1:], stdout, stderr)
	case "service":
		return newService(args[1:], stdout, stderr)
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, newUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "eventctl new: unknown kind %q\n%s", args[0], newUsage)
	return exitUsage
}

// newSchema writes a schema: a new type's first, or the next minor.
func newSchema(kind string, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("new "+kind, newUsage, stdout, stderr)
	catalog := fs.String("catalog", "", "schema catalogue folder (required)")
	shape := fs.String("shape", "", "event: notification, state or delta (required)")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "eventctl new %s: give one type\n", kind)
		fs.Usage()
		return exitUsage
	}
	if code := fs.misuse(nil, "catalog"); code != exitOK {
		return code
	}
	t, err := naming.ParseType(rest[0])
	if err != nil {
		fmt.Fprintf(stderr, "eventctl new %s: %v\n", kind, err)
		return exitInvalid
	}
	var path string
	var doc []byte
	switch kind {
	case "minor":
		path, doc, err = nextMinor(*catalog, t)
	default:
		path, doc, err = skeleton(*catalog, kind, t, *shape)
	}
	if err != nil {
		fmt.Fprintf(stderr, "eventctl new %s: %v\n", kind, err)
		if errors.Is(err, errUsage) {
			return exitUsage
		}
		return exitInvalid
	}
	if err := createNew(path, doc); err != nil {
		fmt.Fprintf(stderr, "eventctl new %s: %v\n", kind, err)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return exitOK
}

// errUsage marks a mistake in the command's use, rather than in what it
// names.
var errUsage = errors.New("usage")

// createNew writes a file that must not exist yet, and its folder.
func createNew(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: nothing is overwritten", path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// idBase returns the $id prefix of a catalogue's schemas (the part before
// /<type>/<version>), https://schemas.elmo.example for an empty one.
func idBase(dir string) string {
	if cat, err := schema.LoadDir(dir); err == nil {
		for _, s := range cat.Schemas() {
			id := s.ID()
			if base, ok := strings.CutSuffix(id.URI, "/"+unversioned(id.Type)+"/"+id.Version()); ok {
				return base
			}
		}
	}
	return "https://schemas.elmo.example"
}

// unversioned is a type's name without its major, as a $id has it:
// elmo.leave.absence.approved.
func unversioned(t naming.Type) string {
	return strings.TrimSuffix(t.String(), ".v"+strconv.Itoa(t.Major()))
}

// skeleton returns the path and document of a new type's first schema.
func skeleton(dir, kind string, t naming.Type, shape string) (string, []byte, error) {
	action := t.Action()
	pastErr := naming.PastTense{}.Check(action)
	switch {
	case kind == "event" && pastErr != nil:
		return "", nil, fmt.Errorf("%s: rule past-tense: an event's action names what happened, in the past tense: %w", t, pastErr)
	case kind == "command" && pastErr == nil:
		return "", nil, fmt.Errorf("%s: rule imperative: a command's action names what to do (generate, approve), not what happened", t)
	case kind == "event" && !slices.Contains(schema.Shapes, shape):
		return "", nil, fmt.Errorf("%w: --shape must be %s", errUsage, strings.Join(schema.Shapes, ", "))
	case kind == "command" && shape != "":
		return "", nil, fmt.Errorf("%w: a command takes no --shape", errUsage)
	}
	if cat, err := schema.LoadDir(dir); err == nil && len(cat.Versions(t)) > 0 {
		return "", nil, fmt.Errorf("%s has schemas already: evolve it with eventctl new minor", t)
	}
	id := schema.ID{URI: fmt.Sprintf("%s/%s/%d.0", idBase(dir), unversioned(t), t.Major()), Type: t}
	entity, words := t.Entity(), strings.ReplaceAll(t.Entity(), "_", " ")
	subject := camel(entity)
	example := map[string]any{subject: fmt.Sprintf("ern:%s:%s:acme:%s/%s-1", t.Org(), t.Domain(), entity, entity[:1])}
	props := object{
		{Key: subject, Value: object{{Key: "type", Value: "string"}, {Key: "format", Value: "ern"}, {Key: "description", Value: "The " + words + " (the event's subject)."}}},
	}
	required := []any{subject}
	doc := object{
		{Key: "$schema", Value: schema.Draft202012},
		{Key: "$id", Value: id.URI},
	}
	title := strings.ToUpper(words[:1]) + words[1:] + " " + strings.ReplaceAll(action, "_", " ")
	if kind == "command" {
		doc = append(doc, member{Key: "title", Value: strings.ToUpper(action[:1]) + strings.ReplaceAll(action[1:], "_", " ") + " a " + words},
			member{Key: "description", Value: "Asks the service that owns it to " + strings.ReplaceAll(action, "_", " ") + " a " + words + "; it may be refused. Say what, and when."},
			member{Key: schema.KindKeyword, Value: schema.KindCommand})
	} else {
		doc = append(doc, member{Key: "title", Value: title},
			member{Key: "description", Value: "A " + words + " was " + strings.ReplaceAll(action, "_", " ") + ". Say what happened, and when."},
			member{Key: schema.ShapeKeyword, Value: shape})
		switch shape {
		case schema.ShapeState:
			props = append(props, member{Key: "version", Value: object{{Key: "type", Value: "integer"}, {Key: "minimum", Value: 1}, {Key: "description", Value: "The " + words + "'s version: it increases with every change."}}})
			required = append(required, "version")
			example["version"] = 1
		case schema.ShapeDelta:
			props = append(props, member{Key: "changes", Value: object{{Key: "type", Value: "object"}, {Key: "additionalProperties", Value: false}, {Key: "properties", Value: object{}}, {Key: "description", Value: "Each changed field's new value."}}})
			required = append(required, "changes")
			example["changes"] = map[string]any{}
		}
	}
	doc = append(doc,
		member{Key: "type", Value: "object"},
		member{Key: "additionalProperties", Value: false},
		member{Key: "required", Value: required},
		member{Key: "properties", Value: props},
		member{Key: "examples", Value: []any{example}})
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, id.Path()), append(b, '\n'), nil
}

// nextMinor returns the path and document of the next minor of t's major:
// a copy of the newest with its $id's minor raised.
func nextMinor(dir string, t naming.Type) (string, []byte, error) {
	cat, err := schema.LoadDir(dir)
	if err != nil {
		return "", nil, err
	}
	versions := cat.Versions(t)
	if len(versions) == 0 {
		return "", nil, fmt.Errorf("%s has no schema in %s: start it with eventctl new event (or command)", t, dir)
	}
	newest := versions[len(versions)-1]
	next := newest.ID()
	next.Minor++
	old := "/" + newest.ID().Version()
	next.URI = strings.TrimSuffix(newest.ID().URI, old) + "/" + next.Version()
	// The file as it is, its $id changed: formatting and order kept.
	b := bytes.Replace(newest.Bytes(), []byte(strconv.Quote(newest.ID().URI)), []byte(strconv.Quote(next.URI)), 1)
	return filepath.Join(dir, next.Path()), b, nil
}

// member is a JSON object's member; object keeps its members in order.
type (
	member struct {
		Key   string
		Value any
	}
	object []member
)

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// camel turns snake_case into camelCase: a member name.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
