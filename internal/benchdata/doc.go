// Package benchdata holds the payload that the benchmarks of this module and
// of the comparison module (internal/compare) share, so that both measure
// the same work.
package benchdata
