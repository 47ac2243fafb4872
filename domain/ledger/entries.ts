// Ledger entries as plain values. The sign convention is the database's: a positive amount
// increases what the customer owes (a charge), a negative amount reduces it (a credit), and the
// balance is the sum. Entries are never changed; a correction is a new entry, and an entry that
// names the one it reverses (`reversesEntryId`) with the exact opposite amount cancels it.

export const LEDGER_KINDS = [
  'CHARGE',
  'ADJUSTMENT',
  'PAYMENT',
  'PAYMENT_REVERSAL',
  'LATE_FEE',
  'RETURNED_PAYMENT_FEE',
  'RECONNECTION_FEE',
  'DEPOSIT_BILLED',
  'DEPOSIT_APPLIED',
  'DEPOSIT_REFUND',
  'DEPOSIT_INTEREST',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** Kinds that are charges (when positive; an ADJUSTMENT may go either way). */
export const CHARGE_KINDS: readonly LedgerKind[] = [
  'CHARGE',
  'LATE_FEE',
  'RETURNED_PAYMENT_FEE',
  'RECONNECTION_FEE',
  'DEPOSIT_BILLED',
  'ADJUSTMENT',
];
/** Kinds that are credits (negative amounts). */
export const CREDIT_KINDS: readonly LedgerKind[] = [
  'PAYMENT',
  'ADJUSTMENT',
  'DEPOSIT_APPLIED',
  'DEPOSIT_REFUND',
  'DEPOSIT_INTEREST',
];

/**
 * The sign an entry of each kind must have: +1 owed by the customer, -1 a credit, 0 either way
 * (a bill can net to a credit; an adjustment goes whichever way it corrects). Zero is never valid.
 */
export const KIND_SIGN: Record<LedgerKind, 1 | -1 | 0> = {
  CHARGE: 0,
  ADJUSTMENT: 0,
  PAYMENT: -1,
  PAYMENT_REVERSAL: 1,
  LATE_FEE: 1,
  RETURNED_PAYMENT_FEE: 1,
  RECONNECTION_FEE: 1,
  DEPOSIT_BILLED: 1,
  DEPOSIT_APPLIED: -1,
  DEPOSIT_REFUND: -1,
  DEPOSIT_INTEREST: -1,
};

/** Why an amount is wrong for its kind, or null when it is right. */
export function amountProblem(kind: LedgerKind, amountCents: bigint): string | null {
  if (amountCents === 0n) return 'a ledger entry moves money: the amount must not be zero';
  const sign = KIND_SIGN[kind];
  if (sign === 1 && amountCents < 0n)
    return `a ${kind} entry increases what is owed: the amount must be positive`;
  if (sign === -1 && amountCents > 0n) return `a ${kind} entry is a credit: the amount must be negative`;
  return null;
}

export interface Entry {
  id: bigint;
  kind: LedgerKind;
  /** Integer cents; positive = owed by the customer. */
  amountCents: bigint;
  /** YYYY-MM-DD */
  effectiveDate: string;
  /** YYYY-MM-DD; a charge without one is due on its effective date. */
  dueDate?: string | null;
  reversesEntryId?: bigint | null;
}

/** The account balance: the sum of the entries (positive = owed, negative = a credit balance). */
export function balance(entries: readonly Pick<Entry, 'amountCents'>[]): bigint {
  let sum = 0n;
  for (const e of entries) sum += e.amountCents;
  return sum;
}

/** Entries in effect on a day: those effective on or before it. */
export function asOf<E extends Pick<Entry, 'effectiveDate'>>(entries: readonly E[], date: string): E[] {
  return entries.filter((e) => e.effectiveDate <= date);
}

/**
 * Ids of entries cancelled by an exact reversal: the reversing entry and the entry it reverses
 * (amounts summing to zero). Each entry is cancelled at most once; a reversal that does not match
 * (a different amount, an unknown or already cancelled entry) stays an ordinary entry.
 */
export function cancelledIds(entries: readonly Entry[]): Set<bigint> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const cancelled = new Set<bigint>();
  const ordered = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of ordered) {
    if (r.reversesEntryId === null || r.reversesEntryId === undefined || cancelled.has(r.id)) continue;
    const target = byId.get(r.reversesEntryId);
    if (!target || target.id === r.id || cancelled.has(target.id)) continue;
    if (target.amountCents + r.amountCents !== 0n) continue;
    cancelled.add(target.id);
    cancelled.add(r.id);
  }
  return cancelled;
}
