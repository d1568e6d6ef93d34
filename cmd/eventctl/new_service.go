package main

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// newService writes a service skeleton on the front door.
func newService(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("new service", newUsage, stdout, stderr)
	catalog := fs.String("catalog", "", "schema catalogue folder (required)")
	out := fs.String("dir", "", "the folder to write the service to (required; it must not hold its files yet)")
	var consumes, publishes stringList
	fs.Var(&consumes, "consumes", "the types it handles, with their major; repeat or separate with commas")
	fs.Var(&publishes, "publishes", "the types it publishes, with their major")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "eventctl new service: give one service name")
		fs.Usage()
		return exitUsage
	}
	if code := fs.misuse(nil, "catalog", "dir"); code != exitOK {
		return code
	}
	name := rest[0]
	if _, err := (naming.AWSNames{Env: "dev"}).Queue(name, false); err != nil {
		fmt.Fprintf(stderr, "eventctl new service: %v\n", err)
		return exitInvalid
	}
	files, err := serviceFiles(*catalog, name, consumes, publishes)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl new service: %v\n", err)
		return exitInvalid
	}
	for _, f := range files { // nothing is written when anything exists
		if _, err := os.Stat(filepath.Join(*out, f.path)); err == nil {
			fmt.Fprintf(stderr, "eventctl new service: %s exists: nothing is overwritten\n", filepath.Join(*out, f.path))
			return exitInvalid
		}
	}
	for _, f := range files {
		if err := createNew(filepath.Join(*out, f.path), f.data); err != nil {
			fmt.Fprintf(stderr, "eventctl new service: %v\n", err)
			return exitUsage
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%d files): go test ./%s runs it on the memory transport\n", *out, len(files), filepath.Base(*out))
	return exitOK
}

// file is a file of a skeleton.
type file struct {
	path string
	data []byte
}

// handled is a type of the skeleton, with its Go names.
type handled struct {
	Type, Payload, Definition, Handler string
	Command                            bool
}

// definitionOf finds the generated definitions: var <Def> =
// event.MustDefine[<Payload>]("<type>".
var definitionOf = regexp.MustCompile(`var (\w+) = event\.MustDefine\[(\w+)\]\("([^"]+)"`)

// serviceFiles returns the skeleton's files.
func serviceFiles(dir, name string, consumes, publishes []string) ([]file, error) {
	cat, err := schema.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	var types []string
	for _, t := range append(slices.Clone(consumes), publishes...) {
		nt, err := naming.ParseType(t)
		if err != nil {
			return nil, err
		}
		if len(cat.Versions(nt)) == 0 {
			return nil, fmt.Errorf("%s has no schema in %s", t, dir)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("%w: give the types the service consumes or publishes", errUsage)
	}
	code, err := gengo.Generate(cat, &gengo.Config{Package: "main", Types: types})
	if err != nil {
		return nil, err
	}
	defs := map[string]handled{}
	for _, m := range definitionOf.FindAllSubmatch(code, -1) {
		t, _ := naming.ParseType(string(m[3]))
		defs[string(m[3])] = handled{Type: string(m[3]), Definition: string(m[1]), Payload: string(m[2]), Handler: "handle" + string(m[2]), Command: cat.IsCommand(t)}
	}
	files := []file{{"events.go", code}}
	for _, t := range types { // the schemas of each type's major, every minor
		nt, _ := naming.ParseType(t)
		for _, s := range cat.Versions(nt) {
			files = append(files, file{filepath.Join("catalog", s.ID().Path()), s.Bytes()})
		}
	}
	data := struct {
		Name                string
		Consumes, Publishes []handled
		PublishedByTheTest  []handled
	}{Name: name}
	for _, t := range consumes {
		data.Consumes = append(data.Consumes, defs[t])
		data.PublishedByTheTest = append(data.PublishedByTheTest, defs[t])
	}
	for _, t := range publishes {
		h := defs[t]
		data.Publishes = append(data.Publishes, h)
		if !h.Command && !slices.Contains(consumes, t) { // a command goes to its owner, which a derived topology does not know
			data.PublishedByTheTest = append(data.PublishedByTheTest, h)
		}
	}
	for _, tpl := range []struct{ path, text string }{{"main.go", mainTemplate}, {"main_test.go", testTemplate}} {
		var b bytes.Buffer
		if err := template.Must(template.New(tpl.path).Parse(tpl.text)).Execute(&b, data); err != nil {
			return nil, err
		}
		src, err := format.Source(b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tpl.path, err)
		}
		files = append(files, file{tpl.path, src})
	}
	return files, nil
}

var mainTemplate = strings.TrimLeft(`
// Command {{.Name}} is a service on the ELMO event protocol{{if .Consumes}}: it handles{{range $i, $h := .Consumes}}{{if $i}},{{end}} {{$h.Type}}{{end}}{{end}}{{if .Publishes}}; it publishes{{range $i, $h := .Publishes}}{{if $i}},{{end}} {{$h.Type}}{{end}}{{end}}.
//
// ELMO_TRANSPORT and ELMO_STORE say where it runs (default: in memory);
// see the library's docs/service.md. Written by eventctl new service.
package main

import (
	"context"
	"embed"
	"log"
	"os"
	"os/signal"
	"syscall"
{{if .Consumes}}
	"github.com/elmosoftware/eventprotocol/envelope"{{end}}
	"github.com/elmosoftware/eventprotocol/service"
)

// catalog holds the payload schemas of the types the service uses.
//
//go:embed catalog
var catalog embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := open(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := svc.Run(ctx, nil); err != nil {
		log.Fatal(err)
	}
}

// open opens the service and registers its handlers.
func open(ctx context.Context, cfg *service.Config) (*service.Service, error) {
	svc, err := service.Open(ctx, "{{.Name}}", catalog, cfg)
	if err != nil {
		return nil, err
	}
{{- range .Consumes}}
	if err := service.Handle(svc, {{.Definition}}, {{.Handler}}); err != nil {
		return nil, err
	}
{{- end}}
	return svc, nil
}
{{range .Consumes}}
// {{.Handler}} handles {{.Type}}. An error is retried with backoff; one
// that matches transport.ErrPermanent dead-letters the event at once.
func {{.Handler}}(ctx context.Context, e *envelope.Envelope, p {{.Payload}}) error {
	_ = p // what the service does with it{{if $.Publishes}}; it publishes with service.Publish{{end}}
	return nil
}
{{end}}`, "\n")

var testTemplate = strings.TrimLeft(`
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/service"
	"github.com/elmosoftware/eventprotocol/transport"
)

// TestOnMemory publishes an example of each type the service handles or
// publishes, on the memory transport, and waits until each handled one is.
func TestOnMemory(t *testing.T) {
	t.Setenv("ELMO_TRANSPORT", "mem://")
	t.Setenv("ELMO_STORE", "mem://")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	handled := make(chan string, 16)
	svc, err := open(ctx, &service.Config{Consumer: &transport.ConsumerConfig{Hooks: &transport.ConsumerHooks{
		Settled: func(_ context.Context, d *transport.Delivery, s transport.Settlement) {
			handled <- d.Envelope.Type + " " + s.Outcome.String()
		}}}})
	require.NoError(t, err)
	require.NoError(t, svc.Start(ctx))
	defer svc.Close(context.Background()) //nolint:errcheck
{{range .PublishedByTheTest}}
	publishExample(ctx, t, svc, {{.Definition}})
{{- end}}
{{- range .Consumes}}
	select {
	case got := <-handled:
		require.Contains(t, got, " handled")
	case <-ctx.Done():
		t.Fatal("{{.Type}} was not handled")
	}
{{- end}}
}

// publishExample publishes the first example of def's schema.
func publishExample[T any](ctx context.Context, t *testing.T, svc *service.Service, def *event.Definition[T]) {
	t.Helper()
	s, ok := svc.Catalog().Lookup(def.Type())
	require.True(t, ok, "the catalogue has %s", def.Type())
	var doc struct {
		Examples []json.RawMessage `+"`json:\"examples\"`"+`
	}
	require.NoError(t, json.Unmarshal(s.Bytes(), &doc))
	require.NotEmpty(t, doc.Examples, "%s has an example", def.Type())
	var p T
	require.NoError(t, json.Unmarshal(doc.Examples[0], &p))
	ty := def.Type()
	subject := fmt.Sprintf("ern:%s:%s:acme:%s/example-1", ty.Org(), ty.Domain(), ty.Entity())
	_, err := service.Publish(ctx, svc, def, subject, p)
	require.NoError(t, err)
}
`, "\n")
