package toolcache_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/elmosoftware/eventprotocol/internal/toolcache"
)

// A tool's folder is filled on first use and found afterwards.
func ExampleDir() {
	root, err := os.MkdirTemp("", "toolcache-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	fills := 0
	fill := func(tmp string) error {
		fills++
		return os.WriteFile(filepath.Join(tmp, "tool"), []byte("#!/bin/sh\n"), 0o755)
	}
	for range 2 {
		dir, err := toolcache.Dir(root, "tool-v1", "tool", fill)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(filepath.Base(dir))
	}
	fmt.Println("filled", fills, "time")
	// Output:
	// tool-v1
	// tool-v1
	// filled 1 time
}
