package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Replay marks what Bus.Resend sends.
type Replay struct {
	// ID names the replay. Every message it sends carries it
	// (driver.AttrReplay), and Delivery.Replayed returns it. Required.
	ID string
	// BypassDedup asks the service to handle the events again even where
	// it handled them before: its consumer's deduplication keys them by
	// the replay too (once per replay, still).
	BypassDedup bool
}

// Stored is an event to send again: its envelope and its encoding, sent
// byte for byte.
type Stored struct {
	Envelope *envelope.Envelope
	Raw      []byte
}

// Resend sends stored events to one service's queue, never to a topic,
// marked as a replay (driver.AttrReplay, the only attribute they carry):
// their bytes unchanged, in the order given (a FIFO
// queue keeps each partition key's), in batches as large as the driver
// takes. Before it sends anything it refuses, with an error matching
// ErrNotReceived that names them, a service the topology does not list and
// an event whose type the service does not receive. It returns how many
// events were sent: those before an error were; the ones of the batch that
// failed may have been (the error then matches ErrOutcomeUnknown).
func (b *Bus) Resend(ctx context.Context, service string, r Replay, events ...Stored) (int, error) {
	if r.ID == "" {
		return 0, &config.Error{Setting: "transport.Replay.ID", Problem: "must not be empty"}
	}
	svc, ok := b.t.Service(service)
	if !ok {
		return 0, fmt.Errorf("%w: the topology lists no service %q", ErrNotReceived, service)
	}
	msgs := make([]*driver.Message, len(events))
	for i, s := range events {
		if s.Envelope == nil || len(s.Raw) == 0 {
			return 0, fmt.Errorf("%w: event %d of %d has no envelope or no bytes", envelope.ErrInvalid, i+1, len(events))
		}
		if !b.t.Delivers(svc, s.Envelope.Type) {
			return 0, fmt.Errorf("%w: %q does not receive %s (event %s): add it to the service's consumes, or leave the type out of the replay",
				ErrNotReceived, service, s.Envelope.Type, s.Envelope.ID)
		}
		// No mirrored attributes: they serve the topics' filters, and a
		// replay goes to a queue. The consumer reads the body.
		attrs := map[string]string{driver.AttrReplay: r.ID}
		if r.BypassDedup {
			attrs[driver.AttrReplayBypass] = "true"
		}
		// A FIFO queue drops a deduplication id it saw in the last five
		// minutes: the replay's own, so that a replay is never taken for
		// the original.
		sum := sha256.Sum256([]byte(r.ID + "\x00" + s.Envelope.Source + "\x00" + s.Envelope.ID))
		msgs[i] = &driver.Message{Body: s.Raw, Attributes: attrs, GroupID: s.Envelope.PartitionKey, DedupID: hex.EncodeToString(sum[:])}
	}
	queue := driver.QueueDestination(service)
	limits := b.pub.sender.Limits()
	sent := 0
	for sent < len(msgs) {
		n, size := 0, 0
		for sent+n < len(msgs) && (limits.MaxBatch <= 0 || n < limits.MaxBatch) {
			m := msgs[sent+n].Size()
			if n > 0 && limits.MaxBatchBytes > 0 && size+m > limits.MaxBatchBytes {
				break
			}
			n, size = n+1, size+m
		}
		if err := b.pub.sender.Send(ctx, queue, msgs[sent:sent+n]); err != nil {
			if !noneSent(err, n) {
				err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
			}
			return sent, fmt.Errorf("transport: resending to %s: %w", service, err)
		}
		sent += n
	}
	return sent, nil
}

// noneSent reports whether a failed Send of n messages certainly sent
// none of them: every one failed with driver.ErrNotSent.
func noneSent(err error, n int) bool {
	var berr *driver.BatchError
	if !errors.As(err, &berr) {
		return errors.Is(err, driver.ErrNotSent)
	}
	if len(berr.Failed) < n {
		return false // the others were sent
	}
	for _, f := range berr.Failed {
		if !errors.Is(f.Err, driver.ErrNotSent) {
			return false
		}
	}
	return true
}
