// Late payment charges of a cycle run, the day after its due date: for every account whose bill
// of the run is issued, the past-due balance on that day, and a fee on each past-due one (1.5%,
// minimum $1.00, once per bill) computed on that balance less earlier late charges (simple
// interest, never interest on interest: domain lateChargeableCents). In slices of accounts, one
// transaction each, set-based: a retried slice posts nothing twice (services/ledger.ts
// postLateFees).
import type { PoolClient } from 'pg';
import type { Db } from '../../lib/db/prisma';
import { inTransaction, query } from '../../lib/db/bulk';
import { lateChargeBasesOn, postLateFees, UTILITY_TIME_ZONE } from '../../services/ledger';
import { arrangementCoverage, lateChargeBase } from '../../services/arrangement-coverage';
import { waiveLateCharges } from '../../services/late-charge-waivers';
import { recordAudits } from '../../lib/audit-batch';
import { SYSTEM_ACTOR } from '../../lib/audit';

/** Accounts per transaction. */
const SLICE = 5_000;

/** An issued bill the late charge is assessed against. */
export interface IssuedBill {
  id: string;
  account_id: string;
  estimated: boolean;
}

/**
 * The late payment charge on each bill whose account is past due on `asOf`, in the caller's
 * transaction: 1.5% (minimum $1.00) of the overdue balance less earlier late charges and less what
 * a current arrangement covers; none on an estimated bill the customer disputes (52 Pa. Code
 * §56.22(c)), nor where the household's profile waives it (services/late-charge-waivers.ts).
 * Posted once per bill (services/ledger.ts postLateFees). Also returns the accounts
 * past due, for the hand-off to collections.
 */
export async function lateFeesOn(
  c: PoolClient,
  bills: readonly IssuedBill[],
  asOf: string,
): Promise<{ posted: Awaited<ReturnType<typeof postLateFees>>; pastDueAccounts: string[] }> {
  const pastDue = await lateChargeBasesOn(
    c,
    bills.map((b) => b.account_id),
    asOf,
  );
  const due = bills.filter((b) => pastDue.get(b.account_id)!.pastDueCents > 0n);
  // Never a fee on amounts a current payment arrangement covers (ordinance, late charge).
  const covered = await arrangementCoverage(
    c,
    due.map((b) => b.account_id),
  );
  const disputed = await openDisputes(
    c,
    due.filter((b) => b.estimated).map((b) => b.account_id),
    asOf,
  );
  const charged = due
    .filter((b) => !(b.estimated && disputed.has(b.account_id)))
    .map((b) => {
      const { pastDueCents, baseCents } = pastDue.get(b.account_id)!;
      // An arrangement covers arrears late charges included; the base leaves them out, so the
      // coverage counts against the charges it covers beyond them.
      const cover = covered.get(b.account_id);
      const coverOfBase = cover === undefined ? undefined : max0(cover - (pastDueCents - baseCents));
      return { accountId: b.account_id, billId: b.id, pastDueCents: lateChargeBase(baseCents, coverOfBase) };
    })
    .filter((f) => f.pastDueCents > 0n);
  // A low-income household's profile may waive the charge (CA water: once in 12 months).
  const waivers = await waiveLateCharges(c, charged, asOf);
  const posted = await postLateFees(c, waivers.toPost, asOf);
  await recordAudits(c, SYSTEM_ACTOR, waivers.audits);
  return { posted, pastDueAccounts: due.map((b) => b.account_id) };
}

const max0 = (x: bigint) => (x > 0n ? x : 0n);

/** Accounts with a dispute open at the end of `asOf` (midnight in the utility's time zone). */
async function openDisputes(c: PoolClient, accountIds: string[], asOf: string): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await query<{ account_id: string }>(
    c,
    `SELECT DISTINCT account_id FROM dispute
     WHERE account_id = ANY($1::text[]) AND opened_at < (($2::date + 1)::timestamp AT TIME ZONE $3)
       AND (resolved_at IS NULL OR resolved_at >= (($2::date + 1)::timestamp AT TIME ZONE $3))`,
    [accountIds, asOf, UTILITY_TIME_ZONE],
  );
  return new Set(rows.map((r) => r.account_id));
}

/**
 * The run's late charges on `asOf` (the day after its due date), or, with `billIds`, those of bills
 * the run issued later (its held accounts, billed once their read exceptions were resolved) on the
 * day after their own due date.
 */
export async function assessRunLateCharges(
  db: Db,
  i: { runId: string; asOf: string; billIds?: readonly string[]; heartbeat: () => void },
): Promise<{ assessed: number; totalCents: string; pastDueAccounts: string[] }> {
  let assessed = 0;
  let total = 0n;
  const pastDueAccounts: string[] = [];
  for (let after: string | null = null; ; ) {
    // The run's issued bill of each account (its regular bill, or what replaced it). Not an account
    // whose regular bill is not due yet (issued late, held by a read exception): the charge is
    // once per bill, and that bill's comes the day after its own due date.
    const bills: IssuedBill[] = await query<IssuedBill>(
      db,
      `SELECT DISTINCT ON (account_id) id, account_id, estimated FROM bill b
       WHERE cycle_run_id = $1 AND status = 'ISSUED' AND ($2::text IS NULL OR account_id > $2)
         AND ($5::text[] IS NULL OR id = ANY($5))
         AND NOT EXISTS (SELECT 1 FROM bill r
           WHERE r.account_id = b.account_id AND r.cycle_run_id = $1 AND r.kind = 'REGULAR'
             AND r.status = 'ISSUED' AND r.due_date >= $4::date)
       ORDER BY account_id, (kind = 'REGULAR') DESC, id
       LIMIT $3`,
      [i.runId, after, SLICE, i.asOf, i.billIds ?? null],
    );
    if (bills.length === 0) break;
    after = bills[bills.length - 1]!.account_id;
    const posted = await inTransaction(db, async (c) => {
      const r = await lateFeesOn(c, bills, i.asOf);
      pastDueAccounts.push(...r.pastDueAccounts);
      return r.posted;
    });
    assessed += posted.length;
    total += posted.reduce((s, f) => s + f.amountCents, 0n);
    i.heartbeat();
  }
  return { assessed, totalCents: total.toString(), pastDueAccounts };
}
