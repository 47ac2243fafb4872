-- The account summary on a bill: what was owed before it (previous balance), what happened on the
-- account since the last bill (payments, returned payments, fees, adjustments, other bills,
-- deposits), the balance brought forward, this bill's charges, and the total amount due.
--
-- Every ledger entry appears on exactly one bill's summary: the first bill issued after it was
-- recorded. An entry waits in statement_entry with no bill until a bill claims it; the bill's own
-- charge is its "current charges" from the start. The queue is filled by a trigger, so no writer of
-- the ledger (payments, returns, late charges, deposits, corrections, conversions, imports) can
-- forget it, and a bill claims only entries committed when it is issued: one recorded a moment
-- later waits for the next bill instead of being lost between two. Entries recorded before this
-- migration after the account's last bill wait too (backfilled below); older ones were shown on
-- a bill already, and the first summary counts them in its previous balance.

CREATE TABLE "statement_entry" (
    "entry_id" BIGINT NOT NULL,
    "account_id" TEXT NOT NULL,
    -- The bill whose summary shows the entry; NULL while it waits for the next bill.
    "bill_id" TEXT,
    CONSTRAINT "statement_entry_pkey" PRIMARY KEY ("entry_id"),
    CONSTRAINT "statement_entry_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "ledger_entry"("id") ON DELETE RESTRICT,
    CONSTRAINT "statement_entry_bill_id_fkey" FOREIGN KEY ("bill_id") REFERENCES "bill"("id") ON DELETE RESTRICT
);
-- One row per account that has had a summary: the row bills issuing a summary lock, so two at once
-- for one account (a final bill during a bill run) take turns. Nothing else touches it, so the lock
-- never waits on, or holds up, anything but another summary.
CREATE TABLE "statement_account" (
    "account_id" TEXT NOT NULL,
    CONSTRAINT "statement_account_pkey" PRIMARY KEY ("account_id"),
    CONSTRAINT "statement_account_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT
);

CREATE INDEX "statement_entry_waiting_idx" ON "statement_entry" ("account_id") WHERE "bill_id" IS NULL;
CREATE INDEX "statement_entry_bill_id_idx" ON "statement_entry" ("bill_id");

-- The figures a bill's summary printed, fixed when the bill was issued (like the bill itself).
-- The bill's own balance stays derived from the ledger; these are what the customer was told.
CREATE TABLE "bill_statement" (
    "bill_id" TEXT NOT NULL,
    "previous_balance_cents" BIGINT NOT NULL,
    "activity_cents" BIGINT NOT NULL,
    "balance_forward_cents" BIGINT NOT NULL,
    "current_charges_cents" BIGINT NOT NULL,
    "total_due_cents" BIGINT NOT NULL,
    -- Of the balance forward, what was past due when the bill was issued (never more than the
    -- balance forward or the total due).
    "past_due_cents" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "bill_statement_pkey" PRIMARY KEY ("bill_id"),
    CONSTRAINT "bill_statement_bill_id_fkey" FOREIGN KEY ("bill_id") REFERENCES "bill"("id") ON DELETE RESTRICT,
    CONSTRAINT "bill_statement_sums_check" CHECK (
      "balance_forward_cents" = "previous_balance_cents" + "activity_cents"
      AND "total_due_cents" = "balance_forward_cents" + "current_charges_cents"
      AND "past_due_cents" >= 0
      AND "past_due_cents" <= GREATEST(LEAST("balance_forward_cents", "total_due_cents"), 0))
);

-- Each new ledger entry waits for a bill, except a bill's own charge, which is that bill's (a
-- charge naming no bill on record waits like any other entry: ledger_entry.bill_id is not a
-- foreign key). FOR EACH STATEMENT with a transition table: a bill run posts 100,000 charges in a
-- few statements.
CREATE FUNCTION ledger_entry_queue_for_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO statement_entry (entry_id, account_id, bill_id)
  -- A scalar subquery, looked up by key for each row: an EXISTS or a join would be planned as a
  -- scan of every bill for each statement that inserts entries.
  SELECT n.id, n.account_id,
    CASE WHEN n.kind = 'CHARGE' THEN (SELECT b.id FROM bill b WHERE b.id = n.bill_id) END
  FROM new_entries n;
  RETURN NULL;
END
$$;
CREATE TRIGGER ledger_entry_statement_queue AFTER INSERT ON ledger_entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_queue_for_statement();

-- Once a bill shows an entry, that never changes; a summary, once printed, never changes.
CREATE FUNCTION statement_entry_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.bill_id IS NOT NULL OR NEW.entry_id <> OLD.entry_id
     OR NEW.account_id <> OLD.account_id THEN
    RAISE EXCEPTION 'statement_entry %: an entry shown on a bill stays on that bill (% refused)', OLD.entry_id, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER statement_entry_immutable BEFORE UPDATE OR DELETE ON statement_entry
  FOR EACH ROW EXECUTE FUNCTION statement_entry_guard();
CREATE TRIGGER bill_statement_immutable BEFORE UPDATE OR DELETE ON bill_statement
  FOR EACH ROW EXECUTE FUNCTION refuse_change('a bill''s account summary is fixed when it is issued');

-- What happened on each account since its last bill (before this migration) waits for the next
-- one, so the first summary shows it rather than folding it into the previous balance. A bill's
-- own charge was on that bill.
INSERT INTO statement_entry (entry_id, account_id, bill_id)
SELECT e.id, e.account_id, NULL
FROM ledger_entry e
WHERE NOT (e.kind = 'CHARGE' AND EXISTS (SELECT 1 FROM bill b WHERE b.id = e.bill_id))
  AND e.created_at > coalesce(
    (SELECT max(b.issued_at) FROM bill b WHERE b.account_id = e.account_id AND b.issued_at IS NOT NULL),
    '-infinity');
