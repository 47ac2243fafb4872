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
