package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

func benchStore(b *testing.B) (*eventstore.Store, string) {
	path := filepath.Join(b.TempDir(), "events.db")
	s, err := sqlite.NewStore(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s, path
}

// rawDB opens the database of a new store (its schema made, the store
// closed) with the store's settings, for the raw floors.
func rawDB(b *testing.B) *sql.DB {
	s, path := benchStore(b)
	_ = s.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

func eventsPerSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppend appends to one stream through the store, one event per
// append and 100 per append, beside the raw floor: a loop of INSERTs of
// the same rows into the same table of a database with the same settings,
// one or 100 per transaction, without the store's checks. Compare
// events/s:
//
//	go test -run '^$' -bench Append -benchtime 20000x ./eventstore/sqlite/
//
// bare-insert is the ceiling of this machine for 100-event transactions:
// the same rows, 100 a transaction through one prepared statement, into a
// table of the same columns without a secondary index (the store has
// three: versions, event ids, effective times).
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	b.Run("bare-insert/per-tx=100", func(b *testing.B) {
		db := rawDB(b)
		if _, err := db.ExecContext(ctx, `CREATE TABLE bare (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, branch TEXT NOT NULL, version INTEGER NOT NULL,
			recorded INTEGER NOT NULL, effective INTEGER NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, raw BLOB NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		rows := storetest.Rows(b, storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", b.N, 200))
		b.ResetTimer()
		for i := 0; i < len(rows); i += 100 {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			insert, err := tx.PrepareContext(ctx, `INSERT INTO bare (stream, branch, version, recorded, effective, source, id, raw) VALUES (?, '', ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for j, r := range rows[i:min(i+100, len(rows))] {
				if _, err := insert.ExecContext(ctx, "ern:elmo:hr:acme:employee/e-1", i+j+1, r.Effective, r.Effective, r.Source, r.ID, r.Raw); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		eventsPerSecond(b, b.N)
	})
	for _, per := range []int{1, 100} {
		b.Run(fmt.Sprintf("raw-insert/per-tx=%d", per), func(b *testing.B) {
			db := rawDB(b)
			rows := storetest.Rows(b, storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", b.N, 200))
			b.ResetTimer()
			for i := 0; i < len(rows); i += per {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				for j, r := range rows[i:min(i+per, len(rows))] {
					if _, err := tx.ExecContext(ctx, `INSERT INTO es_events (stream, branch, version, recorded, effective, source, id, raw) VALUES (?, '', ?, ?, ?, ?, ?, ?)`,
						"ern:elmo:hr:acme:employee/e-1", i+j+1, r.Effective, r.Effective, r.Source, r.ID, r.Raw); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			eventsPerSecond(b, b.N)
		})
	}
	for _, per := range []int{1, 100} {
		b.Run(fmt.Sprintf("store/per-append=%d", per), func(b *testing.B) {
			s, _ := benchStore(b)
			evs := storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", b.N, 200)
			st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
			b.ResetTimer()
			for i := 0; i < len(evs); i += per {
				if _, err := s.Append(ctx, st, eventstore.Exactly(int64(i)), evs[i:min(i+per, len(evs))]...); err != nil {
					b.Fatal(err)
				}
			}
			eventsPerSecond(b, b.N)
		})
	}
}

// BenchmarkRead reads a stream of 100,000 events, in version order and
// bitemporally, and catches a subscription up on them:
//
//	go test -run '^$' -bench Read -benchtime 3x ./eventstore/sqlite/
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s, _ := benchStore(b)
	evs := storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", n, 200)
	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	for i := 0; i < n; i += 500 {
		if _, err := s.Append(ctx, st, eventstore.Any, evs[i:i+500]...); err != nil {
			b.Fatal(err)
		}
	}
	count := func(b *testing.B, seq func(func(eventstore.Record, error) bool)) {
		got := 0
		for _, err := range seq {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			count(b, s.ReadStream(ctx, st, 0))
		}
		eventsPerSecond(b, b.N*n)
	})
	b.Run("as-of", func(b *testing.B) {
		for b.Loop() {
			count(b, s.ReadAsOf(ctx, st, eventstore.AsOf{KnownAt: time.Now()}))
		}
		eventsPerSecond(b, b.N*n)
	})
	b.Run("catch-up", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			sctx, cancel := context.WithCancel(ctx)
			got := 0
			err := s.Subscribe(sctx, fmt.Sprint("bench-", i), func(context.Context, eventstore.Record) error { got++; return nil }, &eventstore.SubscribeConfig{CaughtUp: cancel})
			if got != n || err != context.Canceled {
				b.Fatalf("handled %d events, want %d (%v)", got, n, err)
			}
		}
		eventsPerSecond(b, b.N*n)
	})
}
