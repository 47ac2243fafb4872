// The rating engine: one service's use over one service period, priced under a tariff schedule
// (tariff.ts), as bill lines. Pure and deterministic: no clock, no I/O, exact decimals throughout.
//
// Conventions (ordinance 2026-14, General provisions, read with these choices):
// - Days. A service period { from, to } runs between two read dates: it covers the days from `from`
//   up to but not including `to`, so days of service = to − from (2026-10-02 → 2026-11-02 is 31
//   days). Every sub-period below is cut the same way: a rate version effective 2027-01-01 prices the
//   days from 2027-01-01 on; the summer season 06-01..09-30 covers 06-01 through 09-30 inclusive.
// - Proration. Charges are per monthly billing period. With P = days in the billing period (by
//   default the days of service, i.e. a full period) and d = days of a part, the part's fixed charges
//   are charge × d ÷ P, and its block limits and cap are limit × d ÷ P, exactly. A full period has
//   d = P: factor 1.
// - Splits. A rate change inside the period cuts it into parts, one per version; the period's use is
//   split across parts in proportion to days and every component is priced per part, so each line
//   records its version and sub-period. Inside a part, a block with a seasonal rate splits its use
//   by days across the season boundary. Every split and prorated quantity is kept exact (a rational:
//   7,500 × 16 ÷ 31 gal), so the parts add up to the metered use and no amount moves by a cent
//   because a quantity was rounded first: the ordinance rounds money, per line, and nothing else.
//   A line shows its quantity exactly when it has at most QUANTITY_PLACES decimals, else rounded
//   to them (bill_line.quantity's scale); block and cap labels show 0.001 of the unit.
// - Money. Each line's amount is the exact quantity × rate ÷ ratePer, rounded half away from zero to
//   the cent once, on that line (the ordinance: half-up per bill line). A percentage tax is a line
//   of its own: percent × the sum of the already-rounded amounts of the lines it names, rounded once.
//   The total is the sum of the line amounts. So any line can be checked with a pencil from the
//   strings on it (to within the shown quantity's last place, 0.000001 of the unit).
// - Riders. A rider's rate is looked up per calendar month (see RiderMonthBasis); a month without
//   a rate is an error naming the rider and the month, never a zero.

import { Decimal, centsToDollars, formatCents, roundHalfUpToCents } from '../decimal';
import { dayNumber, inMonthDayRange, isIsoDate, isoDate, monthLabel, runsBy } from './calendar';
import {
  scheduleProblems,
  type AccountClass,
  type BillingUnit,
  type FixedCharge,
  type MinimumBill,
  type PercentageTax,
  type ReadUnit,
  type Rider,
  type RiderCharge,
  type ScheduleVersion,
  type TariffSchedule,
  type VolumetricCharge,
} from './tariff';

/** Gallons in one cubic foot. */
export const GALLONS_PER_CUBIC_FOOT = '7.48052';
/**
 * Decimal places a line's quantity is shown and stored with when its exact value has more (a share
 * of use by days, a prorated block): bill_line.quantity is numeric(20, 6).
 */
export const QUANTITY_PLACES = 6;
/** Decimal places of block limits and caps in a line's description. */
const LABEL_PLACES = 3;

export type RatingErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_TARIFF'
  | 'NO_TARIFF_VERSION'
  | 'CLASS_NOT_ELIGIBLE'
  | 'METER_SIZE_NOT_PRICED'
  | 'RIDER_RATE_MISSING';

export class RatingError extends Error {
  override readonly name = 'RatingError';
  constructor(
    readonly code: RatingErrorCode,
    message: string,
    /** Machine-readable particulars: { rider: 'PCA', month: '2026-12' }, { field: 'usage' }. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface RatingInput {
  schedule: TariffSchedule;
  /** The riders the schedule may name (Tariff.riders). */
  riders?: readonly Rider[];
  accountClass: AccountClass;
  /** Read dates: service from `from` up to but not including `to` (days of service = to − from). */
  period: { from: string; to: string };
  /**
   * Days in the billing period the charges are stated for. Omitted: the service period is a full
   * period (factor 1). A first or final bill passes the regular period's length, e.g. 30 for service
   * starting 2026-11-17 in a 2026-11-02 → 2026-12-02 cycle: factor 15 ÷ 30.
   */
  billingPeriodDays?: number;
  /** As stamped ('5/8"'); needed when a fixed charge is priced by meter size. */
  meterSize?: string | null;
  /** Use in the schedule's billing unit (gallons, kWh), exact: a Decimal or a decimal string. */
  usage: Decimal | string;
}

export interface BillLine {
  lineNo: number;
  componentCode: string;
  /** Human, English: 'Volume charge, next 7,000 gal (3,000–10,000)'. */
  description: string;
  /** Exact decimal: '4500', '1548.387', '15' (days), '111.84' (dollars taxed). */
  quantity: string;
  /** 'gal', 'kWh', 'therm', 'period', 'day' (a prorated fixed charge) or 'USD' (a tax base). */
  unit: string;
  /** As in the tariff: '5.25', '18.50', '6' (percent). */
  rate: string;
  /** amountCents = roundHalfUp(quantity × rate ÷ ratePer): '1000', '1', '30' (days), '100' (percent). */
  ratePer: string;
  /** Integer cents. */
  amountCents: number;
  tariffSchedule: string;
  /** The version's effectiveFrom. */
  tariffVersion: string;
  /** The part of the service period the line prices, [periodFrom, periodTo). */
  periodFrom: string;
  periodTo: string;
  /** 1-based block of a volumetric charge. */
  block?: number;
  /** The season whose rate the line charges. */
  season?: string;
  /** 'YYYY-MM' whose rider rate the line charges. */
  riderMonth?: string;
}

/** A rated line as the bill stores it: line `lineNo` of the bill, for the meter it was rated from. */
export interface StoredBillLine<S extends string = string> {
  lineNo: number;
  service: S;
  component: string;
  description: string;
  quantity: string;
  unit: string;
  rate: string;
  ratePer: string;
  amountCents: bigint;
  tariffSchedule: string;
  tariffVersion: string | null;
  periodFrom: string;
  periodTo: string;
  meterId: string;
}

/** The stored form of a rated line (the bill cycle's rating and a final bill both store lines so). */
export function storedBillLine<S extends string>(
  l: BillLine,
  lineNo: number,
  service: S,
  meterId: string,
): StoredBillLine<S> {
  return {
    lineNo,
    service,
    component: l.componentCode,
    description: l.description,
    quantity: l.quantity,
    unit: l.unit,
    rate: l.rate,
    ratePer: l.ratePer,
    amountCents: BigInt(l.amountCents),
    tariffSchedule: l.tariffSchedule,
    tariffVersion: l.tariffVersion,
    periodFrom: l.periodFrom,
    periodTo: l.periodTo,
    meterId,
  };
}

export interface RatingResult {
  schedule: string;
  accountClass: AccountClass;
  periodFrom: string;
  periodTo: string;
  daysOfService: number;
  billingPeriodDays: number;
  /** Use as given, exact. */
  usage: string;
  unit: BillingUnit;
  lines: BillLine[];
  /** Sum of the lines' amountCents. */
  totalCents: number;
}

const UNIT_LABEL: Record<BillingUnit, string> = { GAL: 'gal', KWH: 'kWh', THERM: 'therm' };

type LineDraft = Omit<BillLine, 'lineNo'>;

interface Part {
  from: number;
  to: number;
  days: number;
  version: ScheduleVersion;
  usage: Decimal;
}

interface Context {
  schedule: TariffSchedule;
  riders: readonly Rider[];
  periodDays: number;
  meterSize: string | null;
  /** 'YYYY-MM' of the last day of service. */
  billingMonth: string;
  unit: string;
}

function invalid(message: string, field: string): RatingError {
  return new RatingError('INVALID_INPUT', message, { field });
}

function toCentsNumber(cents: bigint): number {
  const n = Number(cents);
  if (!Number.isSafeInteger(n))
    throw invalid(`An amount of ${formatCents(cents)} is too large to bill`, 'usage');
  return n;
}

/** A quantity as a line shows it: exact, or rounded to QUANTITY_PLACES when it has more places. */
export function shownQuantity(d: Decimal): string {
  const places = d.decimalPlaces();
  return places !== null && places <= QUANTITY_PLACES
    ? d.toString()
    : d.roundHalfUp(QUANTITY_PLACES).toString();
}

/** '1,548.387' for 1548.387 (or for 48,000 ÷ 31 = 1,548.3870…): a limit in a line's description. */
function grouped(d: Decimal): string {
  const [whole = '', fraction] = d.roundHalfUp(LABEL_PLACES).toString().split('.');
  const g = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? g : `${g}.${fraction}`;
}

/**
 * Splits `total` in proportion to `days`, exactly: part k = total × daysₖ ÷ Σdays. The parts add up
 * to `total`, and none is negative when total is not.
 */
export function splitByDays(total: Decimal, days: readonly number[]): Decimal[] {
  if (days.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new RangeError('Days must be whole and not negative');
  const all = days.reduce((a, b) => a + b, 0);
  if (all <= 0) throw new RangeError('Cannot split over zero days');
  return days.map((d) => total.mul(Decimal.fraction(BigInt(d), BigInt(all))));
}

/** The schedule's versions cut at their effective dates across [from, to). */
function versionParts(schedule: TariffSchedule, from: number, to: number): Omit<Part, 'usage'>[] {
  const versions = [...schedule.versions]
    .map((version) => ({ version, start: dayNumber(version.effectiveFrom) }))
    .sort((a, b) => a.start - b.start);
  const first = versions.filter((v) => v.start <= from).pop();
  if (!first) {
    const earliest = versions[0]?.version.effectiveFrom ?? 'none';
    throw new RatingError(
      'NO_TARIFF_VERSION',
      `Schedule ${schedule.code} has no version in effect on ${isoDate(from)} (the earliest takes effect ${earliest})`,
      { schedule: schedule.code, date: isoDate(from) },
    );
  }
  const starts = [first, ...versions.filter((v) => v.start > from && v.start < to)];
  return starts.map((v, i) => {
    const partFrom = Math.max(v.start, from);
    const partTo = starts[i + 1]?.start ?? to;
    return { from: partFrom, to: partTo, days: partTo - partFrom, version: v.version };
  });
}

function pricedLine(
  fields: Omit<LineDraft, 'amountCents' | 'quantity'>,
  quantity: Decimal,
  quantityText: string = shownQuantity(quantity),
): LineDraft {
  const amount = quantity.mul(Decimal.parse(fields.rate)).div(Decimal.parse(fields.ratePer));
  return {
    componentCode: fields.componentCode,
    description: fields.description,
    quantity: quantityText,
    unit: fields.unit,
    rate: fields.rate,
    ratePer: fields.ratePer,
    amountCents: toCentsNumber(roundHalfUpToCents(amount)),
    tariffSchedule: fields.tariffSchedule,
    tariffVersion: fields.tariffVersion,
    periodFrom: fields.periodFrom,
    periodTo: fields.periodTo,
    ...(fields.block !== undefined ? { block: fields.block } : {}),
    ...(fields.season !== undefined ? { season: fields.season } : {}),
    ...(fields.riderMonth !== undefined ? { riderMonth: fields.riderMonth } : {}),
  };
}

/** The fixed charge's amount per full period, for the meter where it is priced by size. */
function fixedAmount(c: FixedCharge, ctx: Context): { amount: string; label: string } {
  if (c.amount !== undefined) return { amount: c.amount, label: c.description };
  const sizes = c.byMeterSize ?? {};
  const priced = Object.keys(sizes).join(', ');
  if (!ctx.meterSize) {
    throw new RatingError(
      'METER_SIZE_NOT_PRICED',
      `Schedule ${ctx.schedule.code} prices its ${c.description.toLowerCase()} by meter size; give the meter size (${priced})`,
      { schedule: ctx.schedule.code, component: c.code },
    );
  }
  const amount = Object.hasOwn(sizes, ctx.meterSize) ? sizes[ctx.meterSize] : undefined;
  if (amount === undefined) {
    throw new RatingError(
      'METER_SIZE_NOT_PRICED',
      `Schedule ${ctx.schedule.code} has no ${c.description.toLowerCase()} for a ${ctx.meterSize} meter (priced: ${priced})`,
      { schedule: ctx.schedule.code, component: c.code, meterSize: ctx.meterSize },
    );
  }
  return { amount, label: `${c.description}, ${ctx.meterSize} meter` };
}

function riderRate(rider: Rider, month: string): string {
  const rate = Object.hasOwn(rider.ratesByMonth, month) ? rider.ratesByMonth[month] : undefined;
  if (rate === undefined) {
    throw new RatingError(
      'RIDER_RATE_MISSING',
      `Rider ${rider.code} (${rider.name}) has no rate for ${monthLabel(month)} (${month}); set it before billing`,
      { rider: rider.code, month },
    );
  }
  return rate;
}

class PartRater {
  readonly lines: LineDraft[] = [];
  private readonly factor: Decimal;
  private readonly partial: boolean;
  private readonly daysNote: string;

  constructor(
    private readonly ctx: Context,
    private readonly part: Part,
  ) {
    this.factor = Decimal.fraction(BigInt(part.days), BigInt(ctx.periodDays));
    this.partial = part.days !== ctx.periodDays;
    this.daysNote = `${part.days}/${ctx.periodDays} days`;
  }

  private stamp(from = this.part.from, to = this.part.to) {
    return {
      tariffSchedule: this.ctx.schedule.code,
      tariffVersion: this.part.version.effectiveFrom,
      periodFrom: isoDate(from),
      periodTo: isoDate(to),
    };
  }

  /** A per-period limit for this part: limit × d ÷ P, exactly. */
  private prorated(limit: string): Decimal {
    return Decimal.parse(limit).mul(this.factor);
  }

  private sumOf(codes: readonly string[]): bigint {
    return this.lines
      .filter((l) => codes.includes(l.componentCode))
      .reduce((sum, l) => sum + BigInt(l.amountCents), 0n);
  }

  fixed(c: FixedCharge): void {
    const { amount, label } = fixedAmount(c, this.ctx);
    const common = { componentCode: c.code, rate: amount, ...this.stamp() };
    this.lines.push(
      this.partial
        ? pricedLine(
            {
              ...common,
              description: `${label}, ${this.part.days} of ${this.ctx.periodDays} days`,
              unit: 'day',
              ratePer: String(this.ctx.periodDays),
            },
            Decimal.from(this.part.days),
          )
        : pricedLine({ ...common, description: label, unit: 'period', ratePer: '1' }, Decimal.ONE),
    );
  }

  volumetric(c: VolumetricCharge): void {
    const { ctx, part } = this;
    const cap = c.cap === undefined ? null : this.prorated(c.cap);
    const capped = cap !== null && part.usage.gt(cap);
    const billed = capped ? cap : part.usage;
    let capNote = '';
    if (capped && c.cap !== undefined) {
      capNote = `, use capped at ${grouped(cap)} ${ctx.unit}`;
      if (this.partial)
        capNote += ` (${grouped(Decimal.parse(c.cap))} ${ctx.unit} prorated ${this.daysNote})`;
    }
    const blockNote = this.partial && c.blocks.length > 1 ? `, blocks prorated ${this.daysNote}` : '';

    let lower = Decimal.ZERO;
    const blocks = c.blocks.map((block, i) => {
      const upper = block.upTo === null ? null : this.prorated(block.upTo);
      let quantity = billed.sub(lower);
      if (upper !== null) quantity = Decimal.min(quantity, upper.sub(lower));
      quantity = Decimal.max(quantity, Decimal.ZERO);
      const b = { block, n: i + 1, lower, upper, quantity };
      if (upper !== null) lower = upper;
      return b;
    });
    const used = blocks.filter((b) => b.quantity.sign() > 0);
    // No use at all still shows one line at zero, so the bill says what was measured.
    for (const b of used.length > 0 ? used : blocks.slice(0, 1)) {
      let label = '';
      if (c.blocks.length > 1) {
        if (b.n === 1 && b.upper !== null) label = `, first ${grouped(b.upper)} ${ctx.unit}`;
        else if (b.upper === null) label = `, over ${grouped(b.lower)} ${ctx.unit}`;
        else {
          label = `, next ${grouped(b.upper.sub(b.lower))} ${ctx.unit} (${grouped(b.lower)}–${grouped(b.upper)})`;
        }
      }
      const description = `${c.description}${label}${blockNote}${capNote}`;
      const common = {
        componentCode: c.code,
        unit: ctx.unit,
        ratePer: c.ratePer,
        ...(c.blocks.length > 1 ? { block: b.n } : {}),
      };
      for (const s of this.seasonal(b.block.rate, b.block.seasonalRates, b.quantity)) {
        this.lines.push(
          pricedLine(
            {
              ...common,
              description: description + s.label,
              rate: s.rate,
              ...this.stamp(s.from, s.to),
              ...(s.season ? { season: s.season } : {}),
            },
            s.quantity,
          ),
        );
      }
    }
  }

  /**
   * `quantity` at `rate`, split by days across the part's seasons that have their own rate: one
   * piece per run of days at one rate (a single piece over the whole part when nothing changes).
   */
  private seasonal(
    rate: string,
    seasonalRates: Readonly<Record<string, string>> | undefined,
    quantity: Decimal,
  ): { rate: string; quantity: Decimal; season: string | null; label: string; from: number; to: number }[] {
    const { part } = this;
    const rates = seasonalRates ?? {};
    const seasons = (part.version.seasons ?? []).filter((s) => Object.hasOwn(rates, s.code));
    if (seasons.length === 0)
      return [{ rate, quantity, season: null, label: '', from: part.from, to: part.to }];
    const runs = runsBy(part.from, part.to, (iso) => {
      const md = iso.slice(5);
      return seasons.find((s) => inMonthDayRange(md, s.from, s.to)) ?? null;
    });
    const quantities = splitByDays(
      quantity,
      runs.map((r) => r.to - r.from),
    );
    const split = runs.length > 1;
    const pieces = runs.map((run, i) => ({
      rate: (run.key && rates[run.key.code]) ?? rate,
      quantity: quantities[i] ?? Decimal.ZERO,
      season: run.key?.code ?? null,
      label: run.key ? `, ${run.key.name.toLowerCase()} rate` : split ? ', standard rate' : '',
      from: split ? run.from : part.from,
      to: split ? run.to : part.to,
    }));
    const priced = pieces.filter((piece) => !piece.quantity.isZero());
    if (!split) return pieces;
    // Nothing to split (no use in this block): one zero line over the part at the standard rate.
    return priced.length > 0
      ? priced
      : [{ rate, quantity, season: null, label: '', from: part.from, to: part.to }];
  }

  rider(c: RiderCharge): void {
    const { ctx, part } = this;
    const rider = ctx.riders.find((r) => r.code === c.rider);
    if (!rider)
      throw new RatingError('INVALID_TARIFF', `Rider ${c.rider} is not defined`, { rider: c.rider });
    const months =
      rider.basis === 'BILLING_MONTH'
        ? [{ from: part.from, to: part.to, key: ctx.billingMonth }]
        : runsBy(part.from, part.to, (iso) => iso.slice(0, 7));
    const rates = months.map((m) => riderRate(rider, m.key));
    const quantities = splitByDays(
      part.usage,
      months.map((m) => m.to - m.from),
    );
    months.forEach((m, i) => {
      this.lines.push(
        pricedLine(
          {
            componentCode: c.code,
            description: `${rider.name}, ${monthLabel(m.key)}`,
            unit: UNIT_LABEL[rider.unit],
            rate: rates[i] ?? '',
            ratePer: rider.ratePer,
            riderMonth: m.key,
            ...this.stamp(m.from, m.to),
          },
          quantities[i] ?? Decimal.ZERO,
        ),
      );
    });
  }

  tax(c: PercentageTax): void {
    const base = this.sumOf(c.over);
    this.lines.push(
      pricedLine(
        {
          componentCode: c.code,
          description: `${c.description}, ${c.percent}% of $${formatCents(base)}`,
          unit: 'USD',
          rate: c.percent,
          ratePer: '100',
          ...this.stamp(),
        },
        centsToDollars(base),
        formatCents(base),
      ),
    );
  }

  minimum(c: MinimumBill): void {
    const minimum = roundHalfUpToCents(Decimal.parse(c.amount).mul(this.factor));
    const shortfall = minimum - this.sumOf(c.over);
    if (shortfall <= 0n) return;
    const prorated = this.partial ? ` (${this.daysNote})` : '';
    this.lines.push(
      pricedLine(
        {
          componentCode: c.code,
          description: `${c.description}, up to the minimum of $${formatCents(minimum)}${prorated}`,
          unit: 'period',
          rate: formatCents(shortfall),
          ratePer: '1',
          ...this.stamp(),
        },
        Decimal.ONE,
      ),
    );
  }
}

function ratePart(ctx: Context, part: Part): LineDraft[] {
  const rater = new PartRater(ctx, part);
  for (const c of part.version.components) {
    switch (c.kind) {
      case 'FIXED':
        rater.fixed(c);
        break;
      case 'VOLUMETRIC':
        rater.volumetric(c);
        break;
      case 'RIDER':
        rater.rider(c);
        break;
      case 'TAX':
        rater.tax(c);
        break;
      case 'MINIMUM':
        rater.minimum(c);
        break;
    }
  }
  return rater.lines;
}

/** Prices one service's use over one service period. Throws RatingError. */
export function rateService(input: RatingInput): RatingResult {
  const { schedule } = input;
  const riders = input.riders ?? [];
  const problems = scheduleProblems(schedule, riders);
  if (problems.length > 0) {
    throw new RatingError(
      'INVALID_TARIFF',
      `Schedule ${schedule.code} cannot be used: ${problems.join('; ')}`,
      {
        schedule: schedule.code,
      },
    );
  }
  for (const field of ['from', 'to'] as const) {
    if (!isIsoDate(input.period[field])) {
      throw invalid(
        `period.${field} must be an ISO date (YYYY-MM-DD), not '${input.period[field]}'`,
        `period.${field}`,
      );
    }
  }
  const from = dayNumber(input.period.from);
  const to = dayNumber(input.period.to);
  const daysOfService = to - from;
  if (daysOfService <= 0) {
    throw invalid(`The service period ${input.period.from} → ${input.period.to} has no days`, 'period');
  }
  const periodDays = input.billingPeriodDays ?? daysOfService;
  if (!Number.isSafeInteger(periodDays) || periodDays < daysOfService) {
    throw invalid(
      `billingPeriodDays must be a whole number of days, at least the ${daysOfService} days of service`,
      'billingPeriodDays',
    );
  }
  if (!schedule.accountClasses.includes(input.accountClass)) {
    throw new RatingError(
      'CLASS_NOT_ELIGIBLE',
      `Schedule ${schedule.code} (${schedule.name}) is not open to ${input.accountClass} accounts`,
      { schedule: schedule.code, accountClass: input.accountClass },
    );
  }
  let usage: Decimal;
  try {
    usage = Decimal.from(input.usage);
  } catch {
    throw invalid(`Usage must be a decimal number, not '${String(input.usage)}'`, 'usage');
  }
  // Any exact amount, a share without a finite decimal expansion included (two months of use split
  // by days, domain/billing/monthly-parts.ts): lines show such a quantity rounded, never price it so.
  if (usage.sign() < 0) {
    throw invalid(`Usage must not be negative, not ${usage.toString()}`, 'usage');
  }

  const ctx: Context = {
    schedule,
    riders,
    periodDays,
    meterSize: input.meterSize ?? null,
    billingMonth: isoDate(to - 1).slice(0, 7),
    unit: UNIT_LABEL[schedule.unit],
  };
  const cuts = versionParts(schedule, from, to);
  const shares = splitByDays(
    usage,
    cuts.map((c) => c.days),
  );
  const drafts = cuts.flatMap((cut, i) => ratePart(ctx, { ...cut, usage: shares[i] ?? Decimal.ZERO }));
  const lines = drafts.map((d, i) => ({ lineNo: i + 1, ...d }));
  return {
    schedule: schedule.code,
    accountClass: input.accountClass,
    periodFrom: input.period.from,
    periodTo: input.period.to,
    daysOfService,
    billingPeriodDays: periodDays,
    usage: usage.toString(),
    unit: schedule.unit,
    lines,
    totalCents: toCentsNumber(lines.reduce((sum, l) => sum + BigInt(l.amountCents), 0n)),
  };
}

export interface RegisterUsage {
  /** Register advance over the period, in register units (rollover already resolved). */
  registerDelta: bigint;
  /** Register units to billing units: 10 for a register counting tens of gallons, 40 for a 40× CT. */
  multiplier: number | bigint;
  readUnit: ReadUnit;
}

/** The unit a register's use is billed in: cubic feet bill in gallons. */
export function billingUnitOf(readUnit: ReadUnit): BillingUnit {
  return readUnit === 'CUBIC_FEET' ? 'GAL' : readUnit;
}

/**
 * Register counts to billing units, exactly: GAL × multiplier; CUBIC_FEET × multiplier × 7.48052
 * gallons; KWH × multiplier; THERM × multiplier.
 */
export function meterUsage(m: RegisterUsage): Decimal {
  if (m.registerDelta < 0n) {
    throw invalid(
      'A register delta cannot be negative; resolve rollovers and meter exchanges first',
      'registerDelta',
    );
  }
  if (typeof m.multiplier === 'number' && !Number.isSafeInteger(m.multiplier)) {
    throw invalid(`A meter multiplier must be a whole number, not ${m.multiplier}`, 'multiplier');
  }
  const multiplier = Decimal.from(m.multiplier);
  if (multiplier.sign() <= 0)
    throw invalid(`A meter multiplier must be positive, not ${m.multiplier}`, 'multiplier');
  const units = Decimal.from(m.registerDelta).mul(multiplier);
  switch (m.readUnit) {
    case 'CUBIC_FEET':
      return units.mul(Decimal.parse(GALLONS_PER_CUBIC_FOOT));
    case 'GAL':
    case 'KWH':
    case 'THERM':
      return units;
    default: {
      const unit: string = m.readUnit;
      throw invalid(`Unknown read unit ${unit}`, 'readUnit');
    }
  }
}
