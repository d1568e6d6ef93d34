package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
)

// AttrReplyTo is the extension attribute of a command that awaits a reply:
// the requesting service, whose own queue the reply goes to (PROTOCOL.md
// section 6.4).
const AttrReplyTo = "replyto"

// DefaultReplyTimeout is RequesterConfig.Timeout's default.
const DefaultReplyTimeout = 30 * time.Second

// ErrReplyTimeout matches every [*ReplyTimeoutError].
var ErrReplyTimeout = errors.New("transport: no reply in time")

// ReplyTimeoutError reports a command whose reply did not come in time. The
// command was sent: it may yet be carried out, and its reply, if it comes,
// is acknowledged and logged. It matches ErrReplyTimeout and
// ErrOutcomeUnknown.
type ReplyTimeoutError struct {
	CommandID string        // the command's id
	After     time.Duration // how long the requester waited
}

// Error implements error.
func (e *ReplyTimeoutError) Error() string {
	return fmt.Sprintf("transport: no reply to command %s within %v: the command was sent and may yet be carried out (outcome unknown)", e.CommandID, e.After)
}

// Is reports whether target is ErrReplyTimeout or ErrOutcomeUnknown.
func (e *ReplyTimeoutError) Is(target error) bool {
	return target == ErrReplyTimeout || target == ErrOutcomeUnknown
}

// RequesterConfig configures NewRequester. A nil *RequesterConfig means the
// defaults; a zero field means its default; an invalid value is an error.
type RequesterConfig struct {
	// Timeout is how long Request waits for a reply. Default
	// DefaultReplyTimeout.
	Timeout time.Duration
	// Logger receives what would otherwise go unseen: a reply that came
	// after its request gave up (at Warn, without its payload). Default
	// slog.Default().
	Logger *slog.Logger
}

// Requester sends commands and awaits their replies, asynchronously: the
// command goes out through the Publisher, the reply comes back to the
// requesting service's own queue, and its consumer hands it to the waiting
// Request, matched by the reply's causationid (the command's id). No
// goroutine waits but the caller's. It is safe for concurrent use.
type Requester struct {
	pub     *Publisher
	service string
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	pending map[string]chan *envelope.Envelope // by command id
}

// NewRequester returns the requester of a service (one the topology lists
// with its requests, so that it has a queue): it publishes with pub, and
// registers on the service's consumer c, before it starts, the handlers of
// the reply types.
func NewRequester(pub *Publisher, c *Consumer, service string, replyTypes []string, cfg *RequesterConfig) (*Requester, error) {
	var rc RequesterConfig
	if cfg != nil {
		rc = *cfg
	}
	var errs []error
	if pub == nil || c == nil {
		errs = append(errs, &config.Error{Setting: "NewRequester's publisher and consumer", Problem: "must not be nil"})
	}
	if service == "" {
		errs = append(errs, &config.Error{Setting: "NewRequester's service", Problem: "must not be empty"})
	}
	if len(replyTypes) == 0 {
		errs = append(errs, &config.Error{Setting: "NewRequester's replyTypes", Problem: "must name at least one reply type"})
	}
	if rc.Timeout < 0 {
		errs = append(errs, &config.Error{Setting: "RequesterConfig.Timeout", Problem: "must not be negative"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if rc.Timeout == 0 {
		rc.Timeout = DefaultReplyTimeout
	}
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	r := &Requester{pub: pub, service: service, timeout: rc.Timeout, log: rc.Logger, pending: map[string]chan *envelope.Envelope{}}
	for _, typ := range replyTypes {
		if err := c.HandleReply(typ, r.deliver); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Request publishes the command, with the requester as its replyto, and
// waits for its reply, at most the configured timeout (or until ctx ends).
// Without a reply in time it returns a *ReplyTimeoutError: the command was
// sent. A command the Publisher refuses returns its *PublishError.
func (r *Requester) Request(ctx context.Context, cmd *envelope.Envelope) (*envelope.Envelope, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", envelope.ErrInvalid)
	}
	out := *cmd
	out.Extensions = make(map[string]any, len(cmd.Extensions)+1)
	for k, v := range cmd.Extensions {
		out.Extensions[k] = v
	}
	out.Extensions[AttrReplyTo] = r.service
	ch := make(chan *envelope.Envelope, 1)
	r.mu.Lock()
	r.pending[out.ID] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, out.ID)
		r.mu.Unlock()
	}()
	if err := r.pub.Publish(ctx, &out); err != nil {
		return nil, err
	}
	timer := time.NewTimer(r.timeout)
	defer timer.Stop()
	select {
	case reply := <-ch:
		return reply, nil
	case <-timer.C:
		return nil, &ReplyTimeoutError{CommandID: out.ID, After: r.timeout}
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", &ReplyTimeoutError{CommandID: out.ID, After: r.timeout}, ctx.Err())
	}
}

// deliver hands a reply to the request waiting for it; a reply nobody
// waits for (late, or to another instance's request) is acknowledged and
// logged, without its payload.
func (r *Requester) deliver(ctx context.Context, d *Delivery) error {
	e := d.Envelope
	r.mu.Lock()
	ch := r.pending[e.CausationID]
	delete(r.pending, e.CausationID)
	r.mu.Unlock()
	if ch == nil {
		r.log.LogAttrs(ctx, slog.LevelWarn, "transport: a reply came that no request waits for (late, or unknown); acknowledged",
			slog.String("id", e.ID), slog.String("type", e.Type), slog.String("causationid", e.CausationID), slog.String("service", r.service))
		return nil
	}
	reply := *e
	ch <- &reply
	return nil
}

// ReplyTo makes reply go where cmd's requester awaits it: its replyto.
// Build the reply with event.Definition.NewCaused from the command, so
// that its causationid is the command's id.
func ReplyTo(cmd, reply *envelope.Envelope) {
	to, _ := cmd.Extensions[AttrReplyTo].(string)
	if to == "" {
		return
	}
	if reply.Extensions == nil {
		reply.Extensions = map[string]any{}
	}
	reply.Extensions[AttrReplyTo] = to
}
