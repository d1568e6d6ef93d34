package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/asyncapi"
	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
	"github.com/elmosoftware/eventprotocol/internal/postgres"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// checkStory asserts what every run of the story must show, whatever the
// order in which the services interleave.
func checkStory(t *testing.T, out string) {
	t.Helper()
	for line, n := range map[string]int{
		"asked m-1 to review it within 3 days":                                           3,
		"told e-1: your leave of 2 days from 2026-12-21 was approved":                    1,
		"told e-2: your leave of 1 day from 2026-12-22 was declined":                     1,
		"told e-3: your leave of 3 days from 2026-12-24 lapsed: nobody answered in time": 1,
		"r-3 withdrawn from my reviews":                                                  1,
		"e-1: 2 days deducted for 2026-12-21; balance on 2026-12-31: 39 -> 37 days":      1,
		"e-1: 37 days on 2026-12-31 (after)":                                             1,
		"e-2: 39 days on 2026-12-31 (after)":                                             1,
		"e-3: 39 days on 2026-12-31 (after)":                                             1,
		// Sent: 3 reviews, the absence and the approval, the decline, the
		// expiry and the withdrawal. Handled: 3 submissions, 2 answers and
		// 3 deadlines (those of r-1 and r-2 came too, and changed nothing).
		"store: 8 messages sent through the outbox; the processes kept 8 handled marks, 6 facts, 3 deadlines": 1,
	} {
		assert.Equal(t, n, strings.Count(out, line), "%q in:\n%s", line, out)
	}
	lapsed := strings.Index(out, "r-3's review lapses")
	assert.Greater(t, strings.Index(out, "lapsed: nobody answered"), lapsed, "the expiry waits for the deadline")
	assert.Less(t, strings.Index(out, "was approved"), lapsed)
}

func runStory(t *testing.T, opts *options) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, opts, &out), out.String())
	return out.String()
}

func TestStoryOnMemoryAndSQLite(t *testing.T) {
	out := runStory(t, &options{transport: "memory", db: filepath.Join(t.TempDir(), "leave.db")})
	checkStory(t, out)
	assert.Contains(t, out, "on the memory transport, the leave service's store in SQLite")
}

func TestStoryOnGoAwsAndPostgreSQL(t *testing.T) {
	server := snssqstest.StartForTest(t)
	pg := postgres.StartForTest(t)
	out := runStory(t, &options{transport: "snssqs", endpoint: server.Endpoint, region: snssqstest.Region, db: pg.DSN})
	checkStory(t, out)
	assert.Contains(t, out, "on the snssqs transport, the leave service's store in PostgreSQL")
}

func TestStoryOnFauxqs(t *testing.T) {
	server := fauxqs.StartForTest(t)
	checkStory(t, runStory(t, &options{transport: "snssqs", endpoint: server.Endpoint, region: fauxqs.Region}))
}

// TestCatalog: the example's catalogue passes lint, and its copies of the
// ledger's schemas are the repository's, byte for byte.
func TestCatalog(t *testing.T) {
	findings, err := schema.Lint(os.DirFS("catalog"), nil)
	require.NoError(t, err)
	assert.Empty(t, findings)
	for _, f := range []string{"hr/employee.hired.v1.0.json", "leave/accrual_policy.assigned.v1.0.json", "leave/absence.approved.v1.0.json", "leave/absence.approved.v1.1.json"} {
		want, err := os.ReadFile(filepath.Join("../../testdata/catalog", f))
		require.NoError(t, err)
		got, err := files.ReadFile("catalog/" + f)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "copy %s from testdata/catalog", f)
	}
}

// TestUsage: a transport the example does not know is refused, naming it.
func TestUsage(t *testing.T) {
	err := run(context.Background(), &options{transport: "carrier-pigeon"}, &bytes.Buffer{})
	require.ErrorContains(t, err, `unknown transport "carrier-pigeon"`)
}

// TestAsyncAPI: the AsyncAPI document of the example has the review as an
// operation of the manager's queue whose reply goes to the requester.
func TestAsyncAPI(t *testing.T) {
	cat, topo, err := contracts()
	require.NoError(t, err)
	doc, err := asyncapi.Generate(cat, topo, nil)
	require.NoError(t, err)
	var d struct {
		Operations map[string]struct {
			Action  string `json:"action"`
			Channel struct {
				Ref string `json:"$ref"`
			} `json:"channel"`
			Reply *struct {
				Messages []struct {
					Ref string `json:"$ref"`
				} `json:"messages"`
			} `json:"reply"`
		} `json:"operations"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	review, ok := d.Operations["manager.accept.elmo_leave_request_review_v1"]
	require.True(t, ok, "operations: %v", d.Operations)
	assert.Equal(t, "receive", review.Action)
	assert.Equal(t, "#/channels/queue.manager", review.Channel.Ref)
	require.NotNil(t, review.Reply)
	require.Len(t, review.Reply.Messages, 1)
	assert.Contains(t, review.Reply.Messages[0].Ref, "elmo.leave.request.reviewed.v1")
	for _, op := range []string{"leave.accept.elmo_leave_request_submit_v1", "manager.accept.elmo_leave_request_withdraw_v1"} {
		require.Contains(t, d.Operations, op)
		assert.Nil(t, d.Operations[op].Reply, "%s: no service awaits a reply to it", op)
	}
}
