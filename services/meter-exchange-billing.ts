// Where a meter's unbilled use begins, and what a meter exchange adds to the first period of the
// new meter. Shared by the final bill (services/final-bill.ts) and the bill cycle's rating.
//
// A service period starts at the latest of: the read that ended the account's last issued bill
// for the meter (its cycle result), or a read a service order took to begin service (a start's
// initial read, the new meter's initial read in an exchange); failing both, the meter's first
// good read since the account started.
//
// A meter exchange: the old meter's final read and the new meter's initial read are meter_read
// rows joined by a meter_exchange row, and `meter.removed_on` takes the old meter out of the cycle.
// The first period of the new meter (the one whose previous read is its initial read) must also
// carry the old meter's last stretch — from the start of its unbilled period to its final read —
// priced as one period of service with the new meter's use: the customer's service did not stop,
// so one base charge, the blocks and the sewer cap over the whole period, and every gallon on
// either register billed exactly once. An old meter last billed on estimates (it stopped
// registering, then was exchanged) is measured from its last actual read and trued up against them:
// its stretch starts where the last estimate ended. `meterExchangeFolds` gives the cycle that
// stretch per new meter; `applyExchangeFold` is what rating does with it.
import type { Db, Tx } from '../lib/db/prisma';
import { AppError } from '../lib/errors';
import { Decimal } from '../domain/decimal';
import { meterUsage } from '../domain/rating/rate';
import type { ReadUnit } from '../domain/rating/tariff';
import { registerAdvance } from '../domain/billing/final-bill';
import { planTrueUp, type TrueUpPlan } from '../domain/billing/true-up';

type Q = Db | Tx;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export interface PeriodStart {
  readAt: Date;
  value: bigint;
  /** BILLED: the end of the last issued bill; INITIAL / EXCHANGE_INITIAL: an order's read; FIRST_READ. */
  source: 'BILLED' | 'INITIAL' | 'EXCHANGE_INITIAL' | 'FIRST_READ';
  readId: bigint | null;
  /**
   * With `throughEstimates`: the periods billed as ESTIMATED since this read (the caller trues
   * them up, domain/billing/true-up.ts), in register units × multiplier. Empty otherwise.
   */
  estimates: { from: Date; to: Date; units: bigint }[];
}

/**
 * Where the unbilled use of `meterId` on `accountId` begins, before `before`. When the last bill
 * was an estimate, it throws a conflict (a person must look) — unless `throughEstimates`, when the
 * period starts at the last actual read and the estimated periods since come back to be trued up.
 * Throws a conflict when there is no read at all.
 */
export async function periodStartRead(
  q: Q,
  meterId: string,
  accountId: string | null,
  before: Date,
  opts: { throughEstimates?: boolean } = {},
): Promise<PeriodStart> {
  const through = opts.throughEstimates === true;
  const [billed] = await q.$queryRaw<
    { read_at: Date; value: bigint | null; status: string; read_id: bigint | null }[]
  >`
    SELECT r.read_at, mr.value, r.status, r.read_id
    FROM cycle_meter_result r
    JOIN bill b ON b.cycle_run_id = r.cycle_run_id AND b.account_id = r.account_id
      AND b.kind = 'REGULAR' AND b.status = 'ISSUED'
    LEFT JOIN meter_read mr ON mr.id = r.read_id
    WHERE r.meter_id = ${meterId} AND r.read_at < ${before} AND r.status <> 'EXCEPTION'
      AND (NOT ${through} OR r.status <> 'ESTIMATED')
      AND (${accountId}::text IS NULL OR r.account_id = ${accountId})
    ORDER BY r.read_at DESC LIMIT 1`;
  const start = await startFrom(q, meterId, accountId, before, billed);
  if (!through) return start;
  const estimates = await q.$queryRaw<{ from: Date; to: Date; units: bigint }[]>`
    SELECT r.previous_read_at AS "from", r.read_at AS "to", r.estimated_usage::bigint AS units
    FROM cycle_meter_result r
    JOIN bill b ON b.cycle_run_id = r.cycle_run_id AND b.account_id = r.account_id
      AND b.kind = 'REGULAR' AND b.status = 'ISSUED'
    WHERE r.meter_id = ${meterId} AND r.status = 'ESTIMATED'
      AND r.previous_read_at >= ${start.readAt} AND r.read_at < ${before}
      AND r.estimated_usage IS NOT NULL
      AND (${accountId}::text IS NULL OR r.account_id = ${accountId})
    ORDER BY r.read_at`;
  return { ...start, estimates: estimates.map((e) => ({ ...e, units: BigInt(e.units) })) };
}

/**
 * The latest read that ended an issued regular bill of `meterId` on `accountId` (actual or
 * estimated), with that bill: service up to it is billed.
 */
export async function lastBilledRead(
  q: Q,
  meterId: string,
  accountId: string,
): Promise<{ readAt: Date; billId: string } | null> {
  const [row] = await q.$queryRaw<{ read_at: Date; bill_id: string }[]>`
    SELECT r.read_at, b.id AS bill_id
    FROM cycle_meter_result r
    JOIN bill b ON b.cycle_run_id = r.cycle_run_id AND b.account_id = r.account_id
      AND b.kind = 'REGULAR' AND b.status = 'ISSUED'
    WHERE r.meter_id = ${meterId} AND r.account_id = ${accountId} AND r.status <> 'EXCEPTION'
    ORDER BY r.read_at DESC LIMIT 1`;
  return row ? { readAt: row.read_at, billId: row.bill_id } : null;
}

async function startFrom(
  q: Q,
  meterId: string,
  accountId: string | null,
  before: Date,
  billed: { read_at: Date; value: bigint | null; status: string; read_id: bigint | null } | undefined,
): Promise<PeriodStart> {
  const [order] = await q.$queryRaw<{ read_at: Date; value: bigint; role: string; read_id: bigint }[]>`
    SELECT read_at, value, role, read_id FROM service_order_read
    WHERE meter_id = ${meterId} AND read_at < ${before} AND role IN ('INITIAL', 'EXCHANGE_INITIAL')
    ORDER BY read_at DESC LIMIT 1`;
  if (order && (!billed || order.read_at >= billed.read_at))
    return {
      readAt: order.read_at,
      value: BigInt(order.value),
      source: order.role as 'INITIAL' | 'EXCHANGE_INITIAL',
      readId: BigInt(order.read_id),
      estimates: [],
    };
  if (billed) {
    if (billed.status === 'ESTIMATED' || billed.value === null)
      throw new AppError(
        'conflict',
        `Meter ${meterId}: the last bill (to ${isoDay(billed.read_at)}) was estimated; the use since cannot be measured from an actual read`,
      );
    return {
      readAt: billed.read_at,
      value: BigInt(billed.value),
      source: 'BILLED',
      readId: billed.read_id === null ? null : BigInt(billed.read_id),
      estimates: [],
    };
  }
  const [first] = await q.$queryRaw<{ id: bigint; read_at: Date; value: bigint }[]>`
    SELECT r.id, r.read_at, r.value FROM meter_read r
    LEFT JOIN account a ON a.id = ${accountId}
    WHERE r.meter_id = ${meterId} AND r.read_at < ${before} AND r.value IS NOT NULL
      AND (a.start_date IS NULL OR r.read_at >= a.start_date)
      AND NOT ('NO_READ' = ANY(r.flags)) AND NOT ('TAMPER' = ANY(r.flags))
    ORDER BY r.read_at ASC, r.quality DESC, r.id DESC LIMIT 1`;
  if (!first)
    throw new AppError(
      'conflict',
      `Meter ${meterId} has no read before ${isoDay(before)} to measure its use from`,
    );
  return {
    readAt: first.read_at,
    value: BigInt(first.value),
    source: 'FIRST_READ',
    readId: BigInt(first.id),
    estimates: [],
  };
}

/**
 * registerAdvance over a meter's stretch of use, a reading it refuses (lower than the start and too
 * far for a rollover, or wider than the register) made a conflict that names the meter and both
 * reads: nothing is billed on it, and the caller's own way of reporting a refusal (a stop's
 * effects problem, a cycle's read exception) puts it in front of a person.
 */
export function meterAdvance(
  meterId: string,
  start: { readAt: Date; value: bigint },
  end: { readAt: Date; value: bigint },
  dials: number,
): bigint {
  try {
    return registerAdvance(start.value, end.value, dials);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new AppError(
      'conflict',
      `Meter ${meterId}: read ${end.value} on ${isoDay(end.readAt)} after ${start.value} on ` +
        `${isoDay(start.readAt)}: ${err.message}`,
    );
  }
}

/** The old meter's last stretch, carried into the new meter's first period. */
export interface ExchangeFold {
  exchangeOrderId: string;
  oldMeterId: string;
  newMeterId: string;
  /** Where the old meter's unbilled use began, and its final read (local wall clock as UTC). */
  from: Date;
  to: Date;
  /** What `from` is: the end of the old meter's last bill (a cycle read) or an order's read. */
  fromSource: PeriodStart['source'];
  fromValue: bigint;
  toValue: bigint;
  registerDelta: bigint;
  readUnit: ReadUnit;
  /** The old meter's size, as its estimated periods were billed (a credit re-rates them so). */
  size: string | null;
  /** The stretch's use in billing units (gallons, kWh), exact: after a true-up, what is left to bill. */
  units: Decimal;
  /**
   * When the old meter's last bills were estimates: their true-up against its final read
   * (domain/billing/true-up.ts). The stretch then starts where the last estimate ended, `units` is
   * the actual use less what the estimates billed, and `credits` are the periods they over-billed,
   * which the bill credits at the rates they were billed at. Null after an actual read.
   */
  trueUp: TrueUpPlan | null;
}

/** The old meter's stretch of an exchange, given the exchange row. */
async function foldOf(
  q: Q,
  e: { order_id: string; old_meter_id: string; new_meter_id: string; account_id: string | null },
  finalRead: { read_at: Date; value: bigint },
): Promise<ExchangeFold> {
  const old = await q.meter.findUniqueOrThrow({ where: { id: e.old_meter_id } });
  // A meter that stopped registering is estimated, then exchanged: its stretch is measured from its
  // last actual read and trued up against the estimates billed since, as any actual read after
  // estimates is (rather than refused, which would stop the whole cycle's rating).
  const start = await periodStartRead(q, e.old_meter_id, e.account_id, finalRead.read_at, {
    throughEstimates: true,
  });
  const registerDelta = meterAdvance(
    e.old_meter_id,
    start,
    { readAt: finalRead.read_at, value: BigInt(finalRead.value) },
    old.dials,
  );
  const lastEstimate = start.estimates.reduce<PeriodStart['estimates'][number] | null>(
    (last, x) => (!last || x.to > last.to ? x : last),
    null,
  );
  let trueUp: TrueUpPlan | null = null;
  if (lastEstimate)
    try {
      trueUp = planTrueUp(
        {
          from: isoDay(start.readAt),
          to: isoDay(finalRead.read_at),
          units: registerDelta * BigInt(old.multiplier),
        },
        start.estimates.map((x) => ({ from: isoDay(x.from), to: isoDay(x.to), units: x.units })),
        old.readUnit,
      );
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new AppError('conflict', `Meter ${e.old_meter_id}: ${err.message}`);
    }
  return {
    exchangeOrderId: e.order_id,
    oldMeterId: e.old_meter_id,
    newMeterId: e.new_meter_id,
    from: lastEstimate ? lastEstimate.to : start.readAt,
    to: finalRead.read_at,
    fromSource: lastEstimate ? 'BILLED' : start.source,
    fromValue: start.value,
    toValue: BigInt(finalRead.value),
    registerDelta,
    readUnit: old.readUnit,
    size: old.size,
    units: trueUp
      ? meterUsage({ registerDelta: trueUp.billableUnits, multiplier: 1, readUnit: old.readUnit })
      : meterUsage({ registerDelta, multiplier: old.multiplier, readUnit: old.readUnit }),
    trueUp,
  };
}

/**
 * For each result whose meter was set in an exchange and whose period begins at that meter's
 * initial read (its first period), the old meter's last stretch. Results of any other period, and
 * meters never exchanged in, are not in the map: so the stretch is billed once, with the first.
 */
export async function meterExchangeFolds(
  q: Q,
  results: readonly { meterId: string; previousReadAt: Date | null }[],
  /**
   * Given, a stretch that cannot be billed (a conflict: no read to start from, a read that went
   * back) is recorded here by new meter id instead of thrown, so a cycle rates every other account.
   */
  failures?: Map<string, string>,
): Promise<Map<string, ExchangeFold>> {
  const ids = [...new Set(results.map((r) => r.meterId))];
  const out = new Map<string, ExchangeFold>();
  if (ids.length === 0) return out;
  const rows = await q.$queryRaw<
    {
      order_id: string;
      old_meter_id: string;
      new_meter_id: string;
      account_id: string | null;
      initial_at: Date;
      final_at: Date;
      final_value: bigint;
    }[]
  >`
    SELECT e.order_id, e.old_meter_id, e.new_meter_id, e.account_id,
      ir.read_at AS initial_at, fr.read_at AS final_at, fr.value AS final_value
    FROM meter_exchange e
    JOIN meter_read ir ON ir.id = e.initial_read_id
    JOIN meter_read fr ON fr.id = e.final_read_id
    WHERE e.new_meter_id = ANY(${ids}::text[])`;
  for (const r of results) {
    const e = rows.find((x) => x.new_meter_id === r.meterId);
    if (!e || !r.previousReadAt || r.previousReadAt.getTime() !== e.initial_at.getTime()) continue;
    try {
      out.set(r.meterId, await foldOf(q, e, { read_at: e.final_at, value: BigInt(e.final_value) }));
    } catch (err) {
      if (!failures || !(err instanceof AppError)) throw err;
      failures.set(r.meterId, err.message);
    }
  }
  return out;
}

/**
 * The new meter's first period with the old meter's stretch folded in: the period starts where the
 * old meter's unbilled use began, and the use is both registers' use, in billing units.
 */
export function applyExchangeFold(
  period: { from: string; to: string },
  usage: Decimal,
  fold: ExchangeFold,
): { from: string; to: string; usage: Decimal; note: string } {
  const from = isoDay(fold.from) < period.from ? isoDay(fold.from) : period.from;
  const total = usage.add(fold.units);
  return {
    from,
    to: period.to,
    usage: total,
    note:
      `Meter ${fold.oldMeterId} exchanged for ${fold.newMeterId} on ${isoDay(fold.to)}: ` +
      `${fold.units.toString()} on ${fold.oldMeterId} (${fold.fromValue} → ${fold.toValue}` +
      `${fold.trueUp ? `; ${fold.trueUp.note}` : ''}) + ` +
      `${usage.toString()} on ${fold.newMeterId} = ${total.toString()}`,
  };
}
