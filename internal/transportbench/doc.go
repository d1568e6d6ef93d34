// Package transportbench holds the publish -> handled throughput benchmark
// that transport/memory and the comparison module (internal/compare) share,
// so both measure the same work.
package transportbench
