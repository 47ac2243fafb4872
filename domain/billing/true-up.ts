// The true-up after estimated bills (Ordinance 2026-14, "Estimated bills": "The next actual read
// trues it up"). Estimated periods store no read, so the next actual read is measured from the
// last ACTUAL read and spans the estimated periods too. Without a true-up that bill would charge
// the estimated use a second time. This module decides, for one meter, what the new bill charges:
//   - use: actual use since the last actual read, less what the estimated bills already charged;
//   - period: from the end of the last estimated period (the estimated bills priced the days
//     before it: fixed charges must not be charged twice either);
//   - credits: when the estimates exceeded actual use, the excess is taken back from the
//     estimated periods, latest first, and each is re-rated at its own dates and tariff version.
//     The credit is the difference of the two ratings: "at the rates it was billed at", blocks,
//     caps, riders and tax included.
// Quantities are register units × multiplier (gal, ft³, kWh), the same as a meter result's.
import { Decimal } from '../decimal';
import { rateService, type BillLine as RatedLine, type RatingInput } from '../rating/rate';

export interface PriorEstimate {
  /** ISO dates of the estimated period, [from, to). */
  readonly from: string;
  readonly to: string;
  /** Use billed as estimated, register units × multiplier. */
  readonly units: bigint;
}

export interface TrueUpPlan {
  /** Use since the last actual read (register delta × multiplier). */
  readonly actualUnits: bigint;
  readonly estimatedUnits: bigint;
  /** What this bill charges as use. Never negative. */
  readonly billableUnits: bigint;
  /** The period this bill prices: from the end of the last estimate to the actual read. */
  readonly from: string;
  readonly to: string;
  /** Estimated periods that billed too much, with the use they should have billed. */
  readonly credits: readonly { from: string; to: string; billedUnits: bigint; correctedUnits: bigint }[];
  /** One sentence for the bill. */
  readonly note: string;
}

/**
 * Plans the true-up of one meter's actual read over the estimated periods billed since the last
 * actual read. `estimates` outside (from, to] of the actual period are ignored by the caller's
 * query; here they must lie inside it.
 */
export function planTrueUp(
  actual: { from: string; to: string; units: bigint },
  estimates: readonly PriorEstimate[],
  unit: string,
): TrueUpPlan {
  const sorted = [...estimates].sort((a, b) => a.from.localeCompare(b.from));
  for (const e of sorted) {
    if (e.from < actual.from || e.to > actual.to || e.units < 0n)
      throw new RangeError(
        `Estimated period ${e.from}..${e.to} is not inside the actual read period ${actual.from}..${actual.to}`,
      );
  }
  const estimatedUnits = sorted.reduce((s, e) => s + e.units, 0n);
  const billableUnits = actual.units > estimatedUnits ? actual.units - estimatedUnits : 0n;
  let excess = estimatedUnits > actual.units ? estimatedUnits - actual.units : 0n;
  const credits: { from: string; to: string; billedUnits: bigint; correctedUnits: bigint }[] = [];
  for (const e of [...sorted].reverse()) {
    if (excess === 0n) break;
    const take = excess < e.units ? excess : e.units;
    credits.push({ from: e.from, to: e.to, billedUnits: e.units, correctedUnits: e.units - take });
    excess -= take;
  }
  credits.reverse();
  const from = sorted.length ? sorted[sorted.length - 1]!.to : actual.from;
  const periods = sorted.map((e) => `${e.from}..${e.to} ${e.units} ${unit}`).join('; ');
  const note =
    sorted.length === 0
      ? `Actual use ${actual.from}..${actual.to}: ${actual.units} ${unit}`
      : `True-up: actual use ${actual.from}..${actual.to} ${actual.units} ${unit}, less ${estimatedUnits} ${unit} ` +
        `billed as ESTIMATED (${periods}) = ${billableUnits} ${unit} billed now` +
        (credits.length
          ? `; the estimates exceeded actual use by ${estimatedUnits - actual.units} ${unit}, credited`
          : '');
  return { actualUnits: actual.units, estimatedUnits, billableUnits, from, to: actual.to, credits, note };
}

/**
 * The credit lines for one over-estimated period: the period re-rated at the corrected use, less
 * the period as it was billed, component by component. Amounts are negative (or zero lines are
 * left out); quantities are the change in quantity.
 */
export function estimateCreditLines(
  base: Omit<RatingInput, 'usage' | 'period'>,
  period: { from: string; to: string },
  billedUsage: RatingInput['usage'],
  correctedUsage: RatingInput['usage'],
): RatedLine[] {
  const billed = rateService({ ...base, period, usage: billedUsage }).lines;
  const corrected = rateService({ ...base, period, usage: correctedUsage }).lines;
  const key = (l: RatedLine) => `${l.componentCode}|${l.periodFrom}|${l.periodTo}|${l.rate}`;
  const before = new Map<string, RatedLine[]>();
  for (const l of billed) before.set(key(l), [...(before.get(key(l)) ?? []), l]);
  const out: RatedLine[] = [];
  const emit = (l: RatedLine, amountCents: number, quantity: string, was?: RatedLine) => {
    if (amountCents === 0) return;
    const change = was && was.description !== l.description ? ` (billed as: ${was.description})` : '';
    out.push({
      ...l,
      lineNo: out.length + 1,
      componentCode: `ESTIMATE_CREDIT:${l.componentCode}`,
      description: `Credit for over-estimated use ${period.from}..${period.to}: ${l.description}${change}`,
      quantity,
      amountCents,
    });
  };
  for (const l of corrected) {
    const match = before.get(key(l))?.shift();
    if (match)
      emit(
        l,
        l.amountCents - match.amountCents,
        Decimal.parse(l.quantity).sub(Decimal.parse(match.quantity)).toString(),
        match,
      );
    else emit(l, l.amountCents, l.quantity);
  }
  for (const rest of before.values()) for (const l of rest) emit(l, -l.amountCents, `-${l.quantity}`);
  return out;
}
