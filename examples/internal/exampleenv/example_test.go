package exampleenv_test

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/examples/internal/exampleenv"
)

// The catalogue is found from anywhere in the repository.
func ExampleLoadCatalog() {
	cat, err := exampleenv.LoadCatalog("testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(cat.Schemas()), "schemas")
	// Output: 11 schemas
}
