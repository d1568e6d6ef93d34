package schema_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

const catalogDir = "../testdata/catalog"

func loadCatalog(t testing.TB) *schema.Catalog {
	t.Helper()
	c, err := schema.LoadDir(catalogDir)
	require.NoError(t, err)
	return c
}

func TestParseID(t *testing.T) {
	id, err := schema.ParseID("https://schemas.elmo.example/elmo.leave.absence.approved/1.2")
	require.NoError(t, err)
	assert.Equal(t, naming.MustParseType("elmo.leave.absence.approved.v1"), id.Type)
	assert.Equal(t, 2, id.Minor)
	assert.Equal(t, "1.2", id.Version())
	assert.Equal(t, "leave/absence.approved.v1.2.json", id.Path())

	for _, bad := range []string{
		"", "/elmo.leave.absence.approved/1.2", "https://x/elmo.leave.absence.approved/1",
		"https://x/elmo.leave.absence.approved/1.02", "https://x/elmo.leave.absence.approved/0.1",
		"https://x/elmo.leave.absence.approved/1.2#", "https://x/elmo.leave.absence.approved/1.2?q=1",
		"https://x/elmo.leave.absence.Approved/1.0", "https://x/1.0", "https://x/elmo.leave.absence.approved/a.b",
	} {
		_, err := schema.ParseID(bad)
		assert.ErrorIs(t, err, schema.ErrID, bad)
	}
}

func TestCatalogLookups(t *testing.T) {
	c := loadCatalog(t)
	assert.Len(t, c.Schemas(), 11)
	signedUp := naming.MustParseType("elmo.identity.client.signed_up.v1")
	latest, ok := c.Lookup(signedUp)
	require.True(t, ok)
	assert.Equal(t, 2, latest.ID().Minor)
	assert.Equal(t, "identity/client.signed_up.v1.2.json", latest.Path())
	assert.Len(t, c.Versions(signedUp), 3)
	_, ok = c.Lookup(naming.MustParseType("elmo.identity.client.signed_up.v2"))
	assert.False(t, ok)
	s, ok := c.ByID("https://schemas.elmo.example/elmo.identity.client.signed_up/1.0")
	require.True(t, ok)
	assert.Equal(t, 0, s.ID().Minor)
	assert.True(t, bytes.Contains(s.Bytes(), []byte(`"$id"`)))
}

func event(typ, dataschema, data string) *envelope.Envelope {
	return &envelope.Envelope{SpecVersion: "1.0", ID: "1", Source: "urn:elmo:service:x", Type: typ, DataSchema: dataschema, Data: []byte(data)}
}

func TestCatalogFor(t *testing.T) {
	c := loadCatalog(t)
	const approved = "elmo.leave.absence.approved.v1"
	cases := []struct {
		name       string
		e          *envelope.Envelope
		wantMinor  int
		wantErr    error
		errMention string
	}{
		{"latest minor by type", event(approved, "", `{}`), 1, nil, ""},
		{"exact minor by dataschema", event(approved, "https://schemas.elmo.example/elmo.leave.absence.approved/1.0", `{}`), 0, nil, ""},
		{"unknown type", event("elmo.leave.absence.rejected.v1", "", `{}`), 0, schema.ErrUnknownSchema, "elmo.leave.absence.rejected.v1"},
		{"unknown major", event("elmo.leave.absence.approved.v2", "", `{}`), 0, schema.ErrUnknownSchema, "v2"},
		{"unknown dataschema", event(approved, "https://schemas.elmo.example/elmo.leave.absence.approved/1.7", `{}`), 0, schema.ErrUnknownSchema, "1.7"},
		{"dataschema of another type", event(approved, "https://schemas.elmo.example/elmo.hr.employee.hired/1.0", `{}`), 0, schema.ErrSchemaMismatch, "elmo.hr.employee.hired.v1"},
		{"invalid type", event("nope", "", `{}`), 0, schema.ErrUnknownSchema, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := c.For(tc.e)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Contains(t, err.Error(), tc.errMention)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantMinor, s.ID().Minor)
		})
	}
}

func TestCatalogValidate(t *testing.T) {
	c := loadCatalog(t)
	const adjusted = "elmo.leave.balance.adjusted.v1"
	cases := []struct {
		name string
		e    *envelope.Envelope
		want []schema.Violation // nil: valid
		err  error
	}{
		{"valid", event(adjusted, "", `{"employee":"ern:elmo:hr:acme:employee/e-1","days":"-2.5","reason":"CASH_OUT"}`), nil, nil},
		{"every violation, sorted", event(adjusted, "", `{"employee":"ern:x","days":"1.x","reason":"Foo","extra":1}`), []schema.Violation{
			{Pointer: "", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/additionalProperties"},
			{Pointer: "/days", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/$defs/decimal/pattern"},
			{Pointer: "/employee", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/properties/employee/format"},
			{Pointer: "/reason", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/properties/reason/enum"},
		}, schema.ErrInvalidData},
		{"missing required", event(adjusted, "", `{"employee":"ern:elmo:hr:acme:employee/e-1"}`), []schema.Violation{
			{Pointer: "", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/required"},
		}, schema.ErrInvalidData},
		{"data_base64 is validated too", &envelope.Envelope{Type: adjusted, DataBase64: []byte(`{"days":1}`)}, []schema.Violation{
			{Pointer: "", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/required"},
			{Pointer: "/days", SchemaLocation: "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/$defs/decimal/type"},
		}, schema.ErrInvalidData},
		{"no data", &envelope.Envelope{Type: adjusted}, nil, envelope.ErrNoData},
		{"malformed data", event(adjusted, "", `{"days":`), nil, envelope.ErrMalformed},
		{"unknown type", event("elmo.leave.balance.frozen.v1", "", `{}`), nil, schema.ErrUnknownSchema},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Validate(tc.e)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			if tc.want == nil {
				return
			}
			var ve *schema.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Violations, len(tc.want), "%v", ve)
			for i, v := range ve.Violations {
				assert.Equal(t, tc.want[i].Pointer, v.Pointer)
				assert.Equal(t, tc.want[i].SchemaLocation, v.SchemaLocation)
				assert.NotEmpty(t, v.Message)
			}
		})
	}
}

func TestFormatsAreAsserted(t *testing.T) {
	fsys := fstest.MapFS{"x/thing.happened.v1.0.json": {Data: []byte(`{
		"$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.0",
		"type": "object",
		"properties": {
			"dt": {"format": "date-time"}, "d": {"format": "date"}, "u": {"format": "uuid"},
			"e": {"format": "email"}, "uri": {"format": "uri"}, "ern": {"format": "ern"}
		}
	}`)}}
	c, err := schema.Load(fsys)
	require.NoError(t, err)
	s, _ := c.Lookup(naming.MustParseType("elmo.x.thing.happened.v1"))
	cases := []struct{ field, good, bad string }{
		{"dt", "2026-11-26T10:00:00Z", "2026-11-26 10:00"},
		{"d", "2026-02-28", "2026-02-30"},
		{"u", "019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d", "019a6b1e"},
		{"e", "ops@acme.example", "ops.acme.example"},
		{"uri", "https://acme.example/x", "not a uri"},
		{"ern", "ern:elmo:hr:acme:employee/e-1001", "ern:elmo:hr"},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			assert.NoError(t, s.Validate([]byte(fmt.Sprintf(`{%q:%q}`, tc.field, tc.good))))
			err := s.Validate([]byte(fmt.Sprintf(`{%q:%q}`, tc.field, tc.bad)))
			var ve *schema.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "/"+tc.field, ve.Violations[0].Pointer)
			assert.Contains(t, ve.Violations[0].SchemaLocation, "/format")
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const id = `"$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.0"`
	cases := []struct {
		name  string
		files map[string]string
		want  error
	}{
		{"invalid JSON", map[string]string{"x/a.json": `{"$id": `}, schema.ErrJSON},
		{"not an object", map[string]string{"x/a.json": `[1]`}, schema.ErrJSON},
		{"unknown draft", map[string]string{"x/a.json": `{"$schema": "http://json-schema.org/draft-07/schema#", ` + id + `}`}, schema.ErrDraft},
		{"unresolvable local $ref", map[string]string{"x/a.json": `{` + id + `, "$ref": "#/$defs/missing"}`}, schema.ErrRef},
		{"remote $ref is never fetched", map[string]string{"x/a.json": `{` + id + `, "properties": {"a": {"$ref": "https://example.com/other.json"}}}`}, schema.ErrRef},
		{"relative $ref to a file", map[string]string{"x/a.json": `{` + id + `, "$ref": "other.json"}`}, schema.ErrRef},
		{"$ref to itself", map[string]string{"x/a.json": `{` + id + `, "$ref": "#"}`}, schema.ErrRefLoop},
		{"$ref loop through $defs", map[string]string{"x/a.json": `{` + id + `, "properties": {"p": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}}}`}, schema.ErrRefLoop},
		{"missing $id", map[string]string{"x/a.json": `{"type": "object"}`}, schema.ErrID},
		{"bad $id", map[string]string{"x/a.json": `{"$id": "https://x/thing/1.0"}`}, schema.ErrID},
		{"duplicate $id", map[string]string{"x/a.json": `{` + id + `}`, "x/b.json": `{` + id + `}`}, schema.ErrDuplicate},
		{"invalid keyword value", map[string]string{"x/a.json": `{` + id + `, "minLength": "two"}`}, schema.ErrCompile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, data := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := schema.Load(fsys)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, schema.ErrLoad)
			var le *schema.LoadError
			require.ErrorAs(t, err, &le)
			assert.True(t, strings.HasPrefix(le.Path, "x/"), le.Path)
		})
	}
}

func TestRecursiveSchemaLoadsAndValidates(t *testing.T) {
	fsys := fstest.MapFS{"x/thing.happened.v1.0.json": {Data: []byte(`{
		"$id": "https://schemas.elmo.example/elmo.x.thing.happened/1.0",
		"type": "object", "additionalProperties": false,
		"properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}}
	}`)}}
	c, err := schema.Load(fsys)
	require.NoError(t, err)
	s, _ := c.Lookup(naming.MustParseType("elmo.x.thing.happened.v1"))
	require.NoError(t, s.Validate([]byte(`{"name":"a","children":[{"name":"b","children":[]}]}`)))
	var ve *schema.ValidationError
	require.ErrorAs(t, s.Validate([]byte(`{"children":[{"children":[{"name":1}]}]}`)), &ve)
	assert.Equal(t, "/children/0/children/0/name", ve.Violations[0].Pointer)
}

func TestLoadDirMissing(t *testing.T) {
	_, err := schema.LoadDir(filepath.Join(t.TempDir(), "nope"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestValidateConcurrently(t *testing.T) {
	c := loadCatalog(t)
	good := event("elmo.leave.balance.adjusted.v1", "", `{"employee":"ern:elmo:hr:acme:employee/e-1","days":"1","reason":"OTHER"}`)
	bad := event("elmo.leave.balance.adjusted.v1", "", `{"days":"x"}`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				errs <- c.Validate(good)
			} else if err := c.Validate(bad); err == nil {
				errs <- fmt.Errorf("invalid payload passed")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

// The envelope schema agrees with the validator on the shared test data.
func TestEnvelopeSchema(t *testing.T) {
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	comp.RegisterFormat(&jsonschema.Format{Name: "ern", Validate: func(v any) error {
		s, _ := v.(string)
		_, err := naming.ParseERN(s)
		return err
	}})
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.EnvelopeSchema()))
	require.NoError(t, err)
	require.NoError(t, comp.AddResource("envelope.json", doc))
	s, err := comp.Compile("envelope.json")
	require.NoError(t, err)

	valid, _ := filepath.Glob("../testdata/envelopes/valid/elmo/*.json")
	require.NotEmpty(t, valid)
	for _, f := range valid {
		for _, ev := range readEvents(t, f) {
			assert.NoError(t, s.Validate(ev), f)
		}
	}
	// Invalid files whose rule is about shape, which a schema can express.
	for _, rule := range []string{"required--no-subject", "required--no-time", "required--no-correlationid", "utc--time-with-offset", "utc--time-microseconds", "traceparent--uppercase", "authtype--unknown", "extension_name--longer-than-20", "data_object--array-data", "source--not-a-service-urn", "subject--not-an-ern"} {
		f := "../testdata/envelopes/invalid/elmo/" + rule + ".json"
		for _, ev := range readEvents(t, f) {
			assert.Error(t, s.Validate(ev), f)
		}
	}
}

func readEvents(t *testing.T, path string) []any {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}
