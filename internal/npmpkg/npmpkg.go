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

	"github.com/elmosoftware/eventprotocol/internal/toolcache"
)

// Install returns the folder that holds node_modules/<name> at version,
// installing it with npm first if the cache has none. files are written
// beside node_modules (a launcher script, say) in the same install.
func Install(ctx context.Context, name, version string, files map[string]string) (string, error) {
	folder := strings.ReplaceAll(strings.TrimPrefix(name, "@"), "/", "+") // @asyncapi/parser: asyncapi+parser
	done := filepath.Join("node_modules", name, "package.json")
	dir, err := toolcache.Dir(toolcache.Root(), folder+"-"+version, done, func(tmp string) error {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return fmt.Errorf("installing %s@%s needs Node.js and npm: %w", name, version, err)
		}
		files = maps.Clone(files)
		if files == nil {
			files = map[string]string{}
		}
		files["package.json"] = `{"private":true,"type":"module"}`
		for _, f := range slices.Sorted(maps.Keys(files)) {
			if err := os.WriteFile(filepath.Join(tmp, f), []byte(files[f]), 0o644); err != nil {
				return err
			}
		}
		install := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error", name+"@"+version)
		install.Dir = tmp
		if out, err := install.CombinedOutput(); err != nil {
			return fmt.Errorf("npm install %s@%s failed: %v\n%s", name, version, err, out)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("npmpkg: %w", err)
	}
	return dir, nil
}
