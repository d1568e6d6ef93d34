package transporttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// BenchRequests measures request and reply round trips on a driver, with
// the given number of concurrent requesters, and reports them per second
// (round-trips/s); "publish-to-handled" measures an event's trip to its
// handler on the same driver, the round trip's yardstick.
//
// pollers is the consumers' ConsumerConfig.Pollers (0 for the default): a
// server that answers a long poll only every so often (GoAws checks its
// queues every 100 ms) takes more of them to keep a hop short.
func BenchRequests(b *testing.B, d driver.Driver, env string, requesters, pollers int) {
	ctx := context.Background()
	topo := &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payroll", Accepts: []string{TypeGenerate}, Consumes: []string{TypeIssued}}, {Name: "hr", Requests: []string{TypeGenerate}}}}
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true, Catalog: RequestCatalog(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bus.Teardown(context.Background()) })
	producer := &envelope.Producer{Source: "urn:elmo:service:payroll"}
	handled := make(chan struct{}, 1024)
	payroll, err := bus.Consumer(ctx, "payroll", &transport.ConsumerConfig{Concurrency: 16, Pollers: pollers})
	if err != nil {
		b.Fatal(err)
	}
	must(b, payroll.HandleFunc(TypeGenerate, func(ctx context.Context, d *transport.Delivery) error {
		reply, err := producer.Caused(d.Envelope, TypeGenerated, d.Envelope.Data)
		if err != nil {
			return transport.Permanent(err)
		}
		reply.Subject, reply.TenantID = d.Envelope.Subject, d.Envelope.TenantID
		transport.ReplyTo(d.Envelope, &reply)
		return bus.Publisher().Publish(ctx, &reply)
	}))
	must(b, payroll.HandleFunc(TypeIssued, func(context.Context, *transport.Delivery) error {
		handled <- struct{}{}
		return nil
	}))
	must(b, payroll.Start(ctx))
	b.Cleanup(func() { _ = payroll.Shutdown(context.Background()) })
	hr, err := bus.Consumer(ctx, "hr", &transport.ConsumerConfig{Concurrency: 16, Pollers: pollers})
	if err != nil {
		b.Fatal(err)
	}
	requester, err := transport.NewRequester(bus.Publisher(), hr, "hr", []string{TypeGenerated}, nil)
	if err != nil {
		b.Fatal(err)
	}
	must(b, hr.Start(ctx))
	b.Cleanup(func() { _ = hr.Shutdown(context.Background()) })
	newEnvelope := func(typ string) *envelope.Envelope {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typ, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
		if err != nil {
			b.Fatal(err)
		}
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		return &e
	}

	b.Run("round-trip", func(b *testing.B) {
		var next sync.Mutex
		n := 0
		start := time.Now()
		var wg sync.WaitGroup
		for range requesters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					next.Lock()
					if n >= b.N {
						next.Unlock()
						return
					}
					n++
					next.Unlock()
					if _, err := requester.Request(ctx, newEnvelope(TypeGenerate)); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "round-trips/s")
	})
	b.Run("publish-to-handled", func(b *testing.B) {
		for range b.N {
			if err := bus.Publisher().Publish(ctx, newEnvelope(TypeIssued)); err != nil {
				b.Fatal(err)
			}
			<-handled
		}
	})
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
