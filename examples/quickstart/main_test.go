package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

const module = "github.com/elmosoftware/eventprotocol"

// readmeProgram returns the Go block of README.md's Quickstart section.
func readmeProgram(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n## Quickstart\n")
	require.True(t, ok, "README.md has a Quickstart section")
	_, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "the Quickstart section has a Go block")
	block, _, ok = strings.Cut(block, "```\n")
	require.True(t, ok, "the Go block ends")
	return block
}

// build compiles README.md's program, in place of main.go, into dir.
func build(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "main.go")
	require.NoError(t, os.WriteFile(src, []byte(readmeProgram(t)), 0o600))
	abs, err := filepath.Abs("main.go")
	require.NoError(t, err)
	overlay, err := json.Marshal(map[string]any{"Replace": map[string]string{abs: src}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o600))
	bin := filepath.Join(dir, "quickstart")
	out, err := exec.Command("go", "build", "-overlay", filepath.Join(dir, "overlay.json"), "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build of README.md's quickstart: %s", out)
	return bin
}

// TestReadmeIsTheProgram: `go run ./examples/quickstart` runs what the
// README shows.
func TestReadmeIsTheProgram(t *testing.T) {
	main, err := os.ReadFile("main.go")
	require.NoError(t, err)
	assert.Equal(t, string(main), readmeProgram(t), "README.md's Quickstart block and examples/quickstart/main.go differ")
}

// TestQuickstartSize holds the quickstart to at most 60 lines and 10
// exported identifiers of the module, counted by the type checker: every
// package-level name, method and field of the module the program uses.
func TestQuickstartSize(t *testing.T) {
	src := readmeProgram(t)
	assert.LessOrEqual(t, strings.Count(src, "\n"), 60, "lines")

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, 0)
	require.NoError(t, err)
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: exportImporter(t, fset)}
	_, err = conf.Check("main", fset, []*ast.File{f}, info)
	require.NoError(t, err)
	var used []string
	for _, obj := range info.Uses {
		if obj.Exported() && obj.Pkg() != nil && strings.HasPrefix(obj.Pkg().Path(), module) {
			name := obj.Pkg().Name() + "." + obj.Name()
			if !slices.Contains(used, name) {
				used = append(used, name)
			}
		}
	}
	slices.Sort(used)
	t.Logf("%d lines, %d identifiers of the module: %s", strings.Count(src, "\n"), len(used), strings.Join(used, ", "))
	assert.LessOrEqual(t, len(used), 10, "identifiers of the module: %v", used)
	assert.Contains(t, used, "service.Publish", "the counter sees the module's names")
}

// exportImporter imports packages from the export data the go command
// builds for the quickstart's dependencies.
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	t.Helper()
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", ".").Output()
	require.NoError(t, err, "go list -export")
	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, file, _ := strings.Cut(line, "=")
		exports[path] = file
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})
}

// run runs the program in a fresh folder with ELMO_TRANSPORT set to
// transport ("" unsets it) and returns its output.
func run(t *testing.T, bin, transport string) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELMO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if transport != "" {
		cmd.Env = append(cmd.Env, "ELMO_TRANSPORT="+transport)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "quickstart: %s", stderr.String())
	assert.FileExists(t, filepath.Join(dir, "quickstart.db"), "the SQLite store")
	return stdout.String()
}

// TestQuickstart runs README.md's program in memory, then on GoAws with
// only ELMO_TRANSPORT changed: each run publishes, handles, stores and
// reads back the one event.
func TestQuickstart(t *testing.T) {
	bin := build(t, t.TempDir())
	const want = "stored: 1.5 days (CORRECTION)\n"
	t.Run("memory", func(t *testing.T) {
		assert.Equal(t, want, run(t, bin, ""))
	})
	t.Run("GoAws", func(t *testing.T) {
		srv := snssqstest.StartForTest(t)
		topo, err := filepath.Abs("topology.json")
		require.NoError(t, err)
		assert.Equal(t, want, run(t, bin, "snssqs://?region="+snssqstest.Region+"&endpoint="+srv.Endpoint+
			"&wait=1s&provision=true&topology="+topo))
	})
}
