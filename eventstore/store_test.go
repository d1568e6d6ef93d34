package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
	"github.com/elmosoftware/eventprotocol/internal/testcatalog"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name     string
		backend  eventstore.Backend
		cfg      *eventstore.Config
		settings []string
	}{
		{"nil config", memory.New(), nil, nil},
		{"zero config", memory.New(), &eventstore.Config{}, nil},
		{"no backend", nil, nil, []string{"eventstore.New backend"}},
		{"negative page", memory.New(), &eventstore.Config{PageSize: -1}, []string{"eventstore.Config.PageSize"}},
		{"all at once", nil, &eventstore.Config{PageSize: -1, PollInterval: -time.Second}, []string{"eventstore.New backend", "eventstore.Config.PageSize", "eventstore.Config.PollInterval"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := eventstore.New(tc.backend, tc.cfg)
			if tc.settings == nil {
				require.NoError(t, err)
				require.NotNil(t, s)
				return
			}
			require.ErrorIs(t, err, config.ErrInvalid)
			for _, setting := range tc.settings {
				assert.ErrorContains(t, err, setting)
			}
		})
	}
	s, err := memory.NewStore(nil)
	require.NoError(t, err)
	require.ErrorIs(t, s.Subscribe(context.Background(), "p", nil, nil), config.ErrInvalid)
}

// TestValidator: with the catalogue as its validator, the store refuses a
// payload its schema refuses, naming the pointer and never the value, and
// stores what conforms.
func TestValidator(t *testing.T) {
	catalog, err := schema.LoadDir(testcatalog.Dir())
	require.NoError(t, err)
	s, err := memory.NewStore(&eventstore.Config{Validator: catalog})
	require.NoError(t, err)
	ctx := context.Background()
	p := &envelope.Producer{Source: "urn:elmo:service:hr"}
	hired := func(data string) *envelope.Envelope {
		e, err := p.New("elmo.hr.employee.hired.v1", []byte(data))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		e.DataSchema = "https://schemas.elmo.example/elmo.hr.employee.hired/1.0"
		return &e
	}
	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	_, err = s.Append(ctx, st, eventstore.Any, hired(`{"employee":"ern:elmo:hr:acme:employee/e-1","hireDate":"2026-01-05"}`), hired(`{"employee":"ern:elmo:hr:acme:employee/e-1","hireDate":"secret-value"}`))
	require.ErrorIs(t, err, eventstore.ErrInvalidEvent)
	var ee *eventstore.EventError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.Index)
	var v *schema.ValidationError
	assert.True(t, errors.As(err, &v), "the schema's violation is in the chain: %v", err)
	assert.ErrorContains(t, err, "/hireDate")
	assert.NotContains(t, err.Error(), "secret-value")

	res, err := s.Append(ctx, st, eventstore.Any, hired(`{"employee":"ern:elmo:hr:acme:employee/e-1","hireDate":"2026-01-05"}`))
	require.NoError(t, err)
	assert.Equal(t, 1, res.Stored)
}

// TestRecordEnvelope: what a record holds decodes to the envelope
// appended, and a record altered in storage is an error, not a panic.
func TestRecordEnvelope(t *testing.T) {
	r := eventstore.Record{Raw: []byte(`{"specversion":"1.0"`)}
	_, err := r.Envelope()
	require.Error(t, err)
}

// TestWaitPollsOnTheClock: an append of another process (here another
// Store over the same backend, which no notification reaches) is seen at
// the next poll, which the store's clock paces.
func TestWaitPollsOnTheClock(t *testing.T) {
	backend := memory.New()
	clock := config.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	waiting, err := eventstore.New(backend, &eventstore.Config{Clock: clock, PollInterval: time.Minute})
	require.NoError(t, err)
	other, err := eventstore.New(backend, nil)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- waiting.Wait(context.Background(), 0) }()
	require.Eventually(t, func() bool { return clock.Waiting() == 1 }, 10*time.Second, time.Millisecond, "Wait waits for its poll")
	e := storetest.Event(t, "ern:elmo:hr:acme:employee/e-1", time.Time{}, 40)
	_, err = other.Append(context.Background(), eventstore.Stream{Name: e.Subject}, eventstore.Any, e)
	require.NoError(t, err)
	select {
	case err := <-done:
		t.Fatalf("Wait returned before its poll: %v", err)
	default:
	}
	clock.Advance(time.Minute)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the poll did not see the append")
	}
}

// TestStoresCommands: the store keeps commands (a process manager's, for
// its outbox) as strictly as events, but for the tense of their action.
func TestStoresCommands(t *testing.T) {
	s, err := memory.NewStore(nil)
	require.NoError(t, err)
	ctx := context.Background()
	for _, tc := range []struct {
		name, subject string
		ok            bool
	}{
		{"a command", "ern:elmo:payroll:acme:payslip/p-1", true},
		{"a command breaking another rule", "not an ern", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := (&envelope.Producer{Source: "urn:elmo:service:payroll"}).New("elmo.payroll.payslip.generate.v1", []byte(`{}`))
			require.NoError(t, err)
			e.Subject, e.TenantID = tc.subject, "acme"
			_, err = s.Append(ctx, eventstore.Stream{Name: "payslips"}, eventstore.Any, &e)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, eventstore.ErrInvalidEvent)
			}
		})
	}
}

// TestDecodeUpcasts: the store keeps an event of an old major as it was
// appended; Decode returns it upcast.
func TestDecodeUpcasts(t *testing.T) {
	ctx := context.Background()
	from, err := naming.ParseType("elmo.hr.employee.hired.v1")
	require.NoError(t, err)
	to, err := from.WithMajor(2)
	require.NoError(t, err)
	ups, err := envelope.NewUpcasters(envelope.Upcast{From: from, To: to, Convert: func(data []byte) ([]byte, error) {
		return []byte(`{"v1":` + string(data) + `}`), nil
	}})
	require.NoError(t, err)
	s, err := memory.NewStore(&eventstore.Config{Upcasters: ups})
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(from.String(), []byte(`{"n":1}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	st := eventstore.Stream{Name: e.Subject}
	_, err = s.Append(ctx, st, eventstore.Any, &e)
	require.NoError(t, err)
	for rec, err := range s.ReadStream(ctx, st, 0) {
		require.NoError(t, err)
		stored, err := rec.Envelope()
		require.NoError(t, err)
		assert.Equal(t, from.String(), stored.Type, "stored as appended")
		got, err := s.Decode(rec)
		require.NoError(t, err)
		assert.Equal(t, to.String(), got.Type)
		assert.JSONEq(t, `{"v1":{"n":1}}`, string(got.Data))
		assert.Equal(t, from.String(), got.Extensions[envelope.ExtUpcastFrom])
	}
}

// TestPrepareEncoded: an event's own bytes are stored as they are, after
// the checks of any append.
func TestPrepareEncoded(t *testing.T) {
	ctx := context.Background()
	s, err := memory.NewStore(nil)
	require.NoError(t, err)
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New("elmo.hr.employee.hired.v1", []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	raw, err := e.MarshalJSON()
	require.NoError(t, err)
	raw = append([]byte("  "), raw...)
	st := eventstore.Stream{Name: e.Subject}
	batch, err := s.PrepareEncoded(ctx, st, eventstore.Any, &e, raw)
	require.NoError(t, err)
	res, err := s.Backend().Append(ctx, batch)
	require.NoError(t, err)
	s.Appended(res)
	for rec, err := range s.ReadStream(ctx, st, 0) {
		require.NoError(t, err)
		assert.Equal(t, string(raw), string(rec.Raw))
	}
	bad := e
	bad.Subject = "not an ern"
	for _, tc := range []struct {
		name string
		e    *envelope.Envelope
		raw  []byte
	}{{"no bytes", &e, nil}, {"an invalid event", &bad, raw}} {
		_, err := s.PrepareEncoded(ctx, st, eventstore.Any, tc.e, tc.raw)
		assert.ErrorIs(t, err, eventstore.ErrInvalidEvent, tc.name)
	}
}
