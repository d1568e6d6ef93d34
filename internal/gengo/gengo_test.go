package gengo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/schema"
)

// definitions finds the generated event.Definition of each event type:
// its payload type by event type.
var definitions = regexp.MustCompile(`var \w+Event = event\.MustDefine\[(\w+)\]\("([^"]+)"`)

// harness is a program that round-trips payloads through the generated
// types: for each input line {"type", "example"} it decodes the example
// into the type's payload struct (unknown members refused), encodes it,
// checks that decoding that again gives the same value, and prints
// {"out"} or {"err"}.
const harness = `package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"gentest/events"
)

func roundTrip[T any](raw json.RawMessage, tolerant bool) (json.RawMessage, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !tolerant {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var again T
	if err := json.Unmarshal(out, &again); err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(v, again) {
		return nil, fmt.Errorf("decoding the encoding gives another value")
	}
	return out, nil
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var in struct {
			Type     string          ` + "`json:\"type\"`" + `
			Example  json.RawMessage ` + "`json:\"example\"`" + `
			Tolerant bool            ` + "`json:\"tolerant\"`" + `
		}
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			panic(err)
		}
		var out json.RawMessage
		var err error
		switch in.Type {
%s		default:
			err = fmt.Errorf("no generated type for %%s", in.Type)
		}
		res := map[string]any{"out": out}
		if err != nil {
			res = map[string]any{"err": err.Error()}
		}
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
}
`

// runHarness builds the generated code as package events of a module
// beside the repository and round-trips the inputs through it.
func runHarness(t *testing.T, code []byte, inputs []string) []string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	var cases strings.Builder
	for _, m := range definitions.FindAllSubmatch(code, -1) {
		fmt.Fprintf(&cases, "\t\tcase events.%sEvent.Type().String():\n\t\t\tout, err = roundTrip[events.%s](in.Example, in.Tolerant)\n", m[1], m[1])
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	files := map[string]string{
		"go.mod":           "module gentest\n\ngo 1.24\n\nrequire github.com/elmosoftware/eventprotocol v0.0.0\n\nreplace github.com/elmosoftware/eventprotocol => " + root + "\n",
		"go.sum":           string(sum),
		"events/events.go": string(code),
		"main.go":          fmt.Sprintf(harness, cases.String()),
	}
	for name, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	cmd.Stdin = strings.NewReader(strings.Join(inputs, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "the generated code does not build or run:\n%s", stderr.String())
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.Len(t, lines, len(inputs))
	return lines
}

// TestConsumersAreTolerant: a payload of a later minor, with an
// enumeration value and a member the generated type does not know, decodes
// (a tolerant consumer), and the value survives a round trip; unlike
// go-jsonschema's types, whose enumerations refuse unknown values.
func TestConsumersAreTolerant(t *testing.T) {
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	code, err := gengo.Generate(cat, &gengo.Config{Package: "events", Types: []string{"elmo.identity.client.signed_up.v1"}})
	require.NoError(t, err)
	in := `{"type":"elmo.identity.client.signed_up.v1","tolerant":true,"example":{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme","plan":"PLATINUM","contactEmail":"ops@acme.example","loyalty":3}}`
	lines := runHarness(t, code, []string{in})
	var res struct {
		Out json.RawMessage `json:"out"`
		Err string          `json:"err"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &res))
	require.Empty(t, res.Err)
	assert.JSONEq(t, `{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme","plan":"PLATINUM","contactEmail":"ops@acme.example"}`, string(res.Out))
}

// TestEveryExampleRoundTrips: the code generated for the repository's
// catalogue and for this package's (every construct the generator maps)
// is gofmt'ed, the same twice, compiles, and every example of every
// schema, minors before the newest included, decodes into the generated
// type, encodes back to the same JSON, and validates.
func TestEveryExampleRoundTrips(t *testing.T) {
	for _, dir := range []string{"../../testdata/catalog", "testdata/catalog"} {
		t.Run(dir, func(t *testing.T) {
			cat, err := schema.LoadDir(dir)
			require.NoError(t, err)
			code, err := gengo.Generate(cat, &gengo.Config{Package: "events"})
			require.NoError(t, err)
			formatted, err := format.Source(code)
			require.NoError(t, err)
			require.Equal(t, string(formatted), string(code), "gofmt'ed")
			again, err := gengo.Generate(cat, &gengo.Config{Package: "events"})
			require.NoError(t, err)
			require.Equal(t, string(code), string(again), "deterministic")

			type example struct {
				schema *schema.Schema
				raw    json.RawMessage
			}
			var examples []example
			var inputs []string
			for _, s := range cat.Schemas() {
				var doc struct {
					Examples []json.RawMessage `json:"examples"`
				}
				require.NoError(t, json.Unmarshal(s.Bytes(), &doc))
				for _, ex := range doc.Examples {
					in, err := json.Marshal(map[string]any{"type": s.ID().Type.String(), "example": ex})
					require.NoError(t, err)
					examples = append(examples, example{s, ex})
					inputs = append(inputs, string(in))
				}
			}
			require.NotEmpty(t, examples)
			for i, line := range runHarness(t, code, inputs) {
				var res struct {
					Out json.RawMessage `json:"out"`
					Err string          `json:"err"`
				}
				require.NoError(t, json.Unmarshal([]byte(line), &res))
				ex := examples[i]
				require.Empty(t, res.Err, "%s example %s", ex.schema.Path(), ex.raw)
				assert.JSONEq(t, string(ex.raw), string(res.Out), "%s: the example comes back as it went", ex.schema.Path())
				assert.NoError(t, ex.schema.Validate(res.Out), "%s: the encoding validates", ex.schema.Path())
			}
		})
	}
}

// catalogWith is a catalogue of one schema whose property "x" is prop,
// with defs as its $defs.
func catalogWith(t *testing.T, prop, defs string) *schema.Catalog {
	t.Helper()
	doc := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://schemas.elmo.example/elmo.shop.thing.made/1.0",
"title":"Thing made","description":"d","type":"object","additionalProperties":false,"required":["x"],
"properties":{"x":` + prop + `},"$defs":{` + defs + `}}`
	other := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://schemas.elmo.example/elmo.shop.other.made/1.0",
"title":"Other made","description":"d","type":"object","additionalProperties":false,"properties":{}}`
	cat, err := schema.Load(fstest.MapFS{"shop/thing.made.v1.0.json": {Data: []byte(doc)}, "shop/other.made.v1.0.json": {Data: []byte(other)}})
	require.NoError(t, err, doc)
	return cat
}

// TestUnsupported: a construct with no faithful Go type is an error that
// names the schema and the construct's pointer, never code.
func TestUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name, prop, defs, pointer string
	}{
		{"oneOf without discriminator", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, ``, "/properties/x/oneOf"},
		{"oneOf of objects without const", `{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false},{"type":"object","properties":{"b":{"type":"string"}},"required":["b"],"additionalProperties":false}]}`, ``, "/properties/x/oneOf"},
		{"several types", `{"type":["string","integer"]}`, ``, "/properties/x/type"},
		{"patternProperties", `{"type":"object","patternProperties":{"^a":{"type":"string"}},"additionalProperties":false}`, ``, "/properties/x/patternProperties"},
		{"prefixItems", `{"type":"array","prefixItems":[{"type":"string"}]}`, ``, "/properties/x/prefixItems"},
		{"if then else", `{"type":"object","additionalProperties":true,"if":{"required":["a"]},"then":{"required":["b"]}}`, ``, "/properties/x/if"},
		{"enum of numbers", `{"enum":[1,2]}`, ``, "/properties/x/enum/0"},
		{"enum value not UPPER_SNAKE", `{"enum":["ok","Fine"]}`, ``, "/properties/x/enum/0"},
		{"const number", `{"const":3}`, ``, "/properties/x/const"},
		{"ref to another schema", `{"$ref":"https://schemas.elmo.example/elmo.shop.other.made/1.0"}`, ``, "/properties/x/$ref"},
		{"recursive ref", `{"$ref":"#/$defs/node"}`, `"node":{"type":"object","additionalProperties":false,"required":["next"],"properties":{"next":{"$ref":"#/$defs/node"}}}`, "/$defs/node/properties/next/$ref"},
		{"false schema", `false`, ``, "/properties/x"},
		{"allOf with a closed part", `{"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false},{"type":"object","properties":{"b":{"type":"string"}}}]}`, ``, "/properties/x/allOf/0/additionalProperties"},
		{"allOf of a string", `{"allOf":[{"type":"string"}]}`, ``, "/properties/x/allOf/0"},
		{"fields that collide", `{"type":"object","additionalProperties":false,"properties":{"a_b":{"type":"string"},"aB":{"type":"string"}}}`, ``, "/properties/x/properties/aB"},
		{"null only", `{"type":"null"}`, ``, "/properties/x/type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := gengo.Generate(catalogWith(t, tc.prop, tc.defs), &gengo.Config{Types: []string{"elmo.shop.thing.made.v1"}})
			require.ErrorIs(t, err, gengo.ErrUnsupported)
			assert.Nil(t, code)
			var ue *gengo.UnsupportedError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, "shop/thing.made.v1.0.json", ue.Schema)
			assert.Equal(t, tc.pointer, ue.Pointer, "%v", err)
			assert.Contains(t, err.Error(), "shop/thing.made.v1.0.json#"+tc.pointer)
		})
	}
}

// TestConfig: the package name, the types selected, and bad entries.
func TestConfig(t *testing.T) {
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		cfg   *gengo.Config
		want  []string // payload types
		err   error
		inErr string
	}{
		{"defaults", nil, []string{"ClientSignedUp", "PayRunCompleted", "EmployeeHired"}, nil, ""},
		{"one major", &gengo.Config{Package: "hr", Types: []string{"elmo.hr.employee.hired.v1"}}, []string{"EmployeeHired"}, nil, ""},
		{"every major", &gengo.Config{Package: "id", Types: []string{"elmo.identity.client.signed_up"}}, []string{"ClientSignedUp"}, nil, ""},
		{"unknown type", &gengo.Config{Package: "x", Types: []string{"elmo.hr.employee.fired.v1", "elmo.hr.employee.hired.v1"}}, nil, gengo.ErrUnknownType, `"elmo.hr.employee.fired.v1"`},
		{"bad package", &gengo.Config{Package: "my-events"}, nil, gengo.ErrInvalidConfig, `"my-events"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := gengo.Generate(cat, tc.cfg)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), tc.inErr)
				return
			}
			require.NoError(t, err)
			pkg := "events"
			if tc.cfg != nil {
				pkg = tc.cfg.Package
			}
			assert.Contains(t, string(code), "\npackage "+pkg+"\n")
			var got []string
			for _, m := range definitions.FindAllSubmatch(code, -1) {
				got = append(got, string(m[1]))
			}
			if tc.cfg == nil {
				assert.Subset(t, got, tc.want)
				assert.Len(t, got, 8, "one per major of the catalogue")
			} else {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

// TestOptionalNullable: an optional member that may be null is a pointer
// omitted when nil, so null and absence decode alike: the one difference
// the generated types do not keep (the package doc says so).
func TestOptionalNullable(t *testing.T) {
	code, err := gengo.Generate(catalogWith(t, `{"type":"object","additionalProperties":false,"properties":{"n":{"type":["string","null"]}}}`, ""), &gengo.Config{Types: []string{"elmo.shop.thing.made.v1"}})
	require.NoError(t, err)
	assert.Contains(t, string(code), "N *string `json:\"n,omitzero\"`")
}

// TestShapeInDocComment: a payload type says which shape its events take.
func TestShapeInDocComment(t *testing.T) {
	cat, err := schema.LoadDir("../asyncapi/testdata/catalog")
	require.NoError(t, err)
	code, err := gengo.Generate(cat, &gengo.Config{Package: "events", Types: []string{"elmo.shop.order.placed.v1"}})
	require.NoError(t, err)
	prose := func(code []byte) string { // the comments' words, unwrapped
		return strings.Join(strings.Fields(strings.ReplaceAll(string(code), "//", "")), " ")
	}
	assert.Contains(t, prose(code), "Its events are of the state shape.")
	cat, err = schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	code, err = gengo.Generate(cat, &gengo.Config{Package: "events", Types: []string{"elmo.hr.employee.hired.v1"}})
	require.NoError(t, err)
	assert.Contains(t, prose(code), "Its events are of the notification shape.")
}

// TestCommandDefinition: a command's definition says so.
func TestCommandDefinition(t *testing.T) {
	cat, err := schema.Load(fstest.MapFS{"payroll/payslip.generate.v1.0.json": {Data: []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
		"$id":"https://schemas.elmo.example/elmo.payroll.payslip.generate/1.0","title":"Generate a payslip",
		"description":"Asks payroll to generate an employee's payslip.","x-elmo-kind":"command","type":"object",
		"additionalProperties":false,"required":["employee"],"properties":{"employee":{"type":"string","format":"ern"}},
		"examples":[{"employee":"ern:elmo:hr:acme:employee/e-1"}]}`)}})
	require.NoError(t, err)
	code, err := gengo.Generate(cat, &gengo.Config{Package: "events"})
	require.NoError(t, err)
	assert.Contains(t, string(code), `event.AsCommand())`)
	lines := runHarness(t, code, []string{`{"type":"elmo.payroll.payslip.generate.v1","example":{"employee":"ern:elmo:hr:acme:employee/e-1"}}`})
	var res struct{ Err string }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &res))
	assert.Empty(t, res.Err, "it compiles and decodes its example")
}
