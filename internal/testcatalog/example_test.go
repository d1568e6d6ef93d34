package testcatalog_test

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/internal/testcatalog"
	"github.com/elmosoftware/eventprotocol/naming"
)

// A consumer whose catalogue stops at minor 1.1 of client.signed_up.
func ExampleWithout() {
	cat, err := testcatalog.Without("identity/client.signed_up.v1.2.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := naming.ParseType("elmo.identity.client.signed_up.v1")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := cat.Lookup(t)
	fmt.Println(s.ID().Minor)
	// Output: 1
}
