// Where an account stands on a day: its balance, what is past due, and the open charges aged by
// days past due. Only entries effective on or before the day count, so an aging "as of" a past
// date is what the account looked like then. A charge is past due the day after its due date.
// The buckets always sum to the balance when the balance is positive; a credit balance is shown
// on its own, never as a negative bucket.
import { allocate } from './allocation';
import { daysBetween } from './dates';
import { asOf as inEffectOn, balance, type Entry } from './entries';

export const AGING_BUCKETS = ['current', 'days1to30', 'days31to60', 'days61to90', 'over90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface Aging {
  asOf: string;
  balanceCents: bigint;
  /** max(balance, 0): the sum of the buckets. */
  owedCents: bigint;
  /** max(-balance, 0): money the utility holds for the customer. */
  creditCents: bigint;
  pastDueCents: bigint;
  buckets: Record<AgingBucket, bigint>;
}

export function bucketFor(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'days1to30';
  if (daysPastDue <= 60) return 'days31to60';
  if (daysPastDue <= 90) return 'days61to90';
  return 'over90';
}

export function aging(entries: readonly Entry[], asOf: string): Aging {
  const inEffect = inEffectOn(entries, asOf);
  const buckets: Record<AgingBucket, bigint> = {
    current: 0n,
    days1to30: 0n,
    days31to60: 0n,
    days61to90: 0n,
    over90: 0n,
  };
  let pastDueCents = 0n;
  for (const c of allocate(inEffect).charges) {
    if (c.openCents === 0n) continue;
    const days = daysBetween(c.dueDate, asOf);
    buckets[bucketFor(days)] += c.openCents;
    if (days > 0) pastDueCents += c.openCents;
  }
  const bal = balance(inEffect);
  return {
    asOf,
    balanceCents: bal,
    owedCents: bal > 0n ? bal : 0n,
    creditCents: bal < 0n ? -bal : 0n,
    pastDueCents,
    buckets,
  };
}

/** Open charges past their due date on the day. */
export function pastDue(entries: readonly Entry[], asOf: string): bigint {
  return aging(entries, asOf).pastDueCents;
}

/**
 * What a late payment charge is computed on: the open past-due charges, less earlier late payment
 * charges. The ordinance's 1.5% is interest on what is overdue, and interest is simple: never
 * charged on interest (52 Pa. Code §56.22(a): "1.5% interest per month on the overdue balance of
 * the bill ... 18% simple interest per annum"). Payments go to the oldest charges first, fees
 * included (allocation.ts), so a fee left open is one the customer has not yet paid.
 */
export function lateChargeableCents(entries: readonly Entry[], asOf: string): bigint {
  let base = 0n;
  for (const c of allocate(inEffectOn(entries, asOf)).charges)
    if (c.openCents > 0n && c.entry.kind !== 'LATE_FEE' && daysBetween(c.dueDate, asOf) > 0)
      base += c.openCents;
  return base;
}
