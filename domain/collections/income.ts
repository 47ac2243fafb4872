// Household income as a percentage of the federal poverty level, as the rules may rely on it.
// One conservative rule everywhere: an income that is unknown, self-reported or verified too long
// ago never takes a protection away (winter moratorium, fee cap, arrangement tier); it is treated
// as the lowest income until verified.
import { daysBetween } from '../ledger/dates';
import type { AccountSnapshot, PolicyParameters } from './types';

export interface IncomeStatus {
  pct: number | null;
  /** Verified within the profile's verification age: safe to rely on against the customer. */
  verified: boolean;
  text: string;
}

export function incomeStatus(
  p: Pick<PolicyParameters, 'incomeVerificationMaxAgeDays'>,
  s: Pick<AccountSnapshot, 'incomePctFpl' | 'incomeVerifiedOn'>,
  /** The day of the decision; null when the caller has none (the verification's age is then not checked). */
  today: string | null,
): IncomeStatus {
  const pct = s.incomePctFpl;
  if (pct === null || !Number.isFinite(pct))
    return { pct: null, verified: false, text: 'household income is unknown' };
  if (!s.incomeVerifiedOn || (today !== null && s.incomeVerifiedOn > today))
    return { pct, verified: false, text: `household income of ${pct}% FPL is not verified` };
  const max = p.incomeVerificationMaxAgeDays;
  if (today !== null && max !== null && daysBetween(s.incomeVerifiedOn, today) > max)
    return {
      pct,
      verified: false,
      text: `household income of ${pct}% FPL was verified on ${s.incomeVerifiedOn}, more than ${max} days ago`,
    };
  return { pct, verified: true, text: `household income ${pct}% FPL, verified on ${s.incomeVerifiedOn}` };
}

/**
 * Whether a recorded income, `before` → `after` (% of the poverty level, the household the same),
 * is a "change in income" (66 Pa.C.S. §1403): a decrease of at least 20% when the household is
 * above 200% of the poverty level, of at least 10% at or below it. It lets a customer who
 * defaulted on a payment agreement have a new one (§1405(d)). Exact: percentages are compared
 * in hundredths, as they are stored.
 */
export function incomeChangeQualifies(before: number | null, after: number): boolean {
  if (before === null || !(before > 0) || !(after < before)) return false;
  const hundredths = (x: number) => Math.round(x * 100);
  const drop = hundredths(before) - hundredths(after);
  const share = hundredths(after) > 20_000 ? 20 : 10;
  return drop * 100 >= share * hundredths(before);
}
