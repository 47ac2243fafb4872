// Late payment charges of a cycle run, the day after its due date: for every account whose bill
// of the run is issued, the past-due balance on that day, and a fee on each past-due one (1.5%,
// minimum $1.00, once per bill) computed on that balance less earlier late charges (simple
// interest, never interest on interest: domain lateChargeableCents). In slices of accounts, one
// transaction each, set-based: a retried slice posts nothing twice (services/ledger.ts
// postLateFees).
import type { Db } from '../../lib/db/prisma';
import { inTransaction, query } from '../../lib/db/bulk';
import { lateChargeBasesOn, postLateFees } from '../../services/ledger';
import { arrangementCoverage, lateChargeBase } from '../../services/arrangement-coverage';

/** Accounts per transaction. */
const SLICE = 5_000;

export async function assessRunLateCharges(
  db: Db,
  i: { runId: string; asOf: string; heartbeat: () => void },
): Promise<{ assessed: number; totalCents: string; pastDueAccounts: string[] }> {
  let assessed = 0;
  let total = 0n;
  const pastDueAccounts: string[] = [];
  for (let after: string | null = null; ; ) {
    // The run's issued bill of each account (its regular bill, or what replaced it).
    const bills: { id: string; account_id: string }[] = await query<{ id: string; account_id: string }>(
      db,
      `SELECT DISTINCT ON (account_id) id, account_id FROM bill
       WHERE cycle_run_id = $1 AND status = 'ISSUED' AND ($2::text IS NULL OR account_id > $2)
       ORDER BY account_id, (kind = 'REGULAR') DESC, id
       LIMIT $3`,
      [i.runId, after, SLICE],
    );
    if (bills.length === 0) break;
    after = bills[bills.length - 1]!.account_id;
    const posted = await inTransaction(db, async (c) => {
      const pastDue = await lateChargeBasesOn(
        c,
        bills.map((b) => b.account_id),
        i.asOf,
      );
      const due = bills.filter((b) => pastDue.get(b.account_id)!.pastDueCents > 0n);
      pastDueAccounts.push(...due.map((b) => b.account_id));
      // Never a fee on amounts a current payment arrangement covers (ordinance, late charge).
      const covered = await arrangementCoverage(
        c,
        due.map((b) => b.account_id),
      );
      const charged = due
        .map((b) => ({
          accountId: b.account_id,
          billId: b.id,
          pastDueCents: lateChargeBase(pastDue.get(b.account_id)!.baseCents, covered.get(b.account_id)),
        }))
        .filter((f) => f.pastDueCents > 0n);
      return postLateFees(c, charged, i.asOf);
    });
    assessed += posted.length;
    total += posted.reduce((s, f) => s + f.amountCents, 0n);
    i.heartbeat();
  }
  return { assessed, totalCents: total.toString(), pastDueAccounts };
}
