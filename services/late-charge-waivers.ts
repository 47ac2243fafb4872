// Late payment charges a household's policy profile waives (CA water, H&S Code §116914(a)(2):
// once every 12 months below 200% FPL; domain/collections/late-charge-waiver.ts decides). Applied
// where late charges are assessed (activities/bill-cycle/late-charges.ts lateFeesOn), in the same
// transaction, before the charges are posted: a waived charge is a late_charge_waiver row, an audit
// event and a timeline entry instead of a LATE_FEE entry. Once per bill: a bill with a waiver is
// never charged, and a bill already charged is never waived.
import type { PoolClient } from 'pg';
import { recordTimelines } from '../lib/audit-batch';
import { SYSTEM_ACTOR, type Actor, type AuditInput } from '../lib/audit';
import { insertRows, query } from '../lib/db/bulk';
import { getProfile, lateChargeWaiver, PROFILE_CODES } from '../domain/collections';
import { formatCents, lateFeeCents } from '../domain/ledger';
import { lateFeeKey, type LateFeeOnBill } from './ledger';

/** The profiles whose version in force on `asOf` waives late charges. */
function waivingProfiles(asOf: string): string[] {
  return PROFILE_CODES.filter((code) => {
    try {
      return getProfile(code, asOf).lateChargeWaivers.length > 0;
    } catch {
      return false; // no version in force that day
    }
  });
}

/**
 * Of `fees` (late charges about to be assessed on `asOf`), waives those the household's profile
 * waives and returns the rest, to be posted. Set-based: nothing is queried per bill, and nothing at
 * all beyond one indexed lookup when no account in the slice is under a waiving profile.
 */
export async function waiveLateCharges(
  c: PoolClient,
  fees: readonly LateFeeOnBill[],
  asOf: string,
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ toPost: LateFeeOnBill[]; audits: AuditInput[] }> {
  const none = { toPost: [...fees], audits: [] };
  const profiles = waivingProfiles(asOf);
  if (fees.length === 0 || profiles.length === 0) return none;
  const households = await query<{
    account_id: string;
    profile: string;
    income_pct_fpl: string | null;
    income_verified_on: string | null;
  }>(
    c,
    `SELECT a.id AS account_id, p.jurisdiction_profile AS profile, a.income_pct_fpl::text,
            a.income_verified_on::text
     FROM account a JOIN premise p ON p.id = a.premise_id
     WHERE a.id = ANY($1::text[]) AND p.jurisdiction_profile = ANY($2::text[])`,
    [[...new Set(fees.map((f) => f.accountId))], profiles],
  );
  if (households.length === 0) return none;
  const byAccount = new Map(households.map((h) => [h.account_id, h]));
  const candidates = fees.filter((f) => byAccount.has(f.accountId));
  const [waivers, charged] = await Promise.all([
    query<{ account_id: string; bill_id: string; waived_on: string }>(
      c,
      `SELECT account_id, bill_id, waived_on::text FROM late_charge_waiver
       WHERE account_id = ANY($1::text[]) AND waived_on <= $2::date ORDER BY waived_on`,
      [[...byAccount.keys()], asOf],
    ),
    query<{ bill_id: string }>(
      c,
      `SELECT bill_id FROM ledger_entry WHERE idempotency_key = ANY($1::text[])`,
      [candidates.map((f) => lateFeeKey(f.billId))],
    ),
  ]);
  const waivedBills = new Set(waivers.map((w) => w.bill_id));
  const chargedBills = new Set(charged.map((r) => r.bill_id));
  const lastWaived = new Map(waivers.map((w) => [w.account_id, w.waived_on])); // ordered: the last wins
  const keep: LateFeeOnBill[] = [];
  const waive: (LateFeeOnBill & { amountCents: bigint; code: string; cite: string; reason: string })[] = [];
  for (const f of fees) {
    const h = byAccount.get(f.accountId);
    if (waivedBills.has(f.billId)) continue; // waived by an earlier try: nothing to post
    const amountCents = lateFeeCents(f.pastDueCents);
    if (!h || chargedBills.has(f.billId) || amountCents <= 0n) {
      keep.push(f);
      continue;
    }
    const decision = lateChargeWaiver(
      getProfile(h.profile as (typeof PROFILE_CODES)[number], asOf),
      {
        incomePctFpl: h.income_pct_fpl === null ? null : Number(h.income_pct_fpl),
        incomeVerifiedOn: h.income_verified_on,
      },
      lastWaived.get(f.accountId) ?? null,
      asOf,
    );
    if (!decision?.waive) {
      keep.push(f);
      continue;
    }
    waive.push({ ...f, amountCents, ...decision.reason, reason: decision.reason.text });
    lastWaived.set(f.accountId, asOf); // a second bill of the account the same day is charged
  }
  if (waive.length === 0) return { toPost: keep, audits: [] };
  // Two tries of one slice at once: the second finds the first's rows and records nothing again.
  const inserted = await insertRows<{ bill_id: string }>(
    c,
    'late_charge_waiver',
    {
      bill_id: 'text',
      account_id: 'text',
      waived_on: 'date',
      amount_cents: 'bigint',
      code: 'text',
      cite: 'text',
      reason: 'text',
    },
    waive.map((w) => [w.billId, w.accountId, asOf, w.amountCents, w.code, w.cite, w.reason]),
    'ON CONFLICT (bill_id) DO NOTHING RETURNING bill_id',
  );
  const fresh = new Set(inserted.map((r) => r.bill_id));
  const waived = waive.filter((w) => fresh.has(w.billId));
  await recordTimelines(
    c,
    actor,
    waived.map((w) => ({
      accountId: w.accountId,
      kind: 'ledger.fee-waived',
      entityType: 'bill',
      entityId: w.billId,
      summary: `Late payment charge on bill ${w.billId} of ${formatCents(w.amountCents)} waived: ${w.reason} (${w.cite})`,
      data: { billId: w.billId, amountCents: w.amountCents.toString(), code: w.code, cite: w.cite },
    })),
  );
  // The audit rows are the caller's to record last (recordAudits holds the audit chain's lock to
  // commit: nothing else should run after it).
  const audits: AuditInput[] = waived.map((w) => ({
    action: 'late-charge.waive',
    entityType: 'bill',
    entityId: w.billId,
    accountId: w.accountId,
    after: {
      billId: w.billId,
      waivedOn: asOf,
      amountCents: w.amountCents.toString(),
      code: w.code,
      cite: w.cite,
    },
    reason: `${w.reason} (${w.cite})`,
  }));
  return { toPost: keep, audits };
}
