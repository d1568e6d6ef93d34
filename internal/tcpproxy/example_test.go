package tcpproxy_test

import (
	"bufio"
	"fmt"
	"net"

	"github.com/elmosoftware/eventprotocol/internal/tcpproxy"
)

// An echo server behind the proxy: reachable, then cut.
func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				line, _ := bufio.NewReader(c).ReadString('\n')
				fmt.Fprint(c, line)
				c.Close()
			}()
		}
	}()
	p, _ := tcpproxy.Start(ln.Addr().String())
	defer p.Close()
	ask := func() string {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			return "refused"
		}
		defer c.Close()
		fmt.Fprint(c, "hello\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return "cut"
		}
		return line[:len(line)-1]
	}
	fmt.Println(ask())
	p.Cut()
	fmt.Println(ask())
	p.Restore()
	fmt.Println(ask())
	// Output:
	// hello
	// cut
	// hello
}
