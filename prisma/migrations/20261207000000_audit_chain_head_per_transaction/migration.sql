-- The audit chain's trigger looked up the previous event's hash for every row it appended
-- (`SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1`, a walk down the primary key) and named
-- the sequence by its table on every row. A bill run appends one event per bill, 100,000 of them in
-- slices of a few hundred per transaction, and the lookup was a third of the trigger's cost.
--
-- Once a transaction holds the chain's advisory lock, no other transaction can append until it
-- commits, so after its first append the previous hash is the one it wrote last. The trigger keeps
-- that hash in a transaction-local setting, tagged with the transaction's id, and looks the head up
-- only when the setting is absent or belongs to another transaction. A savepoint rolled back takes
-- the setting back with it (settings are restored on subtransaction abort), together with the rows
-- and the lock it took, so the next append looks the head up again. Same chain, same digest: the
-- verifier (lib/audit-verify.ts) is unchanged, and a wrong link would show there as a break.
CREATE FUNCTION audit_chain_head() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1
$$;
-- The lookup must always be the primary key's last entry, whatever the statistics say (see
-- 20261206100000_audit_chain_index_lookup); the setting now applies to the lookup alone, not to
-- every row the trigger handles.
ALTER FUNCTION audit_chain_head() SET enable_seqscan = off;
ALTER FUNCTION audit_event_chain() RESET enable_seqscan;

CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  xact text := pg_current_xact_id()::text;
  head text := current_setting('opencis.audit_chain_head', true);
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7240118);
  IF head IS NOT NULL AND starts_with(head, xact || ':') THEN
    last_hash := substr(head, length(xact) + 2);
  ELSE
    last_hash := audit_chain_head();
  END IF;
  NEW.seq := nextval('audit_event_seq_seq'::regclass);
  NEW.occurred_at := COALESCE(NEW.occurred_at, now());
  NEW.prev_hash := COALESCE(last_hash, repeat('0', 64));
  NEW.hash := audit_event_digest(NEW);
  PERFORM set_config('opencis.audit_chain_head', xact || ':' || NEW.hash, true);
  RETURN NEW;
END
$$;
