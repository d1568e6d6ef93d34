package toolcache

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Root is the folder that holds the tools' folders: elmo-eventprotocol in
// the user's cache folder (in the system's temporary folder when there is
// none).
func Root() string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "elmo-eventprotocol")
}

// Dir returns root/name, first filling it with fill unless done, a path
// inside it, exists. fill writes into an empty temporary folder, renamed
// to root/name once fill succeeds; on failure it is removed and fill's
// error returned. When another process renamed its own folder into place
// first, that one is returned.
func Dir(root, name, done string, fill func(tmp string) error) (string, error) {
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, done)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, name+"-")
	if err != nil {
		return "", err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(filepath.Join(dir, done)); serr == nil {
			return dir, nil // another process won the race
		}
		return "", err
	}
	return dir, nil
}

// GoInstall returns the path of a Go command's binary kept in
// Root()/name, first building it there with go install module@version
// (which needs the go command and the module proxy) unless it is there.
func GoInstall(ctx context.Context, name, module string) (string, error) {
	bin := path.Base(strings.SplitN(module, "@", 2)[0])
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	dir, err := Dir(Root(), name, bin, func(tmp string) error {
		goCmd, err := exec.LookPath("go") // go test puts its own go first on PATH
		if err != nil {
			return fmt.Errorf("building %s needs the go command: %w", module, err)
		}
		build := exec.CommandContext(ctx, goCmd, "install", module)
		build.Dir = tmp
		build.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go install %s failed: %v\n%s", module, err, out)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, bin), nil
}
