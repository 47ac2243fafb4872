// Drinking-water notices a water system owes everyone it serves, and when (40 CFR Part 141):
//
//   PN_TIER_1  public notification, Tier 1 (acute risk: E. coli, nitrate, a waterborne outbreak…):
//              as soon as practical and no later than 24 hours after the system learns of the
//              violation or situation (§141.202(b)).
//   PN_TIER_2  Tier 2 (other violations with potential health effects): no later than 30 days after
//              learning of it (§141.203(b)(1)), repeated every three months for as long as the
//              violation or situation persists (§141.203(b)(2)).
//   PN_TIER_3  Tier 3 (monitoring and reporting violations, …): no later than one year after
//              learning of it (§141.204(b)).
//   CCR        the Consumer Confidence Report on the previous year's water quality: to every
//              customer by July 1 (§141.152(b)); a system serving 10,000 people or more delivers
//              it twice a year from 2027, the second edition by December 31. Electronic delivery
//              takes a direct link to the report (§141.155); paper goes to whoever is not emailed.
//
// Pure: the rules and repeat times (workflow-safe: the water notice workflow imports this file);
// the first delivery's deadline, which needs the time-zone calendar, is water-notice-due.ts. Who is
// served (the service areas' water accounts), the delivery and the proof of it are
// services/water-notices.ts.
import { addMonths } from './ledger/dates';

export const WATER_NOTICE_KINDS = ['PN_TIER_1', 'PN_TIER_2', 'PN_TIER_3', 'CCR'] as const;
export type WaterNoticeKind = (typeof WATER_NOTICE_KINDS)[number];

export interface WaterNoticeRule {
  label: string;
  cite: string;
  /** Months between repeats while the situation persists (null: delivered once). */
  repeatMonths: number | null;
}

export const WATER_NOTICE_RULES: Record<WaterNoticeKind, WaterNoticeRule> = {
  PN_TIER_1: { label: 'Tier 1 public notice', cite: '40 CFR 141.202(b)', repeatMonths: null },
  PN_TIER_2: { label: 'Tier 2 public notice', cite: '40 CFR 141.203(b)', repeatMonths: 3 },
  PN_TIER_3: { label: 'Tier 3 public notice', cite: '40 CFR 141.204(b)', repeatMonths: null },
  CCR: { label: 'Consumer Confidence Report', cite: '40 CFR 141.152(b), 141.155', repeatMonths: null },
};

/**
 * When repeat `round` (2, 3, …) of a notice that repeats is due: every `repeatMonths` after the
 * first delivery, on the same day of the month (clamped to a shorter month) and time of day.
 */
export function repeatDueAt(kind: WaterNoticeKind, firstDeliveredAt: Date, round: number): Date | null {
  const months = WATER_NOTICE_RULES[kind].repeatMonths;
  if (months === null || round < 2) return null;
  const iso = firstDeliveredAt.toISOString();
  const day = addMonths(iso.slice(0, 10), months * (round - 1));
  return new Date(`${day}${iso.slice(10)}`);
}
