// Package orderedjson decodes JSON keeping the order of objects' members,
// for the generators that write a schema's properties in the order the
// schema gives them (Go types, documentation pages).
package orderedjson
