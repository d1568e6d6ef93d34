//go:build !unix

package localserver

import (
	"os"
	"os/exec"
)

func ownGroup(*exec.Cmd) {}

func kill(p *os.Process) error { return p.Kill() }
