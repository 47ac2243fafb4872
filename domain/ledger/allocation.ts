// Which charges a credit paid: credits (payments, negative adjustments, deposit credits) are
// applied to the open charges OLDEST FIRST — by due date, then effective date, then id — and in
// their own order (effective date, then id). The allocation is derived from the entries every
// time, never stored, so it cannot drift from the ledger:
//  - an exactly reversed pair (a returned payment and its PAYMENT_REVERSAL, a charge and its
//    reversing adjustment) takes no part, so reversing a payment restores exactly the open amounts
//    the charges would have without it;
//  - what is left is positive entries (charges) and negative entries (credits), matched first in,
//    first out. Either every charge ends fully paid (and what is left of the credits is a credit
//    balance) or every credit is used up (and the open amounts sum to the balance).
import { cancelledIds, type Entry } from './entries';
import { min } from './money';

export interface ChargeState<E extends Entry = Entry> {
  entry: E;
  /** The due date used for ordering (the effective date when the entry has none). */
  dueDate: string;
  amountCents: bigint;
  openCents: bigint;
}

export interface CreditState<E extends Entry = Entry> {
  entry: E;
  /** The credit's size, as a positive number of cents. */
  amountCents: bigint;
  unappliedCents: bigint;
}

export interface Application {
  creditId: bigint;
  chargeId: bigint;
  cents: bigint;
}

export interface Allocation<E extends Entry = Entry> {
  /** Charges, oldest first. */
  charges: ChargeState<E>[];
  /** Credits, in the order they were applied. */
  credits: CreditState<E>[];
  applications: Application[];
  /** Entries left out because an exact reversal cancels them. */
  cancelled: Set<bigint>;
}

const cmpId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareCharges(a: ChargeState, b: ChargeState): number {
  return (
    cmpStr(a.dueDate, b.dueDate) ||
    cmpStr(a.entry.effectiveDate, b.entry.effectiveDate) ||
    cmpId(a.entry.id, b.entry.id)
  );
}

export function allocate<E extends Entry>(entries: readonly E[]): Allocation<E> {
  const cancelled = cancelledIds(entries);
  const charges: ChargeState<E>[] = [];
  const credits: CreditState<E>[] = [];
  for (const e of entries) {
    if (cancelled.has(e.id) || e.amountCents === 0n) continue;
    if (e.amountCents > 0n)
      charges.push({
        entry: e,
        dueDate: e.dueDate ?? e.effectiveDate,
        amountCents: e.amountCents,
        openCents: e.amountCents,
      });
    else credits.push({ entry: e, amountCents: -e.amountCents, unappliedCents: -e.amountCents });
  }
  charges.sort(compareCharges);
  credits.sort(
    (a, b) => cmpStr(a.entry.effectiveDate, b.entry.effectiveDate) || cmpId(a.entry.id, b.entry.id),
  );

  const applications: Application[] = [];
  let i = 0;
  for (const credit of credits) {
    while (credit.unappliedCents > 0n && i < charges.length) {
      const charge = charges[i]!;
      const cents = min(charge.openCents, credit.unappliedCents);
      charge.openCents -= cents;
      credit.unappliedCents -= cents;
      applications.push({ creditId: credit.entry.id, chargeId: charge.entry.id, cents });
      if (charge.openCents === 0n) i++;
    }
  }
  return { charges, credits, applications, cancelled };
}

/** Open (unpaid) cents per charge id; fully paid charges appear with 0. */
export function openAmounts(entries: readonly Entry[]): Map<bigint, bigint> {
  return new Map(allocate(entries).charges.map((c) => [c.entry.id, c.openCents]));
}

export interface AppliedTo<E extends Entry = Entry> {
  charge: E;
  dueDate: string;
  appliedCents: bigint;
  /** What is still open on the charge after every credit so far. */
  openCents: bigint;
}

/** What one credit paid, oldest charge first, and what of it is unapplied (a credit balance). */
export function allocationOf<E extends Entry>(
  entries: readonly E[],
  creditId: bigint,
): { appliedTo: AppliedTo<E>[]; unappliedCents: bigint } {
  const a = allocate(entries);
  const byId = new Map(a.charges.map((c) => [c.entry.id, c]));
  const appliedTo = a.applications
    .filter((x) => x.creditId === creditId)
    .map((x) => {
      const c = byId.get(x.chargeId)!;
      return { charge: c.entry, dueDate: c.dueDate, appliedCents: x.cents, openCents: c.openCents };
    });
  const credit = a.credits.find((c) => c.entry.id === creditId);
  return { appliedTo, unappliedCents: credit?.unappliedCents ?? 0n };
}
