package envelope_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

func mustType(t *testing.T, s string) naming.Type {
	typ, err := naming.ParseType(s)
	require.NoError(t, err)
	return typ
}

// wrap returns an upcast that wraps the payload in a member named name.
func wrap(t *testing.T, from, to, name string) envelope.Upcast {
	return envelope.Upcast{From: mustType(t, from), To: mustType(t, to), DataSchema: "https://schemas.elmo.example/" + to,
		Convert: func(data []byte) ([]byte, error) { return append(append([]byte(`{"`+name+`":`), data...), '}'), nil }}
}

func TestUpcasters(t *testing.T) {
	const v1, v2, v3 = "elmo.leave.absence.approved.v1", "elmo.leave.absence.approved.v2", "elmo.leave.absence.approved.v3"
	u, err := envelope.NewUpcasters(wrap(t, v1, v2, "a"), wrap(t, v2, v3, "b"))
	require.NoError(t, err)
	assert.Equal(t, []string{v1, v2, v3}, u.Path(v1))
	assert.Equal(t, []string{v3}, u.Path(v3))

	e, err := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New(v1, []byte(`{"days":"1"}`))
	require.NoError(t, err)
	e.Subject, e.Extensions = "ern:elmo:hr:acme:employee/e-1", map[string]any{"other": "kept"}
	for _, tc := range []struct {
		target, data string
	}{
		{v2, `{"a":{"days":"1"}}`},
		{v3, `{"b":{"a":{"days":"1"}}}`},
	} {
		t.Run(tc.target, func(t *testing.T) {
			got, changed, err := u.To(&e, tc.target)
			require.NoError(t, err)
			assert.True(t, changed)
			assert.Equal(t, tc.target, got.Type)
			assert.JSONEq(t, tc.data, string(got.Data))
			assert.Equal(t, v1, got.Extensions[envelope.ExtUpcastFrom])
			assert.Equal(t, "kept", got.Extensions["other"])
			assert.Equal(t, "https://schemas.elmo.example/"+tc.target, got.DataSchema)
			assert.Equal(t, []any{e.ID, e.Source, e.Subject}, []any{got.ID, got.Source, got.Subject})
		})
	}
	newest, changed, err := u.Newest(&e)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, v3, newest.Type)
	assert.Equal(t, v1, e.Type, "the original is untouched")
	assert.Nil(t, e.Extensions[envelope.ExtUpcastFrom])

	same, changed, err := u.To(&e, v1)
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Same(t, &e, same)

	_, _, err = u.To(&e, "elmo.leave.absence.approved.v9")
	assert.ErrorIs(t, err, envelope.ErrUpcast)
	var nilU *envelope.Upcasters
	assert.Equal(t, []string{v1}, nilU.Path(v1))
	assert.Zero(t, nilU.Len())
}

func TestUpcastersRefuse(t *testing.T) {
	const v1, v2, v3 = "elmo.leave.absence.approved.v1", "elmo.leave.absence.approved.v2", "elmo.leave.absence.approved.v3"
	failing := wrap(t, v1, v2, "a")
	failing.Convert = func([]byte) ([]byte, error) { return nil, errors.New("/days: required") }
	for _, tc := range []struct {
		name    string
		upcasts []envelope.Upcast
	}{
		{"skips a major", []envelope.Upcast{wrap(t, v1, v3, "a")}},
		{"another type", []envelope.Upcast{wrap(t, v1, "elmo.leave.absence.amended.v2", "a")}},
		{"backwards", []envelope.Upcast{wrap(t, v2, v1, "a")}},
		{"two from one type", []envelope.Upcast{wrap(t, v1, v2, "a"), wrap(t, v1, v2, "b")}},
		{"no conversion", []envelope.Upcast{{From: mustType(t, v1), To: mustType(t, v2)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := envelope.NewUpcasters(tc.upcasts...)
			assert.ErrorIs(t, err, envelope.ErrUpcast)
		})
	}
	u, err := envelope.NewUpcasters(failing)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New(v1, []byte(`{"days":"1"}`))
	require.NoError(t, err)
	_, _, err = u.Newest(&e)
	assert.ErrorIs(t, err, envelope.ErrUpcast)
	assert.ErrorContains(t, err, "/days: required")
}
