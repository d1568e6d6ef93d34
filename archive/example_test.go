package archive_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/envelope"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// An archive of the hr domain, and a dry run of a replay of its hires to
// payroll.
func Example() {
	ctx := context.Background()
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{"elmo.hr.employee.hired.v1"}}}}
	svc, _ := archive.Service(topo, "archive") // every domain's events
	topo.Services = append(topo.Services, svc)
	broker, _ := memory.New(nil)
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	store, _ := esmemory.NewStore(nil)
	a, _ := archive.New(store)
	consumer, _ := bus.Consumer(ctx, "archive", nil)
	_ = a.Register(consumer)
	_ = consumer.Start(ctx)
	defer consumer.Shutdown(ctx) //nolint:errcheck

	for _, employee := range []string{"e-1", "e-2"} {
		e, _ := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New("elmo.hr.employee.hired.v1", []byte(`{}`))
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/"+employee, "acme"
		_ = bus.Publisher().Publish(ctx, &e)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for head, err := store.Head(wait); err == nil && head < 2; head, err = store.Head(wait) {
		_ = store.Wait(wait, head) // until something more is archived
	}

	rep, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Name: "example", DryRun: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Selected, "from position", rep.First, "to", rep.Last)
	// Output: map[elmo.hr.employee.hired.v1:2] from position 1 to 2
}
