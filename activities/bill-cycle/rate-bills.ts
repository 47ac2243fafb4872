// Rating one batch of a cycle run's accounts into DRAFT bills: the inputs come in one query, the
// pure rating engine prices them, and the bills and their lines go in with COPY, a slice of the
// batch per transaction that first removes those accounts' earlier drafts — so a retried batch
// replaces its drafts and never adds a second bill. Issued bills are never touched again.
import {
  applyExchangeFold,
  meterExchangeFolds,
  type ExchangeFold,
} from '../../services/meter-exchange-billing';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../lib/db/prisma';
import { openExceptions } from './validate-reads';
import { copyRows, inTransaction, query } from '../../lib/db/bulk';
import { billedEstimates } from '../../services/read-history';
import { estimateCreditLines, planTrueUp } from '../../domain/billing/true-up';
import { firstPeriodDays } from '../../domain/billing/final-bill';
import { monthlyParts } from '../../domain/billing/monthly-parts';
import type { CycleCalendar } from '../../domain/billing/cycle-calendar';
import type { Decimal } from '../../domain/decimal';
import {
  meterUsage,
  rateService,
  RatingError,
  storedBillLine,
  type StoredBillLine,
  type RatingInput,
  type RatingResult,
} from '../../domain/rating/rate';
import {
  schedulesFor,
  type AccountClass,
  type ReadUnit,
  type ServiceKind,
  type Tariff,
} from '../../domain/rating/tariff';

export const billId = (runId: string, accountId: string) => `B-${runId.replace(':', '-')}-${accountId}`;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const dayStart = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * rateService results by input, for one tariff. The engine is pure, and a cycle prices the same
 * schedule, period and use for many accounts (use is metered in whole register counts), so a
 * repeated input is answered from here instead of being priced again. Bounded: cleared when full.
 */
export class RatingMemo {
  private tariff: Tariff | null = null;
  private tariffKey = '';
  private readonly results = new Map<string, RatingResult>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 200_000) {}

  rate(tariff: Tariff, input: RatingInput & { usage: Decimal }): RatingResult {
    if (tariff !== this.tariff) {
      // Each batch reads the tariff afresh. Today only the rider rates come from the database, but
      // the key is the whole tariff, so a schedule that ever changes between reads cannot be
      // answered from results priced under the old one (once per batch: cheap).
      const tariffKey = JSON.stringify(tariff);
      if (tariffKey !== this.tariffKey) this.results.clear();
      this.tariff = tariff;
      this.tariffKey = tariffKey;
    }
    const key = [
      input.schedule.code,
      input.accountClass,
      input.meterSize ?? '',
      input.period.from,
      input.period.to,
      input.billingPeriodDays ?? '',
      `${input.usage.num}/${input.usage.den}`,
    ].join('|');
    const known = this.results.get(key);
    if (known) {
      this.hits++;
      return known;
    }
    this.misses++;
    const result = rateService(input);
    if (this.results.size >= this.capacity) this.results.clear();
    this.results.set(key, result);
    return result;
  }
}

interface InputRow {
  account_id: string;
  class: AccountClass;
  /** The day service began under this account (YYYY-MM-DD). */
  start_date: string;
  language: string;
  bill_status: string | null;
  meter_id: string | null;
  status: string | null;
  previous_read_at: Date | null;
  read_at: Date | null;
  register_delta: string | null;
  estimated_usage: string | null;
  /** Null when the result's meter is not (or no longer) at the account's premise. */
  meter_service: ServiceKind | null;
  read_unit: ReadUnit | null;
  multiplier: number | null;
  size: string | null;
}

/**
 * The next `limit` active accounts of the cycle after `after`, each with its meter results for the
 * run (one row per result, or one row with no result) and its regular bill of the run, if any.
 * Results are in service, then meter order, so a bill's lines come out in the same order each time.
 */
async function loadInputs(
  db: Db,
  cycleId: number,
  runId: string,
  after: string | null,
  through: string | null,
  limit: number,
  only: readonly string[] | null,
) {
  return query<InputRow>(
    db,
    // LATERAL: each account's rows by index, so a batch costs the same however large the run.
    `WITH acc AS (
       SELECT a.id, a.class, a.premise_id, a.start_date::text, c.language
       FROM account a JOIN customer c ON c.id = a.customer_id
       WHERE a.bill_cycle = $1 AND a.status = 'ACTIVE' AND ($3::text IS NULL OR a.id > $3)
         AND ($5::text IS NULL OR a.id <= $5) AND ($6::text[] IS NULL OR a.id = ANY($6))
       ORDER BY a.id LIMIT $4
     )
     SELECT acc.id AS account_id, acc.class, acc.start_date, acc.language, b.status AS bill_status, x.*
     FROM acc
     LEFT JOIN LATERAL (
       SELECT status FROM bill
       WHERE account_id = acc.id AND cycle_run_id = $2 AND kind = 'REGULAR'
     ) b ON true
     LEFT JOIN LATERAL (
       SELECT r.meter_id, r.status, r.previous_read_at, r.read_at, r.register_delta::text,
         r.estimated_usage, m.service AS meter_service, m.read_unit, m.multiplier, m.size
       FROM cycle_meter_result r
       LEFT JOIN (meter m JOIN service_point sp ON sp.id = m.service_point_id)
         ON m.id = r.meter_id AND sp.premise_id = acc.premise_id
       WHERE r.cycle_run_id = $2 AND r.account_id = acc.id
     ) x ON true
     ORDER BY acc.id, x.meter_service, x.meter_id`,
    [cycleId, runId, after, limit, through, only],
  );
}

/** A bill line as COPY writes it: decimals and days (YYYY-MM-DD) as text. */
type Line = StoredBillLine;

interface RatedBill {
  accountId: string;
  language: string;
  estimated: boolean;
  totalCents: bigint;
  periodFrom: Date;
  periodTo: Date;
  lines: Line[];
}

// A module function rather than a closure inside rateAccount: the worker runs under tsx, which
// names every named inner function as it is created (a defineProperty each, for every meter of a
// 100,000-account run).

/** Use of `units` of the meter's register in its read unit, multiplier already applied. */
function usageIn(units: bigint, readUnit: ReadUnit): Decimal {
  return meterUsage({ registerDelta: units, multiplier: 1, readUnit });
}

/**
 * One account's bill from its meter results; throws RatingError or RangeError when it cannot be
 * rated. `readDay`: the cycle's day of the month, for a first period that began within the regular
 * one (a move-in): its charges, blocks and cap are prorated by days of service ÷ days in the period.
 */
function rateAccount(
  rows: InputRow[],
  tariff: Tariff,
  memo: RatingMemo,
  readDay: number,
  estimatesByMeter: Record<string, { from: Date; to: Date; units: bigint }[]>,
  folds: Map<string, ExchangeFold> = new Map(),
): RatedBill {
  const first = rows[0]!;
  const lines: Line[] = [];
  let total = 0n;
  let estimated = false;
  let periodFrom = null as Date | null;
  let periodTo = null as Date | null;
  for (const r of rows) {
    const { previous_read_at: previousReadAt, read_at: readAt } = r;
    if (!r.meter_service || !r.read_unit || r.multiplier === null || !previousReadAt || !readAt)
      throw new RangeError(`Meter ${r.meter_id} has no read period`);
    const meterId = r.meter_id!;
    const readUnit = r.read_unit;
    const service = r.meter_service;
    // Use in the meter's own units after its multiplier (ft³, gal, kWh). An actual read after
    // estimated bills is trued up: see domain/billing/true-up.ts.
    const plan =
      r.status === 'ESTIMATED'
        ? null
        : planTrueUp(
            {
              from: isoDay(previousReadAt),
              to: isoDay(readAt),
              units: BigInt(r.register_delta!) * BigInt(r.multiplier),
            },
            (estimatesByMeter[meterId] ?? [])
              .filter((e) => e.from >= previousReadAt && e.to <= readAt)
              .map((e) => ({ from: isoDay(e.from), to: isoDay(e.to), units: e.units })),
            readUnit,
          );
    let usage = usageIn(plan ? plan.billableUnits : BigInt(r.estimated_usage!), readUnit);
    estimated ||= r.status === 'ESTIMATED';
    let from = plan ? plan.from : isoDay(previousReadAt);
    const to = isoDay(readAt);
    // A new meter's first period after an exchange carries the old meter's last stretch, so both
    // registers' use is billed once (services/meter-exchange-billing.ts).
    const fold = r.status === 'ESTIMATED' ? undefined : folds.get(meterId);
    const folded = fold ? applyExchangeFold({ from, to }, usage, fold) : null;
    if (folded) {
      usage = folded.usage;
      from = folded.from;
    }
    // The bill's service period: from the old meter's read when a stretch was folded in, else from
    // the later of the previous read and the end of any estimates trued up.
    const fromAt = folded ? fold!.from : dayStart(from) > previousReadAt ? dayStart(from) : previousReadAt;
    periodFrom = !periodFrom || fromAt < periodFrom ? fromAt : periodFrom;
    periodTo = !periodTo || readAt > periodTo ? readAt : periodTo;
    for (const schedule of schedulesFor(tariff, first.class, service)) {
      const base = { schedule, riders: tariff.riders, accountClass: first.class, meterSize: r.size };
      if (folded)
        lines.push({
          lineNo: lines.length + 1,
          service,
          component: 'METER_EXCHANGE',
          description: folded.note,
          quantity: usage.toString(),
          unit: readUnit,
          rate: '0',
          ratePer: '1',
          amountCents: 0n,
          tariffSchedule: schedule.code,
          tariffVersion: null,
          periodFrom: from,
          periodTo: to,
          meterId,
        });
      if (plan && plan.estimatedUnits > 0n) {
        // The true-up explains itself on the bill: a zero-amount line with the arithmetic.
        lines.push({
          lineNo: lines.length + 1,
          service,
          component: 'TRUE_UP',
          description: plan.note,
          quantity: plan.billableUnits.toString(),
          unit: readUnit,
          rate: '0',
          ratePer: '1',
          amountCents: 0n,
          tariffSchedule: schedule.code,
          tariffVersion: null,
          periodFrom: plan.from,
          periodTo: plan.to,
          meterId,
        });
        for (const c of plan.credits)
          for (const l of estimateCreditLines(
            // Re-rated as it was billed: a first period after a move-in was prorated.
            { ...base, billingPeriodDays: firstPeriodDays(readDay, first.start_date, c.from, c.to) },
            c,
            usageIn(c.billedUnits, readUnit),
            usageIn(c.correctedUnits, readUnit),
          )) {
            lines.push(storedBillLine(l, lines.length + 1, service, meterId));
            total += BigInt(l.amountCents);
          }
      }
      // The old meter's estimates, trued up at the exchange: over-billed periods credited as above,
      // re-rated at the old meter's size as they were billed.
      if (folded && fold!.trueUp)
        for (const c of fold!.trueUp.credits)
          for (const l of estimateCreditLines(
            {
              ...base,
              meterSize: fold!.size,
              billingPeriodDays: firstPeriodDays(readDay, first.start_date, c.from, c.to),
            },
            c,
            usageIn(c.billedUnits, fold!.readUnit),
            usageIn(c.correctedUnits, fold!.readUnit),
          )) {
            lines.push(storedBillLine(l, lines.length + 1, service, fold!.oldMeterId));
            total += BigInt(l.amountCents);
          }
      if (from === to) {
        // The estimates reached the read date: no days are left to price use on.
        if (plan && plan.billableUnits > 0n)
          throw new RangeError(
            `Meter ${meterId}: ${plan.billableUnits} ${readUnit} of trued-up use but no days left after the estimates`,
          );
        continue;
      }
      // A period covering more than one month (a run that could not bill the meter) is priced as
      // the months it covers (domain/billing/monthly-parts.ts). Service that began within a period
      // (a move-in after the read day) is a partial period, like a final bill's (ordinance, General
      // provisions: partial periods).
      for (const part of monthlyParts(readDay, from, to, usage)) {
        const billingPeriodDays =
          firstPeriodDays(readDay, first.start_date, part.from, part.to) ?? part.periodDays;
        const priced = memo.rate(tariff, {
          ...base,
          period: { from: part.from, to: part.to },
          billingPeriodDays,
          usage: part.usage,
        });
        for (const l of priced.lines) {
          lines.push(storedBillLine(l, lines.length + 1, service, meterId));
          total += BigInt(l.amountCents);
        }
      }
    }
  }
  return {
    accountId: first.account_id,
    language: first.language,
    estimated,
    totalCents: total,
    periodFrom: periodFrom!,
    periodTo: periodTo!,
    lines,
  };
}

const BILL_COLUMNS = [
  'id',
  'account_id',
  'cycle_run_id',
  'kind',
  'status',
  'period_from',
  'period_to',
  'bill_date',
  'due_date',
  'estimated',
  'total_cents',
  'language',
];
const LINE_COLUMNS = [
  'bill_id',
  'line_no',
  'service',
  'component',
  'description',
  'quantity',
  'unit',
  'rate',
  'rate_per',
  'amount_cents',
  'tariff_schedule',
  'tariff_version',
  'period_from',
  'period_to',
  'meter_id',
];

export interface RateBatchResult {
  lastAccountId: string | null;
  drafted: number;
  skipped: number;
}

/**
 * Bills per transaction. A batch is written in slices, each handed to Postgres while the next is
 * rated, so the database's work (indexes, the lines' foreign key) overlaps the rating engine's.
 */
const WRITE_SLICE = 500;
/** Accounts rated between yields to the event loop, so the slices in flight keep moving. */
const RATE_STEP = 100;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One slice's drafts in one transaction: earlier drafts of these accounts removed, the new bills
 * and lines copied in. A retried slice replaces its drafts and never adds a second bill.
 */
async function writeDrafts(
  db: Db,
  runId: string,
  calendar: CycleCalendar,
  bills: readonly RatedBill[],
  replaced: readonly string[],
): Promise<void> {
  await inTransaction(db, async (c) => {
    if (replaced.length) {
      await c.query('DELETE FROM bill_line WHERE bill_id = ANY($1)', [replaced]);
      await c.query(`DELETE FROM bill WHERE id = ANY($1) AND status = 'DRAFT'`, [replaced]);
    }
    await copyRows(
      c,
      'bill',
      BILL_COLUMNS,
      bills.map((b) => [
        billId(runId, b.accountId),
        b.accountId,
        runId,
        'REGULAR',
        'DRAFT',
        isoDay(b.periodFrom),
        isoDay(b.periodTo),
        calendar.billDate,
        calendar.dueDate,
        b.estimated,
        b.totalCents,
        b.language,
      ]),
    );
    await copyRows(
      c,
      'bill_line',
      LINE_COLUMNS,
      (function* () {
        for (const b of bills) {
          const id = billId(runId, b.accountId);
          for (const l of b.lines)
            yield [
              id,
              l.lineNo,
              l.service,
              l.component,
              l.description,
              l.quantity,
              l.unit,
              l.rate,
              l.ratePer,
              l.amountCents,
              l.tariffSchedule,
              l.tariffVersion,
              l.periodFrom,
              l.periodTo,
              l.meterId,
            ];
        }
      })(),
    );
  });
}

/**
 * Rates the next `limit` accounts of the run after `afterAccountId` (and up to `throughAccountId`,
 * the end of the batch's lane, when given) into DRAFT bills.
 */
export async function rateBills(
  db: Db,
  i: {
    runId: string;
    cycleId: number;
    calendar: CycleCalendar;
    tariff: Tariff;
    memo: RatingMemo;
    afterAccountId: string | null;
    throughAccountId?: string | null;
    limit: number;
    /** Only these accounts (the run's held accounts, billed once their exceptions are resolved). */
    accountIds?: readonly string[];
  },
): Promise<RateBatchResult> {
  const rows = await loadInputs(
    db,
    i.cycleId,
    i.runId,
    i.afterAccountId,
    i.throughAccountId ?? null,
    i.limit,
    i.accountIds ?? null,
  );
  if (rows.length === 0) return { lastAccountId: null, drafted: 0, skipped: 0 };
  const readDay = Number(i.calendar.readDay.slice(8, 10));
  const byAccount = new Map<string, InputRow[]>();
  for (const r of rows) {
    const list = byAccount.get(r.account_id);
    if (list) list.push(r);
    else byAccount.set(r.account_id, [r]);
  }
  const meterIds = rows.flatMap((r) => (r.meter_id ? [r.meter_id] : []));
  const estimatesByMeter = await billedEstimates(db, meterIds, i.runId);
  // An exchange whose old meter's stretch cannot be billed fails its own account (RATING_FAILED,
  // below), not the batch: a batch that threw would be retried for ever and the cycle never issue.
  const foldFailures = new Map<string, string>();
  const folds = await meterExchangeFolds(
    db,
    rows.flatMap((r) =>
      r.meter_id && r.status !== 'ESTIMATED'
        ? [{ meterId: r.meter_id, previousReadAt: r.previous_read_at }]
        : [],
    ),
    foldFailures,
  );

  let drafted = 0;
  let skipped = 0;
  let rated = 0;
  let slice: RatedBill[] = [];
  let replaced: string[] = [];
  const writes: Promise<void>[] = [];
  const flush = () => {
    const write = writeDrafts(db, i.runId, i.calendar, slice, replaced);
    write.catch(() => undefined); // observed below (allSettled); not an unhandled rejection meanwhile
    writes.push(write);
    drafted += slice.length;
    slice = [];
    replaced = [];
  };
  const failures: { meterId: string; accountId: string; code: 'RATING_FAILED'; message: string }[] = [];
  try {
    for (const [accountId, mine] of byAccount) {
      if (++rated % RATE_STEP === 0) await nextTurn();
      const status = mine[0]!.bill_status;
      if (status && status !== 'DRAFT') continue; // issued: never touched again
      if (!mine[0]!.meter_id || mine.some((r) => r.status === 'EXCEPTION')) {
        skipped++;
        continue;
      }
      const foldFailed = mine.find((r) => r.meter_id && foldFailures.has(r.meter_id));
      if (foldFailed) {
        failures.push({
          meterId: foldFailed.meter_id!,
          accountId,
          code: 'RATING_FAILED',
          message: `Meter exchange: ${foldFailures.get(foldFailed.meter_id!)!}`,
        });
        skipped++;
        continue;
      }
      try {
        slice.push(rateAccount(mine, i.tariff, i.memo, readDay, estimatesByMeter, folds));
        if (status) replaced.push(billId(i.runId, accountId));
      } catch (err) {
        if (!(err instanceof RatingError || err instanceof RangeError)) throw err;
        failures.push({
          meterId: mine[0]!.meter_id!,
          accountId,
          code: 'RATING_FAILED',
          message: err.message,
        });
        skipped++;
      }
      if (slice.length >= WRITE_SLICE) flush();
    }
    if (slice.length > 0) flush();
  } catch (err) {
    await Promise.allSettled(writes); // no slice is left running unobserved
    throw err;
  }
  // Every slice settles before the batch reports: a failed one fails the batch (and its retry).
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((w) => w.status === 'rejected');
  if (failed) throw failed.reason;
  // An account that could not be rated goes to the exception queue as any read exception does:
  // announced on its timeline and audited, once (a retried batch adds nothing).
  if (failures.length)
    await inTransaction(db, (c) =>
      openExceptions(
        c,
        i.runId,
        failures.map((f) => [randomUUID(), i.runId, f.meterId, f.accountId, null, f.code, f.message, '{}']),
      ),
    );
  return { lastAccountId: rows[rows.length - 1]!.account_id, drafted, skipped };
}
