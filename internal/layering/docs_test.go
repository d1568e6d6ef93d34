package layering_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadme: the README is a front page (350 lines at most), its test
// command is the one CI runs, and every relative link of the README and
// of docs/ names a file that exists.
func TestReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.LessOrEqual(t, strings.Count(string(readme), "\n"), 350, "README.md: move detail to docs/")

	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, block, "the README opens with its commands")
	lines := strings.Split(strings.TrimSpace(string(block[1])), "\n")
	require.Len(t, lines, 2, "two commands: the main job and the tests")
	testCommand := strings.TrimSpace(strings.SplitN(lines[1], "#", 2)[0])
	ci, err := os.ReadFile("../../.ci/run")
	require.NoError(t, err)
	assert.Contains(t, string(ci), "\n"+testCommand+"\n", "CI runs the README's test command")

	docs, err := filepath.Glob("../../docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	code := regexp.MustCompile("(?s)```.*?```")
	for _, path := range append(docs, "../../README.md", "../../PROTOCOL.md") {
		text, err := os.ReadFile(path)
		require.NoError(t, err)
		prose := code.ReplaceAllString(string(text), "")
		for _, m := range link.FindAllStringSubmatch(prose, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			_, err := os.Stat(filepath.Join(filepath.Dir(path), target))
			assert.NoError(t, err, "%s links to %s", path, target)
		}
	}
}
