// Validating a cycle run's reads (VEE): every meter of the cycle's active accounts is judged
// against its reads in the window, its history and its class, and the run's meter results and
// exception queue are written in one transaction. Set-based throughout: a 100,000-meter cycle is a
// handful of queries, a few multi-row inserts, one audit row and one timeline row per new exception.
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Db } from '../../lib/db/prisma';
import { copyRows, inTransaction, insertRows, query, type CopyValue } from '../../lib/db/bulk';
import { SYSTEM_ACTOR } from '../../lib/audit';
import { jsonText, recordAudits, recordTimelines } from '../../lib/audit-batch';
import type { CycleCalendar } from '../../domain/billing/cycle-calendar';
import {
  eachMeterResult,
  type IncomingRead,
  type MeterMaster,
  type MeterResult,
  type ReadUnit,
  type ServiceKind,
  type VeeConfig,
} from '../../domain/reads/validate';
import {
  classAverages,
  cycleMeterIdsSql,
  lastGoodReads,
  localText,
  meterHistory,
  periodStartsInWindow,
} from '../../services/read-history';

/** The meters of a cycle's active accounts, by account, then service and meter. */
async function cycleMeters(db: Db, cycleId: number) {
  const rows = await query<{
    meter_id: string;
    account_id: string;
    account_class: string;
    service: ServiceKind;
    read_unit: ReadUnit;
    dials: number;
    multiplier: number;
  }>(
    db,
    `SELECT m.id AS meter_id, a.id AS account_id, a.class AS account_class, m.service, m.read_unit,
       m.dials, m.multiplier
     FROM account a
     JOIN service_point sp ON sp.premise_id = a.premise_id AND sp.active
     JOIN meter m ON m.service_point_id = sp.id AND m.removed_on IS NULL
     WHERE a.bill_cycle = $1 AND a.status = 'ACTIVE'
     ORDER BY a.id, m.service, m.id`,
    [cycleId],
  );
  return rows.map((m) => ({
    meterId: m.meter_id,
    accountId: m.account_id,
    accountClass: m.account_class,
    service: m.service,
    readUnit: m.read_unit,
    dials: m.dials,
    multiplier: m.multiplier,
  }));
}

interface StoredRead {
  id: string;
  meterId: string;
  accountId: string | null;
  readAt: Date;
  value: bigint | null;
  rawValue: string | null;
  unit: string;
  flags: string[];
  sourceLine: number | null;
}

/**
 * The reads a run judges: every read in the window for the cycle's meters or accounts, and every
 * other row of the files that delivered them — so a read dated outside the window, or for a meter
 * the master does not know, is reported as such instead of silently missing. One query with the
 * cycle as its only key, so a 100,000-meter cycle needs no id lists.
 */
async function readsForRun(db: Db, cycleId: number, from: Date, to: Date): Promise<StoredRead[]> {
  const rows = await query<{
    id: string;
    meter_id: string;
    account_id: string | null;
    read_at: Date;
    value: string | null;
    raw_value: string | null;
    unit: string;
    flags: string[];
    source_line: number | null;
  }>(
    db,
    // Joins, not `IN (…) OR IN (…)`: with a 100,000-meter cycle the id sets outgrow work_mem, and
    // an OR of unhashed subplans would be evaluated row by row.
    `WITH cycle_accounts AS (
       SELECT id, premise_id FROM account WHERE bill_cycle = $1 AND status = 'ACTIVE'
     ), ours AS (
       ${cycleMeterIdsSql('$1')}
     ), in_window AS (
       SELECT r.id, r.import_id FROM meter_read r JOIN ours o ON o.id = r.meter_id
       WHERE r.read_at >= $2 AND r.read_at < $3 AND r.quality = 'ACTUAL'
         AND NOT EXISTS (SELECT 1 FROM service_order_read s WHERE s.read_id = r.id)
       UNION
       SELECT r.id, r.import_id FROM meter_read r JOIN cycle_accounts a ON a.id = r.account_id
       WHERE r.read_at >= $2 AND r.read_at < $3 AND r.quality = 'ACTUAL'
         AND NOT EXISTS (SELECT 1 FROM service_order_read s WHERE s.read_id = r.id)
     ), from_files AS (
       SELECT r.id FROM meter_read r
       JOIN (SELECT DISTINCT import_id FROM in_window WHERE import_id IS NOT NULL) f ON f.import_id = r.import_id
       LEFT JOIN ours o ON o.id = r.meter_id
       LEFT JOIN cycle_accounts a ON a.id = r.account_id
       LEFT JOIN meter m ON m.id = r.meter_id
       WHERE r.quality = 'ACTUAL'
         AND (o.id IS NOT NULL OR a.id IS NOT NULL
              -- A meter no one knows belongs to no cycle: it is reported by the run whose window
              -- its read date falls in, not by every run its file feeds; dated in no run's window,
              -- by each run the file feeds, so it is never missed.
              OR (m.id IS NULL AND ((r.read_at >= $2 AND r.read_at < $3)
                  OR NOT EXISTS (SELECT 1 FROM bill_cycle_run w
                                 WHERE r.read_at >= w.read_window_from AND r.read_at < w.read_window_to))))
     )
     SELECT r.id, r.meter_id, r.account_id, r.read_at, r.value, r.raw_value, r.unit, r.flags, r.source_line
     FROM meter_read r
     WHERE r.id IN (SELECT id FROM in_window UNION SELECT id FROM from_files)
     ORDER BY r.read_at, r.id`,
    [cycleId, from, to],
  );
  return rows.map((r) => ({
    id: r.id,
    meterId: r.meter_id,
    accountId: r.account_id,
    readAt: r.read_at,
    value: r.value === null ? null : BigInt(r.value),
    rawValue: r.raw_value,
    unit: r.unit,
    flags: r.flags,
    sourceLine: r.source_line,
  }));
}

const RESULT_COLUMNS = [
  'cycle_run_id',
  'meter_id',
  'account_id',
  'status',
  'read_id',
  'previous_read_at',
  'read_at',
  'register_delta',
  'basis',
];

function resultRow(runId: string, r: MeterResult, byLine: ReadsByLine): CopyValue[] {
  const stored = r.read ? byLine.get(r.meterId)?.get(r.read.line) : undefined;
  const readAt = stored?.readAt ?? (r.read ? new Date(`${r.read.readTime}Z`) : null);
  return [
    runId,
    r.meterId,
    r.accountId,
    r.status === 'valid' ? 'VALID' : 'EXCEPTION',
    stored?.id ?? null,
    r.previousRead ? `${r.previousRead.readTime}Z` : null,
    readAt?.toISOString() ?? null,
    r.consumption !== null && r.consumption >= 0 ? r.consumption : null,
    r.baseline,
  ];
}

const EXCEPTION_COLUMNS = {
  id: 'uuid',
  cycle_run_id: 'text',
  meter_id: 'text',
  account_id: 'text',
  read_id: 'bigint',
  code: 'text',
  message: 'text',
  details: 'jsonb',
};

export async function validateCycle(
  db: Db,
  i: {
    runId: string;
    cycleId: number;
    period: string;
    calendar: CycleCalendar;
    heartbeat: () => void;
    /** Validation factors (domain/reads/validate.ts DEFAULT_VEE_CONFIG when absent). */
    config?: Partial<VeeConfig>;
  },
): Promise<{ meters: number; valid: number; exceptions: number }> {
  const { runId, calendar } = i;
  const windowFrom = new Date(calendar.readWindowFrom);
  const windowTo = new Date(calendar.readWindowTo);
  // The cycle's meters are named by the cycle in every query, so the four run side by side.
  const known = { cycle: i.cycleId };
  const [meters, rows, lastBefore, history] = await Promise.all([
    cycleMeters(db, i.cycleId),
    readsForRun(db, i.cycleId, windowFrom, windowTo),
    lastGoodReads(db, known, windowFrom),
    meterHistory(db, known, runId),
  ]);
  const masters: MeterMaster[] = meters.map((m) => ({
    meterId: m.meterId,
    accountId: m.accountId,
    cycle: String(i.cycleId),
    service: m.service,
    readUnit: m.readUnit,
    dials: m.dials,
    multiplier: m.multiplier,
    active: true,
    usageClass: `${m.accountClass}-${m.service}-${m.readUnit}`,
  }));
  // A service order's read inside the window (a start of service, a new meter) starts the period
  // rather than ending it: it is left out of the reads judged and stands as the previous read.
  const previousReads = await periodStartsInWindow(db, known, windowFrom, windowTo, lastBefore, rows);
  i.heartbeat();
  // A read that names no account (the JSON API, a handheld) is the meter's account's read; a
  // read that names another account is still a mismatch.
  const accountOf = new Map(meters.map((m) => [m.meterId, m.accountId]));
  // Each read's line, unique for its meter: a second read of a meter with the same number (two
  // JSON batches both count from 1) goes by its stored id instead.
  const byLine: ReadsByLine = new Map();
  const lines = rows.map((r) => {
    let mine = byLine.get(r.meterId);
    if (!mine) byLine.set(r.meterId, (mine = new Map()));
    let line = r.sourceLine ?? Number(r.id);
    if (mine.has(line)) line = Number(r.id);
    mine.set(line, r);
    return line;
  });
  const reads: IncomingRead[] = rows.map((r, i) => ({
    line: lines[i]!,
    accountId: r.accountId ?? accountOf.get(r.meterId) ?? '',
    meterId: r.meterId,
    readUnit: r.unit,
    read: r.rawValue ?? (r.value ?? '').toString(),
    readTime: localText(r.readAt),
    flags: r.flags.join(' '),
  }));
  const judged = eachMeterResult({
    history,
    windows: [
      {
        cycle: String(i.cycleId),
        period: i.period,
        from: localText(windowFrom),
        to: localText(new Date(windowTo.getTime() - 1000)),
      },
    ],
    meters: masters,
    reads,
    previousReads,
    classAverages: classAverages(masters, rows, previousReads),
    ...(i.config ? { config: i.config } : {}),
  });
  const results: MeterResult[] = [];
  await inTransaction(db, async (c) => {
    await c.query(
      `DELETE FROM cycle_meter_result WHERE cycle_run_id = $1 AND status IN ('VALID', 'EXCEPTION')`,
      [runId],
    );
    // An estimated (or otherwise resolved) result written by a clerk stands: those meters are left
    // out of the copy.
    const resolved = new Set(
      (
        await c.query<{ meter_id: string }>(
          'SELECT meter_id FROM cycle_meter_result WHERE cycle_run_id = $1',
          [runId],
        )
      ).rows.map((r) => r.meter_id),
    );
    // Each meter is judged as the copy asks for its row, so the database stores one part of the
    // results while the next is being judged instead of waiting for them all.
    function* resultRows() {
      for (const r of judged) {
        results.push(r);
        if (!resolved.has(r.meterId)) yield resultRow(runId, r, byLine);
      }
    }
    await copyRows(c, 'cycle_meter_result', RESULT_COLUMNS, resultRows());
    i.heartbeat();
    await openExceptions(c, runId, exceptionRows(runId, results, byLine));
  });
  const exceptionMeters = results.filter((r) => r.status === 'exception').length;
  return { meters: results.length, valid: results.length - exceptionMeters, exceptions: exceptionMeters };
}

/**
 * The stored reads of a run by meter, then by the line validation names them by. A line alone is
 * not unique: two files, or a file and a batch through the JSON API (numbered from 1), share
 * numbers.
 */
type ReadsByLine = Map<string, Map<number, StoredRead>>;

function readIdOf(meterId: string, line: number | undefined, byLine: ReadsByLine) {
  return line === undefined ? null : (byLine.get(meterId)?.get(line)?.id ?? null);
}

function exceptionRows(runId: string, results: readonly MeterResult[], byLine: ReadsByLine) {
  return results.flatMap((r) =>
    r.reasons
      .filter((x) => x.severity === 'exception')
      .map((x) => [
        randomUUID(),
        runId,
        r.meterId,
        r.accountId,
        // The read the exception is about: the one its reason names (a read outside the window is
        // not the meter's chosen read), else the meter's chosen read.
        readIdOf(r.meterId, x.lines?.[0] ?? r.read?.line, byLine),
        x.code,
        x.message,
        jsonText({ lines: x.lines ?? [], baseline: r.baseline, days: r.days, consumption: r.consumption }),
      ]),
  );
}

/**
 * Opens the exceptions not already in the queue; an audit row and a timeline entry announce them.
 * Each row: id, run, meter, account, read id, code, message, details (EXCEPTION_COLUMNS).
 */
export async function openExceptions(c: PoolClient, runId: string, exceptions: unknown[][]): Promise<void> {
  // The queue is unique per run, meter and code: a re-run adds (and announces) only new ones.
  const created = await insertRows<{
    account_id: string | null;
    meter_id: string;
    code: string;
    message: string;
  }>(
    c,
    'read_exception',
    EXCEPTION_COLUMNS,
    exceptions,
    'ON CONFLICT DO NOTHING RETURNING account_id, meter_id, code, message',
  );
  if (created.length > 0) {
    await recordAudits(c, SYSTEM_ACTOR, [
      {
        action: 'read-exceptions.open',
        entityType: 'bill_cycle_run',
        entityId: runId,
        after: { exceptions: created.length },
      },
    ]);
  }
  await recordTimelines(
    c,
    SYSTEM_ACTOR,
    created.flatMap((e) =>
      e.account_id
        ? [
            {
              accountId: e.account_id,
              kind: 'read.exception',
              entityType: 'meter',
              entityId: e.meter_id,
              summary: `Read exception ${e.code} on meter ${e.meter_id}: ${e.message}`,
              data: { cycleRunId: runId, code: e.code },
            },
          ]
        : [],
    ),
  );
}
