package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/service"
)

// BenchmarkPublish compares the front door's typed Publish with what it
// composes, event.Definition.New and transport.Publisher.Publish, on the
// same started service in memory (no subscriber: publishing alone).
func BenchmarkPublish(b *testing.B) {
	c := context.Background()
	svc, err := service.Open(c, "leave-balance", catalog, &service.Config{Transport: "mem://", Store: "mem://"})
	require.NoError(b, err)
	defer svc.Close(c)
	require.NoError(b, svc.Start(c))
	p := adjustment("1.5")
	b.Run("service.Publish", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := service.Publish(c, svc, adjusted, employee, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("New+Publisher.Publish", func(b *testing.B) {
		b.ReportAllocs()
		subject := event.WithSubject(naming.MustParseERN(employee))
		for b.Loop() {
			e, err := adjusted.New(svc.Producer(), p, subject)
			if err != nil {
				b.Fatal(err)
			}
			if err := svc.Bus().Publisher().Publish(c, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
