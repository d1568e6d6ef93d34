package doccheck_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// setUp builds eventctl, starts GoAws, and lays out the user's folder the
// eventctl commands of docs/tools.md and docs/transport.md assume.
func setUp(t *testing.T, root string) *world {
	t.Helper()
	w := &world{root: root, scratch: t.TempDir(), bin: t.TempDir()}
	out, err := exec.Command("go", "build", "-o", filepath.Join(w.bin, "eventctl"), filepath.Join(root, "cmd", "eventctl")).CombinedOutput()
	require.NoError(t, err, "go build eventctl: %s", out)
	w.goaws = snssqstest.StartForTest(t)
	w.endpoint = w.goaws.Endpoint

	testdata := filepath.Join(root, "testdata")
	copyTree(t, filepath.Join(testdata, "catalog"), filepath.Join(w.scratch, "schemas"))
	copyTree(t, filepath.Join(testdata, "catalog"), filepath.Join(w.scratch, "base", "schemas"))
	require.NoError(t, os.Remove(filepath.Join(w.scratch, "base", "schemas", "identity", "client.signed_up.v1.2.json")))
	copyTree(t, filepath.Join(testdata, "envelopes", "valid", "elmo"), filepath.Join(w.scratch, "events"))
	copyTree(t, filepath.Join(testdata, "envelopes", "valid", "elmo"), filepath.Join(w.scratch, "in"))
	copyFile(t, filepath.Join(testdata, "catalog", "identity", "client.signed_up.v1.0.json"), filepath.Join(w.scratch, "old.json"))
	copyFile(t, filepath.Join(testdata, "catalog", "identity", "client.signed_up.v1.1.json"), filepath.Join(w.scratch, "new.json"))
	copyFile(t, filepath.Join(testdata, "topology", "signup.json"), filepath.Join(w.scratch, "topology.json"))
	var lines []string
	for _, f := range []string{"balance-adjusted.json", "retroactive-correction.json"} {
		b, err := os.ReadFile(filepath.Join(testdata, "envelopes", "valid", "elmo", f))
		require.NoError(t, err)
		lines = append(lines, strings.Join(strings.Fields(string(b)), " "))
	}
	require.NoError(t, os.WriteFile(filepath.Join(w.scratch, "events.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return w
}

// eventctl runs an eventctl command in the user's folder. The AWS SDK's own
// environment variables point the commands aimed at AWS to GoAws.
func (w *world) eventctl(t *testing.T, line string) {
	t.Helper()
	if strings.HasPrefix(line, "eventctl dlq list") && w.deadLetter == "" {
		w.deadLetterOne(t)
	}
	out := run(t, w.scratch, line, "PATH="+w.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AWS_ENDPOINT_URL="+w.endpoint, "AWS_REGION="+snssqstest.Region,
		"AWS_ACCESS_KEY_ID=doccheck", "AWS_SECRET_ACCESS_KEY=doccheck")
	if strings.HasPrefix(line, "eventctl dlq list") {
		rows := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, rows, 2, "a header and the dead letter: %s", out)
		w.deadLetter = strings.Fields(rows[1])[0]
	}
}

// deadLetterOne has billing dead-letter a sign-up, on the topology the
// documented commands provisioned.
func (w *world) deadLetterOne(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := os.Open(filepath.Join(w.scratch, "topology.json"))
	require.NoError(t, err)
	topo, err := topology.Read(f)
	f.Close()
	require.NoError(t, err)
	d, err := w.goaws.Driver(ctx, nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(t, err)
	billing, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{MaxAttempts: 1})
	require.NoError(t, err)
	require.NoError(t, transport.Handle(billing, signedUp, func(context.Context, *envelope.Envelope, SignedUp) error {
		return transport.Permanent(errors.New("doccheck refuses it"))
	}))
	require.NoError(t, billing.Start(ctx))
	defer billing.Shutdown(ctx) //nolint:errcheck // its work is done when the dead letter is there
	acme := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	e, err := signedUp.New(&envelope.Producer{Source: "urn:elmo:service:signup"},
		SignedUp{Client: acme, CompanyName: "Acme Pty Ltd", Plan: "STANDARD", ContactEmail: "ops@acme.example"}, event.WithSubject(acme))
	require.NoError(t, err)
	require.NoError(t, bus.Publisher().Publish(ctx, &e))
	require.Eventually(t, func() bool {
		dls, err := bus.DeadLetters(ctx, "billing", 10)
		return err == nil && len(dls) == 1
	}, 30*time.Second, 50*time.Millisecond, "billing dead-letters the sign-up")
}

// SignedUp is the payload of elmo.identity.client.signed_up.v1.
type SignedUp struct {
	Client       naming.ERN `json:"client"`
	CompanyName  string     `json:"companyName"`
	Plan         string     `json:"plan"`
	ContactEmail string     `json:"contactEmail"`
}

var signedUp = event.MustDefine[SignedUp]("elmo.identity.client.signed_up.v1")

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o700))
	require.NoError(t, os.WriteFile(to, b, 0o600))
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		copyFile(t, path, filepath.Join(to, rel))
		return nil
	}))
}
