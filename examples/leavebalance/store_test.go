package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	pgserver "github.com/elmosoftware/eventprotocol/internal/postgres"
)

// importCLI runs leavebalance import with the test catalogue.
func importCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := importCmd(append([]string{"--catalog", "../../testdata/catalog"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestImportAndBalanceOnStore: the sample history imported into a SQLite
// store answers as the file does; importing it again changes nothing.
func TestImportAndBalanceOnStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "leave.db")
	code, out, stderr := importCLI(t, "--db", db, historyFile)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Count(strings.TrimSpace(mustRead(t, historyFile)), "\n") + 1
	assert.Equal(t, fmt.Sprintf("imported %d events, %d of them new\n", lines, lines), out)
	code, out, stderr = importCLI(t, "--db", db, historyFile)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, fmt.Sprintf("imported %d events, 0 of them new\n", lines), out, "idempotent")

	for _, q := range [][]string{
		{"--on", "2026-03-31"},
		{"--on", "2026-12-31", "--json"},
		{"--on", "2026-06-30", "--known-at", "2026-06-24T00:00:00Z"},
	} {
		args := append([]string{"--employee", demoEmployee.String()}, q...)
		wantCode, want, _ := cli(t, append([]string{"--events", historyFile}, args...)...)
		gotCode, got, stderr := cli(t, append([]string{"--db", db}, args...)...)
		require.Equal(t, wantCode, gotCode, stderr)
		assert.Equal(t, want, got, "%v", q)
	}
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	return string(b)
}

func TestImportUsageAndInvalidLines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "leave.db")
	long := filepath.Join(t.TempDir(), "long.jsonl")
	lines := strings.SplitN(mustRead(t, historyFile), "\n", 3)
	require.NoError(t, os.WriteFile(long, []byte(lines[0]+"\n"+lines[1]+"\n"+strings.Repeat("x", maxLine+1)+"\n"), 0o644))
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(lines[0]+"\n{\n"), 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no db", []string{historyFile}, exitUsage, "usage: leavebalance import"},
		{"no file", []string{"--db", db}, exitUsage, "usage: leavebalance import"},
		{"missing file", []string{"--db", db, "no/such.jsonl"}, exitUsage, "no such file"},
		{"over-long line", []string{"--db", db, long}, exitInvalid, long + ":3: line longer than"},
		{"malformed line", []string{"--db", db, bad}, exitInvalid, bad + ":2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := importCLI(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
	_, err := os.Stat(db)
	assert.True(t, os.IsNotExist(err), "nothing of an invalid file is stored")
}

// TestStoreAnswersAsTheFile: on random histories, the balance from the
// store (SQLite, PostgreSQL) is the balance from the file, for random
// questions. The store's answers use its snapshots (one every 7 facts):
// each run saves the newest it built, and the next takes it. A second
// import brings late facts, some of which invalidate those snapshots.
func TestStoreAnswersAsTheFile(t *testing.T) {
	pg := pgserver.StartForTest(t)
	stored := 0
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 99))
		events := randomStream(rng, 30+rng.IntN(150))
		part := filepath.Join(t.TempDir(), "part.jsonl")
		require.NoError(t, os.WriteFile(part, jsonLines(t, events[:len(events)*3/4]), 0o644))
		file := filepath.Join(t.TempDir(), "history.jsonl")
		require.NoError(t, os.WriteFile(file, jsonLines(t, events), 0o644))
		schema := fmt.Sprint("seed", seed)
		_, err := pg.Psql(t.Context(), "CREATE SCHEMA "+schema)
		require.NoError(t, err)
		for _, db := range []string{
			filepath.Join(t.TempDir(), "leave.db"),
			strings.Replace(pg.DSN, "sslmode=disable", "sslmode=disable&search_path="+schema, 1),
		} {
			for _, f := range []string{part, file} {
				code, _, stderr := importCLI(t, "--db", db, f)
				require.Equal(t, exitOK, code, stderr)
				for range 10 {
					on := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(560)).Format(time.DateOnly)
					knownAt := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(560 * 24 * time.Hour)))).Format(time.RFC3339)
					args := []string{"--employee", demoEmployee.String(), "--on", on, "--known-at", knownAt, "--json"}
					wantCode, want, _ := cli(t, append([]string{"--events", f}, args...)...)
					gotCode, got, stderr := cli(t, append([]string{"--db", db, "--snapshot-every", "7"}, args...)...)
					require.Equal(t, wantCode, gotCode, stderr)
					require.NotContains(t, stderr, "a snapshot:")
					require.Equal(t, want, got, "seed %d, %s, on %s known at %s", seed, f, on, knownAt)
				}
			}
			// The store keeps the newest snapshot a ledger of it builds.
			want, wantOK := ledgerOf(t, 7, events).NewestSnapshot(demoEmployee)
			store, err := openStore(t.Context(), db, nil)
			require.NoError(t, err)
			got, ok, err := store.LoadSnapshot(t.Context(), eventstore.Stream{Name: demoEmployee.String()}, time.Time{}, time.Time{})
			require.NoError(t, store.Close())
			require.NoError(t, err)
			require.Equal(t, wantOK, ok, "seed %d, %s", seed, db)
			if ok {
				stored++
				assert.Equal(t, want.Cutoff.Add(-time.Nanosecond), got.Effective, "seed %d, %s", seed, db)
			}
		}
	}
	assert.Positive(t, stored, "no history had a snapshot")
}

// TestBuiltInCatalog: the built-in catalogue is the repository's hr and
// leave schemas, byte for byte, and the commands work from any folder.
func TestBuiltInCatalog(t *testing.T) {
	for _, dir := range []string{"hr", "leave"} {
		want, err := os.ReadDir(filepath.Join("../../testdata/catalog", dir))
		require.NoError(t, err)
		got, err := builtIn.ReadDir("catalog/" + dir)
		require.NoError(t, err)
		require.Len(t, got, len(want), dir)
		for i, f := range want {
			require.Equal(t, f.Name(), got[i].Name())
			a := mustRead(t, filepath.Join("../../testdata/catalog", dir, f.Name()))
			b, err := builtIn.ReadFile("catalog/" + dir + "/" + f.Name())
			require.NoError(t, err)
			assert.Equal(t, a, string(b), "copy catalog/%s/%s from testdata/catalog", dir, f.Name())
		}
	}
	history, err := filepath.Abs(historyFile)
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	var out, errOut bytes.Buffer
	code := importCmd([]string{"--db", "leave.db", history}, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	out.Reset()
	code = balance([]string{"--db", "leave.db", "--employee", demoEmployee.String(), "--on", "2026-03-31", "--known-at", demoNow.Format(time.RFC3339)}, &out, &errOut, time.Now)
	require.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, out.String(), ": 9.5 days")
}

// TestUncountableFactOnABranch: a stored fact the ledger cannot count is
// skipped on a branch as on the main timeline, reported by its position,
// never by its values, and the balance is answered from the others.
func TestUncountableFactOnABranch(t *testing.T) {
	ctx := context.Background()
	store, err := memory.NewStore(nil) // no payload schemas: a bad fact can be stored
	require.NoError(t, err)
	s := newScenario()
	main := eventstore.Stream{Name: demoEmployee.String()}
	_, err = store.Append(ctx, main, eventstore.Any, s.hired("2026-01-01T00:00:00Z", "2026-01-05"))
	require.NoError(t, err)
	br, err := store.Fork(ctx, main.Name, time.Time{})
	require.NoError(t, err)
	branch := eventstore.Stream{Name: main.Name, Branch: br.ID}
	bad := s.policy("2026-01-02T00:00:00Z", date("2026-01-05"), "1", 7, "2026-01-05")
	bad.Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","daysPerPeriod":"SECRET-7","periodDays":7,"anchorDate":"2026-01-05"}`)
	res, err := store.Append(ctx, branch, eventstore.Any, bad)
	require.NoError(t, err)

	var warned []string
	l := ledger.NewLedger(0)
	save, err := openTimeline(ctx, store, branch, demoEmployee, l, func(err error) { warned = append(warned, err.Error()) })
	require.NoError(t, err, "the branch is read: the bad fact is skipped")
	save()
	bal, err := l.Balance(demoEmployee, date("2026-03-01"), ts("2030-01-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, "0", bal.String(), "no policy counted")
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0], fmt.Sprintf("position %d", res.FirstPosition))
	assert.NotContains(t, warned[0], "SECRET", "no stored value in the report")
}
