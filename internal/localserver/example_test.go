package localserver_test

import (
	"fmt"
	"net"
	"strconv"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

// A server for a test binds a free loopback port.
func ExampleFreePort() {
	port, err := localserver.FreePort()
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	fmt.Println(port > 0)
	// Output: true
}
