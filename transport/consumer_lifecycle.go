package transport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Start begins receiving. It returns at once; ctx bounds the whole life of
// the consumer (cancelling it is like a Shutdown with no time to drain).
// It fails when the receiver's visibility timeout cannot be read, or
// contradicts ConsumerConfig.VisibilityTimeout.
func (c *Consumer) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stopped:
		return ErrShutdown
	case c.started:
		return ErrStarted
	}
	if err := c.resolveVisibility(ctx); err != nil {
		return err
	}
	c.started = true
	var h HandlerFunc = c.dispatch
	for i := len(c.cfg.Middleware) - 1; i >= 0; i-- {
		h = c.cfg.Middleware[i](h)
	}
	h = Idempotent(c.cfg.Idempotency)(h)
	if c.cfg.Catalog != nil {
		h = validatePayload(c.cfg.Catalog)(h)
	}
	h = resolveClaim(c.cfg.ClaimCheck, c.cfg.MaxClaimBytes)(h)
	c.chain = Recover(h)

	recvCtx, cancel := context.WithCancel(ctx)
	handlerCtx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.recvCtx, c.cancel, c.hcancel = recvCtx, cancel, hcancel
	c.handlerCtx, c.inline = handlerCtx, c.cfg.Push && c.cfg.Concurrency == 1
	c.work = make(chan job, c.batchSize())
	c.acks = make(chan string, 4*c.batchSize())
	if !c.cfg.Push {
		for range c.cfg.Pollers {
			c.pollers.Add(1)
			go c.poll(recvCtx)
		}
	}
	if !c.inline {
		for range c.cfg.Concurrency {
			c.workers.Add(1)
			go c.worker(handlerCtx)
		}
	}
	c.ackCtx, c.ackCancel = context.WithCancel(context.WithoutCancel(ctx))
	extCtx, xcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.xcancel = xcancel
	c.helpers.Add(2)
	go c.acker()
	go c.extender(extCtx) // runs until the last handler is done
	c.done = make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			now, cancel := context.WithCancel(context.Background())
			cancel()
			c.Shutdown(now) //nolint:errcheck // a later Shutdown returns the same error
		case <-c.done:
		}
	}()
	return nil
}

// resolveVisibility settles the visibility timeout: the receiver's, which
// an explicit setting must equal, else the configured one or 30s.
func (c *Consumer) resolveVisibility(ctx context.Context) error {
	src, ok := c.recv.(driver.VisibilitySource)
	if !ok {
		if c.cfg.VisibilityTimeout == 0 {
			c.cfg.VisibilityTimeout = 30 * time.Second
		}
		return nil
	}
	queue, err := src.VisibilityTimeout(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("transport: reading the queue's visibility timeout: %w", err)
	case queue <= 0:
		return fmt.Errorf("transport: the queue's visibility timeout is %v: messages in flight cannot be kept invisible", queue)
	case c.cfg.VisibilityTimeout != 0 && c.cfg.VisibilityTimeout != queue:
		return fmt.Errorf("%w: ConsumerConfig.VisibilityTimeout is %v, the queue's is %v", ErrVisibilityMismatch, c.cfg.VisibilityTimeout, queue)
	}
	c.cfg.VisibilityTimeout = queue
	return nil
}

// shutdownGrace bounds the calls Shutdown makes after its deadline: the
// releases of unfinished messages and the last acknowledgements.
const shutdownGrace = time.Second

// Shutdown stops receiving, lets the handlers in flight finish until ctx is
// done, then cancels the handlers' contexts and releases the messages that
// did not finish for redelivery, flushes pending acknowledgements and
// returns. It returns by ctx's deadline plus at most shutdownGrace (one
// second) for those last transport calls, also when a handler ignores its
// context: such a handler is named in the error, its message released, and
// whatever it does later discarded. It returns nil when everything finished, or a *ShutdownError
// naming what did not. Shutdown is idempotent: later calls wait for the
// first and return its result.
func (c *Consumer) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.shutDone == nil {
		c.shutDone = make(chan struct{})
	}
	shutDone := c.shutDone
	if !c.started || c.stopped {
		started, stopped := c.started, c.stopped
		c.stopped = true
		c.mu.Unlock()
		if !started {
			return nil
		}
		if stopped {
			<-shutDone // the first Shutdown's result
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.shutErr
	}
	c.stopped = true
	close(c.done)
	c.mu.Unlock()
	defer close(shutDone)

	c.cancel()
	c.pollers.Wait()
	close(c.work)
	done := make(chan struct{})
	go func() {
		c.workers.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		c.mu.Lock()
		var unfinished []string
		var msgs []*driver.Message
		for h, t := range c.inflight {
			id := t.id
			if id == "" {
				id = "handle " + h
			}
			unfinished = append(unfinished, id)
			msgs = append(msgs, t.msg)
		}
		c.mu.Unlock()
		c.hcancel()
		// Handlers that ignore their context are not waited for: their
		// messages are released, and what they do later is discarded.
		final, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		for _, m := range msgs {
			c.release(final, m)
		}
		cancel()
		slices.Sort(unfinished)
		err = &ShutdownError{Unfinished: unfinished, Err: ctx.Err()}
	}
	c.hcancel()
	c.xcancel()
	c.ackMu.Lock()
	c.acksClosed = true
	close(c.acks)
	c.ackMu.Unlock()
	// Acknowledgements in flight get until the deadline and the grace.
	limit := shutdownGrace
	if dl, ok := ctx.Deadline(); ok {
		limit = max(time.Until(dl), 0) + shutdownGrace
	}
	if ctx.Err() != nil || limit > shutdownGrace {
		stop := time.AfterFunc(limit, c.ackCancel)
		defer stop.Stop()
	}
	c.helpers.Wait()
	c.ackCancel()
	if closer, ok := c.recv.(driver.Closer); ok {
		final, cancel := ctx, context.CancelFunc(func() {})
		if ctx.Err() != nil {
			final, cancel = context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		}
		if cerr := closer.Close(final); cerr != nil {
			err = errors.Join(err, fmt.Errorf("transport: closing the receiver: %w", cerr))
		}
		cancel()
	}
	c.mu.Lock()
	c.shutErr = err
	c.mu.Unlock()
	return err
}

// Run starts the consumer, waits until ctx is done, then shuts it down,
// giving handlers in flight up to drain to finish.
func (c *Consumer) Run(ctx context.Context, drain time.Duration) error {
	inner, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if err := c.Start(inner); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), drain)
	defer scancel()
	return c.Shutdown(sctx)
}
