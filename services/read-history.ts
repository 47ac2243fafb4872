// The read history the bill cycle and the exception queue both judge reads against: each meter's
// last good read, its billed periods, and the class median when a premise has no history. The
// queries run on the pg pool (lib/db/bulk.ts): a cycle asks them about every one of its meters.
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
import type { DailyRate } from '../domain/reads/ratio';
import type { PeriodUse } from '../domain/reads/baseline';
import type { MeterMaster, PreviousRead } from '../domain/reads/validate';

/** Utility-local wall clock, stored as the same clock reading in UTC (see ARCHITECTURE). */
export const localText = (d: Date) => d.toISOString().slice(0, 19);

/**
 * The meters a question is about: a list of ids (a clerk's exception, an estimate), or every meter
 * of a bill cycle's active accounts. A cycle is named rather than listed: 156,000 ids sent as an
 * array parameter to each of three queries cost the worker about a second of encoding at 100,000
 * accounts.
 */
export type MeterSet = readonly string[] | { cycle: number };

/** The ids of a bill cycle's meters (its active accounts' active service points), the cycle as `param`. */
export const cycleMeterIdsSql = (param: string) => `SELECT m.id FROM account a
  JOIN service_point sp ON sp.premise_id = a.premise_id AND sp.active
  JOIN meter m ON m.service_point_id = sp.id AND m.removed_on IS NULL
  WHERE a.bill_cycle = ${param} AND a.status = 'ACTIVE'`;

/** `column` restricted to the meters, as SQL with its one parameter ($n). */
function meterFilter(column: string, meters: MeterSet, n: number): { sql: string; param: unknown } {
  if (!('cycle' in meters)) return { sql: `${column} = ANY($${n})`, param: meters };
  return { sql: `${column} IN (${cycleMeterIdsSql(`$${n}`)})`, param: meters.cycle };
}

/**
 * Each meter's billed periods before this run (actual reads only), as validation and estimation
 * want them: from, to and use in the meter's units after its multiplier.
 */
export async function meterHistory(
  db: Db,
  meters: MeterSet,
  exceptRunId: string,
): Promise<Record<string, PeriodUse[]>> {
  const ours = meterFilter('r.meter_id', meters, 1);
  const rows = await query<{ meter_id: string; from: Date; to: Date; usage: string }>(
    db,
    `SELECT r.meter_id, r.previous_read_at AS "from", r.read_at AS "to",
       (r.register_delta * m.multiplier)::text AS usage
     FROM cycle_meter_result r JOIN meter m ON m.id = r.meter_id
     WHERE ${ours.sql} AND r.cycle_run_id <> $2 AND r.status = 'VALID'
       AND r.register_delta IS NOT NULL AND r.previous_read_at IS NOT NULL AND r.read_at IS NOT NULL
     ORDER BY r.read_at DESC`,
    [ours.param, exceptRunId],
  );
  const out: Record<string, PeriodUse[]> = {};
  for (const r of rows)
    (out[r.meter_id] ??= []).push({ from: localText(r.from), to: localText(r.to), usage: Number(r.usage) });
  return out;
}

/**
 * Each meter's last usable actual read before the window: the start of the period. Not usable: a
 * read with no value, flagged no-read or tamper, replaced by a correction, or turned away by
 * validation and not accepted (an exception still open, estimated instead, or sent to a crew). A
 * read dated outside its window, or running backwards, would otherwise start next month's period
 * from a wrong register value; and a period whose read is still in question was not billed, so
 * the next one runs from the last read that was.
 */
export async function lastGoodReads(
  db: Db,
  meters: MeterSet,
  before: Date,
): Promise<Record<string, PreviousRead>> {
  const ours = meterFilter('r.meter_id', meters, 1);
  const rows = await query<{ meter_id: string; value: string; read_at: Date }>(
    db,
    `WITH unusable AS (
       SELECT read_id AS id FROM read_exception WHERE read_id IS NOT NULL AND status <> 'ACCEPTED'
       UNION
       SELECT corrects_id FROM meter_read WHERE corrects_id IS NOT NULL
     )
     SELECT DISTINCT ON (r.meter_id) r.meter_id, r.value::text, r.read_at
     FROM meter_read r
     WHERE ${ours.sql} AND r.read_at < $2 AND r.value IS NOT NULL
       AND NOT ('NO_READ' = ANY(r.flags)) AND NOT ('TAMPER' = ANY(r.flags))
       AND r.id NOT IN (SELECT id FROM unusable)
     ORDER BY r.meter_id, r.read_at DESC, r.quality DESC, r.id DESC`,
    [ours.param, before],
  );
  return Object.fromEntries(
    rows.map((r) => [r.meter_id, { read: Number(r.value), readTime: localText(r.read_at) }]),
  );
}

/**
 * Reads a service order took inside a cycle's read window where a meter's service begins (a start
 * of service's initial read, a new meter's first read after an exchange). Such a read is where the
 * meter's period starts, never the period's billing read: it replaces the last read before the
 * window as the previous read when it comes before every other read of the window.
 */
export async function periodStartsInWindow(
  db: Db,
  meters: MeterSet,
  from: Date,
  to: Date,
  previous: Record<string, PreviousRead>,
  /** The other reads of the window (service orders' own reads left out). */
  windowReads: readonly { meterId: string; readAt: Date }[],
): Promise<Record<string, PreviousRead>> {
  const ours = meterFilter('meter_id', meters, 1);
  const starts = await query<{ meter_id: string; value: string; read_at: Date }>(
    db,
    `SELECT DISTINCT ON (meter_id) meter_id, value::text, read_at
     FROM service_order_read
     WHERE ${ours.sql} AND read_at >= $2 AND read_at < $3 AND role IN ('INITIAL', 'EXCHANGE_INITIAL')
     ORDER BY meter_id, read_at DESC`,
    [ours.param, from, to],
  );
  if (starts.length === 0) return previous;
  const firstOther = new Map<string, number>();
  for (const r of windowReads) {
    const t = r.readAt.getTime();
    if (t < (firstOther.get(r.meterId) ?? Infinity)) firstOther.set(r.meterId, t);
  }
  const out = { ...previous };
  for (const s of starts) {
    if (s.read_at.getTime() >= (firstOther.get(s.meter_id) ?? Infinity)) continue;
    out[s.meter_id] = { read: Number(s.value), readTime: localText(s.read_at) };
  }
  return out;
}

/**
 * Each class's daily use, from this cycle's plausible register advances, for a premise with no
 * history of its own. Validation judges reads against the median: the reads being judged are in
 * the set, and a handful of broken or tampered meters must not move the yardstick. An estimate
 * uses the mean, the ordinance's "premise class average", over the reads validation accepted.
 */
export function classAverages(
  masters: MeterMaster[],
  rows: { meterId: string; value: bigint | null; readAt: Date }[],
  previous: Record<string, PreviousRead>,
  statistic: 'median' | 'mean' = 'median',
): Record<string, DailyRate> {
  const byClass = new Map<string, number[]>();
  const master = new Map(masters.map((m) => [m.meterId, m]));
  for (const r of rows) {
    const m = master.get(r.meterId);
    const p = previous[r.meterId];
    if (!m || !p || r.value === null) continue;
    const delta = Number(r.value) - p.read;
    const days = (r.readAt.getTime() - Date.parse(`${p.readTime}Z`)) / 86_400_000;
    if (delta <= 0 || days < 1) continue;
    const list = byClass.get(m.usageClass!) ?? [];
    list.push((delta * m.multiplier) / days);
    byClass.set(m.usageClass!, list);
  }
  const out: Record<string, DailyRate> = {};
  for (const [cls, list] of byClass) {
    list.sort((a, b) => a - b);
    const mid = list.length >> 1;
    const value =
      statistic === 'mean'
        ? list.reduce((sum, x) => sum + x, 0) / list.length
        : list.length % 2
          ? list[mid]!
          : (list[mid - 1]! + list[mid]!) / 2;
    // Whole billing units per 1,000 days keeps the rate an exact ratio of integers.
    out[cls] = { usage: Math.round(value * 1000), days: 1000 };
  }
  return out;
}

/**
 * Each meter's periods billed on an estimate by other runs whose bill stands (issued, not
 * cancelled): the next actual read trues them up. Use in the meter's units after its multiplier.
 */
export async function billedEstimates(
  db: Db,
  meterIds: string[],
  exceptRunId: string,
): Promise<Record<string, { from: Date; to: Date; units: bigint }[]>> {
  const rows = await query<{ meter_id: string; from: Date; to: Date; units: string }>(
    db,
    `SELECT r.meter_id, r.previous_read_at AS "from", r.read_at AS "to", r.estimated_usage AS units
     FROM cycle_meter_result r
     JOIN bill b ON b.cycle_run_id = r.cycle_run_id AND b.account_id = r.account_id
       AND b.kind = 'REGULAR' AND b.status = 'ISSUED'
     WHERE r.meter_id = ANY($1) AND r.cycle_run_id <> $2 AND r.status = 'ESTIMATED'
       AND r.previous_read_at IS NOT NULL AND r.read_at IS NOT NULL AND r.estimated_usage IS NOT NULL
     ORDER BY r.read_at`,
    [meterIds, exceptRunId],
  );
  const out: Record<string, { from: Date; to: Date; units: bigint }[]> = {};
  for (const r of rows) (out[r.meter_id] ??= []).push({ from: r.from, to: r.to, units: BigInt(r.units) });
  return out;
}
