package archive_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// awsBus opens a provisioned topology on an SNS/SQS server, removed when
// the test ends.
func awsBus(t testing.TB, endpoint, region string, topo *topology.Topology) *transport.Bus {
	ctx := context.Background()
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: region, Endpoint: endpoint, LocalServer: true})
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Teardown(context.Background()) })
	return bus
}

func envName() string { return fmt.Sprintf("ar%06d", rand.IntN(1_000_000)) }

// TestOnGoAws: the archive keeps what SNS delivers, and a replay reaches
// payroll's queue alone, marked.
func TestOnGoAws(t *testing.T) {
	ctx := context.Background()
	srv := snssqstest.StartForTest(t)
	bus := awsBus(t, srv.Endpoint, snssqstest.Region, world(envName()))
	store := stores[0].open(t)()
	evs, payroll := archivedWorld(t, bus, store)
	rep, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Name: "goaws", BypassDedup: true})
	require.NoError(t, err)
	assert.Equal(t, 20, rep.Sent)
	got := waitFor(t, payroll, 40)
	replayed := map[string]bool{}
	for _, g := range got[20:] {
		assert.Equal(t, "goaws", g[1])
		replayed[g[0]] = true
	}
	for _, e := range evs {
		assert.Equal(t, e.Type == typeHired, replayed[e.ID], "hires alone, each once: %s", e.Type)
	}
}

// TestReplayKeepsFIFOOrderOnFauxqs: on FIFO domains the archive keeps
// each subject's order, and a replay to a FIFO queue delivers each
// subject's events in that order.
func TestReplayKeepsFIFOOrderOnFauxqs(t *testing.T) {
	ctx := context.Background()
	srv := fauxqs.StartForTest(t)
	topo := world(envName())
	for i := range topo.Domains {
		topo.Domains[i].FIFO = true
	}
	bus := awsBus(t, srv.Endpoint, fauxqs.Region, topo)
	store := stores[0].open(t)()
	evs, payroll := archivedWorld(t, bus, store)
	order := func(ids [][2]string) map[string][]string { // per subject
		out := map[string][]string{}
		for _, g := range ids {
			s := subjectOf(t, evs, g[0])
			out[s] = append(out[s], g[0])
		}
		return out
	}
	var published [][2]string
	for _, e := range evs {
		if e.Type == typeHired {
			published = append(published, [2]string{e.ID})
		}
	}
	got := payroll.list()
	assert.Equal(t, order(published), order(got), "delivered in each subject's order")

	_, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Name: "fifo", BypassDedup: true, BatchSize: 7})
	require.NoError(t, err)
	got = waitFor(t, payroll, 40)
	assert.Equal(t, order(published), order(got[20:]), "replayed in each subject's order")
}
