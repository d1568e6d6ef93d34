package npmpkg

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Install returns the folder that holds node_modules/<name> at version,
// installing it with npm first if the cache has none. files are written
// beside node_modules (a launcher script, say) in the same install.
func Install(ctx context.Context, name, version string, files map[string]string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	folder := strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "+") // @asyncapi/parser: asyncapi+parser
	dir := filepath.Join(cache, "elmo-eventprotocol", folder+"-"+version)
	done := filepath.Join(dir, "node_modules", name, "package.json")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npmpkg: installing %s@%s needs Node.js and npm: %w", name, version, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("npmpkg: cache folder: %w", err)
	}
	// Install into a folder of our own, then rename into place: test
	// binaries of several packages may install at the same time.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		return "", fmt.Errorf("npmpkg: cache folder: %w", err)
	}
	files = maps.Clone(files)
	if files == nil {
		files = map[string]string{}
	}
	files["package.json"] = `{"private":true,"type":"module"}`
	for _, f := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(tmp, f), []byte(files[f]), 0o644); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("npmpkg: %w", err)
		}
	}
	install := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error", name+"@"+version)
	install.Dir = tmp
	if out, err := install.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("npmpkg: npm install %s@%s failed: %v\n%s", name, version, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(done); serr == nil {
			return dir, nil // another process won the race
		}
		return "", fmt.Errorf("npmpkg: %w", err)
	}
	return dir, nil
}
