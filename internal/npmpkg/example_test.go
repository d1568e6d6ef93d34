package npmpkg_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/elmosoftware/eventprotocol/internal/npmpkg"
)

// Install once; later calls find the package in the cache.
func ExampleInstall() {
	dir, err := npmpkg.Install(context.Background(), "is-number", "7.0.0", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = os.Stat(filepath.Join(dir, "node_modules", "is-number", "package.json"))
	fmt.Println(err == nil)
	// Output: true
}
