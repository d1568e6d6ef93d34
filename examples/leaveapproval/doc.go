// Command leaveapproval is the onboarding example of commands, replies and
// process managers: a leave request that waits for a manager.
//
// An employee asks for leave: the portal sends a command,
// elmo.leave.request.submit.v1, to the leave service, which starts a
// process manager for the request. The process asks the employee's manager
// to review it (a command, elmo.leave.request.review.v1, whose reply
// elmo.leave.request.reviewed.v1 comes back to the leave service's queue)
// and sets a deadline three days out. On approval it deducts the days
// through the leave-balance ledger (it publishes
// elmo.leave.absence.approved.v1, which the balance service counts with
// the ledger of examples/leavebalance) and tells the employee; on a decline
// it tells the employee; when the manager does not answer in time, the
// deadline expires the request, tells the employee, and withdraws the
// review from the manager (a compensating command). The process's state,
// its deadlines and what it sends are in the leave service's event store,
// written in one transaction; its outbox relay sends them.
//
//	go run ./examples/leaveapproval     # in memory, SQLite in a temporary folder, no setup
//	go run ./examples/leaveapproval -transport snssqs -endpoint http://127.0.0.1:4100 -db postgres://...   # GoAws, PostgreSQL
package main
