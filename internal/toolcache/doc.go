// Package toolcache keeps the tools the tests install, such as the GoAws
// binary and npm packages, in folders of the user's cache, each filled
// once: a folder is filled under a temporary name and renamed into place,
// so that test binaries filling the same folder at the same time never see
// each other's halves.
package toolcache
