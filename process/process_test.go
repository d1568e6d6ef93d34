package process_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	pgstore "github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/internal/postgres"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/process"
)

// The leave approval the tests run: a request asks the manager (a
// command) and sets a deadline; an answer, or the deadline, closes it and
// notifies the employee.
const (
	typeSubmitted = "elmo.leave.request.submitted.v1"
	typeApprove   = "elmo.leave.request.approve.v1" // a command
	typeAnswered  = "elmo.leave.request.answered.v1"
	typeExpired   = "elmo.leave.request.expired.v1"
	typeNotified  = "elmo.leave.employee.notified.v1"
	typeAsked     = "elmo.leave.approval.asked.v1"
	typeClosed    = "elmo.leave.approval.closed.v1"
)

type approval struct {
	Asked   bool
	Outcome string // "" while open
}

var leave = &envelope.Producer{Source: "urn:elmo:service:leave"}

func caused(t testing.TB, cause *envelope.Envelope, typ, data string) *envelope.Envelope {
	e, err := leave.Caused(cause, typ, []byte(data))
	require.NoError(t, err)
	e.Subject, e.TenantID = cause.Subject, cause.TenantID
	return &e
}

func definition(t testing.TB, clock config.Clock) process.Definition[approval] {
	return process.Definition[approval]{
		Name: "leave-approval",
		Evolve: func(s approval, fact *envelope.Envelope) (approval, error) {
			switch fact.Type {
			case typeAsked:
				s.Asked = true
			case typeClosed:
				s.Outcome = string(fact.Data)
			}
			return s, nil
		},
		Decide: func(_ context.Context, s approval, m *envelope.Envelope) (process.Decision, error) {
			switch {
			case m.Type == typeSubmitted && !s.Asked:
				return process.Decision{
					Record:    []*envelope.Envelope{caused(t, m, typeAsked, `{}`)},
					Send:      []*envelope.Envelope{caused(t, m, typeApprove, `{}`)},
					Deadlines: []process.Deadline{{At: clock.Now().Add(time.Hour), Event: caused(t, m, typeExpired, `{}`)}},
				}, nil
			case (m.Type == typeAnswered || m.Type == typeExpired) && s.Asked && s.Outcome == "":
				outcome := `{"outcome":"APPROVED"}`
				if m.Type == typeExpired {
					outcome = `{"outcome":"EXPIRED"}`
				}
				return process.Decision{
					Record: []*envelope.Envelope{caused(t, m, typeClosed, outcome)},
					Send:   []*envelope.Envelope{caused(t, m, typeNotified, outcome)},
				}, nil
			}
			return process.Decision{}, nil // moot: a late answer, a deadline after the answer
		},
	}
}

// manager is a manager of the tests' process on a store.
func manager(t testing.TB, store *eventstore.Store, clock config.Clock) *process.Manager[approval] {
	m, err := process.New(store, definition(t, clock), &process.Config{Clock: clock})
	require.NoError(t, err)
	return m
}

func submitted(t testing.TB) *envelope.Envelope {
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typeSubmitted, []byte(`{"days":"2"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	return &e
}

// backend opens stores on one database, as restarts of a service would.
type backend struct {
	name string
	open func(t *testing.T) func(cfg *eventstore.Config) *eventstore.Store
}

var (
	pgOnce     sync.Once
	pg         *postgres.Server
	pgErr      error
	searchPath atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		_ = pg.Stop()
	}
	os.Exit(code)
}

func backends() []backend {
	return []backend{
		{"SQLite", func(t *testing.T) func(cfg *eventstore.Config) *eventstore.Store {
			path := filepath.Join(t.TempDir(), "events.db")
			return func(cfg *eventstore.Config) *eventstore.Store {
				s, err := sqlite.NewStore(context.Background(), path, cfg)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
		{"PostgreSQL", func(t *testing.T) func(cfg *eventstore.Config) *eventstore.Store {
			pgOnce.Do(func() { pg, pgErr = postgres.Start(context.Background()) })
			require.NoError(t, pgErr, "PostgreSQL 15 must start for this test")
			dsn := pg.DSN + fmt.Sprintf("&search_path=p%d", searchPath.Add(1))
			return func(cfg *eventstore.Config) *eventstore.Store {
				s, err := pgstore.NewStore(context.Background(), dsn, cfg)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
	}
}

// sent returns the types of what the relay would publish, in order.
func sent(t *testing.T, s *eventstore.Store) []string {
	var out []string
	for rec, err := range s.ReadAll(context.Background(), 0) {
		require.NoError(t, err)
		e, err := rec.Envelope()
		require.NoError(t, err)
		if process.Publishable(&e) {
			out = append(out, e.Type)
		}
	}
	return out
}

// TestExactlyOnce: a message decides once however often it comes, across
// restarts, and an answer closes the process; what the relay would publish
// is what the process sends.
func TestExactlyOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open := b.open(t)
			clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			m := manager(t, open(nil), clock)
			req := submitted(t)
			require.NoError(t, m.Handle(ctx, req))
			require.NoError(t, m.Handle(ctx, req), "a redelivery")

			restarted := open(nil) // the service restarted
			again := manager(t, restarted, clock)
			require.NoError(t, again.Handle(ctx, req), "a redelivery after the restart")
			assert.Equal(t, []string{typeApprove}, sent(t, restarted), "asked once")

			require.NoError(t, again.Handle(ctx, caused(t, req, typeAnswered, `{"approved":true}`)))
			assert.Equal(t, []string{typeApprove, typeNotified}, sent(t, restarted))
		})
	}
}

// TestConcurrentDeliveries: two instances of the service handle one
// message at once: it decides once.
func TestConcurrentDeliveries(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open := b.open(t)
			clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			req := submitted(t)
			var wg sync.WaitGroup
			failed := make(chan error, 2)
			for range 2 {
				m := manager(t, open(nil), clock)
				wg.Add(1)
				go func() {
					defer wg.Done()
					// A conflict (or a busy database) is passing: the
					// consumer would deliver the message again.
					var err error
					for range 100 {
						if err = m.Handle(ctx, req); err == nil {
							return
						}
					}
					failed <- err
				}()
			}
			wg.Wait()
			close(failed)
			for err := range failed {
				require.NoError(t, err, "still failing after 100 deliveries")
			}
			assert.Equal(t, []string{typeApprove}, sent(t, open(nil)))
		})
	}
}

// TestDeadline: nothing answered in time, the deadline closes the process
// and tells the employee; a manager started after the restart finds the
// deadline handled and fires nothing again.
func TestDeadline(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open := b.open(t)
			clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			store := open(nil)
			m := manager(t, store, clock)
			require.NoError(t, m.Handle(ctx, submitted(t)))

			// The service restarts before the deadline: the new manager loads it.
			later := manager(t, open(nil), clock)
			run, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- later.Run(run) }()
			require.Eventually(t, func() bool { return clock.Waiting() > 0 }, 10*time.Second, time.Millisecond, "the deadline is waited for")
			assert.Equal(t, 1, later.Pending())
			clock.Advance(time.Hour)
			require.Eventually(t, func() bool { return len(sent(t, store)) == 2 }, 10*time.Second, 10*time.Millisecond)
			require.Eventually(t, func() bool { return later.Pending() == 0 }, 10*time.Second, time.Millisecond)
			stop()
			<-done
			assert.Equal(t, []string{typeApprove, typeNotified}, sent(t, store))

			again := manager(t, open(nil), clock)
			run, stop = context.WithCancel(ctx)
			go func() { done <- again.Run(run) }()
			clock.Advance(2 * time.Hour)
			stop()
			<-done
			assert.Equal(t, []string{typeApprove, typeNotified}, sent(t, store), "the handled deadline does not fire again")
		})
	}
}

// TestRefusals: a definition without its functions, and a message that
// names no instance, are typed errors.
func TestRefusals(t *testing.T) {
	store, err := sqlite.NewStore(context.Background(), filepath.Join(t.TempDir(), "events.db"), nil)
	require.NoError(t, err)
	defer store.Close()
	clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		store *eventstore.Store
		def   process.Definition[approval]
	}{
		{"no store", nil, definition(t, clock)},
		{"no name", store, process.Definition[approval]{Evolve: definition(t, clock).Evolve, Decide: definition(t, clock).Decide}},
		{"no decide", store, process.Definition[approval]{Name: "x", Evolve: definition(t, clock).Evolve}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := process.New(tc.store, tc.def, nil)
			require.ErrorIs(t, err, config.ErrInvalid)
		})
	}
	m, err := process.New(store, definition(t, clock), nil)
	require.NoError(t, err)
	orphan := submitted(t)
	orphan.CorrelationID = ""
	require.ErrorIs(t, m.Handle(context.Background(), orphan), process.ErrNoInstance)
}

// TestFactsUpcast: a process whose code knows the v2 of a fact it
// recorded as v1 reads its old facts upcast.
func TestFactsUpcast(t *testing.T) {
	ctx := context.Background()
	const askedV2 = "elmo.leave.approval.asked.v2"
	from, err := naming.ParseType(typeAsked)
	require.NoError(t, err)
	to, err := naming.ParseType(askedV2)
	require.NoError(t, err)
	ups, err := envelope.NewUpcasters(envelope.Upcast{From: from, To: to, Convert: func(data []byte) ([]byte, error) { return data, nil }})
	require.NoError(t, err)
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			store := b.open(t)(&eventstore.Config{Upcasters: ups})
			clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			def := definition(t, clock)
			evolve := def.Evolve
			def.Evolve = func(s approval, fact *envelope.Envelope) (approval, error) {
				if fact.Type == typeAsked {
					return s, fmt.Errorf("the v1 fact reached new code")
				}
				if fact.Type == askedV2 {
					s.Asked = true
				}
				return evolve(s, fact)
			}
			req := submitted(t)
			old := caused(t, req, typeAsked, `{}`)
			old.Extensions = map[string]any{process.RoleAttr: process.RoleFact}
			_, err = store.Append(ctx, eventstore.Stream{Name: "process/leave-approval/" + req.CorrelationID}, eventstore.Any, old)
			require.NoError(t, err)

			m, err := process.New(store, def, &process.Config{Clock: clock})
			require.NoError(t, err)
			require.NoError(t, m.Handle(ctx, req))
			assert.Empty(t, sent(t, store), "asked already, as the upcast fact says")
		})
	}
}
