package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// lockedBuffer is a command's output, written and read from two
// goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestArchiveAndReplayOnGoAws: eventctl archive keeps the sign-up
// topology's events until interrupted; eventctl replay reports a dry run,
// sends billing the archived sign-ups marked, and refuses a type billing
// does not receive.
func TestArchiveAndReplayOnGoAws(t *testing.T) {
	server := snssqstest.StartForTest(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	ctx := context.Background()
	dir := t.TempDir()
	raw, err := os.ReadFile(signupTopology)
	require.NoError(t, err)
	var topo topology.Topology
	require.NoError(t, json.Unmarshal(raw, &topo))
	topo.Env = fmt.Sprintf("arch%d", time.Now().UnixNano()%100000)
	for i := range topo.Services { // billing's new code reads v2 too
		if topo.Services[i].Name == "billing" {
			topo.Services[i].Consumes = append(topo.Services[i].Consumes, "elmo.identity.client.signed_up.v2")
		}
	}
	file := filepath.Join(dir, "topology.json")
	raw, err = json.Marshal(&topo)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	db := "sqlite://" + filepath.Join(dir, "archive.db")
	common := []string{"--db", db, "--topology", file, "--endpoint", server.Endpoint, "--region", snssqstest.Region}

	var out lockedBuffer
	var errOut bytes.Buffer
	missing := archiveCmd(ctx, common, &out, &errOut)
	assert.Equal(t, exitInvalid, missing)
	assert.Contains(t, errOut.String(), `{"name":"archive","consumes":["elmo.identity.*","elmo.platform.*"]}`, "says what to add")

	actx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() { done <- archiveCmd(actx, append([]string{"--provision"}, common...), &out, &errOut) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "archiving") }, 30*time.Second, 10*time.Millisecond, errOut.String())

	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: server.Endpoint})
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, &topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Teardown(context.Background()) })
	var ids []string
	for i := range 5 {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New("elmo.identity.client.signed_up.v1",
			[]byte(fmt.Sprintf(`{"client":"ern:elmo:identity:acme:client/c-%d","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`, i)))
		require.NoError(t, err)
		e.Subject, e.TenantID = fmt.Sprintf("ern:elmo:identity:acme:client/c-%d", i), "acme"
		require.NoError(t, bus.Publisher().Publish(ctx, &e))
		ids = append(ids, e.ID)
	}
	provisioned, err := (&envelope.Producer{Source: "urn:elmo:service:provisioning"}).New("elmo.platform.tenant.provisioned.v1", []byte(`{}`))
	require.NoError(t, err)
	provisioned.Subject, provisioned.TenantID = "ern:elmo:platform:acme:tenant/acme", "acme"
	require.NoError(t, bus.Publisher().Publish(ctx, &provisioned))
	store, err := sqlite.NewStore(ctx, filepath.Join(dir, "archive.db"), nil)
	require.NoError(t, err)
	defer store.Close()
	require.Eventually(t, func() bool { head, err := store.Head(ctx); return err == nil && head == 6 }, 30*time.Second, 20*time.Millisecond)
	stop()
	assert.Equal(t, exitOK, <-done, errOut.String())
	assert.Contains(t, out.String(), "archived 6 events")

	replay := append([]string{"--service", "billing", "--name", "week"}, common...)
	out = lockedBuffer{}
	require.Equal(t, exitOK, replayCmd(ctx, append([]string{"--dry-run"}, replay...), &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "replay week: would send 0 events of 5 selected")
	assert.Contains(t, out.String(), "elmo.identity.client.signed_up.v1")

	billing, err := bus.Consumer(ctx, "billing", nil)
	require.NoError(t, err)
	got := make(chan string, 10)
	require.NoError(t, billing.HandleFunc("elmo.identity.client.signed_up.v1", func(_ context.Context, dl *transport.Delivery) error {
		got <- dl.Envelope.ID + " " + dl.Replayed()
		return nil
	}))
	require.NoError(t, billing.Start(ctx))
	defer billing.Shutdown(ctx) //nolint:errcheck
	out = lockedBuffer{}
	require.Equal(t, exitOK, replayCmd(ctx, append([]string{"--bypass-dedup", "--rate", "100"}, replay...), &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "replay week: sent 5 events of 5 selected")
	var handled []string
	for range 2 * len(ids) { // billing's queue had the originals too
		select {
		case h := <-got:
			handled = append(handled, h)
		case <-time.After(30 * time.Second):
			t.Fatalf("billing handled %v", handled)
		}
	}
	var want []string
	for _, id := range ids {
		want = append(want, id+" ", id+" week")
	}
	assert.ElementsMatch(t, want, handled, "each original, and each replayed once, marked")

	// A catalogue with a v2 of the sign-up and its upcast: the replay
	// would send v2 events.
	upcastCatalog := copyCatalog(t)
	editSchema(t, filepath.Join(upcastCatalog, "identity", "client.signed_up.v1.2.json"), filepath.Join(upcastCatalog, "identity", "client.signed_up.v2.0.json"), func(m map[string]any) {
		m["$id"] = strings.Replace(m["$id"].(string), "/1.2", "/2.0", 1)
		m["x-elmo-upcast"] = map[string]any{}
	})
	out = lockedBuffer{}
	require.Equal(t, exitOK, replayCmd(ctx, append([]string{"--dry-run", "--catalog", upcastCatalog, "--service", "billing"}, common...), &out, &errOut), errOut.String())
	assert.Regexp(t, `elmo.identity.client.signed_up.v2\s+5`, out.String())

	errOut.Reset()
	code := replayCmd(ctx, append([]string{"--types", "elmo.platform.*", "--service", "billing"}, common...), &out, &errOut)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut.String(), `"billing" does not receive elmo.platform.tenant.provisioned.v1`)
	code = replayCmd(ctx, append([]string{"--types", "elmo.identity.*", "--service", "provisioning", "--dry-run", "--axis", "sideways"}, common...), &out, &errOut)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut.String(), "--axis must be recorded or effective")
}
