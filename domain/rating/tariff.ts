// Tariffs as effective-dated data. Everything here is a plain JSON value — numbers that are money,
// rates or quantities are decimal strings, dates are ISO strings — so a tariff can be stored in
// Postgres as it is and read back without conversion. The rules that interpret it are in rate.ts.
//
// A tariff holds schedules (W-1, E-1, …); a schedule holds versions, each complete in itself and in
// force from its effectiveFrom date until the next version's; a version is an ordered list of
// components, and the bill lines follow that order. Riders (the power cost adjustment) carry a rate
// per calendar month, set by the utility board outside the ordinance, so they live beside the
// schedules and a schedule component only names them.

import { isIsoDate, isMonthDay, isYearMonth } from './calendar';
import { Decimal } from '../decimal';

// Value sets mirror the Prisma enums (prisma/schema.prisma); the domain does not import Prisma.
export type AccountClass = 'RES' | 'COM';
export type ServiceKind = 'WATER' | 'ELECTRIC' | 'GAS' | 'SEWER';
export type ReadUnit = 'GAL' | 'CUBIC_FEET' | 'KWH' | 'THERM';
/** The unit usage is billed in; cubic-foot registers bill in gallons. */
export type BillingUnit = 'GAL' | 'KWH' | 'THERM';

/** A decimal number as text: '18.50', '0.0123', '7.48052'. */
export type DecimalText = string;
/** 'YYYY-MM-DD'. */
export type IsoDate = string;

/** A named part of the year, by inclusive month-day bounds; may wrap the year ('11-01'..'03-31'). */
export interface Season {
  code: string;
  /** 'Summer'. */
  name: string;
  /** 'MM-DD', first day of the season. */
  from: string;
  /** 'MM-DD', last day of the season (inclusive). */
  to: string;
}

/** A base or customer charge per period: one amount, or an amount by meter size. */
export interface FixedCharge {
  kind: 'FIXED';
  code: string;
  description: string;
  /** Dollars per full period, whatever the meter. */
  amount?: DecimalText;
  /** Dollars per full period keyed by meter size as stamped ('5/8"', '1"', '2"'). */
  byMeterSize?: Readonly<Record<string, DecimalText>>;
}

/** One block of a volumetric charge: from the previous block's limit up to `upTo` (null: no limit). */
export interface Block {
  upTo: DecimalText | null;
  /** Dollars per `ratePer` units. */
  rate: DecimalText;
  /** The rate during a season, by season code; days outside these seasons pay `rate`. */
  seasonalRates?: Readonly<Record<string, DecimalText>>;
}

/** A charge on the period's use, in inclining blocks (one unlimited block when flat). */
export interface VolumetricCharge {
  kind: 'VOLUMETRIC';
  code: string;
  description: string;
  /** Units the rate is quoted per: '1000' for a rate per 1,000 gallons, '1' for a rate per kWh. */
  ratePer: DecimalText;
  /** Ascending by upTo; only the last block has upTo null. Limits are per full period. */
  blocks: readonly Block[];
  /** Most use billed per full period (the residential sewer cap). */
  cap?: DecimalText;
}

/** A charge on all of the period's use at a rider's monthly rate. */
export interface RiderCharge {
  kind: 'RIDER';
  code: string;
  /** The rider's code in Tariff.riders. */
  rider: string;
}

/** A percentage of the amounts of the named earlier components (lines 1–3 of E-1). */
export interface PercentageTax {
  kind: 'TAX';
  code: string;
  description: string;
  /** '6' for 6%. */
  percent: DecimalText;
  /** Component codes, each earlier in the same version. */
  over: readonly string[];
}

/** Tops the named earlier components up to a minimum amount per full period. */
export interface MinimumBill {
  kind: 'MINIMUM';
  code: string;
  description: string;
  amount: DecimalText;
  over: readonly string[];
}

export type TariffComponent = FixedCharge | VolumetricCharge | RiderCharge | PercentageTax | MinimumBill;

export interface ScheduleVersion {
  /** In force for service rendered on and after this date, until the next version's date. */
  effectiveFrom: IsoDate;
  /** The ordinance or board action that set it. */
  reference?: string;
  seasons?: readonly Season[];
  components: readonly TariffComponent[];
}

export interface TariffSchedule {
  /** 'W-1'. */
  code: string;
  name: string;
  service: ServiceKind;
  /** The unit usage is billed in. */
  unit: BillingUnit;
  /** The account classes the schedule is open to. */
  accountClasses: readonly AccountClass[];
  versions: readonly ScheduleVersion[];
}

/**
 * Which calendar month's rate a rider charges:
 * - BILLING_MONTH: the month of the last day of service of the bill (a 2026-10-02 → 2026-11-02
 *   bill, whose last day of service is 2026-11-01, pays November's rate on all its use);
 * - CALENDAR_DAYS: use is split across the calendar months of the period in proportion to days,
 *   each part at its month's rate.
 */
export type RiderMonthBasis = 'BILLING_MONTH' | 'CALENDAR_DAYS';

export interface Rider {
  code: string;
  /** 'Power cost adjustment'. */
  name: string;
  unit: BillingUnit;
  ratePer: DecimalText;
  basis: RiderMonthBasis;
  /** Dollars per ratePer units, by 'YYYY-MM'. A month that is missing cannot be billed. */
  ratesByMonth: Readonly<Record<string, DecimalText>>;
}

/** Which schedules an account of a class takes for a service. */
export interface Applicability {
  accountClass: AccountClass;
  service: ServiceKind;
  schedules: readonly string[];
}

export interface Tariff {
  utility: string;
  schedules: readonly TariffSchedule[];
  riders: readonly Rider[];
  applicability: readonly Applicability[];
}

export function findSchedule(tariff: Tariff, code: string): TariffSchedule {
  const s = tariff.schedules.find((x) => x.code === code);
  if (!s) throw new RangeError(`${tariff.utility} has no rate schedule ${code}`);
  return s;
}

/** The schedules that apply to an account of `accountClass` taking `service` (RES + WATER → W-1). */
export function schedulesFor(
  tariff: Tariff,
  accountClass: AccountClass,
  service: ServiceKind,
): TariffSchedule[] {
  const rule = tariff.applicability.find((a) => a.accountClass === accountClass && a.service === service);
  if (!rule || rule.schedules.length === 0) {
    throw new RangeError(`${tariff.utility} has no rate schedule for ${accountClass} ${service} service`);
  }
  return rule.schedules.map((code) => findSchedule(tariff, code));
}

/** A copy of the tariff with more (or corrected) monthly rates for a rider. */
export function withRiderRates(
  tariff: Tariff,
  riderCode: string,
  rates: Readonly<Record<string, DecimalText>>,
): Tariff {
  if (!tariff.riders.some((r) => r.code === riderCode)) {
    throw new RangeError(`${tariff.utility} has no rider ${riderCode}`);
  }
  return {
    ...tariff,
    riders: tariff.riders.map((r) =>
      r.code === riderCode ? { ...r, ratesByMonth: { ...r.ratesByMonth, ...rates } } : r,
    ),
  };
}

// ---- validation: data from a database is checked before it prices anything ----

function nonNegative(text: unknown): boolean {
  return typeof text === 'string' && Decimal.isDecimalText(text) && Decimal.parse(text).sign() >= 0;
}

function positive(text: unknown): boolean {
  return nonNegative(text) && Decimal.parse(text as string).sign() > 0;
}

function versionProblems(
  where: string,
  v: ScheduleVersion,
  riders: readonly Rider[],
  unit: BillingUnit,
): string[] {
  const problems: string[] = [];
  const seasons = v.seasons ?? [];
  const seasonCodes = new Set<string>();
  for (const s of seasons) {
    if (seasonCodes.has(s.code)) problems.push(`${where}: season ${s.code} is defined twice`);
    seasonCodes.add(s.code);
    if (!isMonthDay(s.from) || !isMonthDay(s.to)) {
      problems.push(`${where}: season ${s.code} bounds must be MM-DD, not ${s.from}..${s.to}`);
    }
  }
  if (v.components.length === 0) problems.push(`${where}: has no components`);
  const earlier = new Set<string>();
  for (const c of v.components) {
    const at = `${where} ${c.code || '(no code)'}`;
    if (!c.code) problems.push(`${at}: a component needs a code`);
    if (earlier.has(c.code)) problems.push(`${at}: component code is used twice`);
    switch (c.kind) {
      case 'FIXED': {
        if ((c.amount === undefined) === (c.byMeterSize === undefined)) {
          problems.push(`${at}: give either amount or byMeterSize`);
        }
        if (c.amount !== undefined && !nonNegative(c.amount)) problems.push(`${at}: bad amount ${c.amount}`);
        for (const [size, amount] of Object.entries(c.byMeterSize ?? {})) {
          if (!nonNegative(amount)) problems.push(`${at}: bad amount ${amount} for ${size} meters`);
        }
        break;
      }
      case 'VOLUMETRIC': {
        if (!positive(c.ratePer)) problems.push(`${at}: bad ratePer ${c.ratePer}`);
        if (c.cap !== undefined && !positive(c.cap)) problems.push(`${at}: bad cap ${c.cap}`);
        if (c.blocks.length === 0) problems.push(`${at}: needs at least one block`);
        let previous = Decimal.ZERO;
        c.blocks.forEach((b, i) => {
          const last = i === c.blocks.length - 1;
          if (b.upTo === null) {
            if (!last) problems.push(`${at}: only the last block may be unlimited`);
          } else if (last) {
            problems.push(`${at}: the last block must be unlimited (upTo null)`);
          } else if (!positive(b.upTo) || Decimal.parse(b.upTo).lte(previous)) {
            problems.push(`${at}: block limits must increase, ${b.upTo} does not`);
          } else {
            previous = Decimal.parse(b.upTo);
          }
          if (!nonNegative(b.rate)) problems.push(`${at}: bad rate ${b.rate}`);
          for (const [season, rate] of Object.entries(b.seasonalRates ?? {})) {
            if (!seasonCodes.has(season)) problems.push(`${at}: season ${season} is not defined`);
            if (!nonNegative(rate)) problems.push(`${at}: bad ${season} rate ${rate}`);
          }
        });
        break;
      }
      case 'RIDER': {
        const rider = riders.find((r) => r.code === c.rider);
        if (!rider) problems.push(`${at}: rider ${c.rider} is not defined`);
        else if (rider.unit !== unit)
          problems.push(`${at}: rider ${c.rider} is in ${rider.unit}, not ${unit}`);
        break;
      }
      case 'TAX':
      case 'MINIMUM': {
        if (c.kind === 'TAX' && !nonNegative(c.percent)) problems.push(`${at}: bad percent ${c.percent}`);
        if (c.kind === 'MINIMUM' && !nonNegative(c.amount)) problems.push(`${at}: bad amount ${c.amount}`);
        if (c.over.length === 0) problems.push(`${at}: names no components`);
        for (const code of c.over) {
          if (!earlier.has(code)) problems.push(`${at}: ${code} is not an earlier component`);
        }
        break;
      }
      default: {
        const unknown: { kind?: unknown } = c;
        problems.push(`${at}: unknown component kind ${String(unknown.kind)}`);
      }
    }
    earlier.add(c.code);
  }
  return problems;
}

export function riderProblems(r: Rider): string[] {
  const problems: string[] = [];
  const at = `rider ${r.code}`;
  if (r.basis !== 'BILLING_MONTH' && r.basis !== 'CALENDAR_DAYS')
    problems.push(`${at}: bad basis ${r.basis}`);
  if (!positive(r.ratePer)) problems.push(`${at}: bad ratePer ${r.ratePer}`);
  for (const [month, rate] of Object.entries(r.ratesByMonth)) {
    if (!isYearMonth(month)) problems.push(`${at}: month ${month} is not YYYY-MM`);
    if (typeof rate !== 'string' || !Decimal.isDecimalText(rate))
      problems.push(`${at}: bad rate ${rate} for ${month}`);
  }
  return problems;
}

/** What is wrong with a schedule (empty when it can be used); riders are those it may name. */
export function scheduleProblems(s: TariffSchedule, riders: readonly Rider[] = []): string[] {
  const problems: string[] = [];
  if (s.versions.length === 0) problems.push(`${s.code}: has no versions`);
  if (s.accountClasses.length === 0) problems.push(`${s.code}: is open to no account class`);
  const dates = new Set<string>();
  for (const v of s.versions) {
    const where = `${s.code} ${v.effectiveFrom}`;
    if (!isIsoDate(v.effectiveFrom)) problems.push(`${where}: effectiveFrom is not an ISO date`);
    if (dates.has(v.effectiveFrom)) problems.push(`${where}: two versions take effect on the same date`);
    dates.add(v.effectiveFrom);
    problems.push(...versionProblems(where, v, riders, s.unit));
  }
  return problems;
}

/** What is wrong with a whole tariff (empty when it can be used). */
export function tariffProblems(t: Tariff): string[] {
  const problems: string[] = [];
  const codes = new Set<string>();
  for (const s of t.schedules) {
    if (codes.has(s.code)) problems.push(`${s.code}: schedule code is used twice`);
    codes.add(s.code);
    problems.push(...scheduleProblems(s, t.riders));
  }
  for (const r of t.riders) problems.push(...riderProblems(r));
  for (const a of t.applicability) {
    for (const code of a.schedules) {
      const s = t.schedules.find((x) => x.code === code);
      if (!s) problems.push(`${a.accountClass} ${a.service}: schedule ${code} is not defined`);
      else if (!s.accountClasses.includes(a.accountClass)) {
        problems.push(`${a.accountClass} ${a.service}: schedule ${code} is not open to ${a.accountClass}`);
      }
    }
  }
  return problems;
}
