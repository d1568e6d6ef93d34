// Command quickstart publishes a typed event, handles it by storing it in SQLite, and reads it back.
package main

import (
	"context"
	"embed"
	"fmt"
	"log"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/service"
)

//go:embed catalog
var catalog embed.FS // the payload schemas: catalog/leave/balance.adjusted.v1.0.json

type BalanceAdjusted struct { // the payload of elmo.leave.balance.adjusted.v1
	Employee string `json:"employee"`
	Days     string `json:"days"`
	Reason   string `json:"reason"`
}

var adjusted = event.MustDefine[BalanceAdjusted]("elmo.leave.balance.adjusted.v1")

func main() {
	ctx, employee := context.Background(), "ern:elmo:hr:acme:employee/e-1001"
	svc, err := service.Open(ctx, "quickstart", catalog, &service.Config{Store: "sqlite://quickstart.db"})
	if err != nil {
		log.Fatal(err)
	}
	handled := make(chan error, 1)
	if err := service.Handle(svc, adjusted, func(ctx context.Context, e *envelope.Envelope, _ BalanceAdjusted) error {
		err := svc.Append(ctx, e) // to the stream of its subject; a redelivery is not stored twice
		select {
		case handled <- err:
		default: // a redelivery: already reported
		}
		return err
	}); err != nil {
		log.Fatal(err)
	}
	if err := svc.Run(ctx, func(ctx context.Context) error {
		if _, err := service.Publish(ctx, svc, adjusted, employee, BalanceAdjusted{Employee: employee, Days: "1.5", Reason: "CORRECTION"}); err != nil {
			return err
		}
		if err := <-handled; err != nil {
			return err
		}
		for p, err := range service.Read(ctx, svc, adjusted, employee) {
			if err != nil {
				return err
			}
			fmt.Printf("stored: %s days (%s)\n", p.Days, p.Reason)
		}
		return nil
	}); err != nil {
		log.Fatal(err)
	}
}
