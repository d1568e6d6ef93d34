package layering_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxLines bounds a hand-written source file: past it, a file stops being
// one seam a maintainer holds in mind, and is split along its seams.
const maxLines = 700

// TestFileSizes: no hand-written Go source file (tests and generated code
// aside) is over maxLines lines.
func TestFileSizes(t *testing.T) {
	checked := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		lines, generated, err := countLines(path)
		if err != nil {
			return err
		}
		if generated {
			return nil
		}
		checked++
		assert.LessOrEqual(t, lines, maxLines, "%s: split it along its seams", path)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 100, "the walk found the module's files")
}

// countLines counts path's lines and reports whether it is generated code
// (the "Code generated ... DO NOT EDIT." line Go's tools recognise).
func countLines(path string) (int, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	n, generated := 0, false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "// Code generated ") && strings.HasSuffix(line, " DO NOT EDIT.") {
			generated = true
		}
	}
	return n, generated, sc.Err()
}
