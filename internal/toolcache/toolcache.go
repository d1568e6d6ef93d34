package toolcache

import (
	"os"
	"path/filepath"
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
