package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// ClaimCheck implements driver.ClaimCheckProvider: the data of events too
// large for their topic is kept in the broker, in the topology's bucket,
// named mem://<bucket>/<key>.
func (b *Broker) ClaimCheck(t *topology.Topology) (driver.ClaimCheck, error) {
	if t.ClaimCheck == nil {
		return nil, nil
	}
	return claims{b: b, bucket: t.ClaimCheck.Bucket}, nil
}

// claims is one bucket of the broker's claim-checked data.
type claims struct {
	b      *Broker
	bucket string
}

func (c claims) Put(ctx context.Context, _, key string, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ref := "mem://" + c.bucket + "/" + key
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.b.objects[ref] = slices.Clone(data)
	return ref, nil
}

func (c claims) Get(ctx context.Context, ref string, max int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(ref, "mem://"+c.bucket+"/") {
		return nil, fmt.Errorf("memory: %w", driver.ErrForeignRef)
	}
	c.b.mu.Lock()
	data, ok := c.b.objects[ref]
	c.b.mu.Unlock()
	switch {
	case !ok:
		return nil, fmt.Errorf("memory: claim-checked data: %w", driver.ErrNotFound)
	case len(data) > max:
		return nil, fmt.Errorf("memory: claim-checked data of %d bytes, over %d: %w", len(data), max, driver.ErrTooLarge)
	}
	return slices.Clone(data), nil
}

// ClaimObject returns the claim-checked data a ref names, for tests.
func (b *Broker) ClaimObject(ref string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[ref]
	return data, ok
}

// SetClaimObject replaces the claim-checked data a ref names (nil deletes
// it), for tests of what a consumer does with data that was tampered with
// or lost.
func (b *Broker) SetClaimObject(ref string, data []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if data == nil {
		delete(b.objects, ref)
		return
	}
	b.objects[ref] = data
}
