package fauxqs_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
)

// Tests start a server of their own and stop it when done.
func ExampleStart() {
	s, err := fauxqs.Start(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Stop()
	fmt.Println(strings.HasPrefix(s.Endpoint, "http://127.0.0.1:"))
	// Output: true
}
