// A cycle bill whose period covers more than one monthly billing period — a run that could not bill
// the meter (its read held back for an exception until the next run read it, a meter not read) — is
// billed as the monthly periods it covers. "All charges are per monthly billing period" (Ordinance
// 2026-14): each month has its own base charge, its own blocks and its own sewer cap, and the use is
// split between the months in proportion to days, as it is across a rate change. Priced as one
// period instead, two months of use would pay one base charge and climb one month's blocks.
//
// A period is split at the cycle's scheduled read days inside it, but not at one within a read
// window's days of either end: a read taken a few days early or late still closes one period.
// Pure; dates are YYYY-MM-DD.
import { Decimal } from '../decimal';
import { addMonths, daysBetween } from '../ledger/dates';
import { READ_WINDOW_DAYS_AFTER, READ_WINDOW_DAYS_BEFORE } from './cycle-calendar';
import { regularPeriodAround } from './final-bill';

/** How near an end of the period a read day may be and still not split it. */
export const SPLIT_MARGIN_DAYS = READ_WINDOW_DAYS_BEFORE + READ_WINDOW_DAYS_AFTER + 1;

export interface PeriodPart {
  from: string;
  to: string;
  /** The part's share of the use, in proportion to its days; the parts add up to the whole exactly. */
  usage: Decimal;
  /**
   * When the part is well short of the monthly period it falls in (a split period ending far from a
   * read day), that period's days: its charges, blocks and cap are prorated (rateService's
   * billingPeriodDays). Absent for a whole month.
   */
  periodDays?: number;
}

/**
 * The period `from` → `to` of a cycle read on `readDay`, as the monthly periods it covers. A final
 * bill ends where service ends, not at a read: `endMargin` 1 cuts at every read day before its
 * last day, so its last stretch is prorated exactly.
 */
export function monthlyParts(
  readDay: number,
  from: string,
  to: string,
  usage: Decimal,
  endMargin = SPLIT_MARGIN_DAYS,
): PeriodPart[] {
  const days = daysBetween(from, to);
  if (days <= 0) throw new RangeError(`A period must end after it starts: ${from} → ${to}`);
  const cuts: string[] = [];
  for (let cut = regularPeriodAround(readDay, from).to; daysBetween(cut, to) >= endMargin; ) {
    if (daysBetween(from, cut) >= SPLIT_MARGIN_DAYS) cuts.push(cut);
    cut = addMonths(cut, 1);
  }
  if (cuts.length === 0) return [{ from, to, usage }];
  const bounds = [from, ...cuts, to];
  let left = usage;
  return bounds.slice(1).map((end, i) => {
    const start = bounds[i]!;
    const last = i === bounds.length - 2;
    const share = last ? left : usage.mul(Decimal.fraction(BigInt(daysBetween(start, end)), BigInt(days)));
    left = left.sub(share);
    const month = regularPeriodAround(readDay, start).days;
    const partDays = daysBetween(start, end);
    return {
      from: start,
      to: end,
      usage: share,
      ...(month - partDays >= SPLIT_MARGIN_DAYS ? { periodDays: month } : {}),
    };
  });
}
