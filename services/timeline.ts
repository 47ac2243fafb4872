// The account timeline: one chronological feed of everything that happened on an account, newest
// first, paginated with an opaque cursor (occurred_at, id) so pages stay stable while new events
// arrive. CSR interactions are logged here too.
import type { z } from 'zod';
import type { Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { invalid, notFound } from '../lib/errors';
import type { ZInteractionCreate, ZTimelineQuery } from '../api/schemas';

export async function logInteraction(
  db: Db,
  actor: Actor,
  accountId: string,
  input: z.infer<typeof ZInteractionCreate>,
) {
  return db.$transaction(async (tx) => {
    const account = await tx.account.findUnique({ where: { id: accountId }, select: { id: true } });
    if (!account) throw notFound('Account', accountId);
    const occurredAt = input.occurredAt ? new Date(input.occurredAt) : new Date();
    const row = await tx.interaction.create({
      data: {
        accountId,
        channel: input.channel,
        direction: input.direction,
        subject: input.subject,
        notes: input.notes ?? null,
        occurredAt,
        createdBy: actor.id,
      },
    });
    await recordChange(
      tx,
      actor,
      { action: 'interaction.create', entityType: 'interaction', entityId: row.id, accountId, after: row },
      {
        kind: 'interaction',
        occurredAt,
        summary: `${input.direction === 'INBOUND' ? 'Inbound' : 'Outbound'} ${input.channel.toLowerCase()}: ${input.subject}`,
        data: { channel: row.channel, direction: row.direction, notes: row.notes },
      },
    );
    return row;
  });
}

/** A bare date as `to` means "through the end of that day" (as in the audit export). */
const endOf = (to: string) => (to.length === 10 ? new Date(`${to}T23:59:59.999Z`) : new Date(to));

const encodeCursor = (at: Date, id: bigint) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
const MAX_BIGINT = 9223372036854775807n; // timeline_event.id is a Postgres bigint
function decodeCursor(cursor: string): { at: Date; id: bigint } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  // encodeCursor wrote a stored timestamp with toISOString() and a bigint id; anything else
  // (year 0000, an id past bigint) would only fail in the database, as a 500.
  const valid =
    !!id &&
    /^\d{1,19}$/.test(id) &&
    BigInt(id) <= MAX_BIGINT &&
    !Number.isNaN(date.getTime()) &&
    date.toISOString() === at &&
    date.getUTCFullYear() >= 1;
  if (!valid) throw invalid('cursor', 'cursor: not a cursor this API returned');
  return { at: date, id: BigInt(id) };
}

export async function accountTimeline(db: Db, accountId: string, q: z.infer<typeof ZTimelineQuery>) {
  const account = await db.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!account) throw notFound('Account', accountId);
  const kinds = q.kind
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await db.timelineEvent.findMany({
    where: {
      accountId,
      ...(kinds?.length
        ? { OR: kinds.map((k) => (k.endsWith('*') ? { kind: { startsWith: k.slice(0, -1) } } : { kind: k })) }
        : {}),
      ...(q.from || q.to
        ? {
            occurredAt: {
              ...(q.from ? { gte: new Date(q.from) } : {}),
              ...(q.to ? { lte: endOf(q.to) } : {}),
            },
          }
        : {}),
      ...(after
        ? {
            AND: [{ OR: [{ occurredAt: { lt: after.at } }, { occurredAt: after.at, id: { lt: after.id } }] }],
          }
        : {}),
    },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    accountId,
    items: page.map((e) => ({ ...e, id: e.id.toString() })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.occurredAt, last.id) : null,
  };
}
