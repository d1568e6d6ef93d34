// Package goaws builds and runs GoAws, a real SNS/SQS-compatible server,
// for the tests of the SNS/SQS transport: no AWS account is needed and no
// manual step. The binary is built once per machine into the user's cache
// folder; each test binary starts its own server on a free loopback port
// and stops it by PID at the end.
package goaws
