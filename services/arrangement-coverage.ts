// What a current payment arrangement covers: the arrears it spreads out, less what has been paid
// since it was made. The ordinance charges no late fee "on amounts covered by a current payment
// agreement", so the late-charge base of such an account is its past-due balance less this.
import { query, type Runner } from '../lib/db/bulk';

/** Cents still covered by a CURRENT arrangement, per account (accounts without one are absent). */
export async function arrangementCoverage(
  on: Runner,
  accountIds: readonly string[],
): Promise<Map<string, bigint>> {
  if (accountIds.length === 0) return new Map();
  const rows = await query<{ account_id: string; covered: string }>(
    on,
    `SELECT a.account_id,
            GREATEST(0, a.arrears_cents + COALESCE((
              SELECT sum(l.amount_cents) FROM ledger_entry l
              WHERE l.account_id = a.account_id AND l.kind IN ('PAYMENT', 'PAYMENT_REVERSAL')
                AND l.id > COALESCE((a.terms->>'paymentsAfterEntryId')::bigint, 0)
            ), 0))::text AS covered
     FROM payment_arrangement a
     WHERE a.status = 'CURRENT' AND a.account_id = ANY($1::text[])`,
    [accountIds],
  );
  const out = new Map<string, bigint>();
  for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0n) + BigInt(r.covered));
  return out;
}

/** The late-charge base: past due less what a current arrangement covers, never negative. */
export function lateChargeBase(pastDueCents: bigint, coveredCents: bigint | undefined): bigint {
  const base = pastDueCents - (coveredCents ?? 0n);
  return base > 0n ? base : 0n;
}
