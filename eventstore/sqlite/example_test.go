package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
)

// A store in a SQLite file survives its process: a second store over the
// same file reads what the first appended.
func ExampleNewStore() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eventstore")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.db")

	store, err := sqlite.NewStore(ctx, path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := &envelope.Producer{Source: "urn:elmo:service:hr"}
	e, _ := p.New("elmo.hr.employee.hired.v1", []byte(`{}`))
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	st := eventstore.Stream{Name: e.Subject}
	_, err = store.Append(ctx, st, eventstore.Exactly(0), &e)
	fmt.Println(err, store.Close())

	again, err := sqlite.NewStore(ctx, path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer again.Close()
	for r, err := range again.ReadStream(ctx, st, 0) {
		got, _ := r.Envelope()
		fmt.Println(err, r.Version, got.ID == e.ID)
	}
	// Output:
	// <nil> <nil>
	// <nil> 1 true
}
