// Issuing one batch of a cycle run's regular bills: deposits due for refund credited first, then
// drafts of accounts final-billed since they were rated discarded (CANCELLED), then
// DRAFT → ISSUED (the bill becomes immutable),
// each bill's CHARGE on the ledger under `bill:<id>:charge`, its account summary
// (services/statements.ts), a 'bill.issued' timeline row per bill and one audit row for the batch
// — all in one transaction. The batch is the next `limit` bills by
// account (within the batch's lane, when it has one), drafts and bills an earlier attempt already
// issued alike, so a retried batch covers
// the same accounts, flips and posts only what is still a draft, and reports the same counts.
import type { Db } from '../../lib/db/prisma';
import { inTransaction, insertRows, query } from '../../lib/db/bulk';
import { refundDepositIfDue } from '../../services/deposits';
import { LEDGER_ENTRY_COLUMNS, UTILITY_TIME_ZONE } from '../../services/ledger';
import { SYSTEM_ACTOR, type AuditInput } from '../../lib/audit';
import { recordAudits, recordTimelines } from '../../lib/audit-batch';
import { moneyText } from '../../services/bill-render';
import { lockStatementAccounts, onConnection, recordStatements } from '../../services/statements';

export interface IssueBatchResult {
  lastAccountId: string | null;
  issued: number;
  totalCents: string;
}

interface BatchBill {
  id: string;
  account_id: string;
  status: 'DRAFT' | 'ISSUED';
  total_cents: string;
  period_from: string;
  period_to: string;
  bill_date: string;
  due_date: string;
  estimated: boolean;
}

type BatchRange = {
  runId: string;
  afterAccountId: string | null;
  throughAccountId?: string | null;
  limit: number;
  /** Only these accounts' bills (a round billing the run's held accounts). */
  accountIds?: readonly string[];
  /** Called after each deposit refunded (the activity heartbeats). */
  heartbeat?: () => void;
};

/**
 * A batch's bills (drafts, bills an earlier attempt issued, and drafts it discarded) in account
 * order, for parameters ($1 run, $2 after account, $3 limit, $4 through account, $5 only these
 * accounts): the same rows for the deposit refunds and the issue, and for every attempt at the batch.
 */
const BATCH_BILLS = `WHERE cycle_run_id = $1 AND kind = 'REGULAR' AND status IN ('DRAFT', 'ISSUED', 'CANCELLED')
  AND ($2::text IS NULL OR account_id > $2) AND ($4::text IS NULL OR account_id <= $4)
  AND ($5::text[] IS NULL OR account_id = ANY($5))
  ORDER BY account_id LIMIT $3`;

const batchParams = (i: BatchRange) => [
  i.runId,
  i.afterAccountId,
  i.limit,
  i.throughAccountId ?? null,
  i.accountIds ?? null,
];

/**
 * Deposits held 12 months paid in full and on time are refunded, with interest, as a credit on the bill
 * (ordinance, Deposits): before the batch's bills are issued, so each credit is on its own bill's
 * account summary. Only accounts whose deposit could be due are looked at (held long enough); the
 * rules decide (domain/deposits.ts depositRefundDue). Once: a refunded deposit is no longer held,
 * and an issued bill is not looked at again.
 */
async function refundDueDeposits(db: Db, i: BatchRange): Promise<void> {
  const due = await query<{ id: string; account_id: string; bill_date: string }>(
    db,
    `WITH batch AS (
       SELECT id, account_id, bill_date, status FROM bill
       ${BATCH_BILLS})
     SELECT b.id, b.account_id, b.bill_date::text FROM batch b
     WHERE b.status = 'DRAFT' AND EXISTS (
       SELECT 1 FROM deposit d WHERE d.account_id = b.account_id AND d.status = 'HELD'
         AND greatest(d.held_since, coalesce(d.history_from, d.held_since)) <= b.bill_date - interval '11 months')
       -- Not when the last 12 months hold a late payment (a late charge posted and not cancelled,
       -- or waived) or a returned payment: the rule would say no (domain/deposits.ts).
       AND NOT EXISTS (
         SELECT 1 FROM ledger_entry e
         WHERE e.account_id = b.account_id AND e.effective_date <= b.bill_date
           AND e.effective_date > (b.bill_date - interval '12 months')::date
           AND (e.kind = 'PAYMENT_REVERSAL'
             OR (e.kind IN ('LATE_FEE', 'RETURNED_PAYMENT_FEE') AND e.amount_cents > 0
               AND NOT EXISTS (SELECT 1 FROM ledger_entry x
                 WHERE x.account_id = e.account_id AND x.reverses_entry_id = e.id
                   AND x.amount_cents = -e.amount_cents))))
       AND NOT EXISTS (
         SELECT 1 FROM late_charge_waiver w
         WHERE w.account_id = b.account_id AND w.waived_on <= b.bill_date
           AND w.waived_on > (b.bill_date - interval '12 months')::date)
       -- Nor under a payment arrangement now or in the last 12 months (arrears paid by
       -- installments are not paid in full). A past-due balance is left to the rule.
       AND NOT EXISTS (
         SELECT 1 FROM payment_arrangement r
         WHERE r.account_id = b.account_id AND (r.created_at AT TIME ZONE $6)::date <= b.bill_date
           AND (r.status = 'CURRENT' OR coalesce(r.completed_on, r.defaulted_on) IS NULL
             OR coalesce(r.completed_on, r.defaulted_on) > (b.bill_date - interval '12 months')::date))`,
    [...batchParams(i), UTILITY_TIME_ZONE],
  );
  for (const b of due) {
    await db.$transaction((tx) =>
      refundDepositIfDue(tx, { accountId: b.account_id, asOf: b.bill_date, billId: b.id }),
    );
    i.heartbeat?.();
  }
}

export async function issueBills(db: Db, i: BatchRange): Promise<IssueBatchResult> {
  await refundDueDeposits(db, i);
  return inTransaction(db, async (c) => {
    const batch = (
      await c.query<BatchBill>(
        `SELECT id, account_id, status, total_cents::text, period_from::text, period_to::text,
           bill_date::text, due_date::text, estimated
         FROM bill
         ${BATCH_BILLS}`,
        batchParams(i),
      )
    ).rows;
    if (batch.length === 0) return { lastAccountId: null, issued: 0, totalCents: '0' };
    // A stop or transfer of service that completed after the draft was rated (a cycle held for
    // review) final-billed the same period: the draft is discarded (CANCELLED), not issued onto a
    // final or closed account. The accounts' statement locks are taken first, the lock a stop's
    // final bill takes: a final bill being issued now is committed before the check, and one that
    // comes after finds this bill issued and starts its period from it.
    const pending = batch.filter((b) => b.status === 'DRAFT');
    await lockStatementAccounts(
      onConnection(c),
      pending.map((b) => b.account_id),
    );
    const discarded = (
      await c.query<{ id: string; account_id: string; final_id: string }>(
        `UPDATE bill b SET status = 'CANCELLED', cancelled_at = now()
         FROM (SELECT d.id, f.id AS final_id FROM bill d
               JOIN LATERAL (SELECT id FROM bill f
                 WHERE f.account_id = d.account_id AND f.kind = 'FINAL' AND f.status = 'ISSUED'
                   AND f.period_to > d.period_from
                 ORDER BY f.issued_at DESC LIMIT 1) f ON true
               WHERE d.id = ANY($1) AND d.status = 'DRAFT') x
         WHERE b.id = x.id AND b.status = 'DRAFT'
         RETURNING b.id, b.account_id, x.final_id`,
        [pending.map((b) => b.id)],
      )
    ).rows;
    if (discarded.length > 0) {
      await recordTimelines(
        c,
        SYSTEM_ACTOR,
        discarded.map((d) => ({
          accountId: d.account_id,
          kind: 'bill.discarded',
          entityType: 'bill',
          entityId: d.id,
          summary: `Draft bill ${d.id} not issued: final bill ${d.final_id} already billed its period`,
          data: { billId: d.id, finalBillId: d.final_id },
        })),
      );
    }
    // Audit rows last, for the batch (the audit chain's lock is held from the first to the commit).
    const audits: AuditInput[] = discarded.length
      ? [
          {
            action: 'bills.discard',
            entityType: 'bill_cycle_run',
            entityId: i.runId,
            after: { bills: discarded.map((d) => ({ id: d.id, finalBillId: d.final_id })) },
            reason: 'Final-billed after the drafts were rated',
          },
        ]
      : [];
    // What this transaction flips is what it posts and records: an attempt running alongside
    // (a retry racing a slow first try) waits on the row locks and then finds nothing to flip.
    const flipped = new Set(
      (
        await c.query<{ id: string }>(
          `UPDATE bill SET status = 'ISSUED', issued_at = now() WHERE id = ANY($1) AND status = 'DRAFT' RETURNING id`,
          [batch.filter((b) => b.status === 'DRAFT').map((b) => b.id)],
        )
      ).rows.map((r) => r.id),
    );
    const drafts = batch.filter((b) => flipped.has(b.id));
    if (drafts.length > 0) {
      // Each bill's charge, keyed by the bill: no retry can post it twice.
      await insertRows(
        c,
        'ledger_entry',
        LEDGER_ENTRY_COLUMNS,
        drafts
          .filter((b) => b.total_cents !== '0')
          .map((b) => [
            b.account_id,
            'CHARGE',
            b.total_cents,
            b.bill_date,
            b.due_date,
            b.id,
            `bill:${b.id}:charge`,
            `Bill ${b.id} for ${b.period_from} to ${b.period_to}`,
          ]),
        'ON CONFLICT (idempotency_key) DO NOTHING',
      );
      const statements = await recordStatements(
        onConnection(c),
        drafts.map((b) => ({
          billId: b.id,
          accountId: b.account_id,
          billDate: b.bill_date,
          currentChargesCents: BigInt(b.total_cents),
        })),
      );
      await recordTimelines(
        c,
        SYSTEM_ACTOR,
        drafts.map((b) => {
          const totalDue = statements.get(b.id)!.totalDueCents;
          return {
            accountId: b.account_id,
            kind: 'bill.issued',
            entityType: 'bill',
            entityId: b.id,
            summary:
              `Bill ${b.id} issued: ${moneyText(b.total_cents)} due ${b.due_date}${b.estimated ? ' (ESTIMATED)' : ''}` +
              (totalDue === BigInt(b.total_cents) ? '' : `; total amount due ${moneyText(totalDue)}`),
            data: {
              billId: b.id,
              totalCents: b.total_cents,
              totalDueCents: totalDue.toString(),
              dueDate: b.due_date,
              estimated: b.estimated,
            },
          };
        }),
      );
      audits.push({
        action: 'bills.issue',
        entityType: 'bill_cycle_run',
        entityId: i.runId,
        after: {
          bills: drafts.map((b) => b.id),
          totalCents: drafts.reduce((t, b) => t + BigInt(b.total_cents), 0n).toString(),
        },
      });
    }
    // The batch's bills now issued, whoever issued them: every attempt at the batch reports the
    // same, and a discarded draft is in none.
    const issued = (
      await c.query<{ total_cents: string }>(
        `SELECT total_cents::text FROM bill WHERE id = ANY($1) AND status = 'ISSUED'`,
        [batch.map((b) => b.id)],
      )
    ).rows;
    if (audits.length > 0) await recordAudits(c, SYSTEM_ACTOR, audits);
    return {
      lastAccountId: batch[batch.length - 1]!.account_id,
      issued: issued.length,
      totalCents: issued.reduce((t, b) => t + BigInt(b.total_cents), 0n).toString(),
    };
  });
}
