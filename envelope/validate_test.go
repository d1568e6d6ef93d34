package envelope_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

func TestValidateReportsEverythingInStableOrder(t *testing.T) {
	in := []byte(`{"zext":1.5,"type":"elmo.leave.balance.Adjusted.v1","time":"2026-01-01T00:00:00+01:00",
		"source":"nope nope","Bad":"x","specversion":"0.3","tenantid":5}`)
	want := []struct {
		attr string
		rule *envelope.Rule
	}{
		{"specversion", envelope.ErrSpecVersion},
		{"id", envelope.ErrRequired},
		{"source", envelope.ErrURIReference},
		{"source", envelope.ErrSource},
		{"type", envelope.ErrTypeName},
		{"time", envelope.ErrUTC},
		{"subject", envelope.ErrRequired},
		{"tenantid", envelope.ErrType},
		{"correlationid", envelope.ErrRequired},
		{"Bad", envelope.ErrAttributeName},
		{"zext", envelope.ErrInteger},
	}
	for range 20 { // map iteration order must not leak into the result
		_, err := envelope.Validator{}.Check(in)
		var verr *envelope.ValidationError
		require.ErrorAs(t, err, &verr)
		require.Len(t, verr.Violations, len(want), err.Error())
		for i, w := range want {
			assert.Equal(t, w.attr, verr.Violations[i].Attribute, "violation %d", i)
			assert.Same(t, w.rule, verr.Violations[i].Rule, "violation %d: %v", i, verr.Violations[i])
		}
	}
}

func TestValidatorOptions(t *testing.T) {
	e := sampleEnvelope()
	require.NoError(t, envelope.Validator{}.Validate(&e))

	e.ID = "not-a-uuid"
	assert.NoError(t, envelope.Validator{Tolerant: true}.Validate(&e), "tolerant consumers accept any id")
	assert.ErrorIs(t, envelope.Validator{}.Validate(&e), envelope.ErrUUID)
	e.ID = "019A6B1E-7C2D-7A3B-8C4D-5E6F7A8B9C0D"
	assert.ErrorIs(t, envelope.Validator{}.Validate(&e), envelope.ErrUUID, "uppercase is not canonical")

	e = sampleEnvelope()
	e.TenantID = ""
	e.Subject = "ern:elmo:hr::employee/e-1001"
	assert.ErrorIs(t, envelope.Validator{}.Validate(&e), envelope.ErrRequired)
	tenantLess := func(typ naming.Type) bool { return typ.Domain() == "leave" }
	assert.NoError(t, envelope.Validator{TenantLess: tenantLess}.Validate(&e))

	acme := sampleEnvelope()
	acme.Source = "urn:acme:service:leave-balance"
	acme.Type = "acme.leave.balance.adjusted.v1"
	acme.Subject = "ern:acme:hr:acme:employee/e-1001"
	assert.NoError(t, envelope.Validator{Org: "acme"}.Validate(&acme))
	assert.ErrorIs(t, envelope.Validator{}.Validate(&acme), envelope.ErrTypeName)

	ce := envelope.Envelope{SpecVersion: "1.0", ID: "x", Source: "/s", Type: "t"}
	assert.NoError(t, envelope.Validator{Profile: envelope.CloudEvents}.Validate(&ce))
	assert.Error(t, envelope.Validator{Profile: envelope.ELMO}.Validate(&ce))
}

func TestValidateBatch(t *testing.T) {
	a, b := sampleEnvelope(), sampleEnvelope()
	require.NoError(t, envelope.Validator{}.ValidateBatch([]envelope.Envelope{a, b}))
	b.SpecVersion = "0.3"
	err := envelope.Validator{}.ValidateBatch([]envelope.Envelope{a, b})
	var berr *envelope.BatchError
	require.ErrorAs(t, err, &berr)
	require.Len(t, berr.Events, 1)
	assert.Equal(t, 1, berr.Events[0].Index)
	assert.ErrorIs(t, err, envelope.ErrBatchSpecVersion)
}

func TestProfileNames(t *testing.T) {
	for _, p := range []envelope.Profile{envelope.ELMO, envelope.CloudEvents} {
		got, err := envelope.ParseProfile(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	for _, bad := range []string{"strict", "", "ELMO"} {
		_, err := envelope.ParseProfile(bad)
		assert.ErrorIs(t, err, envelope.ErrUnknownProfile, bad)
	}
}

func TestValidateCatchesInvalidData(t *testing.T) {
	for _, data := range []string{`{} {}`, `{"a":1,}`, `{"a":"\xff"}`, `[1,]`} {
		e := sampleEnvelope()
		e.Data = []byte(data)
		for _, p := range []envelope.Profile{envelope.ELMO, envelope.CloudEvents} {
			assert.ErrorIs(t, envelope.Validator{Profile: p}.Validate(&e), envelope.ErrDataJSON, data)
		}
	}
}
