package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// service is the leave-balance service over an event store: commands
// append to the employees' streams with expected versions; a projection
// that follows the store's global order keeps every balance answerable;
// what-if branches are store branches.
type service struct {
	store    *eventstore.Store
	producer *envelope.Producer
	log      *slog.Logger

	mu        sync.Mutex
	projected int64                          // the global position the projection has read up to
	advanced  chan struct{}                  // closed and replaced when it moves
	ledger    *ledger.Ledger                 // the main timeline, every employee
	marks     map[string]mark                // by stream: how far the projection has read it
	snapshots map[naming.ERN]ledger.Snapshot // the newest in the store; absent: not yet read
	relay     *outbox.Relay                  // nil without a transport
}

func newService(store *eventstore.Store, now func() time.Time, log *slog.Logger) *service {
	return &service{store: store, producer: &envelope.Producer{Source: "urn:elmo:service:leave", Now: now}, log: log,
		advanced: make(chan struct{}), ledger: ledger.NewLedger(snapshotEvery), marks: map[string]mark{}, snapshots: map[naming.ERN]ledger.Snapshot{}}
}

// project follows the store from its start, until ctx ends.
func (s *service) project(ctx context.Context) error {
	pos := int64(0)
	for {
		head, err := s.store.Head(ctx)
		if err != nil {
			return err
		}
		page, err := s.store.ReadPage(ctx, pos, 1000)
		if err != nil {
			return err
		}
		s.mu.Lock()
		for _, r := range page {
			e, err := r.Envelope()
			if err == nil {
				err = s.ledger.Add(&e)
			}
			m := s.marks[r.Stream]
			m.saw(r)
			s.marks[r.Stream] = m
			if err != nil {
				// The error may quote the payload (a date it cannot read):
				// log where the event is, never what it holds.
				s.log.Error("leavebalance: an event the ledger cannot count", "position", r.Position, "stream", r.Stream)
			}
			pos = r.Position
		}
		seen := pos
		if len(page) < 1000 {
			seen = max(seen, head) // everything up to head was read
		}
		if seen > s.projected {
			s.projected = seen
			close(s.advanced)
			s.advanced = make(chan struct{})
		}
		s.mu.Unlock()
		if len(page) < 1000 {
			if err := s.store.Wait(ctx, max(head, pos)); err != nil {
				return err
			}
		}
	}
}

// caughtUp waits until the projection has read the store up to position
// pos.
func (s *service) caughtUp(ctx context.Context, pos int64) error {
	for {
		s.mu.Lock()
		done, advanced := s.projected >= pos, s.advanced
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-advanced:
		}
	}
}

// readAll waits until the projection has read what the store holds now.
func (s *service) readAll(ctx context.Context) error {
	head, err := s.store.Head(ctx)
	if err != nil {
		return err
	}
	return s.caughtUp(ctx, head)
}

// apiError is the body of every error reply.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status int, code, format string, args ...any) {
	var e apiError
	e.Error.Code, e.Error.Message = code, fmt.Sprintf(format, args...)
	reply(w, status, e)
}

// failErr replies with the status an error calls for.
func (s *service) failErr(w http.ResponseWriter, err error) {
	var conflict *eventstore.ConflictError
	switch {
	case errors.As(err, &conflict):
		fail(w, http.StatusConflict, "version_conflict", "expected version %d, the stream is at %d", conflict.Expected, conflict.Actual)
	case errors.Is(err, eventstore.ErrUnknownBranch):
		fail(w, http.StatusNotFound, "unknown_branch", "no such branch of this employee")
	case errors.Is(err, eventstore.ErrInvalidStream):
		fail(w, http.StatusBadRequest, "invalid_name", "a branch or stream name must be UTF-8 text without NUL, of at most %d bytes", eventstore.MaxNameBytes)
	case errors.Is(err, ledger.ErrUnknownEmployee):
		fail(w, http.StatusNotFound, "unknown_employee", "the employee was not hired as far as is known then")
	case errors.Is(err, eventstore.ErrInvalidEvent), errors.Is(err, eventstore.ErrInvalidVersion), errors.Is(err, ledger.ErrBadFact):
		fail(w, http.StatusBadRequest, "invalid", "%v", err)
	case errors.Is(err, eventstore.ErrOutcomeUnknown):
		fail(w, http.StatusServiceUnavailable, "outcome_unknown", "the command may have been stored: read the employee's balance or stream before sending it again")
	default:
		s.log.Error("leavebalance: request failed", "err", err)
		fail(w, http.StatusInternalServerError, "internal", "the request failed; see the service's log")
	}
}

// handler routes the API.
func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", s.health)
	mux.HandleFunc("GET /v1/employees/{ern}/balance", s.balance)
	mux.HandleFunc("POST /v1/employees/{ern}/hires", command(s, ledger.EmployeeHiredEvent, func(emp naming.ERN, b *ledger.EmployeeHired) (time.Time, error) {
		b.Employee = emp
		return ledger.ParseDate(b.HireDate)
	}))
	mux.HandleFunc("POST /v1/employees/{ern}/policies", command(s, ledger.PolicyAssignedEvent, func(emp naming.ERN, b *ledger.PolicyAssigned) (time.Time, error) {
		b.Employee = emp
		return ledger.ParseDate(b.AnchorDate)
	}))
	mux.HandleFunc("POST /v1/employees/{ern}/absences", command(s, ledger.AbsenceApprovedEvent, func(emp naming.ERN, b *ledger.AbsenceApproved) (time.Time, error) {
		b.Employee = emp
		return ledger.ParseDate(b.Date)
	}))
	mux.HandleFunc("POST /v1/employees/{ern}/absences/{id}/amendments", command(s, ledger.AbsenceAmendedEvent, func(emp naming.ERN, b *ledger.AbsenceAmended) (time.Time, error) {
		b.Employee = emp
		return time.Time{}, nil // takes effect on the absence's date: set by the ledger
	}))
	mux.HandleFunc("POST /v1/employees/{ern}/adjustments", command(s, ledger.BalanceAdjustedEvent, func(emp naming.ERN, b *ledger.BalanceAdjusted) (time.Time, error) {
		b.Employee = emp
		return time.Time{}, nil
	}))
	mux.HandleFunc("POST /v1/employees/{ern}/branches", s.fork)
	mux.HandleFunc("GET /v1/employees/{ern}/branches", s.branches)
	mux.HandleFunc("DELETE /v1/employees/{ern}/branches/{id}", s.discard)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "not_found", "no such resource: %s %s", r.Method, r.URL.Path)
	})
	return mux
}

// employee reads the {ern} of the path.
func employee(w http.ResponseWriter, r *http.Request) (naming.ERN, bool) {
	emp, err := naming.ParseERN(r.PathValue("ern"))
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid_employee", "the employee must be an ERN: %v", err)
		return naming.ERN{}, false
	}
	return emp, true
}

// commandBody is what every command body may carry beside its payload.
type commandBody struct {
	// ExpectedVersion, when set, is the version the employee's stream (or
	// branch) must be at: else 409.
	ExpectedVersion *int64 `json:"expectedVersion"`
	// Branch appends to a what-if branch instead of the main timeline.
	Branch string `json:"branch"`
	// Effective, when set, is when the fact takes effect (RFC 3339);
	// default: the payload's date, else now.
	Effective string `json:"effective"`
}

// caseVariants refuses a body with a member that matches one of
// commandBody's only in case ("Branch" for "branch"); the payload's are
// checked by its definition's Decode.
func caseVariants(body []byte) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil // not an object: the decoding says so
	}
	for name := range members {
		for _, field := range []string{"expectedVersion", "branch", "effective"} {
			if name != field && strings.EqualFold(name, field) {
				return fmt.Errorf("member %q matches %q only in case", name, field)
			}
		}
	}
	return nil
}

// command handles one kind of command: the body is the payload plus
// commandBody's fields; effect completes the payload and says when it
// takes effect.
func command[T any](s *service, def *event.Definition[T], effect func(naming.ERN, *T) (time.Time, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		emp, ok := employee(w, r)
		if !ok {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_body", "the body cannot be read: %v", err)
			return
		}
		// The body is read as the library reads events: no member twice, and
		// no member that matches a field only in case (encoding/json would
		// bind it).
		if err := errors.Join(envelope.CheckData(body), caseVariants(body)); err != nil {
			fail(w, http.StatusBadRequest, "invalid_body", "%v", err)
			return
		}
		var meta commandBody
		payload, err := def.Decode(&envelope.Envelope{Type: def.Type().String(), Data: body})
		if err == nil {
			err = json.Unmarshal(body, &meta)
		}
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_body", "the body is not the command's JSON: %v", err)
			return
		}
		if id := r.PathValue("id"); id != "" {
			if am, ok := any(&payload).(*ledger.AbsenceAmended); ok {
				am.AbsenceID = id
			}
		}
		eff, err := effect(emp, &payload)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid", "%v", err)
			return
		}
		if meta.Effective != "" {
			if eff, err = time.Parse(time.RFC3339Nano, meta.Effective); err != nil {
				fail(w, http.StatusBadRequest, "invalid", "effective: want an RFC 3339 time")
				return
			}
		}
		opts := []event.Option{event.WithSubject(emp), event.WithPartitionKey(emp.String())}
		if !eff.IsZero() {
			opts = append(opts, event.WithEffectiveTime(eff))
		}
		e, err := def.New(s.producer, payload, opts...)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid", "%v", err)
			return
		}
		if _, err := ledger.Employee(&e); err != nil {
			fail(w, http.StatusBadRequest, "invalid", "%v", err)
			return
		}
		if am, ok := any(&payload).(*ledger.AbsenceAmended); ok {
			found, err := s.absenceApproved(r.Context(), eventstore.Stream{Name: emp.String(), Branch: meta.Branch}, am.AbsenceID)
			if err != nil {
				s.failErr(w, err)
				return
			}
			if !found {
				fail(w, http.StatusNotFound, "unknown_absence", "the employee has no approved absence of that id to amend")
				return
			}
		}
		expect := eventstore.Any
		if meta.ExpectedVersion != nil {
			expect = eventstore.Exactly(*meta.ExpectedVersion)
		}
		res, err := s.store.Append(r.Context(), eventstore.Stream{Name: emp.String(), Branch: meta.Branch}, expect, &e)
		if err != nil {
			s.failErr(w, err)
			return
		}
		if meta.Branch == "" && res.Stored > 0 {
			// Stored: answer 201 whatever this wait gives (a later query
			// waits for the projection too).
			_ = s.caughtUp(r.Context(), res.FirstPosition)
		}
		reply(w, http.StatusCreated, map[string]any{"id": e.ID, "version": res.Version, "position": res.FirstPosition})
	}
}

// ledger.AbsenceApprovedEvent reports whether the stream holds the approval of the
// absence id (the id of its event), which an amendment needs.
func (s *service) absenceApproved(ctx context.Context, st eventstore.Stream, id string) (bool, error) {
	for rec, err := range s.store.ReadStream(ctx, st, 0) {
		if err != nil {
			return false, err
		}
		e, err := rec.Envelope()
		if err == nil && e.ID == id && e.Type == ledger.AbsenceApprovedEvent.Type().String() {
			return true, nil
		}
	}
	return false, nil
}

// balanceReply is the answer of GET …/balance.
type balanceReply struct {
	Employee string `json:"employee"`
	On       string `json:"on"`
	KnownAt  string `json:"knownAt"`
	Branch   string `json:"branch,omitempty"`
	Balance  string `json:"balance"`
}

func (s *service) balance(w http.ResponseWriter, r *http.Request) {
	emp, ok := employee(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	on, err := time.Parse(time.DateOnly, q.Get("on"))
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid_on", "on: want YYYY-MM-DD")
		return
	}
	knownAt := s.producer.Now().UTC()
	if k := q.Get("knownAt"); k != "" {
		if knownAt, err = time.Parse(time.RFC3339Nano, k); err != nil {
			fail(w, http.StatusBadRequest, "invalid_known_at", "knownAt: want an RFC 3339 time")
			return
		}
	}
	ans := balanceReply{Employee: emp.String(), On: on.Format(time.DateOnly), KnownAt: knownAt.Format(time.RFC3339Nano), Branch: q.Get("branch")}
	var bal ledger.Days
	if ans.Branch == "" {
		bal, err = s.mainBalance(r.Context(), emp, on, knownAt)
	} else {
		l := ledger.NewLedger(s.ledger.SnapshotEvery)
		var save func()
		save, err = openTimeline(r.Context(), s.store, eventstore.Stream{Name: emp.String(), Branch: ans.Branch}, emp, l, s.warnTimeline)
		if err == nil {
			bal, err = l.Balance(emp, on, knownAt)
			save()
		}
	}
	if err != nil {
		s.failErr(w, err)
		return
	}
	ans.Balance = bal.String()
	reply(w, http.StatusOK, ans)
}

// snapshotEvery is how many facts of an employee the service's ledgers
// count between snapshots.
const snapshotEvery = 1000

// mainBalance answers from the projection, once it has read what the store
// holds now (this process's appends and others'). The first answer for an
// employee takes the store's snapshot; an answer that built a newer one
// saves it.
func (s *service) mainBalance(ctx context.Context, emp naming.ERN, on, knownAt time.Time) (ledger.Days, error) {
	if err := s.readAll(ctx); err != nil {
		return 0, err
	}
	st := eventstore.Stream{Name: emp.String()}
	s.mu.Lock()
	_, read := s.snapshots[emp]
	s.mu.Unlock()
	if !read {
		snap, ok, err := loadSnapshot(ctx, s.store, st)
		if err != nil {
			s.warnTimeline(err) // and read it again next time
		} else {
			s.mu.Lock()
			if ok && s.ledger.RestoreSnapshot(emp, snap) {
				s.snapshots[emp] = snap
			} else if _, read := s.snapshots[emp]; !read { // keep what a concurrent answer saved
				s.snapshots[emp] = ledger.Snapshot{}
			}
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	bal, err := s.ledger.Balance(emp, on, knownAt)
	snap, made, due := storedForm(st, emp, s.ledger, s.marks[st.Name], s.snapshots[emp])
	s.mu.Unlock()
	if due {
		if err := s.store.SaveSnapshot(ctx, snap); err != nil {
			s.warnTimeline(err)
		} else {
			s.mu.Lock()
			s.snapshots[emp] = made
			s.mu.Unlock()
		}
	}
	return bal, err
}

// warnTimeline logs what reading a timeline passed over: a snapshot not
// stored or read, a fact the ledger cannot count (by its position).
func (s *service) warnTimeline(err error) {
	s.log.Warn("leavebalance: reading a timeline", "err", err)
}

func (s *service) fork(w http.ResponseWriter, r *http.Request) {
	emp, ok := employee(w, r)
	if !ok {
		return
	}
	var body struct {
		ForkAt string `json:"forkAt"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, "invalid_body", "the body is not JSON: %v", err)
		return
	}
	var at time.Time
	if body.ForkAt != "" {
		var err error
		if at, err = time.Parse(time.RFC3339Nano, body.ForkAt); err != nil {
			fail(w, http.StatusBadRequest, "invalid", "forkAt: want an RFC 3339 time")
			return
		}
	}
	b, err := s.store.Fork(r.Context(), emp.String(), at)
	if err != nil {
		s.failErr(w, err)
		return
	}
	reply(w, http.StatusCreated, branchReply(b))
}

func branchReply(b eventstore.Branch) map[string]any {
	return map[string]any{"id": b.ID, "forkedAt": b.ForkedAt.Format(time.RFC3339Nano), "baseVersion": b.Base}
}

func (s *service) branches(w http.ResponseWriter, r *http.Request) {
	emp, ok := employee(w, r)
	if !ok {
		return
	}
	list, err := s.store.Branches(r.Context(), emp.String())
	if err != nil {
		s.failErr(w, err)
		return
	}
	out := make([]map[string]any, len(list))
	for i, b := range list {
		out[i] = branchReply(b)
	}
	reply(w, http.StatusOK, map[string]any{"branches": out})
}

func (s *service) discard(w http.ResponseWriter, r *http.Request) {
	emp, ok := employee(w, r)
	if !ok {
		return
	}
	if err := s.store.Discard(r.Context(), eventstore.Stream{Name: emp.String(), Branch: r.PathValue("id")}); err != nil {
		s.failErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveConfig is what serve runs on.
type serveConfig struct {
	dsn, addr, catalog string
	// transport is "none", "memory" or "snssqs": where the relay publishes
	// the service's events; endpoint, region and env are SNS/SQS's.
	transport, endpoint, region, env string
}

// serveCmd runs the service until SIGINT or SIGTERM.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c serveConfig
	fs.StringVar(&c.dsn, "db", "leave.db", "the event store: a SQLite file, or a postgres:// URL")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "the address to listen on")
	fs.StringVar(&c.catalog, "catalog", "", catalogHelp)
	fs.StringVar(&c.transport, "transport", "none", "where the outbox relay publishes the service's events: none, memory, or snssqs")
	fs.StringVar(&c.endpoint, "endpoint", "", "SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100 (default: AWS)")
	fs.StringVar(&c.region, "region", "us-east-1", "AWS region (snssqs)")
	fs.StringVar(&c.env, "env", "dev", "the environment of the SNS/SQS topology (snssqs): its topics and queues are provisioned when missing")
	const synopsis = "usage: leavebalance serve [--db DSN] [--addr HOST:PORT] [--catalog DIR] [--transport none|memory|snssqs [--endpoint URL] [--region R] [--env ENV]]"
	if code, ok := parseFlags(fs, synopsis, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 || (c.transport != "none" && c.transport != "memory" && c.transport != "snssqs") {
		fmt.Fprintln(stderr, synopsis)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "leavebalance serve:", err)
		return exitInvalid
	}
	return exitOK
}

// openBus opens the transport the config names, provisioned; nil for none.
func openBus(ctx context.Context, c serveConfig, cat *schema.Catalog) (*transport.Bus, error) {
	var d driver.Driver
	switch c.transport {
	case "none":
		return nil, nil
	case "memory":
		broker, err := memory.New(nil)
		if err != nil {
			return nil, err
		}
		d = broker
	default:
		snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: c.region, Endpoint: c.endpoint, LocalServer: c.endpoint != ""})
		if err != nil {
			return nil, err
		}
		if d, err = snssqs.NewDriver(snsC, sqsC, nil); err != nil {
			return nil, err
		}
	}
	return transport.Open(ctx, d, ledgerTopology(c.env), &transport.OpenConfig{Provision: true, Catalog: cat})
}

// serve runs the service on c.addr until ctx ends, then shuts down
// gracefully. With a transport, an outbox relay publishes what the
// commands append.
func serve(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	cat, err := loadCatalog(c.catalog)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, c.dsn, cat)
	if err != nil {
		return err
	}
	defer store.Close()
	bus, err := openBus(ctx, c, cat)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	svc := newService(store, time.Now, log)
	pctx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	background := make(chan error, 2)
	go func() { background <- fmt.Errorf("the projection stopped: %w", svc.project(pctx)) }()
	if bus != nil {
		if err := svc.startRelay(pctx, bus.Publisher(), background); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: svc.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "leavebalance: serving on http://%s\n", ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	case err := <-background:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// startRelay runs the outbox relay that publishes the store through pub,
// until ctx ends; its health is GET /v1/health's.
func (s *service) startRelay(ctx context.Context, pub *transport.Publisher, stopped chan<- error) error {
	relay, err := outbox.New(s.store, pub, &outbox.Config{Name: "leavebalance", Logger: s.log})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.relay = relay
	s.mu.Unlock()
	go func() {
		if err := relay.Run(ctx); ctx.Err() == nil {
			stopped <- fmt.Errorf("the relay stopped: %w", err)
		}
	}()
	return nil
}

// health is GET /v1/health: 200, or 503 while the relay's publishing
// keeps failing.
func (s *service) health(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	relay := s.relay
	s.mu.Unlock()
	if relay != nil {
		if err := relay.Health(); err != nil {
			fail(w, http.StatusServiceUnavailable, "unhealthy", "%v", err)
			return
		}
	}
	reply(w, http.StatusOK, map[string]string{"status": "ok"})
}
