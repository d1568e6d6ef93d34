// Package tcpproxy is a loopback TCP proxy for tests that cut a
// connection: it forwards to a target until cut, then drops every open
// connection and refuses new ones until restored. With replies dropped,
// it forwards requests but discards the replies and closes the client's
// connection once the server answered: the request took effect, and the
// client cannot know.
package tcpproxy
