// Whether a late payment charge is waived for a low-income household (CA water, H&S Code
// §116914(a)(2): interest on delinquent bills waived once every 12 months below 200% FPL).
// Pure: the caller supplies the household's income on record and the day of its last waiver.
import { addMonths } from '../ledger/dates';
import { incomeStatus } from './income';
import type { AccountSnapshot, Citation, PolicyProfile } from './types';

export interface LateChargeWaiverDecision {
  waive: boolean;
  /** Why, with the rule's code and citation. */
  reason: Citation;
}

/**
 * The profile's waiver rule applied to a charge assessed on `asOf` (YYYY-MM-DD); null when the
 * profile has none. Income counts only when verified and current (the profile's maximum age): a
 * household shows its income to get the waiver. `lastWaivedOn` is the day of the account's last
 * waiver under this rule, null when none.
 */
export function lateChargeWaiver(
  profile: PolicyProfile,
  household: Pick<AccountSnapshot, 'incomePctFpl' | 'incomeVerifiedOn'>,
  lastWaivedOn: string | null,
  asOf: string,
): LateChargeWaiverDecision | null {
  const rule = profile.lateChargeWaivers[0];
  if (!rule) return null;
  const cite = (text: string, waive: boolean) => ({
    waive,
    reason: { code: rule.code, cite: rule.cite, text },
  });
  const income = incomeStatus(profile, household, asOf);
  if (!income.verified || income.pct === null)
    return cite(`${income.text}: the waiver needs verified income below ${rule.belowPctFpl}% FPL`, false);
  if (income.pct >= rule.belowPctFpl)
    return cite(`${income.text}: not below ${rule.belowPctFpl}% FPL, no waiver`, false);
  if (lastWaivedOn !== null) {
    const nextFrom = addMonths(lastWaivedOn, rule.onceEveryMonths);
    if (asOf < nextFrom)
      return cite(
        `${income.text}; a late charge was already waived on ${lastWaivedOn}: once every ${rule.onceEveryMonths} months, the next from ${nextFrom}`,
        false,
      );
  }
  return cite(
    `${income.text}: late payment charge waived (once every ${rule.onceEveryMonths} months below ${rule.belowPctFpl}% FPL)`,
    true,
  );
}
