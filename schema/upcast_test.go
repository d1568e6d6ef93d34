package schema_test

import (
	"errors"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// upcastCatalog is absence.approved v1.0 and v2.0, the second declaring
// upcast (a JSON member, or "" for none) and, with v2Minor, a v2.1.
func upcastCatalog(upcast string, v1Upcast bool) fstest.MapFS {
	doc := func(version, props, required, example, extra string) []byte {
		return []byte(fmt.Sprintf(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
			"$id":"https://schemas.elmo.example/elmo.leave.absence.approved/%s","title":"Absence approved","description":"Leave taken.",
			"x-elmo-shape":"notification","type":"object","additionalProperties":false,%s
			"required":%s,"properties":{%s},"examples":[%s]}`, version, extra, required, props, example))
	}
	v1extra := ""
	if v1Upcast {
		v1extra = `"x-elmo-upcast":{"drop":["legacy"]},`
	}
	v2extra := ""
	if upcast != "" {
		v2extra = `"x-elmo-upcast":` + upcast + `,`
	}
	return fstest.MapFS{
		"leave/absence.approved.v1.0.json": {Data: doc("1.0", `"employee":{"type":"string","format":"ern"},"days":{"type":"string"},"legacy":{"type":"string"}`,
			`["employee","days"]`, `{"employee":"ern:elmo:hr:acme:employee/e-1","days":"2","legacy":"X"},{"employee":"ern:elmo:hr:acme:employee/e-1","days":"1"}`, v1extra)},
		"leave/absence.approved.v2.0.json": {Data: doc("2.0", `"employee":{"type":"string","format":"ern"},"amount":{"type":"string"},"unit":{"enum":["DAYS","HOURS"]}`,
			`["employee","amount","unit"]`, `{"employee":"ern:elmo:hr:acme:employee/e-1","amount":"2","unit":"DAYS"}`, v2extra)},
	}
}

const goodUpcast = `{"drop":["legacy"],"rename":{"days":"amount"},"set":{"unit":"DAYS"}}`

func TestDeclaredUpcast(t *testing.T) {
	cat, err := schema.Load(upcastCatalog(goodUpcast, false))
	require.NoError(t, err)
	ups := cat.Upcasts()
	require.Len(t, ups, 1)
	assert.Equal(t, "elmo.leave.absence.approved.v1", ups[0].From.String())
	assert.Equal(t, "https://schemas.elmo.example/elmo.leave.absence.approved/2.0", ups[0].DataSchema)
	u, err := envelope.NewUpcasters(ups...)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New("elmo.leave.absence.approved.v1", []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1","days":"2","legacy":"X"}`))
	require.NoError(t, err)
	got, _, err := u.Newest(&e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"employee":"ern:elmo:hr:acme:employee/e-1","amount":"2","unit":"DAYS"}`, string(got.Data))
	assert.Empty(t, schema.CheckUpcasts(cat, ups))

	findings, err := schema.Lint(upcastCatalog(goodUpcast, false), nil)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

func TestUpcastLint(t *testing.T) {
	for _, tc := range []struct {
		name     string
		upcast   string
		v1Upcast bool
		says     string
	}{
		{"not on a new major", goodUpcast, true, "first minor of a major from 2 on"},
		{"malformed", `{"rename":{"days":7}}`, false, "malformed"},
		{"an unknown member", `{"move":["days"]}`, false, "malformed"},
		{"a result the new major refuses", `{"rename":{"days":"amount"}}`, false, "upcast elmo.leave.absence.approved.v1 to elmo.leave.absence.approved.v2, leave/absence.approved.v1.0.json#/examples/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			findings, err := schema.Lint(upcastCatalog(tc.upcast, tc.v1Upcast), nil)
			require.NoError(t, err)
			var upcasts []string
			for _, f := range findings {
				if f.Rule == schema.LintUpcast {
					upcasts = append(upcasts, f.Message)
				}
			}
			require.NotEmpty(t, upcasts, "findings: %v", findings)
			assert.Contains(t, fmt.Sprint(upcasts), tc.says)
			assert.NotContains(t, fmt.Sprint(upcasts), "ern:elmo:hr", "no example values")
		})
	}
}

// TestCheckUpcastsInGo: an upcast written in Go is checked as eventctl
// compat checks the declared ones.
func TestCheckUpcastsInGo(t *testing.T) {
	cat, err := schema.Load(upcastCatalog("", false))
	require.NoError(t, err)
	from, _ := naming.ParseType("elmo.leave.absence.approved.v1")
	to, _ := naming.ParseType("elmo.leave.absence.approved.v2")
	broken := envelope.Upcast{From: from, To: to, Convert: func([]byte) ([]byte, error) { return nil, errors.New("/days: unreadable") }}
	problems := schema.CheckUpcasts(cat, []envelope.Upcast{broken})
	require.Len(t, problems, 2, "one per example of v1")
	assert.ErrorContains(t, problems[0], "/days: unreadable")
	unknown, _ := naming.ParseType("elmo.leave.absence.amended.v2")
	assert.Len(t, schema.CheckUpcasts(cat, []envelope.Upcast{{From: from, To: unknown, Convert: broken.Convert}}), 1)
}
