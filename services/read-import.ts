// Meter reads in: AMI billing-read files (CSV, streamed), Green Button interval feeds (XML), and
// single reads through the API. Reads are stored as received — value, flags, unit, source line —
// and judged later by the bill cycle's validation, so an unknown meter or a garbled value is
// evidence in the exception queue, not a lost row. A file is stored whole or not at all, and
// re-importing the same bytes is a no-op.
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { inTransaction } from '../lib/db/bulk';
import type { Db, Tx } from '../lib/db/prisma';
import { recordAudit, toJson, type Actor } from '../lib/audit';
import { invalid } from '../lib/errors';
import { AmiFileError, readAmiBillingReadBatches, type AmiItem } from '../lib/read-files/ami-csv';
import { GreenButtonError, parseGreenButton } from '../lib/read-files/green-button';
import { parseFlags } from '../domain/reads/validate';
import { checkIntervals } from '../domain/reads/intervals';
import { parseLocalDateTime } from '../domain/reads/time';
import { formatScaled } from '../domain/reads/ratio';
import { isIsoDate } from '../domain/ledger';
import { localMidnight } from '../domain/collections/calendar';
import { UTILITY_TIME_ZONE } from './ledger';

export interface ReadRejection {
  line: number;
  /** An interval's start (ISO instant), for a Green Button interval. */
  time?: string;
  field: string;
  value: string;
  problem: string;
}

export interface ReadImportResult {
  status: 'completed' | 'unchanged';
  importId: string;
  kind: 'ami-csv' | 'green-button' | 'json';
  counts: {
    rows: number;
    stored: number;
    rejected: number;
    meters: number;
    /** Green Button: intervals already stored exactly as the feed has them. */
    alreadyStored?: number;
  };
  rejections: ReadRejection[];
}

const BATCH = 5000;
/**
 * How long an import may wait for a pooled connection: on a busy system (a bill cycle's batches
 * hold connections for seconds) Prisma's default of 2 s refused imports that would have run.
 */
const TX_MAX_WAIT_MS = 30_000;
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The utility's local wall-clock time, kept as the same clock reading in UTC (see ARCHITECTURE). */
export function localTimeToDate(text: string): Date | null {
  if (!parseLocalDateTime(text)) return null;
  const d = new Date(`${text.length === 10 ? `${text}T00:00:00` : text}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

async function already(db: Db, hash: string): Promise<ReadImportResult | null> {
  const prior = await db.readImport.findUnique({ where: { sourceHash: hash } });
  if (!prior) return null;
  const counts = prior.counts as ReadImportResult['counts'];
  return {
    status: 'unchanged',
    importId: prior.id,
    kind: prior.kind as ReadImportResult['kind'],
    counts,
    rejections: prior.rejections as unknown as ReadRejection[],
  };
}

/**
 * Imports an AMI billing-read CSV (its bytes). Malformed rows are reported, not stored.
 *
 * Set-based, because a utility's monthly file is one row per meter: the file is parsed as a stream
 * and its rows go to meter_read through one COPY on the transaction's connection, while the
 * rejections are collected for the import record. The import id is new, so no stored row can
 * collide with another (the (import_id, source_line) key still guards it). A second import of the
 * same bytes is recognised by the hash before any work, or, when two arrive at once, by the
 * unique hash of read_import, and answers as the first did.
 */
export async function importAmiReads(
  db: Db,
  opts: { content: Buffer; fileName: string; actor: Actor },
): Promise<ReadImportResult> {
  const hash = sha256(opts.content);
  const prior = await already(db, hash);
  if (prior) return prior;
  try {
    return await inTransaction(db, async (c) => {
      const importId = randomUUID();
      await c.query(
        `INSERT INTO read_import (id, kind, file_name, source_hash, counts, rejections, actor)
         VALUES ($1, 'ami-csv', $2, $3, '{}', '[]', $4)`,
        [importId, opts.fileName, hash, opts.actor.id],
      );
      const { rows, stored, meters, rejections } = await copyAmiRows(c, opts.content, importId);
      const counts = { rows, stored, rejected: rejections.length, meters };
      await c.query(`UPDATE read_import SET counts = $2::jsonb, rejections = $3::jsonb WHERE id = $1`, [
        importId,
        JSON.stringify(counts),
        JSON.stringify(rejections),
      ]);
      // The audit row in the same transaction, as recordAudit writes it (no `before`: JSON null).
      await c.query(
        `INSERT INTO audit_event (actor, actor_role, action, entity_type, entity_id, before, after, request_id)
         VALUES ($1, $2, 'reads.import', 'read_import', $3, 'null'::jsonb, $4::jsonb, $5)`,
        [
          opts.actor.id,
          opts.actor.role,
          importId,
          JSON.stringify({ kind: 'ami-csv', fileName: opts.fileName, sourceHash: hash, counts }),
          opts.actor.requestId ?? null,
        ],
      );
      return { status: 'completed' as const, importId, kind: 'ami-csv' as const, counts, rejections };
    });
  } catch (err) {
    if (err instanceof AmiFileError) throw invalid('content', `content: ${err.message}`);
    // The same file imported at the same moment by someone else: theirs committed first.
    if ((err as { constraint?: string }).constraint === 'read_import_source_hash_key') {
      const first = await already(db, hash);
      if (first) return first;
    }
    throw err;
  }
}

const METER_READ_COLUMNS =
  'meter_id, account_id, read_at, value, raw_value, unit, source, flags, import_id, source_line';

/** Bytes of the file handed to the parser at a time. */
const PIECE = 256 * 1024;

/**
 * Parses the file and streams its storable rows into meter_read with COPY on `c` (inside the
 * caller's transaction). A file that cannot be parsed aborts the COPY, and the caller rolls back.
 */
async function copyAmiRows(
  c: PoolClient,
  content: Buffer,
  importId: string,
): Promise<{ rows: number; stored: number; meters: number; rejections: ReadRejection[] }> {
  const copy = c.query(copyFrom(`COPY meter_read (${METER_READ_COLUMNS}) FROM STDIN`));
  const done = finished(copy);
  done.catch(() => undefined); // awaited below; an aborted COPY must not surface as unhandled
  const rejections: ReadRejection[] = [];
  const meters = new Set<string>();
  let rows = 0;
  let stored = 0;
  try {
    for await (const batch of readAmiBillingReadBatches(Readable.from(pieces(content)))) {
      let text = '';
      for (const item of batch) {
        rows++;
        const { line, rejection } = toCopyLine(item, importId);
        if (rejection) rejections.push(rejection);
        if (line !== undefined) {
          text += line;
          stored++;
          meters.add(item.raw!.meterId);
        }
      }
      if (text !== '' && !copy.write(text)) await once(copy, 'drain');
    }
    copy.end();
    await done;
  } catch (err) {
    // Sends CopyFail, so the connection leaves COPY and the transaction can roll back.
    if (!copy.destroyed) copy.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  return { rows, stored, meters: meters.size, rejections };
}

function* pieces(content: Buffer): Generator<Buffer> {
  for (let at = 0; at < content.length; at += PIECE) yield content.subarray(at, at + PIECE);
}

/**
 * A row the file could attribute to a meter is stored (with its problems for validation to
 * judge: a non-numeric value is stored with a null value and its raw text); one that cannot be
 * attributed, or has no readable time, is only reported. A stored row is one line of COPY text.
 */
function toCopyLine(item: AmiItem, importId: string): { line?: string; rejection?: ReadRejection } {
  const raw = item.raw;
  const rejection: ReadRejection | undefined =
    item.kind === 'rejected'
      ? { line: item.line, field: item.field, value: item.value, problem: item.problem }
      : undefined;
  if (!raw || raw.meterId === '')
    return { rejection: rejection ?? { line: item.line, field: 'Meter_ID', value: '', problem: 'is empty' } };
  const readAt = localTimeToDate(raw.readTime);
  if (!readAt)
    return {
      rejection: rejection ?? {
        line: item.line,
        field: 'Read_Time',
        value: raw.readTime,
        problem: 'is not a timestamp',
      },
    };
  const read = raw.read.trim();
  const value = READ_DIGITS.test(read) ? read : NULL;
  const flags = raw.flags === '' ? '{}' : pgTextArray(parseFlags(raw.flags));
  const line =
    `${copyText(raw.meterId)}\t${raw.accountId === '' ? NULL : copyText(raw.accountId)}\t` +
    `${readAt.toISOString()}\t${value}\t${copyText(raw.read)}\t${copyText(raw.readUnit)}\tAMI_CSV\t` +
    `${copyText(flags)}\t${importId}\t${item.line}\n`;
  return rejection ? { line, rejection } : { line };
}

/** A register value meter_read can hold (bigint) and the bill cycle can use. */
const READ_DIGITS = /^\d{1,15}$/;
/** NULL in COPY's text format. */
const NULL = '\\N';
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: backslash escapes for the delimiters. */
function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]!) : s;
}

/** A Postgres text[] literal: every element quoted, so no flag text can change the array. */
function pgTextArray(items: readonly string[]): string {
  return `{${items.map((f) => `"${f.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * Imports a Green Button (ESPI) usage feed: intervals are kept as received, in Wh. An interval
 * already stored as it is counts as alreadyStored; one that differs from a stored interval or
 * overlaps one is a rejection (line, time, field, why) and is not stored.
 */
export async function importGreenButton(
  db: Db,
  opts: { content: Buffer; fileName: string; actor: Actor },
): Promise<ReadImportResult> {
  const hash = sha256(opts.content);
  const prior = await already(db, hash);
  if (prior) return prior;
  let usage;
  try {
    usage = parseGreenButton(opts.content.toString('utf8'));
  } catch (err) {
    if (err instanceof GreenButtonError) throw invalid('content', `content: ${err.message}`);
    throw err;
  }
  const meter = await db.meter.findUnique({ where: { id: usage.meterId } });
  if (!meter)
    throw invalid(
      'content',
      `content: the feed is for meter ${usage.meterId}, which is not in the meter master`,
    );
  // A Green Button feed is electric use in Wh: stored against a water or gas meter (or an electric
  // one billed in another unit) it would be summed as that meter's use.
  if (meter.service !== 'ELECTRIC' || meter.readUnit !== 'KWH')
    throw invalid(
      'content',
      `content: the feed is for meter ${usage.meterId}, whose service is ${meter.service} and readUnit ` +
        `${meter.readUnit}; a Green Button feed (Wh) is only for an ELECTRIC meter read in KWH`,
    );
  return db.$transaction(
    async (tx: Tx) => {
      const run = await tx.readImport.create({
        data: {
          kind: 'green-button',
          fileName: opts.fileName,
          sourceHash: hash,
          counts: {},
          rejections: [],
          actor: opts.actor.id,
        },
      });
      // One feed per meter at a time, so the stored intervals checked are the ones it meets.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`interval_read:${usage.meterId}`}))`;
      const feed = usage.intervals.map((iv, i) => ({ ...iv, line: usage.lines[i]! }));
      // The stored intervals the feed can meet: those starting within its span, and the last one
      // starting before it (stored intervals do not overlap one another, so no earlier one reaches
      // into the feed). Both by the (meter_id, start) key. The feed's intervals are sorted by start
      // and do not overlap one another either: the last one ends the feed.
      const first = feed[0];
      const last = feed[feed.length - 1];
      const stored =
        first && last
          ? (
              await tx.$queryRaw<{ start: Date; duration_sec: number; value_wh: bigint }[]>`
              (SELECT start, duration_sec, value_wh FROM interval_read
                WHERE meter_id = ${usage.meterId} AND start >= ${new Date(first.start * 1000)}
                  AND start < ${new Date((last.start + last.duration) * 1000)})
              UNION ALL
              (SELECT start, duration_sec, value_wh FROM interval_read
                WHERE meter_id = ${usage.meterId} AND start < ${new Date(first.start * 1000)}
                ORDER BY start DESC LIMIT 1)`
            ).map((r) => ({ start: r.start.getTime() / 1000, duration: r.duration_sec, value: r.value_wh }))
          : [];
      // A stored interval is never replaced nor overlapped: a corrected or finer-grained feed over
      // it is reported interval by interval, and only what meets nothing stored is stored.
      const check = checkIntervals(feed, stored);
      const rejections: ReadRejection[] = check.conflicts;
      let storedCount = 0;
      for (let i = 0; i < check.fresh.length; i += BATCH) {
        const data = check.fresh.slice(i, i + BATCH).map((iv) => ({
          meterId: usage.meterId,
          start: new Date(iv.start * 1000),
          durationSec: iv.duration,
          valueWh: BigInt(iv.value),
          importId: run.id,
        }));
        storedCount += (await tx.intervalRead.createMany({ data })).count;
      }
      const counts = {
        rows: usage.intervals.length,
        stored: storedCount,
        rejected: rejections.length,
        meters: 1,
        alreadyStored: check.alreadyStored,
      };
      await tx.readImport.update({
        where: { id: run.id },
        data: { counts, rejections: toJson(rejections) },
      });
      await recordAudit(tx, opts.actor, {
        action: 'reads.import',
        entityType: 'read_import',
        entityId: run.id,
        after: {
          kind: 'green-button',
          fileName: opts.fileName,
          sourceHash: hash,
          meterId: usage.meterId,
          counts,
        },
      });
      return {
        status: 'completed' as const,
        importId: run.id,
        kind: 'green-button' as const,
        counts,
        rejections,
      };
    },
    { timeout: 300_000, maxWait: TX_MAX_WAIT_MS },
  );
}

/**
 * A usage bound as an instant. Interval starts are true instants (Unix seconds in the feed), not
 * local clock readings like AMI reads, so a date alone is the utility's local midnight beginning
 * that day — a local month is [its first local midnight, the next month's), 721 hours in November
 * when the clocks fall back — and a date-time with its offset is itself.
 */
function usageBound(text: string): Date {
  return isIsoDate(text) ? localMidnight(text, UTILITY_TIME_ZONE) : new Date(text);
}

/** Interval usage of a meter summed over [from, to) (dates or date-times), exactly, in kWh. */
export async function intervalUsage(db: Db, meterId: string, fromText: string, toText: string) {
  const from = usageBound(fromText);
  const to = usageBound(toText);
  if (to.getTime() <= from.getTime()) throw invalid('to', `to: ${toText} is not after from ${fromText}`);
  const [r] = await db.$queryRaw<{ wh: bigint | null; n: bigint; covered: bigint | null }[]>`
    SELECT sum(value_wh) AS wh, count(*) AS n, sum(duration_sec) AS covered
    FROM interval_read WHERE meter_id = ${meterId} AND start >= ${from} AND start < ${to}`;
  const wh = r?.wh ?? 0n;
  const seconds = BigInt(Math.round((to.getTime() - from.getTime()) / 1000));
  return {
    meterId,
    from: from.toISOString(),
    to: to.toISOString(),
    intervals: Number(r?.n ?? 0n),
    wh: wh.toString(),
    kwh: formatScaled(wh, 3),
    complete: (r?.covered ?? 0n) === seconds,
  };
}

export interface JsonRead {
  meterId: string;
  /** The utility's local time, YYYY-MM-DDTHH:MM:SS. */
  readAt: string;
  value: number;
  flags?: string[] | undefined;
  accountId?: string | undefined;
}

/**
 * Reads through the API, one or a batch. The batch is stored whole or not at all, and the same
 * batch sent again (same content) is recognised and not stored twice.
 */
export async function importJsonReads(
  db: Db,
  opts: { reads: JsonRead[]; source: 'API' | 'FIELD'; actor: Actor },
): Promise<ReadImportResult> {
  const canonical = JSON.stringify(
    opts.reads.map((r) => [r.meterId, r.readAt, r.value, [...(r.flags ?? [])].sort(), r.accountId ?? null]),
  );
  const hash = sha256(`json:${opts.source}:${canonical}`);
  const prior = await already(db, hash);
  if (prior) return prior;
  const meters = await db.meter.findMany({
    where: { id: { in: [...new Set(opts.reads.map((r) => r.meterId))] } },
  });
  const byId = new Map(meters.map((m) => [m.id, m]));
  const rejections: ReadRejection[] = [];
  opts.reads.forEach((r, i) => {
    const m = byId.get(r.meterId);
    if (!m)
      rejections.push({
        line: i + 1,
        field: 'meterId',
        value: r.meterId,
        problem: 'is not in the meter master',
      });
    else if (r.value >= 10 ** m.dials)
      rejections.push({
        line: i + 1,
        field: 'value',
        value: String(r.value),
        problem: `has more digits than the meter's ${m.dials} dials`,
      });
    if (!localTimeToDate(r.readAt))
      rejections.push({
        line: i + 1,
        field: 'readAt',
        value: r.readAt,
        problem: 'is not a local timestamp YYYY-MM-DDTHH:MM:SS',
      });
  });
  if (rejections.length) {
    const first = rejections[0]!;
    throw invalid(
      `reads.${first.line - 1}.${first.field}`,
      `reads[${first.line - 1}].${first.field} ${first.problem}`,
    );
  }
  return db.$transaction(
    async (tx) => {
      const run = await tx.readImport.create({
        data: {
          kind: 'json',
          fileName: `${opts.source.toLowerCase()}-batch`,
          sourceHash: hash,
          counts: {},
          rejections: [],
          actor: opts.actor.id,
        },
      });
      const data = opts.reads.map((r, i) => ({
        meterId: r.meterId,
        accountId: r.accountId ?? null,
        readAt: localTimeToDate(r.readAt)!,
        value: BigInt(r.value),
        rawValue: String(r.value),
        unit: byId.get(r.meterId)!.readUnit,
        source: opts.source,
        flags: (r.flags ?? []).map((f) => f.toUpperCase()),
        importId: run.id,
        sourceLine: i + 1,
      }));
      const stored = (await tx.meterRead.createMany({ data })).count;
      const counts = { rows: data.length, stored, rejected: 0, meters: byId.size };
      await tx.readImport.update({ where: { id: run.id }, data: { counts } });
      await recordAudit(tx, opts.actor, {
        action: 'reads.import',
        entityType: 'read_import',
        entityId: run.id,
        after: { kind: 'json', source: opts.source, counts },
      });
      return {
        status: 'completed' as const,
        importId: run.id,
        kind: 'json' as const,
        counts,
        rejections: [],
      };
    },
    { maxWait: TX_MAX_WAIT_MS },
  );
}
