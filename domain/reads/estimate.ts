// VEE, the "E": estimated use when no valid read is available, and the true-up when the next
// actual read comes in. Ordinance 2026-14, "Estimated bills": use is estimated from the average
// daily use of the previous 3 valid periods (or the premise class average when there is no
// history), the bill says "ESTIMATED", and the next actual read trues it up.
// All quantities are whole billing units (register delta × multiplier: gal, ft³, kWh).

import {
  baselineFor,
  periodDays,
  unitLabel,
  type Baseline,
  type ClassAverage,
  type PeriodUse,
} from './baseline';
import { formatRatio, rateRatio, ratio, roundHalfUp, mul } from './ratio';
import { calendarDaysBetween, parseLocalDateTime } from './time';
import { registerDelta } from './validate';

export interface EstimateInput {
  readonly meterId: string;
  /** The meter's unit (for the description only). */
  readonly readUnit: string;
  /** The period to estimate: from its start read date to the scheduled read date. */
  readonly period: { readonly from: string; readonly to: string };
  /** The premise's billed periods for this service, any order; estimated ones are skipped. */
  readonly history: readonly PeriodUse[];
  readonly classAverage?: ClassAverage;
  /** Defaults to 3, per the ordinance. */
  readonly historyPeriods?: number;
}

export interface Estimate {
  readonly meterId: string;
  readonly estimated: true;
  /** What the bill prints. */
  readonly label: 'ESTIMATED';
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** Estimated use, whole billing units, rounded half-up from rate × days. */
  readonly usage: number;
  readonly basis: Baseline;
  readonly description: string;
}

export type EstimateResult =
  | { readonly ok: true; readonly estimate: Estimate }
  | { readonly ok: false; readonly meterId: string; readonly reason: string };

/** Estimates a period's use: the premise's recent actual average, else the class average. */
export function estimateUsage(input: EstimateInput): EstimateResult {
  const periods = input.historyPeriods ?? 3;
  const days = periodDays(input.period);
  const basis = baselineFor(input.history, input.classAverage, input.readUnit, periods);
  if (!basis) {
    return {
      ok: false,
      meterId: input.meterId,
      reason: `Meter ${input.meterId}: no actual history and no class average, so no estimate can be made`,
    };
  }
  const exact = mul(rateRatio(basis.rate), ratio(days));
  const usage = Number(roundHalfUp(exact));
  const u = unitLabel(input.readUnit);
  return {
    ok: true,
    estimate: {
      meterId: input.meterId,
      estimated: true,
      label: 'ESTIMATED',
      from: input.period.from,
      to: input.period.to,
      days,
      usage,
      basis,
      description:
        `ESTIMATED: ${usage} ${u} for ${days} days (${input.period.from}..${input.period.to}) = ` +
        `${formatRatio(exact, 3)} rounded half-up, from the ${basis.description}`,
    },
  };
}

// ---- true-up ------------------------------------------------------------------------------------

export interface TrueUpInput {
  readonly meterId: string;
  readonly readUnit: string;
  readonly dials: number;
  readonly multiplier: number;
  /** The last ACTUAL (validated) read before the estimates. */
  readonly lastActual: { readonly read: number; readonly readTime: string };
  /** The new actual read (it must have passed validation: a decrease is taken as one rollover). */
  readonly current: { readonly read: number; readonly readTime: string };
  /** The periods billed on estimates since lastActual, with the use billed for each. */
  readonly estimatedBilled: readonly { readonly from: string; readonly to: string; readonly usage: number }[];
}

export interface TrueUpLine {
  readonly kind: 'ACTUAL_USE' | 'LESS_ESTIMATED' | 'BILLABLE_USE' | 'ESTIMATE_CREDIT';
  /** Whole billing units; every line is non-negative, the kind says which way it goes. */
  readonly usage: number;
  readonly description: string;
}

export interface TrueUp {
  readonly meterId: string;
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** Use since the last actual read, from the two actual reads. */
  readonly actualUsage: number;
  /** Use already billed as estimated in between. */
  readonly estimatedUsage: number;
  /** What this bill charges as use: actual − estimated, never negative. */
  readonly billableUsage: number;
  /**
   * When the estimates were too high: the excess (estimated − actual), to be credited on this
   * bill at the rates the estimated bills charged it. Zero otherwise.
   */
  readonly creditUsage: number;
  readonly lines: readonly TrueUpLine[];
}

/**
 * The next actual read covers everything since the last actual read, less what was already
 * billed as estimated. The bill charges the remainder; it never charges negative use. When the
 * estimates were too high the bill charges no use and carries a credit line for the excess.
 */
export function trueUp(input: TrueUpInput): TrueUp {
  const last = parseLocalDateTime(input.lastActual.readTime);
  const cur = parseLocalDateTime(input.current.readTime);
  if (!last || !cur) throw new RangeError(`Meter ${input.meterId}: unreadable read time in the true-up`);
  if (cur.seconds <= last.seconds)
    throw new RangeError(`Meter ${input.meterId}: the new read is not after the last actual read`);
  for (const n of [input.lastActual.read, input.current.read, input.multiplier]) {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`Meter ${input.meterId}: ${n} is not a whole quantity`);
  }
  for (const e of input.estimatedBilled) {
    const f = parseLocalDateTime(e.from);
    const t = parseLocalDateTime(e.to);
    if (!f || !t || f.day < last.day || t.day > cur.day)
      throw new RangeError(
        `Meter ${input.meterId}: estimated period ${e.from}..${e.to} is not between the last actual read ` +
          `(${last.text}) and the new one (${cur.text})`,
      );
    if (!Number.isSafeInteger(e.usage) || e.usage < 0)
      throw new RangeError(`Meter ${input.meterId}: estimated use ${e.usage} is not a whole quantity`);
  }

  const u = unitLabel(input.readUnit);
  const { delta, rolloverDelta } = registerDelta(input.lastActual.read, input.current.read, input.dials);
  const actualUsage = (rolloverDelta ?? delta) * input.multiplier;
  const estimatedUsage = input.estimatedBilled.reduce((s, e) => s + e.usage, 0);
  const billableUsage = Math.max(0, actualUsage - estimatedUsage);
  const creditUsage = Math.max(0, estimatedUsage - actualUsage);
  const from = last.text.slice(0, 10);
  const to = cur.text.slice(0, 10);
  const periods = input.estimatedBilled.map((e) => `${e.from}..${e.to} ${e.usage} ${u}`).join('; ');

  const lines: TrueUpLine[] = [
    {
      kind: 'ACTUAL_USE',
      usage: actualUsage,
      description:
        `Actual use ${from}..${to}: read ${input.current.read} − ${input.lastActual.read}` +
        (rolloverDelta !== null ? ` (register rolled over at 10^${input.dials})` : '') +
        ` × ${input.multiplier} = ${actualUsage} ${u}`,
    },
  ];
  if (estimatedUsage > 0 || input.estimatedBilled.length > 0) {
    lines.push({
      kind: 'LESS_ESTIMATED',
      usage: estimatedUsage,
      description: `Less use already billed as ESTIMATED: ${periods} (${estimatedUsage} ${u})`,
    });
  }
  lines.push({
    kind: 'BILLABLE_USE',
    usage: billableUsage,
    description:
      creditUsage > 0
        ? `Use billed now: 0 ${u} (the estimates exceeded actual use)`
        : `Use billed now: ${actualUsage} − ${estimatedUsage} = ${billableUsage} ${u}`,
  });
  if (creditUsage > 0) {
    lines.push({
      kind: 'ESTIMATE_CREDIT',
      usage: creditUsage,
      description:
        `Credit for over-estimated use: ${estimatedUsage} ${u} billed as ESTIMATED exceeds actual use ` +
        `of ${actualUsage} ${u} by ${creditUsage} ${u}, credited at the rates it was billed at`,
    });
  }
  return {
    meterId: input.meterId,
    from,
    to,
    days: calendarDaysBetween(last, cur),
    actualUsage,
    estimatedUsage,
    billableUsage,
    creditUsage,
    lines,
  };
}
