package examplekit_test

import (
	"context"
	"fmt"
	"os"

	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
)

func Example() {
	_, env, err := examplekit.Driver(context.Background(), "memory", "", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := examplekit.NewTrace(os.Stdout, 10)
	tr.Header("on %s", env)
	tr.Line("hr", "hired %s", "e-1")
	// Output:
	// == on dev
	// [hr]       hired e-1
}
