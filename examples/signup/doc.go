// Command signup is the onboarding example of the ELMO event protocol: one
// fact, four independent reactions.
//
// A client signs up (elmo.identity.client.signed_up.v1). Four services
// react, each on its own queue: provisioning prepares the tenant and
// publishes elmo.platform.tenant.provisioned.v1, caused by the sign-up; the
// welcome email goes out; billing raises the subscription invoice; and
// leadership is notified. The run prints who published what, who received
// it, and the correlation and causation ids that link the flow. It also
// shows the failure stories: the email provider is down for the first two
// attempts, and the message comes back after a backoff while the other
// services finish untouched; a malformed sign-up from a legacy producer goes
// to each service's dead-letter queue with its reason; a duplicate delivery
// is processed once.
//
//	go run ./examples/signup                                   # in memory, no setup
//	go run ./examples/signup -transport snssqs -endpoint http://127.0.0.1:4100   # SNS/SQS (GoAws)
package main
