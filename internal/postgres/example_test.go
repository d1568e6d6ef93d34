package postgres_test

import (
	"context"
	"fmt"

	"github.com/elmosoftware/eventprotocol/internal/postgres"
)

// A test's own PostgreSQL: a fresh cluster on a free port, gone after Stop.
func ExampleStart() {
	ctx := context.Background()
	s, err := postgres.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Stop()
	out, err := s.Psql(ctx, "select 40 + 2")
	fmt.Println(out, err)
	// Output: 42 <nil>
}
