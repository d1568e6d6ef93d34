package envelope_test

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// fixedTime is the recorded time of the sample events.
var fixedTime = time.Date(2026, 11, 26, 9, 30, 15, 123_000_000, time.UTC)

// sampleEnvelope returns a valid ELMO envelope with every attribute set.
func sampleEnvelope() envelope.Envelope {
	return envelope.Envelope{
		SpecVersion:        "1.0",
		ID:                 "019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d",
		Source:             "urn:elmo:service:leave-balance",
		Type:               "elmo.leave.balance.adjusted.v1",
		Time:               fixedTime,
		Subject:            "ern:elmo:hr:acme:employee/e-1001",
		DataContentType:    "application/json",
		DataSchema:         "https://schemas.elmo.example/elmo.leave.balance.adjusted/1.2",
		Data:               json.RawMessage(`{"employee":"ern:elmo:hr:acme:employee/e-1001","days":"1.5","reason":"CORRECTION"}`),
		TenantID:           "acme",
		CorrelationID:      "019a6b1e-0000-7a3b-8c4d-5e6f7a8b9c0d",
		CausationID:        "019a6b1e-1111-7a3b-8c4d-5e6f7a8b9c0d",
		EffectiveTime:      time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		TraceParent:        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		TraceState:         "elmo=t61rcWkgMzE,congo=BleGNlZWRzIHRohbCBwbGVhc3VyZS4",
		PartitionKey:       "ern:elmo:hr:acme:employee/e-1001",
		Sequence:           "00000000000000000042",
		AuthType:           "user",
		AuthID:             "ern:elmo:identity:acme:user/u-7",
		DataClassification: "confidential",
		Extensions:         map[string]any{"region": "apac", "retries": int32(2), "replayed": false},
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
