// What a premise "normally" uses: the average daily use of its previous actual (not estimated)
// periods, or the class average when it has none. Validation measures a read against it and
// estimation multiplies it out, so both state the same basis in the same words.

import { checkRate, formatRatio, rateRatio, type DailyRate } from './ratio';
import { calendarDaysBetween, parseLocalDateTime } from './time';

/** One billed period of a premise's service, in billing units (register delta × multiplier). */
export interface PeriodUse {
  /** Start read date ("YYYY-MM-DD" or a local timestamp). */
  readonly from: string;
  /** End read date. Days in the period = calendar days from `from` to `to`. */
  readonly to: string;
  /** Whole billing units: gallons, ft³, kWh. */
  readonly usage: number;
  /** True when the period was billed on an estimate: never part of a baseline. */
  readonly estimated?: boolean;
}

export interface ClassAverage {
  /** The premise class the average belongs to, e.g. "RES-WATER-GAL". */
  readonly usageClass: string;
  readonly rate: DailyRate;
}

export type Baseline =
  | {
      readonly kind: 'premise-history';
      readonly rate: DailyRate;
      /** The actual periods used, newest first. */
      readonly periods: readonly PeriodUse[];
      readonly description: string;
    }
  | {
      readonly kind: 'class-average';
      readonly rate: DailyRate;
      readonly usageClass: string;
      readonly description: string;
    };

export const UNIT_LABEL: Readonly<Record<string, string>> = {
  GAL: 'gal',
  CUBIC_FEET: 'ft³',
  KWH: 'kWh',
  THERM: 'therm',
};

export const unitLabel = (unit: string): string =>
  Object.hasOwn(UNIT_LABEL, unit) ? (UNIT_LABEL[unit] ?? unit) : unit;

/** Calendar days of a history period; throws RangeError on dates that cannot be a period. */
export function periodDays(p: Pick<PeriodUse, 'from' | 'to'>): number {
  const from = parseLocalDateTime(p.from);
  const to = parseLocalDateTime(p.to);
  if (!from || !to) throw new RangeError(`Period ${p.from}..${p.to} has an unreadable date`);
  const days = calendarDaysBetween(from, to);
  if (days <= 0) throw new RangeError(`Period ${p.from}..${p.to} has no days`);
  return days;
}

const dateOf = (s: string) => parseLocalDateTime(s)?.text.slice(0, 10) ?? s;

/**
 * The baseline for a premise: the average daily use of its last `periods` actual periods (fewer
 * if it has fewer; estimated periods never count), else the class average, else null.
 */
export function baselineFor(
  history: readonly PeriodUse[] | undefined,
  classAverage: ClassAverage | undefined,
  unit: string,
  periods = 3,
): Baseline | null {
  const u = unitLabel(unit);
  const actual = (history ?? [])
    .filter((p) => !p.estimated)
    .map((p) => ({ p, days: periodDays(p), end: parseLocalDateTime(p.to)?.seconds ?? 0 }))
    .sort((a, b) => b.end - a.end)
    .slice(0, Math.max(0, periods));
  if (actual.length > 0) {
    for (const { p } of actual) {
      if (!Number.isSafeInteger(p.usage) || p.usage < 0)
        throw new RangeError(`Period ${p.from}..${p.to} has usage ${p.usage}, not a whole quantity`);
    }
    const usage = actual.reduce((s, a) => s + a.p.usage, 0);
    const days = actual.reduce((s, a) => s + a.days, 0);
    const rate = checkRate({ usage, days });
    const list = actual.map((a) => `${dateOf(a.p.from)}..${dateOf(a.p.to)} ${a.p.usage} ${u}`).join('; ');
    const of = actual.length < periods ? ` (only ${actual.length} of ${periods} available)` : '';
    return {
      kind: 'premise-history',
      rate,
      periods: actual.map((a) => a.p),
      description:
        `premise average ${formatRatio(rateRatio(rate), 1)} ${u}/day over the previous ` +
        `${actual.length} actual period(s)${of}: ${list} (${usage} ${u} in ${days} days)`,
    };
  }
  if (classAverage) {
    const rate = checkRate(classAverage.rate);
    return {
      kind: 'class-average',
      rate,
      usageClass: classAverage.usageClass,
      description:
        `class ${classAverage.usageClass} average ${formatRatio(rateRatio(rate), 1)} ${u}/day ` +
        `(no actual history for the premise)`,
    };
  }
  return null;
}
