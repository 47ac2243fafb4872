// Bills' account summaries in the database (domain/billing/statement.ts has the arithmetic).
//
// `recordStatements` runs in the transaction that issues the bills, after their charges are
// posted or before (either way the bill's own charge is its current charges, never activity):
// - it locks the accounts' statement_account rows (in account order), so two bills issued at once
//   for one account (a final bill during a bill run) take turns instead of both claiming the same
//   entries. Not the account rows: a bill run would then hold 2,000 accounts against every
//   update of them, and anything that updates an account after writing its audit row (the audit
//   chain's lock is held to commit) would deadlock with the run. Nothing but a summary touches
//   statement_account; callers that write audit rows before their summary take this lock first
//   (`lockStatementAccounts`), so every summary takes it before the audit lock;
// - in ONE statement, so one snapshot: claims each account's entries still waiting for a bill
//   (statement_entry.bill_id NULL → the bill) and sums the account's whole ledger. An entry
//   committed a moment later is neither claimed nor in the sum: it waits for the next bill, whose
//   previous balance is then exactly this bill's total due. A writer of the ledger holds only KEY
//   SHARE on the account, which nothing here waits for;
// - previous balance = the ledger's balance − the entries claimed − the bill's own charge;
// - past due (what of the balance forward is past due on the bill date, or on the day of issue
//   when that is later — oldest-first allocation as everywhere) only where something is brought
//   forward, and never more than the total due;
// - writes bill_statement, which a trigger keeps as it was written.
//
// `loadStatements` reads the summaries and their entries back for the bills' views.
import type { LedgerKind } from '@prisma/client';
import type { PoolClient } from 'pg';
import type { Tx } from '../lib/db/prisma';
import { query, type Runner } from '../lib/db/bulk';
import {
  statementFigures,
  type AdjustmentPurpose,
  type StatementActivity,
  type StatementFigures,
} from '../domain/billing/statement';
import { pastDueBalances, pastDueOn, utilityDate } from './ledger';

/** Where the statement queries run: the bill run's pg connection, or a Prisma transaction. */
export interface StatementRunner {
  rows<R>(text: string, values: unknown[]): Promise<R[]>;
  pastDue(accountIds: string[], asOf: string): Promise<Map<string, bigint>>;
}

export const onConnection = (c: PoolClient): StatementRunner => ({
  rows: async <R>(text: string, values: unknown[]) => (await c.query(text, values)).rows as R[],
  pastDue: (ids, asOf) => pastDueOn(c, ids, asOf),
});

export const onTransaction = (tx: Tx): StatementRunner => ({
  rows: <R>(text: string, values: unknown[]) => tx.$queryRawUnsafe<R[]>(text, ...values),
  pastDue: (ids, asOf) => pastDueBalances(tx, ids, asOf),
});

export interface StatementBill {
  billId: string;
  accountId: string;
  /** YYYY-MM-DD: past due is judged on this day. */
  billDate: string;
  currentChargesCents: bigint;
}

/**
 * Takes the accounts' summary lock (see the header) for the rest of the transaction. A caller that
 * writes audit rows before its summary (a final bill, a rebill) calls it first.
 */
export async function lockStatementAccounts(
  run: StatementRunner,
  accountIds: readonly string[],
): Promise<void> {
  if (accountIds.length === 0) return;
  const ids = [...new Set(accountIds)].sort();
  // The row of an account never summarised before is created (and, until this transaction
  // commits, held by the insert itself); then every row is locked, in account order. Two
  // statements, not one: a row another transaction inserted and committed while this insert
  // waited on it is visible only to a statement that starts afterwards. Locking a row the
  // transaction already holds (a caller that took the lock before its summary) writes nothing,
  // where an upsert would write a new version of every row each time.
  await run.rows(
    `INSERT INTO statement_account (account_id) SELECT a FROM unnest($1::text[]) AS a ORDER BY a
     ON CONFLICT (account_id) DO NOTHING`,
    [ids],
  );
  await run.rows(
    `SELECT account_id FROM statement_account WHERE account_id = ANY($1::text[])
     ORDER BY account_id FOR UPDATE`,
    [ids],
  );
}

/** The summaries of bills being issued, in the caller's transaction (see the header). */
export async function recordStatements(
  run: StatementRunner,
  bills: readonly StatementBill[],
): Promise<Map<string, StatementFigures>> {
  const out = new Map<string, StatementFigures>();
  if (bills.length === 0) return out;
  const accounts = bills.map((b) => b.accountId);
  if (new Set(accounts).size !== accounts.length)
    throw new Error('recordStatements: one bill per account at a time');
  await lockStatementAccounts(run, accounts);
  // The claimed entries summed grouped, once (a subquery per bill would scan them all for each of a
  // run's 2,000 bills), each looked up by its key (LIMIT 1 keeps the planner from making the lookups
  // a scan of the whole ledger, as it does with a join or an IN list of 2,000 accounts); the
  // balance and the own charge per bill through the indexes. The bill's own charge is told by its
  // kind and bill, not by how the trigger stamped it.
  const sums = await run.rows<{ bill_id: string; balance: string; activity: string; own: string }>(
    `WITH b AS (SELECT * FROM unnest($1::text[], $2::text[]) AS b(bill_id, account_id)),
     claimed AS (
       UPDATE statement_entry s SET bill_id = b.bill_id FROM b
       WHERE s.account_id = b.account_id AND s.bill_id IS NULL
       RETURNING s.bill_id, s.entry_id),
     activity AS (
       SELECT c.bill_id, sum(e.amount_cents) AS cents FROM claimed c
       CROSS JOIN LATERAL (SELECT * FROM ledger_entry e WHERE e.id = c.entry_id LIMIT 1) e
       WHERE NOT (e.kind = 'CHARGE' AND e.bill_id = c.bill_id) GROUP BY c.bill_id)
     SELECT b.bill_id,
       (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entry e
         WHERE e.account_id = b.account_id)::text AS balance,
       coalesce(activity.cents, 0)::text AS activity,
       (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entry e
         WHERE e.bill_id = b.bill_id AND e.kind = 'CHARGE')::text AS own
     FROM b LEFT JOIN activity ON activity.bill_id = b.bill_id`,
    [bills.map((b) => b.billId), accounts],
  );
  const byBill = new Map(sums.map((s) => [s.bill_id, s]));
  const figures = bills.map((b) => {
    const s = byBill.get(b.billId)!;
    const activityCents = BigInt(s.activity);
    const f = statementFigures({
      previousBalanceCents: BigInt(s.balance) - activityCents - BigInt(s.own),
      activityCents,
      currentChargesCents: b.currentChargesCents,
      pastDueCents: 0n,
    });
    return { bill: b, f };
  });
  // Past due only where a balance is brought forward: a customer who paid the last bill has none.
  // On the bill date, or today when the bill is issued later (a run held for review): payments
  // received since are on the bill, so they count against what is past due.
  const today = utilityDate();
  const asOf = (b: StatementBill) => (b.billDate > today ? b.billDate : today);
  const owing = figures.filter((x) => x.f.balanceForwardCents > 0n && x.f.totalDueCents > 0n);
  for (const day of new Set(owing.map((x) => asOf(x.bill)))) {
    const onDay = owing.filter((x) => asOf(x.bill) === day);
    const pastDue = await run.pastDue(
      onDay.map((x) => x.bill.accountId),
      day,
    );
    for (const x of onDay)
      x.f = statementFigures({ ...x.f, pastDueCents: pastDue.get(x.bill.accountId) ?? 0n });
  }
  await run.rows(
    `INSERT INTO bill_statement (bill_id, previous_balance_cents, activity_cents, balance_forward_cents,
       current_charges_cents, total_due_cents, past_due_cents)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])`,
    [
      figures.map((x) => x.bill.billId),
      ...(
        [
          'previousBalanceCents',
          'activityCents',
          'balanceForwardCents',
          'currentChargesCents',
          'totalDueCents',
          'pastDueCents',
        ] as const
      ).map((k) => figures.map((x) => x.f[k].toString())),
    ],
  );
  for (const x of figures) out.set(x.bill.billId, x.f);
  return out;
}

/**
 * What an adjustment was for, from the key its service posted it under: a balance or credit moved
 * by a transfer of service (services/service-order-effects.ts `transfer:<order>:out:<entry>`,
 * `:in:<entry>`, `:credit-out`, `:credit-in`) and a credit refunded after a final bill
 * (services/final-bill.ts `final:<order>:refund`).
 */
export function adjustmentPurpose(kind: LedgerKind, idempotencyKey: string): AdjustmentPurpose | null {
  if (kind !== 'ADJUSTMENT') return null;
  if (/^transfer:.+:(out:\d+|credit-out)$/.test(idempotencyKey)) return 'transferredOut';
  if (/^transfer:.+:(in:\d+|credit-in)$/.test(idempotencyKey)) return 'transferredIn';
  if (/^final:.+:refund$/.test(idempotencyKey)) return 'refund';
  return null;
}

/** A bill's summary as stored, with the entries it shows (not its own charge). */
export interface StoredStatement extends StatementFigures {
  activity: StatementActivity[];
}

/** The summaries of bills (those issued with one), by bill id: two queries for any number. */
export async function loadStatements(
  on: Runner,
  billIds: readonly string[],
): Promise<Map<string, StoredStatement>> {
  const out = new Map<string, StoredStatement>();
  if (billIds.length === 0) return out;
  const ids = [...new Set(billIds)];
  const [figures, entries] = await Promise.all([
    query<{
      bill_id: string;
      previous_balance_cents: string;
      activity_cents: string;
      balance_forward_cents: string;
      current_charges_cents: string;
      total_due_cents: string;
      past_due_cents: string;
    }>(
      on,
      `SELECT s.bill_id, s.previous_balance_cents::text, s.activity_cents::text,
         s.balance_forward_cents::text, s.current_charges_cents::text, s.total_due_cents::text,
         s.past_due_cents::text
       FROM bill_statement s WHERE s.bill_id = ANY($1::text[])`,
      [ids],
    ),
    query<{
      statement_bill_id: string;
      kind: LedgerKind;
      amount_cents: string;
      effective_date: string;
      bill_id: string | null;
      reverses: boolean;
      idempotency_key: string;
    }>(
      on,
      `SELECT s.bill_id AS statement_bill_id, e.kind, e.amount_cents::text, e.effective_date::text,
         e.bill_id, e.reverses_entry_id IS NOT NULL AS reverses, e.idempotency_key
       FROM statement_entry s JOIN ledger_entry e ON e.id = s.entry_id
       WHERE s.bill_id = ANY($1::text[]) AND NOT (e.kind = 'CHARGE' AND e.bill_id IS NOT DISTINCT FROM s.bill_id)
       ORDER BY e.effective_date, e.id`,
      [ids],
    ),
  ]);
  for (const f of figures)
    out.set(f.bill_id, {
      previousBalanceCents: BigInt(f.previous_balance_cents),
      activityCents: BigInt(f.activity_cents),
      balanceForwardCents: BigInt(f.balance_forward_cents),
      currentChargesCents: BigInt(f.current_charges_cents),
      totalDueCents: BigInt(f.total_due_cents),
      pastDueCents: BigInt(f.past_due_cents),
      activity: [],
    });
  for (const e of entries)
    out.get(e.statement_bill_id)?.activity.push({
      kind: e.kind,
      amountCents: BigInt(e.amount_cents),
      effectiveDate: e.effective_date,
      billId: e.bill_id,
      reverses: e.reverses,
      purpose: adjustmentPurpose(e.kind, e.idempotency_key),
    });
  return out;
}
