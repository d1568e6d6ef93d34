package schema_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/testcatalog"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

const signedUpType = "elmo.identity.client.signed_up.v1"

func signedUpEvent(dataschemaMinor string, data string) *envelope.Envelope {
	e := &envelope.Envelope{Type: signedUpType, ID: "1", Data: json.RawMessage(data)}
	if dataschemaMinor != "" {
		e.DataSchema = "https://schemas.elmo.example/elmo.identity.client.signed_up/1." + dataschemaMinor
	}
	return e
}

// A payload written at 1.2 (a new optional member and a new enumeration
// value) read by a consumer whose catalogue stops at 1.0 (a closed model).
const (
	payloadV10 = `{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`
	payloadV12 = `{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme","plan":"TRIAL","contactEmail":"ops@acme.example","country":"NZ","seats":5}`
)

func TestTolerantConsumerReadsNewerMinor(t *testing.T) {
	old, err := testcatalog.SignedUpV10()
	require.NoError(t, err)
	s, ok := old.Lookup(mustType(signedUpType))
	require.True(t, ok)
	require.Equal(t, 0, s.ID().Minor, "the consumer's catalogue stops at 1.0")

	cases := []struct {
		name, minor, data string
		tolerant          error // nil: accepted
		strict            error
	}{
		{"1.0 data", "0", payloadV10, nil, nil},
		{"1.0 data without dataschema", "", payloadV10, nil, nil},
		{"1.2 data naming 1.2", "2", payloadV12, nil, schema.ErrUnknownSchema},
		{"1.2 data without dataschema", "", payloadV12, nil, schema.ErrInvalidData},
		{"unknown member holding anything", "2", strings.Replace(payloadV10, `"plan"`, `"extra":{"deep":[1,null]},"plan"`, 1), nil, schema.ErrUnknownSchema},
		{"unknown value not UPPER_SNAKE_CASE", "2", strings.Replace(payloadV10, `"STANDARD"`, `"trial"`, 1), schema.ErrInvalidData, schema.ErrUnknownSchema},
		{"unknown value of the wrong type", "2", strings.Replace(payloadV10, `"STANDARD"`, `7`, 1), schema.ErrInvalidData, schema.ErrUnknownSchema},
		{"known member of the wrong type", "2", strings.Replace(payloadV12, `"Acme"`, `7`, 1), schema.ErrInvalidData, schema.ErrUnknownSchema},
		{"known member too long", "", strings.Replace(payloadV10, `"Acme"`, `"`+strings.Repeat("a", 201)+`"`, 1), schema.ErrInvalidData, schema.ErrInvalidData},
		{"required member missing", "2", strings.Replace(payloadV12, `"companyName":"Acme",`, ``, 1), schema.ErrInvalidData, schema.ErrUnknownSchema},
		{"known format broken", "", strings.Replace(payloadV10, `ops@acme.example`, `not-an-email`, 1), schema.ErrInvalidData, schema.ErrInvalidData},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := signedUpEvent(tc.minor, tc.data)
			check := func(err, want error) {
				t.Helper()
				if want == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, want)
				}
			}
			check(old.ValidateTolerant(e), tc.tolerant)
			check(old.Validate(e), tc.strict)
		})
	}
}

func TestTolerantForRefusesOtherTypes(t *testing.T) {
	cat := loadCatalog(t)
	e := signedUpEvent("", payloadV10)
	e.Type = "elmo.identity.client.signed_up.v2"
	require.ErrorIs(t, cat.ValidateTolerant(e), schema.ErrUnknownSchema, "an unknown major is refused")

	e = signedUpEvent("", payloadV10)
	e.DataSchema = "https://schemas.elmo.example/elmo.identity.client.signed_up/2.0"
	require.ErrorIs(t, cat.ValidateTolerant(e), schema.ErrSchemaMismatch)
	e.DataSchema = "https://schemas.elmo.example/elmo.leave.absence.approved/1.0"
	require.ErrorIs(t, cat.ValidateTolerant(e), schema.ErrSchemaMismatch)

	e = signedUpEvent("7", payloadV10)
	s, err := cat.TolerantFor(e)
	require.NoError(t, err)
	assert.Equal(t, 2, s.ID().Minor, "the newest minor the catalogue knows")

	e.Data = nil
	require.ErrorIs(t, cat.ValidateTolerant(e), envelope.ErrNoData)
}

func TestViolationsQuoteNoPayloadValues(t *testing.T) {
	const marker = "MARKER7c1e"
	cat := loadCatalog(t)
	payloads := []string{
		strings.Replace(payloadV10, `ops@acme.example`, marker, 1),                    // format email
		strings.Replace(payloadV10, `ern:elmo:identity:acme:client/acme`, marker, 1),  // format ern
		strings.Replace(payloadV12, `"NZ"`, `"`+marker+`"`, 1),                        // pattern
		strings.Replace(payloadV12, `"seats":5`, `"seats":-987654`, 1),                // minimum
		strings.Replace(payloadV10, `"STANDARD"`, `"`+marker+`"`, 1),                  // enum
		strings.Replace(payloadV10, `"Acme"`, `"`+strings.Repeat(marker, 30)+`"`, 1),  // maxLength
		strings.Replace(payloadV10, `"Acme"`, `1e999`, 1),                             // number out of range
		strings.Replace(payloadV10, `"plan"`, `"companyName":"`+marker+`","plan"`, 1), // duplicate member
	}
	for i, p := range payloads {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, err := range []error{
				cat.Validate(signedUpEvent("2", p)),
				cat.ValidateTolerant(signedUpEvent("", p)),
			} {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), marker)
				assert.NotContains(t, err.Error(), "987654")
			}
		})
	}
}

func TestValidateBoundsNumbersFirst(t *testing.T) {
	cat := loadCatalog(t)
	for _, n := range []string{`1e999999`, `-1e-999999`, strings.Repeat("9", 5000)} {
		err := cat.Validate(signedUpEvent("", strings.Replace(payloadV10, `"Acme"`, n, 1)))
		require.ErrorIs(t, err, envelope.ErrNumber)
	}
}

func TestLoadManyAnchors(t *testing.T) {
	// Thousands of $anchor references resolve in one pass over the
	// document each (the time is measured in BenchmarkLoadAnchors).
	doc := anchorSchema(2000)
	c, err := schema.Load(fstestFS(map[string]string{"x/thing.happened.v1.0.json": doc}))
	require.NoError(t, err)
	s, _ := c.Lookup(mustType("elmo.x.thing.happened.v1"))
	require.NoError(t, s.Validate([]byte(`{"p0":"a","p1999":"b"}`)))
	require.ErrorIs(t, s.Validate([]byte(`{"p5":7}`)), schema.ErrInvalidData)
}

// anchorSchema returns a schema with n properties, each a reference to an
// $anchor of its own.
func anchorSchema(n int) string {
	var props, defs []string
	for i := range n {
		props = append(props, fmt.Sprintf(`"p%d":{"$ref":"#a%d"}`, i, i))
		defs = append(defs, fmt.Sprintf(`"d%d":{"$anchor":"a%d","type":"string"}`, i, i))
	}
	return `{"$id":"https://schemas.elmo.example/elmo.x.thing.happened/1.0","type":"object","properties":{` +
		strings.Join(props, ",") + `},"$defs":{` + strings.Join(defs, ",") + `}}`
}

func mustType(s string) naming.Type { return naming.MustParseType(s) }

func fstestFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}
