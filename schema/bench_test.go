package schema

import (
	"bytes"
	"encoding/json"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

// benchSchema describes benchdata.Payload the way a catalogue would.
const benchSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://schemas.elmo.example/elmo.leave.absence.requested/1.0",
  "title": "Absence requested", "description": "Benchmark payload.",
  "type": "object", "additionalProperties": false,
  "required": ["employee", "leaveType", "days", "dates", "policy"],
  "$defs": {"decimal": {"type": "string", "pattern": "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$"}},
  "properties": {
    "employee": {"type": "string", "format": "ern"},
    "leaveType": {"enum": ["ANNUAL_LEAVE", "PERSONAL_LEAVE", "LONG_SERVICE_LEAVE"]},
    "days": {"$ref": "#/$defs/decimal"},
    "reason": {"type": "string", "pattern": "^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"},
    "comment": {"type": "string", "maxLength": 2000},
    "approvedBy": {"type": "string", "format": "ern"},
    "dates": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "date"}},
    "balance": {"type": "object", "additionalProperties": false,
      "properties": {"before": {"$ref": "#/$defs/decimal"}, "after": {"$ref": "#/$defs/decimal"}}},
    "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
    "policy": {"type": "object", "additionalProperties": false, "required": ["id"],
      "properties": {"id": {"type": "string", "format": "ern"}, "daysPerPeriod": {"$ref": "#/$defs/decimal"},
        "periodDays": {"type": "integer", "minimum": 1}, "anchorDate": {"type": "string", "format": "date"}}},
    "attachments": {"type": "integer", "minimum": 0},
    "urgent": {"type": "boolean"}
  }
}`

func benchSetup(b *testing.B) (*Catalog, *Schema, *envelope.Envelope) {
	c, err := Load(fstest.MapFS{"leave/absence.requested.v1.0.json": {Data: []byte(benchSchema)}})
	if err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(benchdata.NewPayload())
	if err != nil {
		b.Fatal(err)
	}
	e := &envelope.Envelope{Type: "elmo.leave.absence.requested.v1", Data: data}
	s, err := c.For(e)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Validate(e); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	return c, s, e
}

// BenchmarkValidateCatalog validates an envelope's payload through the
// catalogue: lookup, decode, validate.
func BenchmarkValidateCatalog(b *testing.B) {
	c, _, e := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Validate(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateRaw is the floor: the validator's own decode and
// Validate on the same compiled schema.
func BenchmarkValidateRaw(b *testing.B) {
	_, s, e := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.Data))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.compiled.Validate(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompare compares two versions of the benchmark schema.
func BenchmarkCompare(b *testing.B) {
	newer := bytes.Replace([]byte(benchSchema), []byte(`"LONG_SERVICE_LEAVE"]`), []byte(`"LONG_SERVICE_LEAVE", "UNPAID_LEAVE"]`), 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare([]byte(benchSchema), newer); err != nil {
			b.Fatal(err)
		}
	}
}
