package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses a command's flags the way eventctl does: asked for
// (-h), the synopsis and the flags go to standard output and the command
// ends with exitOK; after a mistake, the error, the synopsis and the
// flags go to standard error, and it ends with exitUsage. ok is false
// when the command ends.
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below, where it belongs
	err := fs.Parse(args)
	if err == nil {
		return exitOK, true
	}
	w, code := stderr, exitUsage
	if errors.Is(err, flag.ErrHelp) {
		w, code = stdout, exitOK
	}
	fmt.Fprintln(w, synopsis)
	fs.SetOutput(w)
	fs.PrintDefaults()
	return code, false
}
