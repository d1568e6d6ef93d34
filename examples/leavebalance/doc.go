// Command leavebalance is the second onboarding example: a leave-balance
// service built by event sourcing on two time axes. It answers "what is the
// balance on date D, as we knew it at time T": past, present and forecast,
// with retroactive corrections, snapshots and what-if branches.
//
// Each event is an ELMO envelope: its time is when the fact was recorded,
// its effectivetime when the fact takes effect (valid time). The ledger
// counts every fact recorded at or before T whose effect falls before the
// end of day D (UTC); accruals are derived from the accrual policies, never
// stored. See package ledger (ledger/ledger.go) for every rule.
//
// Without arguments it runs a narrated demo: a producer publishes a year of
// one employee's history through the in-memory transport (or SNS/SQS with
// -transport snssqs -endpoint URL), the ledger consumes it, and the demo
// asks it questions. The balance command answers one question from a file
// of events:
//
//	go run ./examples/leavebalance
//	go run ./examples/leavebalance balance --events FILE.jsonl --employee ERN --on DATE
//	    [--known-at RFC3339] [--what-if FILE.jsonl --fork-at RFC3339] [--snapshot-every N] [--json]
package main
