// Package localserver runs a test server process on a loopback port: it
// starts the command with its output in a log file, waits until the port
// answers, and stops the process by its PID. The SNS/SQS test servers
// (transport/snssqs/snssqstest, internal/fauxqs) are started with it.
package localserver
