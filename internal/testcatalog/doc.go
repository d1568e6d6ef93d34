// Package testcatalog loads the sample catalogue (testdata/catalog) for the
// tests of other packages, whole or as a consumer that has not yet seen the
// newest minor versions.
package testcatalog
