// A bill's account summary, as pure arithmetic: what was owed before the bill (the previous
// balance), what happened on the account since the last bill (its activity), the balance brought
// forward, this bill's charges, and the total the customer owes. The ledger decides every figure;
// this only groups them the way a customer reads a bill:
//
//   Previous balance                          $120.00
//   Payment received, thank you (Nov 14)     -$120.00
//   Late payment charge (Nov 23)                $1.80
//   Balance forward                             $1.80
//   Current charges                            $45.00
//   Total amount due                           $46.80   (of which $1.80 is past due)
//
// A credit balance is shown as such: the amount due is never negative, the rest is a credit that
// later bills use up.
import type { LedgerKind } from '../ledger/entries';

/** What an activity line says, in the bill's language (labels.json `activity`). */
export type ActivityLabel =
  | 'payment'
  | 'paymentReturned'
  | 'returnedPaymentCharge'
  | 'lateCharge'
  | 'reconnectionCharge'
  | 'adjustment'
  | 'billAdjustment'
  | 'otherBill'
  | 'charge'
  | 'correction'
  | 'transferredOut'
  | 'transferredIn'
  | 'refund'
  | 'deposit'
  | 'depositApplied'
  | 'depositRefund'
  | 'depositInterest';

/** A ledger entry a bill's summary shows (not the bill's own charge). */
export interface StatementActivity {
  kind: LedgerKind;
  amountCents: bigint;
  /** YYYY-MM-DD */
  effectiveDate: string;
  /** The bill the entry belongs to, if any (another bill's charge, an adjustment to a bill). */
  billId: string | null;
  /** The entry reverses an earlier one (a cancelled bill's charge, a waived fee). */
  reverses: boolean;
  /** What an adjustment was for, when its kind alone does not say (services/statements.ts). */
  purpose?: AdjustmentPurpose | null;
}

/** Adjustments the customer should read as what they are, not as "Adjustment". */
export type AdjustmentPurpose = 'transferredOut' | 'transferredIn' | 'refund';

export interface ActivityLine {
  label: ActivityLabel;
  /** The entry's day; null when entries of one label are summed into one line. */
  date: string | null;
  /** How many entries the line sums (1 unless grouped). */
  count: number;
  /** The bill named by the line's wording (billAdjustment, otherBill), else null. */
  billId: string | null;
  amountCents: bigint;
}

export interface StatementSummary {
  previousBalanceCents: bigint;
  activity: ActivityLine[];
  activityCents: bigint;
  balanceForwardCents: bigint;
  currentChargesCents: bigint;
  /** The account's balance once the bill is issued: may be negative (a credit). */
  totalDueCents: bigint;
  /** What the customer is asked to pay: the total due, or 0 when the account is in credit. */
  amountDueCents: bigint;
  /** The credit left after this bill (0 unless the total due is negative). */
  creditCents: bigint;
  /** Of the balance forward, what was already past due on the bill date: due now. */
  pastDueCents: bigint;
}

/** The figures of one bill's summary, as stored when it was issued (bill_statement). */
export interface StatementFigures {
  previousBalanceCents: bigint;
  activityCents: bigint;
  balanceForwardCents: bigint;
  currentChargesCents: bigint;
  totalDueCents: bigint;
  pastDueCents: bigint;
}

/** Beyond this many entries, entries with the same wording are summed into one line each. */
export const MAX_ACTIVITY_LINES = 8;

const KIND_LABEL: Record<LedgerKind, ActivityLabel> = {
  CHARGE: 'otherBill',
  ADJUSTMENT: 'adjustment',
  PAYMENT: 'payment',
  PAYMENT_REVERSAL: 'paymentReturned',
  LATE_FEE: 'lateCharge',
  RETURNED_PAYMENT_FEE: 'returnedPaymentCharge',
  RECONNECTION_FEE: 'reconnectionCharge',
  DEPOSIT_BILLED: 'deposit',
  DEPOSIT_APPLIED: 'depositApplied',
  DEPOSIT_REFUND: 'depositRefund',
  DEPOSIT_INTEREST: 'depositInterest',
};

/** The wording of one entry's line. A returned payment reverses its payment but says so itself. */
export function activityLabel(
  a: Pick<StatementActivity, 'kind' | 'billId' | 'reverses' | 'purpose'>,
): ActivityLabel {
  if (a.kind === 'PAYMENT_REVERSAL') return 'paymentReturned';
  if (a.purpose) return a.purpose;
  if (a.reverses) return 'correction';
  if (a.kind === 'ADJUSTMENT' && a.billId) return 'billAdjustment';
  if (a.kind === 'CHARGE' && !a.billId) return 'charge';
  return KIND_LABEL[a.kind];
}

const names = (label: ActivityLabel) => label === 'billAdjustment' || label === 'otherBill';

/**
 * The lines of the activity: one per entry in date order, or, past MAX_ACTIVITY_LINES entries,
 * one per wording (and bill) with the entries' count and sum, in the order each wording first
 * appears. Either way the lines add up to the activity exactly.
 */
export function activityLines(entries: readonly StatementActivity[]): ActivityLine[] {
  const sorted = [...entries].sort((a, b) =>
    a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0,
  );
  const lines = sorted.map((e) => {
    const label = activityLabel(e);
    return {
      label,
      date: e.effectiveDate,
      count: 1,
      billId: names(label) ? e.billId : null,
      amountCents: e.amountCents,
    };
  });
  if (lines.length <= MAX_ACTIVITY_LINES) return lines;
  const grouped = new Map<string, ActivityLine>();
  for (const l of lines) {
    const key = `${l.label} ${l.billId ?? ''}`;
    const g = grouped.get(key);
    if (g) {
      g.count++;
      g.amountCents += l.amountCents;
      g.date = null;
    } else grouped.set(key, { ...l });
  }
  return [...grouped.values()];
}

/**
 * The summary of a bill from the ledger as it stood when the bill was issued: the previous balance
 * (every entry already shown on an earlier bill, or recorded before bills had summaries), the
 * entries this bill shows, this bill's charges, and the past-due part of the balance forward.
 */
export function statementSummary(i: {
  previousBalanceCents: bigint;
  activity: readonly StatementActivity[];
  currentChargesCents: bigint;
  pastDueCents: bigint;
}): StatementSummary {
  const activityCents = i.activity.reduce((s, e) => s + e.amountCents, 0n);
  return printedSummary({ ...statementFigures({ ...i, activityCents }), activity: i.activity });
}

/**
 * The figures a bill's summary records: previous balance + activity = balance forward;
 * + current charges = total due; past due clamped to what is brought forward and owed.
 */
export function statementFigures(i: {
  previousBalanceCents: bigint;
  activityCents: bigint;
  currentChargesCents: bigint;
  pastDueCents: bigint;
}): StatementFigures {
  const balanceForwardCents = i.previousBalanceCents + i.activityCents;
  const totalDueCents = balanceForwardCents + i.currentChargesCents;
  return {
    previousBalanceCents: i.previousBalanceCents,
    activityCents: i.activityCents,
    balanceForwardCents,
    currentChargesCents: i.currentChargesCents,
    totalDueCents,
    pastDueCents: clampPastDue(i.pastDueCents, balanceForwardCents, totalDueCents),
  };
}

/** What the customer is asked to pay (never below zero) and the credit left, from the total due. */
export function amountDueAndCredit(totalDueCents: bigint): { amountDueCents: bigint; creditCents: bigint } {
  return {
    amountDueCents: totalDueCents > 0n ? totalDueCents : 0n,
    creditCents: totalDueCents < 0n ? -totalDueCents : 0n,
  };
}

/**
 * Past due is part of the balance forward, and of what the customer is asked to pay: never more
 * than either (a credit among this bill's charges can leave less owed than was past due), never
 * below zero.
 */
export function clampPastDue(
  pastDueCents: bigint,
  balanceForwardCents: bigint,
  totalDueCents: bigint,
): bigint {
  const cap = balanceForwardCents < totalDueCents ? balanceForwardCents : totalDueCents;
  return pastDueCents <= 0n || cap <= 0n ? 0n : pastDueCents > cap ? cap : pastDueCents;
}

/**
 * The summary a bill printed, from the figures stored when it was issued (bill_statement) and the
 * entries it showed: the figures are taken as stored, never recomputed, so what a bill says again
 * is what it said the first time.
 */
export function printedSummary(
  f: StatementFigures & { activity: readonly StatementActivity[] },
): StatementSummary {
  return {
    previousBalanceCents: f.previousBalanceCents,
    activity: activityLines(f.activity),
    activityCents: f.activityCents,
    balanceForwardCents: f.balanceForwardCents,
    currentChargesCents: f.currentChargesCents,
    totalDueCents: f.totalDueCents,
    ...amountDueAndCredit(f.totalDueCents),
    pastDueCents: f.pastDueCents,
  };
}
