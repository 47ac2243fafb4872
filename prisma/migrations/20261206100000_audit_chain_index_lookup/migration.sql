-- The audit chain's trigger finds the previous event's hash with
-- `SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1`. PL/pgSQL plans that statement once per
-- connection and keeps the plan until the table's statistics change. Planned while the statistics
-- say the table is empty (a new installation analyzed before its first event, as the billing
-- benchmark's database is), it is a sequential scan and a sort, and each append then reads the
-- whole table until autovacuum next analyzes it: a 100,000-bill run read 48 million audit rows that
-- way, and its delivery took up to 50 % longer. With sequential scans off inside the trigger, the
-- lookup is always the walk down the primary key to its last entry (test/audit-chain.test.ts).
ALTER FUNCTION audit_event_chain() SET enable_seqscan = off;
