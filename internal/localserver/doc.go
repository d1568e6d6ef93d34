// Package localserver runs a test server process on a loopback port: it
// starts the command with its output in a log file, waits until the port
// answers, and stops the process by its PID. On Linux a server also dies
// with the process that started it, so a test binary killed by a timeout
// leaves none behind. The SNS/SQS test servers (transport/snssqs/snssqstest,
// internal/fauxqs) and the Lambda emulator are started with it.
package localserver
