// Fees and due dates from the rate ordinance (demo-data/millbrook/TARIFF.md, General provisions).
import { divideHalfUp, max } from './money';

/** "Returned payment charge: $25.00 for any payment returned unpaid (ACH return or dishonored check)." */
export const RETURNED_PAYMENT_FEE_CENTS = 2_500n;

/** "Due date: 20 days after the bill date." Also the due date of a fee posted between bills. */
export const DUE_DAYS_AFTER_BILL = 20;

/** "Late payment charge: 1.5% of the unpaid past-due balance, minimum $1.00." */
export const LATE_FEE_RATE_PER_MILLE = 15n;
export const LATE_FEE_MINIMUM_CENTS = 100n;

/** The late payment charge on a past-due amount (0 when nothing is past due). */
export function lateFeeCents(pastDueCents: bigint): bigint {
  if (pastDueCents <= 0n) return 0n;
  return max(LATE_FEE_MINIMUM_CENTS, divideHalfUp(pastDueCents * LATE_FEE_RATE_PER_MILLE, 1000n));
}
