// Meter reads in: AMI billing-read files (CSV, streamed), Green Button interval feeds (XML), and
// single reads through the API. Reads are stored as received — value, flags, unit, source line —
// and judged later by the bill cycle's validation, so an unknown meter or a garbled value is
// evidence in the exception queue, not a lost row. A file is stored whole or not at all, and
// re-importing the same bytes is a no-op.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Prisma } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordAudit, toJson, type Actor } from '../lib/audit';
import { invalid } from '../lib/errors';
import { AmiFileError, readAmiBillingReads, type AmiItem } from '../lib/read-files/ami-csv';
import { GreenButtonError, parseGreenButton } from '../lib/read-files/green-button';
import { parseFlags } from '../domain/reads/validate';
import { parseLocalDateTime } from '../domain/reads/time';

export interface ReadRejection {
  line: number;
  field: string;
  value: string;
  problem: string;
}

export interface ReadImportResult {
  status: 'completed' | 'unchanged';
  importId: string;
  kind: 'ami-csv' | 'green-button' | 'json';
  counts: { rows: number; stored: number; rejected: number; meters: number };
  rejections: ReadRejection[];
}

const BATCH = 5000;
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

/** Imports an AMI billing-read CSV (its bytes). Malformed rows are reported, not stored. */
export async function importAmiReads(
  db: Db,
  opts: { content: Buffer; fileName: string; actor: Actor },
): Promise<ReadImportResult> {
  const hash = sha256(opts.content);
  const prior = await already(db, hash);
  if (prior) return prior;
  try {
    return await db.$transaction(
      async (tx) => {
        const run = await tx.readImport.create({
          data: {
            kind: 'ami-csv',
            fileName: opts.fileName,
            sourceHash: hash,
            counts: {},
            rejections: [],
            actor: opts.actor.id,
          },
        });
        const rejections: ReadRejection[] = [];
        const meters = new Set<string>();
        let rows = 0;
        let stored = 0;
        let batch: Prisma.MeterReadCreateManyInput[] = [];
        const flush = async () => {
          if (batch.length)
            stored += (await tx.meterRead.createMany({ data: batch, skipDuplicates: true })).count;
          batch = [];
        };
        for await (const item of readAmiBillingReads(Readable.from(opts.content))) {
          rows++;
          const { stored: read, rejection } = toStoredRead(item, run.id);
          if (rejection) rejections.push(rejection);
          if (read) {
            batch.push(read);
            meters.add(read.meterId);
            if (batch.length >= BATCH) await flush();
          }
        }
        await flush();
        const counts = { rows, stored, rejected: rejections.length, meters: meters.size };
        await tx.readImport.update({
          where: { id: run.id },
          data: { counts, rejections: toJson(rejections) },
        });
        await recordAudit(tx, opts.actor, {
          action: 'reads.import',
          entityType: 'read_import',
          entityId: run.id,
          after: { kind: 'ami-csv', fileName: opts.fileName, sourceHash: hash, counts },
        });
        return {
          status: 'completed' as const,
          importId: run.id,
          kind: 'ami-csv' as const,
          counts,
          rejections,
        };
      },
      { timeout: 600_000, maxWait: 30_000 },
    );
  } catch (err) {
    if (err instanceof AmiFileError) throw invalid('content', `content: ${err.message}`);
    throw err;
  }
}

/**
 * A row the file could attribute to a meter is stored (with its problems for validation to
 * judge: a non-numeric value is stored with a null value and its raw text); one that cannot be
 * attributed, or has no readable time, is only reported.
 */
function toStoredRead(
  item: AmiItem,
  importId: string,
): { stored?: Prisma.MeterReadCreateManyInput; rejection?: ReadRejection } {
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
  const numeric = /^\d{1,15}$/.test(raw.read.trim());
  const stored: Prisma.MeterReadCreateManyInput = {
    meterId: raw.meterId,
    accountId: raw.accountId || null,
    readAt,
    value: numeric ? BigInt(raw.read.trim()) : null,
    rawValue: raw.read,
    unit: raw.readUnit,
    source: 'AMI_CSV',
    flags: parseFlags(raw.flags),
    importId,
    sourceLine: item.line,
  };
  return rejection ? { stored, rejection } : { stored };
}

/** Imports a Green Button (ESPI) usage feed: intervals are kept as received, in Wh. */
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
      let stored = 0;
      for (let i = 0; i < usage.intervals.length; i += BATCH) {
        const data = usage.intervals.slice(i, i + BATCH).map((iv) => ({
          meterId: usage.meterId,
          start: new Date(iv.start * 1000),
          durationSec: iv.duration,
          valueWh: BigInt(iv.value),
          importId: run.id,
        }));
        stored += (await tx.intervalRead.createMany({ data, skipDuplicates: true })).count;
      }
      const counts = { rows: usage.intervals.length, stored, rejected: 0, meters: 1 };
      await tx.readImport.update({ where: { id: run.id }, data: { counts } });
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
        rejections: [],
      };
    },
    { timeout: 300_000 },
  );
}

/** Interval usage of a meter summed over [from, to), exactly, in kWh. */
export async function intervalUsage(db: Db, meterId: string, from: Date, to: Date) {
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
    kwh: `${wh / 1000n}.${(wh % 1000n).toString().padStart(3, '0')}`,
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
  return db.$transaction(async (tx) => {
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
    return { status: 'completed' as const, importId: run.id, kind: 'json' as const, counts, rejections: [] };
  });
}
