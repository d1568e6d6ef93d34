package doccheck_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// command is one command of a documentation's sh block, its continuation
// lines joined and its trailing comment removed.
type command struct {
	file string
	line int
	text string
	dir  string // the folder a preceding cd in the block moved to, "" for none
	want string // the JSON output a "# {...}" line after it shows, "" for none
}

// commands returns the commands of the sh blocks of a Markdown file.
func commands(t *testing.T, root, file string) []command {
	t.Helper()
	f, err := os.Open(filepath.Join(root, file))
	require.NoError(t, err)
	defer f.Close()
	var (
		cmds    []command
		inBlock bool
		cont    *command
		dir     string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !inBlock:
			inBlock = line == "```sh"
			dir = ""
			continue
		case line == "```":
			inBlock = false
			continue
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "# {") && len(cmds) > 0 {
			cmds[len(cmds)-1].want = strings.TrimPrefix(trimmed, "# ")
			continue
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if i := strings.Index(line, " # "); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if cont != nil {
			cont.text += " " + strings.TrimSuffix(line, "\\")
		} else {
			cmds = append(cmds, command{file: file, line: n, text: strings.TrimSuffix(line, "\\"), dir: dir})
			cont = &cmds[len(cmds)-1]
		}
		if !strings.HasSuffix(line, "\\") {
			cont.text = strings.Join(strings.Fields(cont.text), " ")
			if d, ok := strings.CutPrefix(cont.text, "cd "); ok {
				dir = d
				cmds = cmds[:len(cmds)-1]
			}
			cont = nil
		}
	}
	require.NoError(t, sc.Err())
	return cmds
}

// docs returns the documentation's Markdown files, relative to root.
func docs(t *testing.T, root string) []string {
	t.Helper()
	files := []string{"README.md", "PROTOCOL.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	for _, m := range more {
		rel, err := filepath.Rel(root, m)
		require.NoError(t, err)
		files = append(files, rel)
	}
	return files
}

// run runs a command line with sh in dir, with env added, and returns its
// standard output; it fails the test on a non-zero exit.
func run(t *testing.T, dir, line string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("%s: exit %d\n%s%s", line, ee.ExitCode(), out, stderr.String())
	}
	require.NoError(t, err, line)
	return string(out)
}

// checkOutput compares a command's JSON output with the documented one,
// whose "…" values stand for anything.
func checkOutput(t *testing.T, want, got string) {
	t.Helper()
	var w, g map[string]any
	require.NoError(t, json.Unmarshal([]byte(want), &w), "the documented output is JSON")
	require.NoError(t, json.Unmarshal([]byte(got), &g), "the output is JSON: %s", got)
	for k, v := range w {
		if v == "…" {
			assert.Contains(t, g, k)
			continue
		}
		assert.Equal(t, v, g[k], k)
	}
}

// rewrite is what the test changes in a documented command, and why.
type rewrite struct {
	from *regexp.Regexp
	to   func(env *world) string
	why  string
}

var rewrites = []rewrite{
	{regexp.MustCompile(`^go run github\.com/elmosoftware/eventprotocol/cmd/eventctl\b`),
		func(*world) string { return "eventctl" }, "the same command, built once"},
	{regexp.MustCompile(`http://127\.0\.0\.1:4100`),
		func(w *world) string { return w.endpoint }, "the docs' local GoAws is the test's, on a free port"},
	{regexp.MustCompile(` -(benchtime|count) \S+`), func(*world) string { return "" }, "measuring is not the test's job..."},
	{regexp.MustCompile(`^go test .* -bench .*`), func(*world) string { return "$0 -benchtime 1x -count 1" }, "...one run of each benchmark is"},
	{regexp.MustCompile(` ID(\.\.\.)?$`), func(w *world) string { return " " + w.deadLetter }, "ID is a dead letter's id, which dlq list printed"},
}

// world is what the commands run against.
type world struct {
	root       string // the repository
	scratch    string // a user's folder: schemas/, events/, topology.json...
	bin        string // holds eventctl
	goaws      *snssqstest.Server
	endpoint   string // GoAws's
	deadLetter string // the id dlq list printed
}

// TestCommands runs every command of the documentation as written, but for
// the rewrites above; a command no runner knows fails the test.
func TestCommands(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	w := setUp(t, root)
	for _, file := range docs(t, root) {
		for _, c := range commands(t, root, file) {
			t.Run(fmt.Sprintf("%s:%d", c.file, c.line), func(t *testing.T) {
				line := c.text
				for _, r := range rewrites {
					line = r.from.ReplaceAllString(line, r.to(w))
				}
				switch {
				case line == "go test -race -count=1 ./...":
					ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
					require.NoError(t, err)
					assert.Contains(t, string(ci), "\n"+line+"\n", "this suite: .ci/run runs it")
				case strings.HasPrefix(line, "eventctl "):
					w.eventctl(t, line)
				case strings.Contains(line, "go run ./examples/"), strings.Contains(line, "go run ./cmd/eventctl "), strings.HasPrefix(line, "go test "):
					dir := filepath.Join(root, c.dir)
					removeNew(t, dir) // quickstart.db
					out := run(t, dir, line)
					if c.want != "" {
						checkOutput(t, c.want, out)
					}
				default:
					t.Fatalf("no runner for %q: add one to doccheck", c.text)
				}
			})
		}
	}
}

// removeNew removes, when the test ends, the files a command creates in
// dir (the quickstart's store in the repository's root).
func removeNew(t *testing.T, dir string) {
	t.Helper()
	before, err := os.ReadDir(dir)
	require.NoError(t, err)
	t.Cleanup(func() {
		after, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range after {
			if !slices.ContainsFunc(before, func(b os.DirEntry) bool { return b.Name() == e.Name() }) {
				assert.NoError(t, os.RemoveAll(filepath.Join(dir, e.Name())))
			}
		}
	})
}
