-- The event store's tables and its append function, created in the
-- backend's schema when missing (postgres.go's createSchema).
CREATE TABLE IF NOT EXISTS es_events (
	position  bigint PRIMARY KEY,
	stream    text NOT NULL,
	branch    text NOT NULL,
	version   bigint NOT NULL,
	recorded  bigint NOT NULL,
	effective bigint NOT NULL,
	source    text NOT NULL,
	id        text NOT NULL,
	raw       bytea NOT NULL,
	UNIQUE (stream, branch, version),
	UNIQUE (branch, source, id));
CREATE INDEX IF NOT EXISTS es_events_effective ON es_events (stream, branch, effective, position);
-- Each timeline's version, so that an append finds it with one probe of
-- a primary key. A store made before it had none: it is filled once.
DO $$ BEGIN
	IF to_regclass('es_streams') IS NULL THEN
		CREATE TABLE es_streams (stream text NOT NULL, branch text NOT NULL, version bigint NOT NULL, PRIMARY KEY (stream, branch));
		INSERT INTO es_streams SELECT stream, branch, max(version) FROM es_events GROUP BY stream, branch;
	END IF;
END $$;
CREATE TABLE IF NOT EXISTS es_head (one int PRIMARY KEY CHECK (one = 1), position bigint NOT NULL, recorded bigint NOT NULL);
INSERT INTO es_head VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS es_branches (id text PRIMARY KEY, stream text NOT NULL, forked_at bigint NOT NULL, base bigint NOT NULL, created bigint NOT NULL);
CREATE INDEX IF NOT EXISTS es_branches_stream ON es_branches (stream, created);
CREATE TABLE IF NOT EXISTS es_snapshots (stream text NOT NULL, branch text NOT NULL, recorded bigint NOT NULL, effective bigint NOT NULL, version bigint NOT NULL, state bytea NOT NULL, PRIMARY KEY (stream, branch, effective, recorded));
CREATE TABLE IF NOT EXISTS es_checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE IF NOT EXISTS es_parked (name text NOT NULL, position bigint NOT NULL, reason text NOT NULL, at bigint NOT NULL, PRIMARY KEY (name, position));
-- Whether an event is on an append's timeline: its branch's own events,
-- or, on a branch, its stream's main-timeline events up to the fork.
CREATE OR REPLACE FUNCTION es_stored(p_stream text, p_branch text, p_base bigint, p_source text, p_id text) RETURNS bool
LANGUAGE sql STABLE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$ SELECT EXISTS (SELECT 1 FROM es_events WHERE branch = p_branch AND source = p_source AND id = p_id)
	OR (p_branch <> '' AND EXISTS (SELECT 1 FROM es_events WHERE branch = '' AND source = p_source AND id = p_id AND stream = p_stream AND version <= p_base)) $$;
CREATE OR REPLACE FUNCTION es_append(
	-- one element per append
	p_streams text[], p_branches text[], p_bases bigint[], p_expected bigint[], p_any bool[], p_now bigint[],
	-- one element per event, the appends' events one after the other
	p_batch int[], p_sources text[], p_ids text[], p_effective bigint[], p_raw bytea[],
	-- take the lock before the look-ups (after a call raced another process)
	p_lock_first bool)
RETURNS TABLE (o_version bigint, o_stored int, o_first bigint, o_recorded bigint, o_conflict bool)
LANGUAGE plpgsql
-- Its statements are simple probes of indexes: their plans are made once
-- per session (planning each call cost more than the call), and use the
-- indexes even when made while the tables were small.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
	v_stream text;
	v_branch text;
	v_version bigint;
	v_position bigint;
	v_recorded bigint;
	v_versions bigint[];
	v_dup bool[];
	v_pos bigint[];
	v_ver bigint[];
	v_rec bigint[];
	v_fresh int;
	r_version bigint[] := '{}';
	r_stored int[] := '{}';
	r_first bigint[] := '{}';
	r_recorded bigint[] := '{}';
	r_conflict bool[] := '{}';
	v_stored int := 0;
	e int := 1;
	e_end int;
	k int;
BEGIN
	IF p_lock_first THEN
		PERFORM 1 FROM es_head WHERE one = 1 FOR UPDATE;
	END IF;
	-- Each append's timeline's version (an append's timeline is in no
	-- other append of the call). Whether each event is stored already (the
	-- caller sends an append's events once each) is looked up when the
	-- lock is taken first, and always for a branch's append (the unique
	-- index does not see the main-timeline events a branch inherits);
	-- otherwise the events are taken for new, the unique index says when
	-- one is not (the caller tries again, locking first), and only an
	-- append whose expectation fails is looked up: its events may all be
	-- stored, which makes it a no-op, not a conflict.
	v_versions := array_fill(NULL::bigint, ARRAY[array_length(p_streams, 1)]);
	FOR b IN 1 .. array_length(p_streams, 1) LOOP
		v_stream := p_streams[b];
		v_branch := p_branches[b];
		SELECT x.version INTO v_version FROM es_streams x WHERE x.stream = v_stream AND x.branch = v_branch;
		v_versions[b] := coalesce(v_version, p_bases[b]);
	END LOOP;
	v_dup := array_fill(false, ARRAY[array_length(p_ids, 1)]);
	IF p_lock_first OR NOT (p_branches <@ ARRAY['']) THEN
		FOR i IN 1 .. array_length(p_ids, 1) LOOP
			IF p_lock_first OR p_branches[p_batch[i]] <> '' THEN
				v_dup[i] := es_stored(p_streams[p_batch[i]], p_branches[p_batch[i]], p_bases[p_batch[i]], p_sources[i], p_ids[i]);
			END IF;
		END LOOP;
	END IF;
	-- The head's lock, held until commit, orders the commits as the
	-- positions. The look-ups above ran before it, beside other calls: an
	-- append of another process that commits in between makes the insert
	-- below break a unique index, and the caller tries again, locking first.
	SELECT position, recorded INTO v_position, v_recorded FROM es_head WHERE one = 1 FOR UPDATE;
	v_pos := array_fill(NULL::bigint, ARRAY[array_length(p_ids, 1)]);
	v_ver := v_pos;
	v_rec := v_pos;
	FOR b IN 1 .. array_length(p_streams, 1) LOOP
		e_end := e;
		v_fresh := 0;
		WHILE e_end <= array_length(p_ids, 1) AND p_batch[e_end] = b LOOP
			IF NOT v_dup[e_end] THEN
				v_fresh := v_fresh + 1;
			END IF;
			e_end := e_end + 1;
		END LOOP;
		IF v_fresh > 0 AND NOT p_any[b] AND p_expected[b] <> v_versions[b] AND NOT p_lock_first THEN
			-- Under the lock, the version as last committed (the look-up
			-- above may have run before another process's append), and
			-- whether the events are all stored already.
			v_stream := p_streams[b];
			v_branch := p_branches[b];
			SELECT x.version INTO v_version FROM es_streams x WHERE x.stream = v_stream AND x.branch = v_branch;
			v_versions[b] := coalesce(v_version, p_bases[b]);
			v_fresh := 0;
			FOR i IN e .. e_end - 1 LOOP
				v_dup[i] := es_stored(p_streams[b], p_branches[b], p_bases[b], p_sources[i], p_ids[i]);
				IF NOT v_dup[i] THEN
					v_fresh := v_fresh + 1;
				END IF;
			END LOOP;
		END IF;
		r_version[b] := v_versions[b];
		r_stored[b] := 0;
		r_first[b] := 0;
		r_recorded[b] := 0;
		r_conflict[b] := false;
		IF v_fresh = 0 THEN
			NULL;
		ELSIF NOT p_any[b] AND p_expected[b] <> v_versions[b] THEN
			r_conflict[b] := true;
		ELSE
			v_recorded := greatest(v_recorded + 1, p_now[b]);
			r_version[b] := v_versions[b] + v_fresh;
			r_stored[b] := v_fresh;
			r_first[b] := v_position + 1;
			r_recorded[b] := v_recorded;
			k := 0;
			FOR i IN e .. e_end - 1 LOOP
				IF NOT v_dup[i] THEN
					k := k + 1;
					v_pos[i] := v_position + k;
					v_ver[i] := v_versions[b] + k;
					v_rec[i] := v_recorded;
				END IF;
			END LOOP;
			v_position := v_position + v_fresh;
			v_stored := v_stored + v_fresh;
		END IF;
		e := e_end;
	END LOOP;
	IF v_stored > 0 THEN
		WITH ins AS (
			INSERT INTO es_events (position, stream, branch, version, recorded, effective, source, id, raw)
			SELECT u.pos, p_streams[u.bt], p_branches[u.bt], u.ver, u.rec, u.eff, u.source, u.id, u.raw
			FROM unnest(v_pos, v_ver, v_rec, p_batch, p_effective, p_sources, p_ids, p_raw) AS u(pos, ver, rec, bt, eff, source, id, raw)
			WHERE u.pos IS NOT NULL),
		st AS (
			INSERT INTO es_streams (stream, branch, version)
			SELECT u.stream, u.branch, u.version FROM unnest(p_streams, p_branches, r_version, r_stored) AS u(stream, branch, version, stored)
			WHERE u.stored > 0
			ON CONFLICT (stream, branch) DO UPDATE SET version = excluded.version)
		UPDATE es_head SET position = v_position, recorded = v_recorded
			FROM (SELECT pg_notify('es_events', current_schema())) AS n
			WHERE one = 1;
	END IF;
	RETURN QUERY SELECT * FROM unnest(r_version, r_stored, r_first, r_recorded, r_conflict);
END
$fn$;
