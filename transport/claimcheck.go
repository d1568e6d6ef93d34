package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ErrClaimCheck matches the error of an event whose claim-checked data
// cannot be had: no claim check configured, a dataref outside the store,
// data that is missing, too large, not matching its digest or not a JSON
// object. The Consumer dead-letters such an event with the reason; a
// passing failure of the store is retried instead.
var ErrClaimCheck = errors.New("transport: claim check failed")

// DefaultMaxClaimBytes is ConsumerConfig.MaxClaimBytes's default.
const DefaultMaxClaimBytes = 64 << 20

// claimKey is where an event's data is kept: its type and id, never a
// payload value.
func claimKey(e *envelope.Envelope) string { return e.Type + "/" + e.ID }

// claimChecks puts the data of the events too large for their topic into
// the claim check, and makes their messages: the envelope with a dataref
// and a datadigest in place of the data. An event whose data cannot be put
// is not sent; its failure is returned with the others' messages.
func (p *Publisher) claimChecks(ctx context.Context, out []outgoing) ([]outgoing, []FailedEvent) {
	var failed []FailedEvent
	kept := out[:0]
	for _, o := range out {
		if o.claim == nil {
			kept = append(kept, o)
			continue
		}
		msg, err := p.claimOne(ctx, o)
		if err != nil {
			failed = append(failed, FailedEvent{Index: o.index, ID: o.id, Err: err, Invalid: errors.Is(err, ErrTooLarge)})
			continue
		}
		o.msg, o.claim = msg, nil
		kept = append(kept, o)
	}
	return kept, failed
}

func (p *Publisher) claimOne(ctx context.Context, o outgoing) (*driver.Message, error) {
	e := *o.claim
	digest := make(chan string, 1) // hashed while the data is put
	go func() { digest <- envelope.Digest(e.Data) }()
	ref, err := p.cfg.ClaimCheck.Put(ctx, o.topic, claimKey(&e), e.Data)
	sum := <-digest
	if err != nil {
		return nil, fmt.Errorf("transport: claim check of event %s: %w (not sent)", e.ID, err)
	}
	e.DataRef, e.DataDigest, e.Data = ref, sum, nil
	body, err := e.MarshalJSON()
	if err != nil {
		return nil, err
	}
	msg := &driver.Message{Body: body, Attributes: MirroredAttributes(&e), GroupID: e.PartitionKey, DedupID: e.ID}
	if msg.Size() > o.limit { // its attributes alone are too many
		return nil, &TooLargeError{ID: e.ID, Size: msg.Size(), Limit: o.limit}
	}
	return msg, nil
}

// resolveClaim fetches a claim-checked event's data before the payload is
// validated, bounded by max bytes, and puts it back in the envelope once
// its digest and the protocol's data rules hold. Nothing about it fits
// again later (Permanent), but a passing failure of the store.
func resolveClaim(cc driver.ClaimCheck, max int) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, d *Delivery) error {
			e := d.Envelope
			if e.DataRef == "" {
				return next(ctx, d)
			}
			if cc == nil {
				return Permanent(fmt.Errorf("%w: the event's data is at its dataref, and the consumer has no claim check (a topology claimCheck)", ErrClaimCheck))
			}
			data, err := cc.Get(ctx, e.DataRef, max)
			switch {
			case errors.Is(err, driver.ErrForeignRef), errors.Is(err, driver.ErrNotFound), errors.Is(err, driver.ErrTooLarge):
				return Permanent(fmt.Errorf("%w: %w", ErrClaimCheck, err))
			case err != nil:
				return fmt.Errorf("transport: fetching claim-checked data: %w", err)
			}
			digest := make(chan string, 1) // hashed while the data rules are checked
			go func() { digest <- envelope.Digest(data) }()
			rulesErr := envelope.CheckData(data)
			if <-digest != e.DataDigest {
				return Permanent(fmt.Errorf("%w: the data does not match its datadigest", ErrClaimCheck))
			}
			if rulesErr != nil {
				return Permanent(fmt.Errorf("%w: the data breaks the protocol's data rules: %w", ErrClaimCheck, rulesErr))
			}
			if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
				return Permanent(fmt.Errorf("%w: the data is not a JSON object", ErrClaimCheck))
			}
			resolved := *e // the event as it was published: data in place of the dataref
			resolved.Data, resolved.DataRef, resolved.DataDigest = data, "", ""
			d.Envelope, d.Body = &resolved, nil // the body holds the dataref, not the data
			return next(ctx, d)
		}
	}
}
