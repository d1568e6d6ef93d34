// Package npmpkg installs an npm package, once per machine, into the
// user's cache folder, for the tests that run a Node.js tool: fauxqs (an
// SNS/SQS server) and the AsyncAPI parser. It needs Node.js, npm and the
// npm registry the first time; a failure says what is missing, and the
// tests that need the tool fail with it (they never skip).
package npmpkg
