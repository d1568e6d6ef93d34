package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// checkStory asserts what every run of the story must show, whatever the
// order in which the services interleave.
func checkStory(t *testing.T, out string, exactCounts bool) {
	t.Helper()
	count := func(s string) int { return strings.Count(out, s) }
	signUpID := regexp.MustCompile(`\[identity\]\s+published elmo.identity.client.signed_up.v1 \(id (…\w+)`).FindStringSubmatch(out)
	require.NotNil(t, signUpID, out)
	id := signUpID[1]

	assert.Len(t, regexp.MustCompile(`\[identity\]\s+published elmo.identity.client.signed_up.v1`).FindAllString(out, -1), 2, "published, then published again")
	assert.Regexp(t, `\[provisioning\]\s+published elmo.platform.tenant.provisioned.v1 \(id …\w+, correlation `+id+`, causation `+id+`\)`, out,
		"the provisioned event is caused by the sign-up and shares its correlation")
	assert.Equal(t, 1, count("raised invoice"), "billing invoices once")
	assert.Equal(t, 2, count("email provider is down"))
	assert.Equal(t, 1, count("sent the welcome email to ops@acme.example (attempt 3)"))
	assert.Equal(t, 1, count("told leadership: new client Acme Pty Ltd on the STANDARD plan"))
	assert.Equal(t, 1, count("told leadership: tenant acme is ready in AP_SOUTHEAST_2"))
	assert.Equal(t, 4, count("duplicate delivery of "+id), "each service skips the duplicate")
	assert.Equal(t, 4, count("missing property 'contactEmail'"), "each service dead-letters the malformed sign-up with its reason")
	if exactCounts {
		assert.Regexp(t, `\[welcome-email\]\s+received  elmo.identity.client.signed_up.v1 \(delivery 3;`, out)
	}
	// The other services finished before the email service's retries.
	billing := strings.Index(out, "raised invoice")
	sent := strings.Index(out, "sent the welcome email")
	assert.Less(t, billing, sent, "the email outage held up nobody else")
}

func TestSignUpOnMemory(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, run(ctx, &options{transport: "memory", catalog: "../../testdata/catalog"}, &out))
	checkStory(t, out.String(), true)
}

func TestSignUpOnGoAws(t *testing.T) {
	server := snssqstest.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &options{transport: "snssqs", endpoint: server.Endpoint, region: snssqstest.Region, catalog: "../../testdata/catalog"}, &out))
	assert.Contains(t, out.String(), "on the snssqs transport")
	checkStory(t, out.String(), false) // GoAws reports every delivery as the first
}

func TestUnknownTransport(t *testing.T) {
	err := run(context.Background(), &options{transport: "carrier-pigeon", catalog: "../../testdata/catalog"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "unknown transport")
}

// TestSignUpTrace: --trace prints the span tree: the sign-up's trace holds
// the producer, the four consumers and the email retries; the duplicate
// and the malformed sign-up have traces of their own.
func TestSignUpTrace(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, run(ctx, &options{transport: "memory", catalog: "../../testdata/catalog", trace: true}, &out))
	_, tree, found := strings.Cut(out.String(), "== OpenTelemetry spans: 3 traces\n")
	require.True(t, found, out.String())
	traces := strings.Split(tree, "trace ")
	require.Len(t, traces, 4) // "" and three traces
	signUp := traces[1]
	assert.Contains(t, signUp, "producer publish identity")
	for _, svc := range []string{"provisioning", "welcome-email", "billing", "leadership-notify"} {
		assert.Contains(t, signUp, "consumer process "+svc, svc)
	}
	assert.Equal(t, 2, strings.Count(signUp, "[retry_scheduled]"), "the email retries")
	assert.Contains(t, signUp, "producer publish platform", "provisioning's own publish, inside its span")
	// The tree's shape: each publish under the span that made it, each
	// processing under the publish that created its event.
	assert.Equal(t, []string{
		"producer publish identity  elmo.identity.client.signed_up.v1",
		"consumer process provisioning  elmo.identity.client.signed_up.v1",
		"producer publish platform  elmo.platform.tenant.provisioned.v1",
		"consumer process leadership-notify  elmo.platform.tenant.provisioned.v1",
	}, ancestry(t, signUp, "consumer process leadership-notify  elmo.platform.tenant.provisioned.v1"))
	assert.Equal(t, []string{
		"producer publish identity  elmo.identity.client.signed_up.v1",
		"consumer process billing  elmo.identity.client.signed_up.v1",
	}, ancestry(t, signUp, "consumer process billing  elmo.identity.client.signed_up.v1"))
	assert.Equal(t, 4, strings.Count(traces[2], "[duplicate_skipped]"))
	assert.Equal(t, 4, strings.Count(traces[3], "[dead_lettered]"))
}

// ancestry returns the spans from the root of a printed trace down to the
// one whose line starts with span, read from the printed tree's indents.
func ancestry(t *testing.T, trace, span string) []string {
	t.Helper()
	var path []string
	for _, line := range strings.Split(trace, "\n")[1:] {
		text := strings.TrimLeft(line, " ")
		depth := (len(line)-len(text))/3 - 1
		if text == "" || depth < 0 {
			continue
		}
		if depth > len(path) {
			t.Fatalf("span %q is %d deep under %d spans", text, depth, len(path))
		}
		text, _, _ = strings.Cut(text, "  [") // the span events
		path = append(path[:depth], text)
		if text == span {
			return path
		}
	}
	t.Fatalf("no span %q in\n%s", span, trace)
	return nil
}
