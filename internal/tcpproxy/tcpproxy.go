package tcpproxy

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards the connections it accepts to its target.
type Proxy struct {
	ln          net.Listener
	target      string
	cut         atomic.Bool
	dropReplies atomic.Bool
	mu          sync.Mutex
	conns       map[net.Conn]bool
}

// Start listens on a free loopback port and forwards to target
// (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	return p, nil
}

// StartForTest is Start, closed when the test ends; it fails the test
// when it cannot listen.
func StartForTest(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := Start(target)
	if err != nil {
		t.Fatalf("tcpproxy: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every open connection and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.cut.Store(true)
	p.drop()
}

// Restore accepts connections again.
func (p *Proxy) Restore() { p.cut.Store(false) }

// IsCut reports whether the proxy is cut.
func (p *Proxy) IsCut() bool { return p.cut.Load() }

// DropReplies makes new connections lose the server's replies (on), or
// forward them (off).
func (p *Proxy) DropReplies(on bool) { p.dropReplies.Store(on) }

// Close stops listening and drops every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.drop()
	return err
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.cut.Load() {
			_ = c.Close()
			continue
		}
		go p.forward(c)
	}
}

func (p *Proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() {
		if p.dropReplies.Load() {
			buf := make([]byte, 4096)
			_, _ = up.Read(buf) // the server answered: the request took effect
		} else {
			_, _ = io.Copy(c, up)
		}
		done <- struct{}{}
	}()
	<-done
	_ = c.Close()
	_ = up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *Proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}
