// Security deposits under the rate ordinance (demo-data/millbrook/TARIFF.md, General provisions):
//   "up to 1/6 of the estimated annual billing for a new residential customer with no satisfactory
//    payment history; refunded with interest (4.0% simple per year for the demo) after 12
//    consecutive months of timely payment, as a credit on the bill."
// Pure rules with their reasons; services/deposits.ts books what they decide.
//
// Decisions made here (the ordinance leaves them open):
//  - "up to 1/6": the utility asks for the full sixth, in whole cents rounded down (never above it).
//  - Interest accrues per whole calendar month held (4.0% / 12 a month), rounded half-up to the
//    cent once, when the deposit is refunded or applied: $150.00 held 12 months earns $6.00.
//  - "Timely" means paid in full and on time (52 Pa. Code §56.53(b)): no late payment charge and no
//    returned payment in the 12 months before the day of the decision (bills are monthly, so that
//    is the last 12 billing months), no payment arrangement in effect in those months (arrears
//    paid by installments were not paid in full, even though an arrangement is exempt from late
//    charges), and nothing past due on the day. A late fee that was reversed (waived) does not
//    count, a returned payment always does.
import { addMonths, fullMonthsBetween } from './ledger/dates';
import { cancelledIds, type Entry } from './ledger/entries';
import { pastDue } from './ledger/aging';
import { divideHalfUp, formatCents } from './ledger/money';

/** 4.00% a year, in basis points. */
export const DEPOSIT_INTEREST_RATE_BP = 400n;
/** The deposit is this fraction of the estimated annual billing. */
export const DEPOSIT_FRACTION = { numerator: 1n, denominator: 6n } as const;
export const TIMELY_MONTHS_FOR_REFUND = 12;

export type DepositStatusName = 'REQUIRED' | 'WAIVED' | 'HELD' | 'APPLIED' | 'REFUNDED';

// ---- required or waived ---------------------------------------------------------------------

export interface DepositAssessmentInput {
  accountClass: 'RES' | 'COM';
  /** No earlier service with the utility under this customer. */
  newCustomer: boolean;
  /** The customer has a satisfactory payment history (with this utility or shown from another). */
  satisfactoryHistory: boolean;
  estimatedAnnualBillingCents: bigint;
}

export type DepositAssessmentCode =
  | 'NEW_RESIDENTIAL_NO_HISTORY'
  | 'NOT_RESIDENTIAL'
  | 'EXISTING_CUSTOMER'
  | 'SATISFACTORY_HISTORY'
  | 'NO_ESTIMATED_BILLING';

export type DepositAssessment =
  | { required: true; amountCents: bigint; code: 'NEW_RESIDENTIAL_NO_HISTORY'; reason: string }
  | {
      required: false;
      amountCents: 0n;
      code: Exclude<DepositAssessmentCode, 'NEW_RESIDENTIAL_NO_HISTORY'>;
      reason: string;
    };

/**
 * 1/6 of the estimated annual billing, in whole cents rounded down: the ordinance allows "up to
 * 1/6", so a deposit never exceeds it, not even by a fraction of a cent.
 */
export function depositAmountCents(estimatedAnnualBillingCents: bigint): bigint {
  return (estimatedAnnualBillingCents * DEPOSIT_FRACTION.numerator) / DEPOSIT_FRACTION.denominator;
}

export function depositRequirement(input: DepositAssessmentInput): DepositAssessment {
  const waived = (code: Exclude<DepositAssessmentCode, 'NEW_RESIDENTIAL_NO_HISTORY'>, reason: string) =>
    ({ required: false, amountCents: 0n, code, reason }) as const;
  if (input.accountClass !== 'RES')
    return waived('NOT_RESIDENTIAL', 'Waived: the deposit rule applies to new residential customers only');
  if (!input.newCustomer)
    return waived('EXISTING_CUSTOMER', 'Waived: the customer is not new to the utility');
  if (input.satisfactoryHistory)
    return waived('SATISFACTORY_HISTORY', 'Waived: the customer has a satisfactory payment history');
  const amountCents = depositAmountCents(input.estimatedAnnualBillingCents);
  if (amountCents <= 0n)
    return waived('NO_ESTIMATED_BILLING', 'Waived: there is no estimated billing to base a deposit on');
  return {
    required: true,
    amountCents,
    code: 'NEW_RESIDENTIAL_NO_HISTORY',
    reason:
      `Required: new residential customer with no satisfactory payment history; 1/6 of the ` +
      `estimated annual billing of ${formatCents(input.estimatedAnnualBillingCents)} is ${formatCents(amountCents)}`,
  };
}

// ---- interest -------------------------------------------------------------------------------

/** Simple interest for whole months held: amount × 4.0% × months / 12, half-up to the cent. */
export function depositInterestCents(amountCents: bigint, monthsHeld: number): bigint {
  if (monthsHeld <= 0 || amountCents <= 0n) return 0n;
  return divideHalfUp(amountCents * DEPOSIT_INTEREST_RATE_BP * BigInt(monthsHeld), 10_000n * 12n);
}

export interface HeldDeposit {
  status: DepositStatusName;
  amountCents: bigint;
  /** YYYY-MM-DD; when the deposit was paid in full. */
  heldSince: string | null;
  /**
   * YYYY-MM-DD; for a deposit converted from the legacy system, the day its account's payment
   * history starts on this ledger (the conversion). Interest runs from heldSince; the 12 months of
   * timely payment count from here.
   */
  historyFrom?: string | null;
}

/** What applying a held deposit to a final bill credits: the deposit and its interest to date. */
export function depositApplication(
  deposit: HeldDeposit,
  asOf: string,
): { appliedCents: bigint; interestCents: bigint; monthsHeld: number } | null {
  if (deposit.status !== 'HELD' || !deposit.heldSince) return null;
  const monthsHeld = fullMonthsBetween(deposit.heldSince, asOf);
  return {
    appliedCents: deposit.amountCents,
    interestCents: depositInterestCents(deposit.amountCents, monthsHeld),
    monthsHeld,
  };
}

/**
 * A deposit billed but not (fully) paid when service ends. The deposit is settled on the final bill
 * (52 Pa. Code §56.53(d): at termination the deposit goes against what is owed and the positive
 * difference is returned), so an unpaid deposit is not owed on top of the final charges: what of its
 * charge is still open (`openCents`) is reversed, as a waiver reverses it, and what was paid of it
 * is applied as a credit as a held deposit is. No interest: it was never held. A $100.00 deposit
 * with $40.00 paid and $59.05 of final charges leaves $19.05 owed, not $119.05.
 */
export function unpaidDepositAtFinalBill(
  billedCents: bigint,
  openCents: bigint,
): { reversedCents: bigint; appliedCents: bigint } {
  if (billedCents < 0n || openCents < 0n || openCents > billedCents)
    throw new RangeError(`A deposit charge of ${billedCents} cannot have ${openCents} open`);
  return { reversedCents: openCents, appliedCents: billedCents - openCents };
}

// ---- refund after 12 timely months ----------------------------------------------------------

export interface DepositHistory {
  deposit: HeldDeposit;
  /** The account's ledger entries (kind, amount, date and reversal link are what count). */
  entries: readonly Entry[];
  /**
   * Days a late payment charge was waived instead of posted (CA water's low-income waiver): the
   * payment was still late, so each breaks the timely months as a posted charge would.
   */
  lateChargeWaivers?: readonly string[];
  /**
   * The account's payment arrangements: the day each was made and the day it ended (completed or
   * defaulted), null while it is CURRENT. One in effect in the 12 months breaks them.
   */
  arrangements: readonly { from: string; to: string | null }[];
}

export type RefundDecision =
  | {
      due: true;
      code: 'TIMELY_12_MONTHS';
      reason: string;
      refundCents: bigint;
      interestCents: bigint;
      monthsHeld: number;
    }
  | {
      due: false;
      code:
        | 'NOT_HELD'
        | 'HELD_UNDER_12_MONTHS'
        | 'LATE_PAYMENT'
        | 'RETURNED_PAYMENT'
        | 'PAYMENT_ARRANGEMENT'
        | 'PAST_DUE';
      reason: string;
      /**
       * The first day a refund could be due if nothing else goes wrong; null when never, or when it
       * waits on something other than a day (a past-due balance paid, an arrangement ended).
       */
      eligibleOn: string | null;
    };

/** Late fees not waived and returned payments, effective on or before `asOf`, latest last. */
function incidents(entries: readonly Entry[], asOf: string): Entry[] {
  const cancelled = cancelledIds(entries);
  return entries
    .filter((e) => e.effectiveDate <= asOf)
    .filter(
      (e) =>
        e.kind === 'PAYMENT_REVERSAL' ||
        (e.kind === 'RETURNED_PAYMENT_FEE' && !cancelled.has(e.id)) ||
        (e.kind === 'LATE_FEE' && e.amountCents > 0n && !cancelled.has(e.id)),
    )
    .sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
}

export function depositRefundDue(history: DepositHistory, asOf: string): RefundDecision {
  const d = history.deposit;
  if (d.status !== 'HELD' || !d.heldSince)
    return {
      due: false,
      code: 'NOT_HELD',
      reason: `No deposit is held (status ${d.status})`,
      eligibleOn: null,
    };
  const monthsHeld = fullMonthsBetween(d.heldSince, asOf);
  const countFrom = d.historyFrom && d.historyFrom > d.heldSince ? d.historyFrom : d.heldSince;
  const heldLongEnough = addMonths(countFrom, TIMELY_MONTHS_FOR_REFUND);
  const windowStart = addMonths(asOf, -TIMELY_MONTHS_FOR_REFUND);
  const recent = [
    ...incidents(history.entries, asOf).map((e) => ({ kind: e.kind, effectiveDate: e.effectiveDate })),
    ...(history.lateChargeWaivers ?? [])
      .filter((day) => day <= asOf)
      .map((day) => ({ kind: 'LATE_FEE' as const, effectiveDate: day })),
    ...history.arrangements
      .filter((x) => x.to !== null && x.from <= asOf)
      .map((x) => ({ kind: 'ARRANGEMENT' as const, effectiveDate: x.to! })),
  ]
    .filter((e) => e.effectiveDate > windowStart)
    .sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
  // Arrears under an arrangement are not paid in full (though exempt from late charges): none may
  // be in effect now, and one that ended counts as a late payment on the day it ended.
  const current = history.arrangements.find((x) => x.from <= asOf && (x.to === null || x.to > asOf));
  if (current)
    return {
      due: false,
      code: 'PAYMENT_ARRANGEMENT',
      reason: `Not yet: arrears are being paid under a payment arrangement made ${current.from}, not in full`,
      eligibleOn: null,
    };
  const overdue = pastDue(history.entries, asOf);
  if (overdue > 0n)
    return {
      due: false,
      code: 'PAST_DUE',
      reason: `Not yet: ${formatCents(overdue)} is past due`,
      eligibleOn: null,
    };
  const last = recent[recent.length - 1];
  if (last) {
    const eligibleOn = addMonths(last.effectiveDate, TIMELY_MONTHS_FOR_REFUND);
    const what =
      last.kind === 'LATE_FEE'
        ? 'a late payment charge'
        : last.kind === 'ARRANGEMENT'
          ? 'the end of a payment arrangement'
          : 'a returned payment';
    return {
      due: false,
      code:
        last.kind === 'LATE_FEE'
          ? 'LATE_PAYMENT'
          : last.kind === 'ARRANGEMENT'
            ? 'PAYMENT_ARRANGEMENT'
            : 'RETURNED_PAYMENT',
      reason: `Not yet: ${what} on ${last.effectiveDate} breaks the 12 consecutive months of timely payment`,
      eligibleOn: eligibleOn > heldLongEnough ? eligibleOn : heldLongEnough,
    };
  }
  if (monthsHeld < TIMELY_MONTHS_FOR_REFUND)
    return {
      due: false,
      code: 'HELD_UNDER_12_MONTHS',
      reason: `Not yet: held since ${d.heldSince}, ${monthsHeld} of 12 months`,
      eligibleOn: heldLongEnough,
    };
  if (countFrom !== d.heldSince && fullMonthsBetween(countFrom, asOf) < TIMELY_MONTHS_FOR_REFUND)
    return {
      due: false,
      code: 'HELD_UNDER_12_MONTHS',
      reason:
        `Not yet: payment history on these books starts ${countFrom} (the deposit was converted then), ` +
        `${fullMonthsBetween(countFrom, asOf)} of 12 months`,
      eligibleOn: heldLongEnough,
    };
  const interestCents = depositInterestCents(d.amountCents, monthsHeld);
  return {
    due: true,
    code: 'TIMELY_12_MONTHS',
    reason:
      `Due: 12 consecutive months of timely payment; ${formatCents(d.amountCents)} held ${monthsHeld} ` +
      `months since ${d.heldSince} with ${formatCents(interestCents)} interest at 4.0% simple`,
    refundCents: d.amountCents,
    interestCents,
    monthsHeld,
  };
}
