// Package fauxqs installs and runs fauxqs, an SNS/SQS (and S3) emulator on
// Node.js, as the second SNS/SQS server of the transport's tests: it has
// what GoAws lacks (exact ApproximateReceiveCount, PublishBatch of 10,
// redrive policies, FIFO queues). The npm package is installed once per
// machine into the user's cache folder; each test binary starts its own
// server on a free loopback port and stops it by PID at the end.
package fauxqs
