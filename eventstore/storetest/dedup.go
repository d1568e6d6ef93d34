package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

// testDuplicateAcrossStreams: an event id is unique per timeline, across
// streams. An event stored in one stream and appended to another is a
// duplicate, and the result says where it lives.
func testDuplicateAcrossStreams(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	a, b := eventstore.Stream{Name: stream}, eventstore.Stream{Name: stream + "-b"}
	evs := events(t, stream, 2)
	_, err := s.Append(ctx, a, eventstore.Exactly(0), evs...)
	require.NoError(t, err)

	res, err := s.Append(ctx, b, eventstore.Exactly(0), evs[1])
	require.NoError(t, err, "a duplicate is no conflict")
	assert.Equal(t, eventstore.Result{Version: 0, Duplicates: []eventstore.Duplicate{
		{Index: 0, Stream: stream, Version: 2, Position: 2},
	}}, res)
	assert.Empty(t, collect(t, s.ReadStream(ctx, b, 0)), "nothing stored in the other stream")

	// Part duplicate, part new: the new one is stored in b.
	fresh := events(t, stream+"-b", 1)[0]
	res, err = s.Append(ctx, b, eventstore.Exactly(0), evs[0], fresh)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Stored)
	assert.Equal(t, []eventstore.Duplicate{{Index: 0, Stream: stream, Version: 1, Position: 1}}, res.Duplicates)
	assert.Equal(t, []string{fresh.ID}, ids(t, collect(t, s.ReadStream(ctx, b, 0))))
}

// testDuplicateOnBranch: a branch inherits its stream's main timeline up
// to the fork, so an event of that history appended to the branch is a
// duplicate there; one the main timeline recorded after the fork is not.
func testDuplicateOnBranch(t *testing.T, open opener) {
	s, clock := newStore(t, open)
	ctx := context.Background()
	main := eventstore.Stream{Name: stream}
	before := events(t, stream, 2)
	_, err := s.Append(ctx, main, eventstore.Exactly(0), before...)
	require.NoError(t, err)
	clock.Set(epoch.Add(time.Minute))
	br, err := s.Fork(ctx, stream, time.Time{})
	require.NoError(t, err)
	clock.Set(epoch.Add(2 * time.Minute))
	after := events(t, stream, 1)
	_, err = s.Append(ctx, main, eventstore.Exactly(2), after...)
	require.NoError(t, err)
	branch := eventstore.Stream{Name: stream, Branch: br.ID}

	tests := []struct {
		name   string
		event  int // of all: before[0], before[1], after[0]
		stored int
		dups   []eventstore.Duplicate
	}{
		{"inherited, first", 0, 0, []eventstore.Duplicate{{Index: 0, Stream: stream, Version: 1, Position: 1}}},
		{"inherited, last", 1, 0, []eventstore.Duplicate{{Index: 0, Stream: stream, Version: 2, Position: 2}}},
		{"recorded on main after the fork", 2, 1, nil},
	}
	all := append(before, after...)
	for _, tc := range tests {
		res, err := s.Append(ctx, branch, eventstore.Any, all[tc.event])
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.stored, res.Stored, tc.name)
		assert.Equal(t, tc.dups, res.Duplicates, tc.name)
	}
	read := collect(t, s.ReadStream(ctx, branch, 0))
	assert.Equal(t, envIDs(all), ids(t, read), "each event once on the branch")
	assert.Equal(t, []int64{1, 2, 3}, versions(read))

	// The branch's own copy is a duplicate the second time, and says so.
	res, err := s.Append(ctx, branch, eventstore.Any, after[0])
	require.NoError(t, err)
	require.Len(t, res.Duplicates, 1)
	assert.Equal(t, br.ID, res.Duplicates[0].Branch)
	assert.Equal(t, int64(3), res.Duplicates[0].Version)
}

// testPositionsWithBranches: positions are one sequence for every
// timeline. With branches in use the main timeline's are not dense, but
// they increase, and a reader following them skips nothing committed
// later.
func testPositionsWithBranches(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	main := eventstore.Stream{Name: stream}
	first := events(t, stream, 1)
	_, err := s.Append(ctx, main, eventstore.Exactly(0), first...)
	require.NoError(t, err)
	br, err := s.Fork(ctx, stream, time.Time{})
	require.NoError(t, err)
	branch := eventstore.Stream{Name: stream, Branch: br.ID}
	for _, e := range events(t, stream, 2) {
		_, err := s.Append(ctx, branch, eventstore.Any, e)
		require.NoError(t, err)
	}
	mainRead := collect(t, s.ReadAll(ctx, 0))
	require.Len(t, mainRead, 1)
	last := mainRead[0].Position

	// A reader at the main timeline's head, then later main appends.
	later := events(t, stream, 3)
	for _, e := range later {
		_, err := s.Append(ctx, main, eventstore.Any, e)
		require.NoError(t, err)
	}
	next := collect(t, s.ReadAll(ctx, last))
	assert.Equal(t, envIDs(later), ids(t, next), "nothing committed later is skipped")
	for _, r := range next {
		assert.Greater(t, r.Position, last, "positions increase")
		last = r.Position
	}
	assert.Greater(t, next[0].Position, mainRead[0].Position+1, "the branch's events took positions: the main timeline is not dense")
	mainPositions := map[int64]bool{}
	for _, r := range append(mainRead, next...) {
		mainPositions[r.Position] = true
	}
	own := collect(t, s.ReadStream(ctx, branch, 1))
	require.Len(t, own, 2)
	for _, r := range own {
		assert.Equal(t, br.ID, r.Branch)
		assert.False(t, mainPositions[r.Position], "position %d is the branch's alone", r.Position)
	}
}
