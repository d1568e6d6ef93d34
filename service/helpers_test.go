package service_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/service"
)

// The sample catalogue's events these tests publish.
type (
	BalanceAdjusted struct {
		Employee string `json:"employee"`
		Days     string `json:"days"`
		Reason   string `json:"reason"`
	}
	EmployeeHired struct {
		Employee string `json:"employee"`
		HireDate string `json:"hireDate"`
	}
)

var (
	adjusted = event.MustDefine[BalanceAdjusted]("elmo.leave.balance.adjusted.v1")
	hired    = event.MustDefine[EmployeeHired]("elmo.hr.employee.hired.v1")
	catalog  = os.DirFS("../testdata/catalog")
)

const employee = "ern:elmo:hr:acme:employee/e-1001"

func adjustment(days string) BalanceAdjusted {
	return BalanceAdjusted{Employee: employee, Days: days, Reason: "CORRECTION"}
}

// open opens a service in memory, closed when the test ends.
func open(t *testing.T, name string, cfg *service.Config) *service.Service {
	t.Helper()
	if cfg == nil {
		cfg = &service.Config{}
	}
	if cfg.Transport == "" {
		cfg.Transport = "mem://"
	}
	if cfg.Store == "" {
		cfg.Store = "mem://"
	}
	svc, err := service.Open(context.Background(), name, catalog, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc
}

// ctx returns a context that ends with the test, or after a minute.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// receive waits for a value from ch, failing the test after the context's
// deadline.
func receive[T any](t *testing.T, c context.Context, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-c.Done():
		t.Fatal("nothing received before the deadline")
		var zero T
		return zero
	}
}
