package sqlidempotency_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/elmosoftware/eventprotocol/transport/sqlidempotency"
)

// Two instances of a service share the SQLite file: what one claimed, the
// other sees in progress, then done.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "idempotency-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.db")
	instance := func() *sqlidempotency.Store {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			panic(err)
		}
		s, err := sqlidempotency.New(ctx, db, &sqlidempotency.Config{Dialect: sqlidempotency.SQLite})
		if err != nil {
			panic(err)
		}
		return s
	}
	a, b := instance(), instance()
	key := "urn:elmo:service:signup\x00event-1"
	r, _ := a.Claim(ctx, key)
	fmt.Println("a:", r)
	r, _ = b.Claim(ctx, key)
	fmt.Println("b:", r)
	_ = a.Complete(ctx, key)
	r, _ = b.Claim(ctx, key)
	fmt.Println("b:", r)
	// Output:
	// a: claimed
	// b: in_progress
	// b: already_done
}
