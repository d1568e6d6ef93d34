//go:build !unix

package transportbench

// cpuTime cannot read the process's CPU time here.
func cpuTime() (ns int64, ok bool) { return 0, false }
