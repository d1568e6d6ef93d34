package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

// writers is how many goroutines append at once in BenchmarkAppend.
const writers = 8

// BenchmarkAppend appends single events from 8 goroutines, each to a
// stream of its own, through the store, beside the raw floor: 8
// goroutines INSERTing the same rows into a table of the same shape whose
// positions come from a sequence (so with holes and out of commit order),
// one statement each, without the store's checks. Compare events/s:
//
//	go test -run '^$' -bench Append -benchtime 20000x ./eventstore/postgres/
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	b.Run("raw-insert", func(b *testing.B) {
		be := open(b)
		schema := fmt.Sprintf("t%d", schemas.Load())
		pc, err := pgxpool.ParseConfig(server.DSN)
		if err != nil {
			b.Fatal(err)
		}
		pc.MaxConns = writers
		pc.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		_ = be
		if _, err := pool.Exec(ctx, `CREATE TABLE raw_events (LIKE es_events INCLUDING ALL); CREATE SEQUENCE raw_position; ALTER TABLE raw_events ALTER position SET DEFAULT nextval('raw_position')`); err != nil {
			b.Fatal(err)
		}
		rows := storetest.Rows(b, storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", b.N, 200))
		b.ResetTimer()
		parallel(b, func(w, i int) error {
			r := rows[i]
			_, err := pool.Exec(ctx, `INSERT INTO raw_events (stream, branch, version, recorded, effective, source, id, raw) VALUES ($1, '', $2, $3, $4, $5, $6, $7)`,
				fmt.Sprintf("ern:elmo:hr:acme:employee/w-%d", w), i+1, r.Effective, r.Effective, r.Source, r.ID, r.Raw)
			return err
		})
	})
	b.Run("store", func(b *testing.B) {
		s, err := eventstore.New(open(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		evs := storetest.Events(b, "ern:elmo:hr:acme:employee/e-1", b.N, 200)
		b.ResetTimer()
		parallel(b, func(w, i int) error {
			_, err := s.Append(ctx, eventstore.Stream{Name: fmt.Sprintf("ern:elmo:hr:acme:employee/w-%d", w)}, eventstore.Any, evs[i])
			return err
		})
	})
}

// parallel runs do for the indexes 0..b.N-1 on `writers` goroutines and
// reports events/s.
func parallel(b *testing.B, do func(w, i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				if err := do(w, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
