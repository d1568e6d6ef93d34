package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// api is a running service over a SQLite store, behind httptest.
type api struct {
	t    *testing.T
	url  string
	svc  *service
	stop func()
}

func startAPI(t *testing.T, db string, now time.Time) *api {
	t.Helper()
	return startAPIWith(t, db, now, func(*service) {})
}

// startAPIWith starts a service that setup changed before it started.
func startAPIWith(t *testing.T, db string, now time.Time, setup func(*service)) *api {
	t.Helper()
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	store, err := openStore(context.Background(), db, cat)
	require.NoError(t, err)
	svc := newService(store, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	setup(svc)
	ctx, cancel := context.WithCancel(context.Background())
	projected := make(chan error, 1)
	go func() { projected <- svc.project(ctx) }()
	srv := httptest.NewServer(svc.handler())
	a := &api{t: t, url: srv.URL, svc: svc}
	a.stop = func() {
		srv.Close()
		cancel()
		<-projected
		_ = store.Close()
	}
	t.Cleanup(func() {
		if a.stop != nil {
			a.stop()
		}
	})
	return a
}

func (a *api) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	require.NoError(a.t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(a.t, err)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(a.t, json.Unmarshal(raw, &out), "%s", raw)
		if res.StatusCode >= 400 {
			assert.Equal(a.t, "application/json", res.Header.Get("Content-Type"))
		}
	}
	return res.StatusCode, out
}

const empPath = "/v1/employees/ern:elmo:hr:acme:employee%2Fe-1001"

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestServeAPI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "leave.db")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	a := startAPI(t, db, now)

	code, body := a.do("GET", empPath+"/balance?on=2026-03-31", "")
	assert.Equal(t, http.StatusNotFound, code, "%v", body)
	assert.Equal(t, "unknown_employee", errCode(body))

	for _, c := range []struct{ path, body string }{
		{"/hires", `{"hireDate":"2026-01-05","expectedVersion":0}`},
		{"/policies", `{"daysPerPeriod":"1.5","periodDays":14,"anchorDate":"2026-01-05","expectedVersion":1}`},
		{"/absences", `{"date":"2026-02-16","days":"1"}`},
	} {
		code, body := a.do("POST", empPath+c.path, c.body)
		require.Equal(t, http.StatusCreated, code, "%s: %v", c.path, body)
	}
	code, body = a.do("POST", empPath+"/absences", `{"date":"2026-04-07","days":"2","expectedVersion":1}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "version_conflict", errCode(body))
	code, body = a.do("POST", empPath+"/absences", `{"date":"2026-04-07","days":"2","expectedVersion":3}`)
	require.Equal(t, http.StatusCreated, code, body)
	absence, _ := body["id"].(string)
	code, body = a.do("POST", empPath+"/absences/"+absence+"/amendments", `{"days":"1"}`)
	require.Equal(t, http.StatusCreated, code, body)
	// An amendment needs an approved absence of that id.
	for _, id := range []string{"019a0000-0000-7000-8000-000000000000", body["id"].(string)} { // none; the amendment itself
		code, body := a.do("POST", empPath+"/absences/"+id+"/amendments", `{"days":"1"}`)
		assert.Equal(t, http.StatusNotFound, code, "%s: %v", id, body)
		assert.Equal(t, "unknown_absence", errCode(body), id)
	}

	// The same facts through the ledger directly.
	want := ledger.NewLedger(0)
	for r, err := range mustStore(t, db).ReadStream(context.Background(), eventstore.Stream{Name: demoEmployee.String()}, 0) {
		require.NoError(t, err)
		e, err := r.Envelope()
		require.NoError(t, err)
		require.NoError(t, want.Add(&e))
	}
	for _, on := range []string{"2026-01-04", "2026-03-31", "2026-06-30", "2026-12-31"} {
		code, body := a.do("GET", empPath+"/balance?on="+on, "")
		require.Equal(t, http.StatusOK, code, body)
		bal, err := want.Balance(demoEmployee, date(on), now)
		require.NoError(t, err)
		assert.Equal(t, bal.String(), body["balance"], on)
	}

	// A what-if branch: its absence changes its answer, never the main one.
	code, body = a.do("POST", empPath+"/branches", `{}`)
	require.Equal(t, http.StatusCreated, code, body)
	branch, _ := body["id"].(string)
	code, body = a.do("POST", empPath+"/absences", `{"date":"2026-12-28","days":"5","branch":"`+branch+`"}`)
	require.Equal(t, http.StatusCreated, code, body)
	_, mainBody := a.do("GET", empPath+"/balance?on=2026-12-31", "")
	code, branchBody := a.do("GET", empPath+"/balance?on=2026-12-31&branch="+branch, "")
	require.Equal(t, http.StatusOK, code, branchBody)
	mainBal, err := ledger.ParseDays(mainBody["balance"].(string))
	require.NoError(t, err)
	branchBal, err := ledger.ParseDays(branchBody["balance"].(string))
	require.NoError(t, err)
	assert.Equal(t, mainBal-5*ledger.Day, branchBal)
	code, body = a.do("GET", empPath+"/branches", "")
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, body["branches"], 1)

	// Bad input: typed errors.
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/v1/employees/not-an-ern/balance?on=2026-01-01", "", 400, "invalid_employee"},
		{"GET", empPath + "/balance?on=2026-13-01", "", 400, "invalid_on"},
		{"GET", empPath + "/balance?on=2026-01-01&knownAt=yesterday", "", 400, "invalid_known_at"},
		{"GET", empPath + "/balance?on=2026-01-01&branch=nope", "", 404, "unknown_branch"},
		{"POST", empPath + "/absences", `{"date":`, 400, "invalid_body"},
		{"POST", empPath + "/absences", `{"date":"2026-02-30","days":"1"}`, 400, "invalid"},
		{"POST", empPath + "/absences", `{"date":"2026-02-03","days":"1","expectedVersion":-1}`, 400, "invalid"},
		{"POST", empPath + "/absences", `{"date":"2026-02-03","days":"1","branch":"nope"}`, 404, "unknown_branch"},
		{"DELETE", empPath + "/branches/nope", "", 404, "unknown_branch"},
		{"GET", "/v2/nothing", "", 404, "not_found"},
	} {
		code, body := a.do(c.method, c.path, c.body)
		assert.Equal(t, c.status, code, "%s %s", c.method, c.path)
		assert.Equal(t, c.code, errCode(body), "%s %s: %v", c.method, c.path, body)
	}
	code, _ = a.do("DELETE", empPath+"/branches/"+branch, "")
	assert.Equal(t, http.StatusNoContent, code)

	// A restart keeps every answer.
	code, before := a.do("GET", empPath+"/balance?on=2026-06-30&knownAt=2026-12-01T00:00:00Z", "")
	require.Equal(t, http.StatusOK, code)
	a.stop()
	a.stop = nil
	b := startAPI(t, db, now)
	code, after := b.do("GET", empPath+"/balance?on=2026-06-30&knownAt=2026-12-01T00:00:00Z", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, before, after)
}

// TestServeKeepsSnapshotsInTheStore: the service saves the snapshots its
// answers build in the store, a restarted service takes them instead of
// building them, a late fact makes it build and save a newer one, and a
// branch's answers keep theirs under the branch. Every answer is the
// ledger's over the store's events.
func TestServeKeepsSnapshotsInTheStore(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "leave.db")
	now := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	store := mustStore(t, db)
	var events []checked
	for _, e := range randomStream(rand.New(rand.NewPCG(5, 6)), 400) {
		c, err := check(e)
		require.NoError(t, err)
		events = append(events, c)
	}
	_, err := importEvents(ctx, store, events)
	require.NoError(t, err)
	every := func(svc *service) { svc.ledger.SnapshotEvery = 20 }
	main := eventstore.Stream{Name: demoEmployee.String()}
	// answers checks a service's answers against a ledger of the store's
	// events of st's timeline.
	answers := func(a *api, st eventstore.Stream) {
		t.Helper()
		want := ledger.NewLedger(0)
		_, err := loadTimeline(ctx, store, st, want, func(eventstore.Record) { t.Error("nothing to skip") })
		require.NoError(t, err)
		for _, on := range []string{"2026-02-28", "2026-09-30", "2027-03-31"} {
			for _, knownAt := range []string{"2026-06-01T00:00:00Z", "2027-06-01T00:00:00Z"} {
				path := empPath + "/balance?on=" + on + "&knownAt=" + knownAt
				if st.Branch != "" {
					path += "&branch=" + st.Branch
				}
				code, body := a.do("GET", path, "")
				bal, err := want.Balance(demoEmployee, date(on), mustTime(t, knownAt))
				if err != nil {
					require.Equal(t, http.StatusNotFound, code, body)
					continue
				}
				require.Equal(t, http.StatusOK, code, body)
				require.Equal(t, bal.String(), body["balance"], "on %s known at %s", on, knownAt)
			}
		}
	}
	// stored returns the store's snapshot of st.
	stored := func(st eventstore.Stream) eventstore.Snapshot {
		t.Helper()
		snap, ok, err := store.LoadSnapshot(ctx, st, time.Time{}, time.Time{})
		require.NoError(t, err)
		require.True(t, ok, "the store keeps a ledger.Snapshot of %+v", st)
		return snap
	}
	restored := func(a *api) time.Time {
		a.svc.mu.Lock()
		defer a.svc.mu.Unlock()
		return a.svc.snapshots[demoEmployee].Cutoff
	}

	a := startAPIWith(t, db, now, every)
	answers(a, main)
	first := stored(main)
	a.stop()
	a.stop = nil

	b := startAPIWith(t, db, now, every)
	answers(b, main)
	assert.Equal(t, first.Effective.Add(time.Nanosecond), restored(b), "the restarted service took the stored snapshot")

	// A late absence early in the timeline invalidates every snapshot.
	code, body := b.do("POST", empPath+"/absences", `{"date":"2026-01-20","days":"0.5"}`)
	require.Equal(t, http.StatusCreated, code, body)
	answers(b, main)
	assert.Greater(t, stored(main).Version, first.Version, "a newer ledger.Snapshot replaced the invalidated one")

	code, body = b.do("POST", empPath+"/branches", `{}`)
	require.Equal(t, http.StatusCreated, code, body)
	branch := eventstore.Stream{Name: demoEmployee.String(), Branch: body["id"].(string)}
	answers(b, branch)
	stored(branch)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func mustStore(t *testing.T, db string) *eventstore.Store {
	s, err := openStore(context.Background(), db, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestServeListens: serve on a real listener answers, and stops
// gracefully when its context ends.
func TestServeListens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "leave.db")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{lines: make(chan string, 4)}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{dsn: db, addr: "127.0.0.1:0", catalog: "../../testdata/catalog", transport: "memory", env: "dev"}, out, io.Discard)
	}()
	var addr string
	select {
	case line := <-out.lines:
		addr = strings.TrimSpace(strings.TrimPrefix(line, "leavebalance: serving on "))
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve never said where it listens")
	}
	res, err := http.Post(addr+empPath+"/hires", "application/json", strings.NewReader(`{"hireDate":"2026-01-05"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode)
	res, err = http.Get(addr + "/v1/health")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// syncBuffer hands each write to a channel.
type syncBuffer struct{ lines chan string }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.lines <- string(p)
	return len(p), nil
}

// TestServeRelays: what the commands append, the outbox relay publishes:
// a consumer of the ledger's topology receives it.
func TestServeRelays(t *testing.T) {
	ctx := context.Background()
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	store, err := openStore(ctx, filepath.Join(t.TempDir(), "leave.db"), cat)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	broker, err := memory.New(nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, broker, ledgerTopology("dev"), &transport.OpenConfig{Provision: true, Catalog: cat})
	require.NoError(t, err)
	got := make(chan string, 4)
	cons, err := bus.Consumer(ctx, "leave-ledger", nil)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(ledger.EmployeeHiredEvent.Type().String(), func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.ID
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(ctx) })

	svc := newService(store, time.Now, slog.New(slog.DiscardHandler))
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	stopped := make(chan error, 1)
	require.NoError(t, svc.startRelay(rctx, bus.Publisher(), stopped))
	go func() { _ = svc.project(rctx) }()
	srv := httptest.NewServer(svc.handler())
	defer srv.Close()
	res, err := http.Post(srv.URL+empPath+"/hires", "application/json", strings.NewReader(`{"hireDate":"2026-01-05"}`))
	require.NoError(t, err)
	var created map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&created))
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	select {
	case id := <-got:
		assert.Equal(t, created["id"], id)
	case err := <-stopped:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("the hire never reached the consumer")
	}
}

// TestFailErr: each kind of error gets its status and code; a command
// whose outcome is unknown is never reported as failed.
func TestFailErr(t *testing.T) {
	svc := newService(nil, time.Now, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{&eventstore.ConflictError{Stream: "s", Expected: 1, Actual: 2}, 409, "version_conflict"},
		{fmt.Errorf("x: %w", eventstore.ErrUnknownBranch), 404, "unknown_branch"},
		{fmt.Errorf("x: %w", ledger.ErrUnknownEmployee), 404, "unknown_employee"},
		{fmt.Errorf("x: %w", ledger.ErrBadFact), 400, "invalid"},
		{fmt.Errorf("%w: connection reset", eventstore.ErrOutcomeUnknown), 503, "outcome_unknown"},
		{errors.New("disk on fire"), 500, "internal"},
	} {
		rec := httptest.NewRecorder()
		svc.failErr(rec, tc.err)
		assert.Equal(t, tc.status, rec.Code, "%v", tc.err)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, tc.code, errCode(body), "%v", tc.err)
		assert.NotContains(t, rec.Body.String(), "disk on fire", "an internal error's text stays in the log")
	}
}

// TestBadStoredSnapshot: a stored snapshot the service cannot read is an
// error that quotes none of its values (it reaches the log), and the
// answer does without it.
func TestBadStoredSnapshot(t *testing.T) {
	ctx := t.Context()
	store := mustStore(t, filepath.Join(t.TempDir(), "leave.db"))
	st := eventstore.Stream{Name: demoEmployee.String()}
	e := newScenario()
	e.hired("2026-01-02T09:00:00Z", "2026-01-05")
	_, err := store.Append(ctx, st, eventstore.Any, e.h.events...)
	require.NoError(t, err)
	var recorded time.Time
	for r, err := range store.ReadStream(ctx, st, 0) {
		require.NoError(t, err)
		recorded = r.Recorded
	}
	for i, state := range []string{`{"cutoff":"2026-13-45","facts":1,"balance":"1"}`, `{"cutoff":"2026-02-01T00:00:00Z","facts":1,"balance":"12.3456789"}`} {
		// Each later in effect than the last, so that it is the one served.
		require.NoError(t, store.SaveSnapshot(ctx, eventstore.Snapshot{Stream: st.Name, Recorded: recorded, Effective: time.Date(2026, 1, 31+i, 0, 0, 0, 0, time.UTC), Version: 1, State: []byte(state)}))
		_, ok, err := loadSnapshot(ctx, store, st)
		require.Error(t, err)
		assert.False(t, ok)
		assert.NotContains(t, err.Error(), "2026-13-45")
		assert.NotContains(t, err.Error(), "12.3456789")
		l := ledger.NewLedger(5)
		save, err := openTimeline(ctx, store, st, demoEmployee, l, func(error) {})
		require.NoError(t, err, "the answer does without the snapshot")
		save()
	}
}

// TestServeRefusesNamesTheStoreCannotHold: a branch name the store cannot
// store (NUL, invalid UTF-8, over 1,024 bytes) is a 400, never a 500.
func TestServeRefusesNamesTheStoreCannotHold(t *testing.T) {
	a := startAPI(t, filepath.Join(t.TempDir(), "leave.db"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for name, branch := range map[string]string{
		"NUL":           "a%00b",
		"invalid UTF-8": "%FF%FE",
		"too long":      strings.Repeat("b", eventstore.MaxNameBytes+1),
	} {
		for _, req := range []struct{ method, path string }{
			{"GET", empPath + "/balance?on=2026-03-01&branch=" + branch},
			{"DELETE", empPath + "/branches/" + branch},
		} {
			code, body := a.do(req.method, req.path, "")
			assert.Equal(t, http.StatusBadRequest, code, "%s: %s %s: %v", name, req.method, req.path[:min(len(req.path), 80)], body)
			assert.Equal(t, "invalid_name", errCode(body), name)
		}
	}
}

// TestServeReadsBodiesAsTheLibraryReadsEvents: a command body with a
// member twice, or with one that matches a field only in case, is a 400:
// encoding/json would take the last copy or bind the variant.
func TestServeReadsBodiesAsTheLibraryReadsEvents(t *testing.T) {
	a := startAPI(t, filepath.Join(t.TempDir(), "leave.db"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for name, body := range map[string]string{
		"member twice":               `{"date":"2026-04-07","days":"2","days":"20"}`,
		"payload field in case":      `{"date":"2026-04-07","Days":"2"}`,
		"command field in case":      `{"date":"2026-04-07","days":"2","Branch":"x"}`,
		"nested duplicate elsewhere": `{"date":"2026-04-07","days":"2","note":{"a":1,"a":2}}`,
	} {
		code, resp := a.do("POST", empPath+"/absences", body)
		assert.Equal(t, http.StatusBadRequest, code, "%s: %v", name, resp)
		assert.Equal(t, "invalid_body", errCode(resp), name)
	}
}
