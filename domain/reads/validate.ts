// VEE, the "V": validation of a billing-read file against the meter master, the previous valid
// reads and each premise's usual use. Every meter expected in the run and every meter that
// appears in the file gets one result: valid (with its consumption) or an exception carrying
// typed reason codes and a sentence a billing clerk can act on. Pure: the clock, the windows,
// the history and the thresholds are all arguments.

import { baselineFor, unitLabel, type Baseline, type ClassAverage, type PeriodUse } from './baseline';
import { compare, mul, parseDecimal, ratio, rateRatio, type DailyRate, type Ratio } from './ratio';
import { calendarDaysBetween, parseLocalDateTime, type LocalDateTime } from './time';

export const READ_UNITS = ['GAL', 'CUBIC_FEET', 'KWH', 'THERM'] as const;
export type ReadUnit = (typeof READ_UNITS)[number];
export type ServiceKind = 'WATER' | 'ELECTRIC' | 'GAS' | 'SEWER';

/** Flags the head-end export may carry in its Flags column. */
export const KNOWN_FLAGS = ['NO_READ', 'TAMPER'] as const;

export const REASON_CODES = [
  /** No usable read: flagged NO_READ, an empty value, or no row at all for an expected meter. */
  'NO_READ',
  /** The Read column is not a whole number (e.g. "ERR"). */
  'NON_NUMERIC',
  /** The meter id is not in the meter master. */
  'UNKNOWN_METER',
  /** The meter appears more than once in its window (identical copies, or conflicting reads). */
  'DUPLICATE',
  /** The read is dated outside its cycle's read window. */
  'OUTSIDE_WINDOW',
  /** The register went backwards and a rollover would be implausible. */
  'NEGATIVE_CONSUMPTION',
  /** Use above highFactor × the baseline for the days read. */
  'HIGH_USE',
  /** Use below lowFactor × the baseline (but above zero). */
  'LOW_USE',
  /** No use at all on an active meter. */
  'ZERO_USE_ACTIVE',
  /** The head-end flagged tampering. */
  'TAMPER',
  /** The read's unit is not the meter's unit. */
  'UNIT_MISMATCH',
  /** The read time is not a valid local timestamp. */
  'INVALID_READ_TIME',
  /** The read has more digits than the register has dials. */
  'EXCEEDS_DIALS',
  /** The read names a different account from the one the meter is on. */
  'ACCOUNT_MISMATCH',
  /** There is no previous valid read to take a difference from. */
  'NO_PREVIOUS_READ',
  /** The read is not later than the previous valid read. */
  'READ_NOT_AFTER_PREVIOUS',
  /** Use registered on a meter that is not active (vacant premise, stopped service). */
  'USE_ON_INACTIVE',
  /** A flag this code does not know. */
  'UNKNOWN_FLAG',
  /** Informational: the register rolled over at 10^dials; consumption is rollover-corrected. */
  'ROLLOVER',
  /** Informational: no history and no class average, so high/low checks were not made. */
  'NO_BASELINE',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  readonly code: ReasonCode;
  /** 'exception' holds the meter for review; 'info' is noted but the read stands. */
  readonly severity: 'exception' | 'info';
  readonly message: string;
  /** Source line(s) of the read(s) concerned. */
  readonly lines?: readonly number[];
}

export interface ReadWindow {
  /** Bill cycle this window is for (matches MeterMaster.cycle). */
  readonly cycle: string;
  /** Billing period label, e.g. "2026-11". */
  readonly period: string;
  /** Inclusive local timestamps; a date-only `to` covers that whole day. */
  readonly from: string;
  readonly to: string;
}

export interface MeterMaster {
  readonly meterId: string;
  /** The account the meter serves (for results and the account cross-check). */
  readonly accountId: string;
  readonly cycle: string;
  readonly service: ServiceKind;
  readonly readUnit: ReadUnit;
  /** Register width: the register rolls over at 10^dials. */
  readonly dials: number;
  /** Register units → billing units. */
  readonly multiplier: number;
  /** Active service: zero use is suspect, any use on an inactive meter is. */
  readonly active: boolean;
  /** Key into ValidateInput.classAverages, e.g. "RES-WATER-GAL". */
  readonly usageClass?: string;
}

/** One incoming read as the file has it: the strings, unconverted. */
export interface IncomingRead {
  /** Source line (for messages). */
  readonly line: number;
  readonly accountId: string;
  readonly meterId: string;
  readonly readUnit: string;
  /** Register reading as text; may be empty (NO_READ) or garbage (NON_NUMERIC). */
  readonly read: string;
  /** Local timestamp "YYYY-MM-DDTHH:MM:SS". */
  readonly readTime: string;
  /** Flags column, e.g. "" | "NO_READ" | "TAMPER" (several may be separated by ; | or space). */
  readonly flags: string;
}

/** The last valid actual read of a meter: the start of the period being validated. */
export interface PreviousRead {
  readonly read: number;
  readonly readTime: string;
}

export interface VeeConfig {
  /** HIGH_USE when usage > highFactor × baseline × days. Decimal text, e.g. "3". */
  readonly highFactor: string;
  /** LOW_USE when 0 < usage < lowFactor × baseline × days. Decimal text, e.g. "0.25". */
  readonly lowFactor: string;
  /** How many previous actual periods make the premise baseline. */
  readonly historyPeriods: number;
  /**
   * With no baseline, a decrease counts as a rollover only if the corrected delta is at most this
   * share of the register (10^dials). Decimal text, e.g. "0.1".
   */
  readonly rolloverMaxRegisterShare: string;
  /** Identical duplicate rows: noted ('info', the read stands) or held ('exception'). */
  readonly identicalDuplicates: 'info' | 'exception';
}

export const DEFAULT_VEE_CONFIG: VeeConfig = {
  highFactor: '3',
  lowFactor: '0.25',
  historyPeriods: 3,
  rolloverMaxRegisterShare: '0.1',
  identicalDuplicates: 'info',
};

/**
 * Whether a register that reads lower than before can have rolled over once: the use that would
 * mean (`rolloverDelta`, register units) is at most `share` of the register (10^dials), as a
 * register does not turn most of the way round between two reads. The cycle's validation also
 * accepts a larger wrap that fits the premise's baseline; a bill outside the cycle (a final read,
 * an exchange), with no baseline, accepts only this.
 */
export function rolloverWithinShare(
  rolloverDelta: number | bigint,
  dials: number,
  share: Ratio = parseDecimal(DEFAULT_VEE_CONFIG.rolloverMaxRegisterShare),
): boolean {
  return compare(ratio(rolloverDelta), mul(share, ratio(10n ** BigInt(dials)))) <= 0;
}

export interface ValidateInput {
  readonly windows: readonly ReadWindow[];
  readonly meters: readonly MeterMaster[];
  readonly reads: readonly IncomingRead[];
  /** By meter id. */
  readonly previousReads: Readonly<Record<string, PreviousRead>>;
  /** By meter id: the premise's billed periods for this service, any order. */
  readonly history?: Readonly<Record<string, readonly PeriodUse[]>>;
  /** By usage class (MeterMaster.usageClass): the class average daily use in billing units. */
  readonly classAverages?: Readonly<Record<string, DailyRate>>;
  readonly config?: Partial<VeeConfig>;
}

export interface UsedRead {
  readonly line: number;
  readonly value: number;
  readonly readTime: string;
}

export interface MeterResult {
  readonly meterId: string;
  /** From the meter master; from the read for an unknown meter. */
  readonly accountId: string | null;
  readonly status: 'valid' | 'exception';
  /** Register delta (rollover-corrected), in register units; negative for NEGATIVE_CONSUMPTION. */
  readonly consumption: number | null;
  /** consumption × multiplier, in the meter's unit (billing units). */
  readonly usage: number | null;
  /** Calendar days from the previous read to this one. */
  readonly days: number | null;
  readonly read: UsedRead | null;
  readonly previousRead: PreviousRead | null;
  /** What high/low was measured against, when anything. */
  readonly baseline: string | null;
  readonly reasons: readonly Reason[];
}

// ---- helpers ------------------------------------------------------------------------------------

const own = <T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  rec && Object.hasOwn(rec, key) ? rec[key] : undefined;

export function parseFlags(flags: string): string[] {
  return flags
    .split(/[\s;|,]+/)
    .map((f) => f.trim().toUpperCase())
    .filter((f) => f !== '');
}

/**
 * Register delta from `previous` to `current` on a register of `dials` digits. A decrease is
 * returned both as the raw (negative) delta and as the delta if the register rolled over once.
 */
export function registerDelta(
  previous: number,
  current: number,
  dials: number,
): { delta: number; rolloverDelta: number | null } {
  const delta = current - previous;
  return { delta, rolloverDelta: delta < 0 ? 10 ** dials - previous + current : null };
}

function checkMaster(m: MeterMaster): void {
  if (!Number.isInteger(m.dials) || m.dials < 1 || m.dials > 15)
    throw new RangeError(`Meter ${m.meterId}: dials must be an integer 1..15, got ${m.dials}`);
  if (!Number.isSafeInteger(m.multiplier) || m.multiplier < 1)
    throw new RangeError(`Meter ${m.meterId}: multiplier must be a positive integer, got ${m.multiplier}`);
}

interface ParsedWindow {
  readonly w: ReadWindow;
  readonly from: LocalDateTime;
  readonly to: LocalDateTime;
}

function parseWindow(w: ReadWindow): ParsedWindow {
  const from = parseLocalDateTime(w.from);
  const to0 = parseLocalDateTime(w.to);
  if (!from || !to0) throw new RangeError(`Read window for cycle ${w.cycle}: unreadable from/to`);
  const to = to0.dateOnly
    ? { ...to0, seconds: to0.seconds + 86399, text: `${to0.text.slice(0, 10)}T23:59:59` }
    : to0;
  if (to.seconds < from.seconds)
    throw new RangeError(`Read window for cycle ${w.cycle} ends before it starts`);
  return { w, from, to };
}

const describeWindow = (pw: ParsedWindow) =>
  `cycle ${pw.w.cycle} ${pw.w.period} window ${pw.from.text}..${pw.to.text}`;

const sameRead = (a: IncomingRead, b: IncomingRead) =>
  a.accountId === b.accountId &&
  a.readUnit === b.readUnit &&
  a.read === b.read &&
  a.readTime === b.readTime &&
  parseFlags(a.flags).join(';') === parseFlags(b.flags).join(';');

const readText = (r: IncomingRead) => (r.read === '' ? '(empty)' : `"${r.read}"`);

// ---- the validation -----------------------------------------------------------------------------

/**
 * Classifies every meter of the run: the active meters of every cycle in `windows`, plus every
 * meter that appears in `reads`. Results follow the meter master's order, unknown meters last
 * (in the order they first appear).
 */
export function validateReads(input: ValidateInput): MeterResult[] {
  return [...eachMeterResult(input)];
}

/**
 * validateReads one meter at a time, for a caller that writes each result while the next is being
 * judged (a cycle streams them to the database). The input is checked in full (a meter twice in
 * the master is refused) before the first result.
 */
export function* eachMeterResult(input: ValidateInput): Generator<MeterResult, void, undefined> {
  const config: VeeConfig = { ...DEFAULT_VEE_CONFIG, ...input.config };
  const high = parseDecimal(config.highFactor);
  const low = parseDecimal(config.lowFactor);
  const rolloverShare = parseDecimal(config.rolloverMaxRegisterShare);

  const windows = new Map<string, ParsedWindow>();
  for (const w of input.windows) {
    if (windows.has(w.cycle)) throw new RangeError(`Two read windows for cycle ${w.cycle}`);
    windows.set(w.cycle, parseWindow(w));
  }
  const masters = new Map<string, MeterMaster>();
  for (const m of input.meters) {
    checkMaster(m);
    if (masters.has(m.meterId)) throw new RangeError(`Meter ${m.meterId} is twice in the meter master`);
    masters.set(m.meterId, m);
  }
  const readsByMeter = new Map<string, IncomingRead[]>();
  for (const r of input.reads) {
    const list = readsByMeter.get(r.meterId);
    if (list) list.push(r);
    else readsByMeter.set(r.meterId, [r]);
  }

  const ctx: Ctx = { config, high, low, rolloverShare, input };
  for (const m of input.meters) {
    const reads = readsByMeter.get(m.meterId) ?? [];
    const window = windows.get(m.cycle);
    if (!window && reads.length === 0) continue; // not read in this run
    if (window && reads.length === 0 && !m.active) continue; // inactive: no read expected
    yield validateMeter(m, window, reads, ctx);
  }
  for (const [meterId, reads] of readsByMeter) {
    if (masters.has(meterId)) continue;
    const lines = reads.map((r) => r.line);
    const first = reads[0];
    yield result(meterId, first?.accountId || null, [
      exception(
        'UNKNOWN_METER',
        `Meter ${meterId || '(blank)'} (account ${first?.accountId || '(blank)'}) is not in the meter ` +
          `master; read ${first ? readText(first) : ''} on line(s) ${lines.join(', ')} cannot be billed`,
        lines,
      ),
    ]);
  }
}

interface Ctx {
  readonly config: VeeConfig;
  readonly high: Ratio;
  readonly low: Ratio;
  readonly rolloverShare: Ratio;
  readonly input: ValidateInput;
}

const exception = (code: ReasonCode, message: string, lines?: readonly number[]): Reason =>
  lines ? { code, severity: 'exception', message, lines } : { code, severity: 'exception', message };
const info = (code: ReasonCode, message: string, lines?: readonly number[]): Reason =>
  lines ? { code, severity: 'info', message, lines } : { code, severity: 'info', message };

function result(
  meterId: string,
  accountId: string | null,
  reasons: readonly Reason[],
  extra: Partial<Omit<MeterResult, 'meterId' | 'accountId' | 'reasons' | 'status'>> = {},
): MeterResult {
  return {
    meterId,
    accountId,
    status: reasons.some((r) => r.severity === 'exception') ? 'exception' : 'valid',
    consumption: extra.consumption ?? null,
    usage: extra.usage ?? null,
    days: extra.days ?? null,
    read: extra.read ?? null,
    previousRead: extra.previousRead ?? null,
    baseline: extra.baseline ?? null,
    reasons,
  };
}

/**
 * The result for meter `m` with these reasons. A module-level function rather than a closure in
 * each validator: the worker runs under tsx, which names every named inner function as it is
 * created (a defineProperty per meter judged).
 */
function resultFor(
  m: Pick<MeterMaster, 'meterId' | 'accountId'>,
  reasons: readonly Reason[],
  extra?: Parameters<typeof result>[3],
): MeterResult {
  return result(m.meterId, m.accountId, reasons, extra);
}

/** Whether `usage` is above (1), within (0) or below (-1) factor × the baseline's daily rate × days. */
function vsBaseline(b: Baseline, usage: number, factor: Ratio, days: number): -1 | 0 | 1 {
  return compare(ratio(usage), mul(mul(factor, rateRatio(b.rate)), ratio(days)));
}

function validateMeter(
  m: MeterMaster,
  window: ParsedWindow | undefined,
  reads: readonly IncomingRead[],
  ctx: Ctx,
): MeterResult {
  const reasons: Reason[] = [];

  if (!window) {
    const lines = reads.map((r) => r.line);
    reasons.push(
      exception(
        'OUTSIDE_WINDOW',
        `Meter ${m.meterId} is on cycle ${m.cycle}, which has no read window in this run; ` +
          `read(s) on line(s) ${lines.join(', ')} not used`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }

  // Place each read in time: unreadable, inside or outside the window.
  const badTime: IncomingRead[] = [];
  const outside: IncomingRead[] = [];
  const inside: { r: IncomingRead; t: LocalDateTime }[] = [];
  for (const r of reads) {
    const t = parseLocalDateTime(r.readTime);
    if (!t) badTime.push(r);
    else if (t.seconds < window.from.seconds || t.seconds > window.to.seconds) outside.push(r);
    else inside.push({ r, t });
  }

  // Duplicates in the window: identical copies collapse; different reads cannot be chosen between.
  const distinct: { r: IncomingRead; t: LocalDateTime; copies: number[] }[] = [];
  for (const x of inside) {
    const same = distinct.find((d) => sameRead(d.r, x.r));
    if (same) same.copies.push(x.r.line);
    else distinct.push({ ...x, copies: [x.r.line] });
  }
  if (distinct.length > 1) {
    const lines = inside.map((x) => x.r.line);
    const what = distinct.map((d) => `${readText(d.r)} at ${d.r.readTime} (line ${d.copies.join(', ')})`);
    reasons.push(
      exception(
        'DUPLICATE',
        `Meter ${m.meterId} has ${distinct.length} conflicting reads in the ${describeWindow(window)}: ` +
          `${what.join('; ')}; none is used`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }
  const chosen = distinct[0];
  if (chosen && chosen.copies.length > 1) {
    const make = ctx.config.identicalDuplicates === 'exception' ? exception : info;
    reasons.push(
      make(
        'DUPLICATE',
        `Meter ${m.meterId} is in the file ${chosen.copies.length} times with the identical read ` +
          `${readText(chosen.r)} at ${chosen.r.readTime} (lines ${chosen.copies.join(', ')}); counted once`,
        chosen.copies,
      ),
    );
  }

  if (!chosen) {
    if (badTime.length > 0) {
      const lines = badTime.map((r) => r.line);
      reasons.push(
        exception(
          'INVALID_READ_TIME',
          `Meter ${m.meterId}: read time ${badTime.map((r) => `"${r.readTime}"`).join(', ')} ` +
            `(line ${lines.join(', ')}) is not a local timestamp YYYY-MM-DDTHH:MM:SS; no usable read`,
          lines,
        ),
      );
    }
    if (outside.length > 0) {
      const lines = outside.map((r) => r.line);
      reasons.push(
        exception(
          'OUTSIDE_WINDOW',
          `Meter ${m.meterId}: read ${outside.map((r) => `${readText(r)} dated ${r.readTime}`).join(', ')} ` +
            `(line ${lines.join(', ')}) is outside the ${describeWindow(window)}; no read in the window`,
          lines,
        ),
      );
    }
    if (reasons.length === 0) {
      reasons.push(
        exception(
          'NO_READ',
          `Meter ${m.meterId} (account ${m.accountId}) has no read in the ${describeWindow(window)}`,
        ),
      );
    }
    return resultFor(m, reasons);
  }

  // A good read in the window; anything else for the meter is noted and ignored.
  for (const r of badTime)
    reasons.push(
      info('INVALID_READ_TIME', `Ignored a read with unreadable time "${r.readTime}" (line ${r.line})`, [
        r.line,
      ]),
    );
  for (const r of outside)
    reasons.push(
      info('OUTSIDE_WINDOW', `Ignored a read dated ${r.readTime} outside the window (line ${r.line})`, [
        r.line,
      ]),
    );

  return validateOne(m, window, chosen.r, chosen.t, reasons, ctx);
}

function validateOne(
  m: MeterMaster,
  window: ParsedWindow,
  r: IncomingRead,
  t: LocalDateTime,
  reasons: Reason[],
  ctx: Ctx,
): MeterResult {
  const lines = [r.line];
  const u = unitLabel(m.readUnit);

  if (r.accountId !== m.accountId) {
    reasons.push(
      exception(
        'ACCOUNT_MISMATCH',
        `Meter ${m.meterId} is on account ${m.accountId} but the read names account ${r.accountId || '(blank)'}`,
        lines,
      ),
    );
  }

  const flags = parseFlags(r.flags);
  for (const f of flags) {
    if (!(KNOWN_FLAGS as readonly string[]).includes(f))
      reasons.push(
        exception('UNKNOWN_FLAG', `Meter ${m.meterId}: unrecognised flag "${f}" on the read`, lines),
      );
  }
  if (flags.includes('NO_READ')) {
    reasons.push(
      exception(
        'NO_READ',
        `Meter ${m.meterId} (account ${m.accountId}): the head-end flagged NO_READ at ${t.text}` +
          (r.read === '' ? '' : ` (value ${readText(r)} ignored)`),
        lines,
      ),
    );
    return resultFor(m, reasons);
  }
  if (flags.includes('TAMPER')) {
    reasons.push(
      exception(
        'TAMPER',
        `Meter ${m.meterId} (account ${m.accountId}): the head-end flagged TAMPER at ${t.text}; ` +
          `hold the bill and send a meter investigation`,
        lines,
      ),
    );
  }

  if (r.readUnit !== m.readUnit) {
    reasons.push(
      exception(
        'UNIT_MISMATCH',
        `Meter ${m.meterId} registers ${m.readUnit} but the read is in ${r.readUnit || '(blank)'}; not used`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }

  if (r.read.trim() === '') {
    reasons.push(
      exception(
        'NO_READ',
        `Meter ${m.meterId} (account ${m.accountId}): the read is empty (and not flagged NO_READ)`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }
  if (!/^\d+$/.test(r.read)) {
    reasons.push(
      exception(
        'NON_NUMERIC',
        `Meter ${m.meterId} (account ${m.accountId}): the read ${readText(r)} is not a number`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }
  const value = Number(r.read);
  if (
    r.read.replace(/^0+(?=\d)/, '').length > m.dials ||
    !Number.isSafeInteger(value) ||
    value >= 10 ** m.dials
  ) {
    reasons.push(
      exception(
        'EXCEEDS_DIALS',
        `Meter ${m.meterId}: the read ${readText(r)} does not fit a ${m.dials}-dial register`,
        lines,
      ),
    );
    return resultFor(m, reasons);
  }
  const read: UsedRead = { line: r.line, value, readTime: t.text };

  const previousRead = own(ctx.input.previousReads, m.meterId) ?? null;
  const prevTime = previousRead ? parseLocalDateTime(previousRead.readTime) : null;
  if (!previousRead || !prevTime) {
    reasons.push(
      exception(
        'NO_PREVIOUS_READ',
        previousRead
          ? `Meter ${m.meterId}: the previous read's time "${previousRead.readTime}" is unreadable`
          : `Meter ${m.meterId}: no previous valid read to measure consumption from`,
        lines,
      ),
    );
    return resultFor(m, reasons, { read, previousRead });
  }
  if (t.seconds <= prevTime.seconds) {
    reasons.push(
      exception(
        'READ_NOT_AFTER_PREVIOUS',
        `Meter ${m.meterId}: read at ${t.text} is not after the previous valid read at ${prevTime.text}`,
        lines,
      ),
    );
    return resultFor(m, reasons, { read, previousRead });
  }
  const days = calendarDaysBetween(prevTime, t);
  const expectDays = Math.max(days, 1);

  const classAverage: ClassAverage | undefined = (() => {
    const rate = m.usageClass ? own(ctx.input.classAverages, m.usageClass) : undefined;
    return rate && m.usageClass ? { usageClass: m.usageClass, rate } : undefined;
  })();
  const baseline: Baseline | null = baselineFor(
    own(ctx.input.history, m.meterId),
    classAverage,
    m.readUnit,
    ctx.config.historyPeriods,
  );
  const common = { read, previousRead, days, baseline: baseline?.description ?? null };

  const { delta, rolloverDelta } = registerDelta(previousRead.read, value, m.dials);
  let consumption = delta;
  if (rolloverDelta !== null) {
    const corrected = rolloverDelta * m.multiplier;
    // A wrap is plausible when the use it means is a small share of the register (a register does
    // not turn most of the way round in one period), or, for a small register, within the usual
    // high-use limit of the baseline. A rollover that is plausible but high is still a rollover:
    // the high-use check below flags it as HIGH_USE, not as a register running backwards.
    const withinShare = rolloverWithinShare(rolloverDelta, m.dials, ctx.rolloverShare);
    const withinBaseline = baseline !== null && vsBaseline(baseline, corrected, ctx.high, expectDays) <= 0;
    const plausible = withinShare || withinBaseline;
    const shareText = `at most ${ctx.config.rolloverMaxRegisterShare} of the register`;
    const against = withinShare
      ? shareText
      : withinBaseline
        ? `at most ${ctx.config.highFactor}× the ${baseline.description}`
        : `${shareText}${baseline ? ` or at most ${ctx.config.highFactor}× the ${baseline.description}` : ' (no baseline)'}`;
    if (!plausible) {
      reasons.push(
        exception(
          'NEGATIVE_CONSUMPTION',
          `Meter ${m.meterId} (account ${m.accountId}): the register went back from ${previousRead.read} ` +
            `(${prevTime.text}) to ${value} (${delta} units); a rollover at 10^${m.dials} would mean ` +
            `${corrected} ${u} in ${days} days, which is not ${against}`,
          lines,
        ),
      );
      return resultFor(m, reasons, { ...common, consumption: delta, usage: delta * m.multiplier });
    }
    consumption = rolloverDelta;
    reasons.push(
      info(
        'ROLLOVER',
        `Meter ${m.meterId}: register rolled over at 10^${m.dials} (${previousRead.read} → ${r.read}); ` +
          `consumption ${rolloverDelta} × ${m.multiplier} = ${corrected} ${u}, ${against}`,
        lines,
      ),
    );
  }
  const usage = consumption * m.multiplier;
  const out = { ...common, consumption, usage };

  if (usage === 0) {
    if (m.active)
      reasons.push(
        exception(
          'ZERO_USE_ACTIVE',
          `Meter ${m.meterId} (account ${m.accountId}) registered no use in ${days} days ` +
            `(${previousRead.read} → ${value}) on active service; check for a stopped meter or vacancy`,
          lines,
        ),
      );
    return resultFor(m, reasons, out);
  }
  if (!m.active) {
    reasons.push(
      exception(
        'USE_ON_INACTIVE',
        `Meter ${m.meterId} registered ${usage} ${u} in ${days} days but service is not active`,
        lines,
      ),
    );
  }
  if (!baseline) {
    reasons.push(
      info('NO_BASELINE', `Meter ${m.meterId}: no history or class average; high/low use not checked`),
    );
    return resultFor(m, reasons, out);
  }
  if (vsBaseline(baseline, usage, ctx.high, expectDays) > 0) {
    reasons.push(
      exception(
        'HIGH_USE',
        `Meter ${m.meterId} (account ${m.accountId}): ${usage} ${u} in ${days} days is more than ` +
          `${ctx.config.highFactor}× the ${baseline.description}`,
        lines,
      ),
    );
  } else if (vsBaseline(baseline, usage, ctx.low, expectDays) < 0) {
    reasons.push(
      exception(
        'LOW_USE',
        `Meter ${m.meterId} (account ${m.accountId}): ${usage} ${u} in ${days} days is less than ` +
          `${ctx.config.lowFactor}× the ${baseline.description}`,
        lines,
      ),
    );
  }
  return resultFor(m, reasons, out);
}
