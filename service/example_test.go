package service_test

import (
	"context"
	"fmt"
	"log"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/service"
)

// A service in memory: it handles what it publishes.
func Example() {
	ctx := context.Background()
	svc, err := service.Open(ctx, "leave-balance", catalog, &service.Config{Transport: "mem://", Store: "mem://"})
	if err != nil {
		log.Fatal(err)
	}
	handled := make(chan struct{})
	err = service.Handle(svc, adjusted, func(ctx context.Context, e *envelope.Envelope, p BalanceAdjusted) error {
		fmt.Printf("%s from %s: %s days for %s\n", e.Type, e.Source, p.Days, e.Subject)
		close(handled)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	err = svc.Run(ctx, func(ctx context.Context) error {
		_, err := service.Publish(ctx, svc, adjusted, employee, BalanceAdjusted{Employee: employee, Days: "1.5", Reason: "CORRECTION"})
		<-handled
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: elmo.leave.balance.adjusted.v1 from urn:elmo:service:leave-balance: 1.5 days for ern:elmo:hr:acme:employee/e-1001
}

// The store keeps events by subject; Read returns a definition's payloads.
func ExampleRead() {
	ctx := context.Background()
	svc, err := service.Open(ctx, "leave-balance", catalog, &service.Config{Transport: "mem://", Store: "mem://"})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close(ctx)
	for _, days := range []string{"1", "-0.5"} {
		e, err := adjusted.New(svc.Producer(), BalanceAdjusted{Employee: employee, Days: days, Reason: "CORRECTION"},
			event.WithSubject(naming.MustParseERN(employee)))
		if err != nil {
			log.Fatal(err)
		}
		if err := svc.Append(ctx, &e); err != nil {
			log.Fatal(err)
		}
	}
	for p, err := range service.Read(ctx, svc, adjusted, employee) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Days)
	}
	// Output:
	// 1
	// -0.5
}
