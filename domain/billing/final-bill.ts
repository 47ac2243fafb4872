// The arithmetic of a bill that ends (or joins) service periods outside the bill cycle: the final
// bill of a stop or transfer, and the period a meter exchange joins. Pure; dates are YYYY-MM-DD.
//
// Ordinance 2026-14, General provisions: "Partial periods (service starting or ending within the
// period ...): base and customer charges are prorated by days of service ÷ days in the period;
// block sizes and the sewer cap are prorated the same way." The period is the regular monthly
// billing period the service falls in: from the cycle's scheduled read day on or before the start
// of service to the next scheduled read day (2026-11-02 → 2026-12-02 for a cycle read on the 2nd:
// 30 days). rateService takes those days as `billingPeriodDays`.
import { addDays, addMonths, daysBetween, isIsoDate } from '../ledger/dates';
import { DEFAULT_VEE_CONFIG, rolloverWithinShare } from '../reads/validate';
import { READ_WINDOW_DAYS_AFTER, READ_WINDOW_DAYS_BEFORE } from './cycle-calendar';

const pad = (n: number) => String(n).padStart(2, '0');

/** The regular billing period of a cycle read on `readDay` (1..28) that contains the day `on`. */
export function regularPeriodAround(readDay: number, on: string): { from: string; to: string; days: number } {
  if (!Number.isInteger(readDay) || readDay < 1 || readDay > 28)
    throw new RangeError(`read day must be 1..28, got ${readDay}`);
  if (!isIsoDate(on)) throw new RangeError(`Not a date as YYYY-MM-DD: ${JSON.stringify(on)}`);
  const sameMonth = `${on.slice(0, 8)}${pad(readDay)}`;
  const from = on >= sameMonth ? sameMonth : addMonths(sameMonth, -1);
  const to = addMonths(from, 1);
  return { from, to, days: daysBetween(from, to) };
}

/**
 * Days in the billing period for a partial period of service `from` → `to` (a final bill's last
 * stretch, or a cycle bill's first after a move-in): the regular period around `from`. When `from`
 * is a cycle read (`startsAtCycleRead`: the end of the last cycle bill), it opened the period of
 * its read day, and the read window lets it be taken up to READ_WINDOW_DAYS_BEFORE days early: a
 * read on 10-31 for a cycle read on the 2nd opens 11-02 → 12-02, not the period before it. A start
 * of service is taken as it is (the period whose read day is on or before it). A stretch longer
 * than that (a cycle was skipped) is cut into the months it covers first (monthly-parts.ts); given
 * one whole, it counts as a period of its own length, unprorated. Without a cycle calendar, the
 * service period itself.
 */
export function partialPeriodDays(
  readDay: number | null,
  from: string,
  to: string,
  opts: { startsAtCycleRead?: boolean } = {},
): number {
  const days = daysBetween(from, to);
  if (readDay === null) return days;
  const on = opts.startsAtCycleRead ? addDays(from, READ_WINDOW_DAYS_BEFORE) : from;
  return Math.max(regularPeriodAround(readDay, on).days, days);
}

/**
 * Days in the billing period of a cycle bill for service `from` → `to` under an account whose
 * service began on `serviceStart` (YYYY-MM-DD): when it began within the regular period this bill
 * closes (a move-in after the cycle's read day), the period is partial and this is its length, as
 * for a final bill; otherwise undefined (a regular period, whatever its exact days). The period a
 * bill closes is the one around its read date less the read window's days after the read day, so a
 * read taken a few days early or late closes the same period.
 */
export function firstPeriodDays(
  readDay: number,
  serviceStart: string,
  from: string,
  to: string,
): number | undefined {
  const closes = regularPeriodAround(readDay, addDays(to, -(READ_WINDOW_DAYS_AFTER + 1)));
  return serviceStart > closes.from ? partialPeriodDays(readDay, from, to) : undefined;
}

/**
 * How far a register advanced from `start` to `end`, allowing one rollover at 10^dials when it is
 * plausible by the cycle's own rule (domain/reads/validate.ts: at most a share of the register). A
 * lower reading that is not (a mistyped final read, 123456 → 123450 on six dials, would bill
 * 999,994 units) is refused with a RangeError, as is a reading wider than the register: the caller
 * puts it in front of a person instead of billing it.
 */
export function registerAdvance(start: bigint, end: bigint, dials: number): bigint {
  if (end >= start) return end - start;
  const rollover = 10n ** BigInt(dials);
  if (start >= rollover || end >= rollover)
    throw new RangeError(`A reading does not fit the register's ${dials} dials`);
  const advance = end + rollover - start;
  if (!rolloverWithinShare(advance, dials))
    throw new RangeError(
      `The register went back from ${start} to ${end}: a rollover at 10^${dials} would mean ${advance} ` +
        `units, more than ${DEFAULT_VEE_CONFIG.rolloverMaxRegisterShare} of the register; check the read`,
    );
  return advance;
}
