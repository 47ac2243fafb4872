// Audit trail export for auditors: JSON pages (by sequence) or a CSV of everything that matches.
import type { Prisma } from '@prisma/client';
import type { z } from 'zod';
import type { Db } from '../lib/db/prisma';
import type { ZAuditQuery } from '../api/schemas';
import { rangeEndExclusive, rangeStart } from './ledger';

type Query = z.infer<typeof ZAuditQuery>;

function where(q: Query): Prisma.AuditEventWhereInput {
  return {
    ...(q.entity ? { entityType: q.entity } : {}),
    ...(q.entityId ? { entityId: q.entityId } : {}),
    ...(q.accountId ? { accountId: q.accountId } : {}),
    ...(q.from || q.to
      ? {
          occurredAt: {
            ...(q.from ? { gte: rangeStart(q.from) } : {}),
            ...(q.to ? { lt: rangeEndExclusive(q.to) } : {}),
          },
        }
      : {}),
    ...(q.afterSeq !== undefined ? { seq: { gt: BigInt(q.afterSeq) } } : {}),
  };
}

const view = (e: Prisma.AuditEventGetPayload<object>) => ({
  ...e,
  seq: e.seq.toString(),
  occurredAt: e.occurredAt.toISOString(),
});

export async function auditPage(db: Db, q: Query) {
  const rows = await db.auditEvent.findMany({ where: where(q), orderBy: { seq: 'asc' }, take: q.limit });
  const items = rows.map(view);
  return { items, nextAfterSeq: rows.length === q.limit ? items[items.length - 1]!.seq : null };
}

const CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'actor',
  'actorRole',
  'action',
  'entityType',
  'entityId',
  'accountId',
  'reason',
  'requestId',
  'before',
  'after',
  'prevHash',
  'hash',
] as const;

export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Quote always; neutralise spreadsheet formulas (a cell starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Writes every matching event as CSV, in pages, so a large export never sits in memory whole. */
export async function writeAuditCsv(db: Db, q: Query, write: (chunk: string) => void): Promise<void> {
  write(`${CSV_COLUMNS.join(',')}\n`);
  let afterSeq = q.afterSeq;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: where({ ...q, afterSeq }),
      orderBy: { seq: 'asc' },
      take: 2000,
    });
    for (const r of rows) {
      const v = view(r) as Record<string, unknown>;
      write(`${CSV_COLUMNS.map((c) => csvCell(v[c])).join(',')}\n`);
    }
    if (rows.length < 2000) return;
    afterSeq = Number(rows[rows.length - 1]!.seq);
  }
}
