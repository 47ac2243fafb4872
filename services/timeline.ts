// The account timeline: one chronological feed of everything that happened on an account, newest
// first, paginated with an opaque cursor (occurred_at, id) so pages stay stable while new events
// arrive. CSR interactions are logged here too.
import type { z } from 'zod';
import type { Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { preparedQuery } from '../lib/db/bulk';
import { invalid, notFound } from '../lib/errors';
import { JsonText } from '../lib/json-text';
import type { ZInteractionCreate, ZTimelineQuery } from '../api/schemas';
import { rangeEndExclusive, rangeStart } from './ledger';

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

/** The cursor after an event: its time as toISOString() writes it and its id, opaque to clients. */
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');
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

/** One timeline event as the API returns it: the fields of the timeline_event model, in its order. */
export interface TimelineItem {
  id: string;
  accountId: string;
  occurredAt: string;
  kind: string;
  entityType: string;
  entityId: string;
  summary: string;
  actor: string;
  data: unknown;
}

/** A row of the page statement: the event as JSON text. */
interface PageRow {
  item: string;
}

/**
 * Adds a statement parameter and returns its placeholder. Module level, not a closure per request:
 * under tsx every named inner function costs a defineProperty as it is made (ARCHITECTURE, tsx).
 */
function param(values: unknown[], v: unknown): string {
  return `$${values.push(v)}`;
}

/**
 * The statement behind one page: one index range scan, newest first, behind a one-time check that
 * the account exists; an empty page then asks whether the account is unknown (accountExists). The
 * cursor condition is a row comparison, which the (account_id, occurred_at desc, id desc) index
 * serves as a range however deep the page. Each event comes back as its JSON text, written once
 * with the event (the generated column `item`, migration 20261206000000_timeline_item_json), so
 * neither the database nor the API builds or parses it per read. Exported so the benchmark can
 * EXPLAIN exactly what the service runs.
 */
export function timelinePageSql(accountId: string, q: z.infer<typeof ZTimelineQuery>) {
  const kinds = q.kind
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const values: unknown[] = [accountId];
  const where = ['t.account_id = $1'];
  if (kinds?.length) {
    const exact = kinds.filter((k) => !k.endsWith('*'));
    const any = [
      ...(exact.length ? [`t.kind = ANY(${param(values, exact)}::text[])`] : []),
      ...kinds
        .filter((k) => k.endsWith('*'))
        .map((k) => `starts_with(t.kind, ${param(values, k.slice(0, -1))})`),
    ];
    where.push(`(${any.join(' OR ')})`);
  }
  // A bare date is a day where the utility is (services/ledger.ts rangeStart).
  if (q.from) where.push(`t.occurred_at >= ${param(values, rangeStart(q.from))}::timestamptz`);
  if (q.to) where.push(`t.occurred_at < ${param(values, rangeEndExclusive(q.to))}::timestamptz`);
  if (after)
    where.push(
      `(t.occurred_at, t.id) < (${param(values, after.at)}::timestamptz, ${param(values, after.id.toString())}::bigint)`,
    );
  // The account check is a one-time filter, run once before the scan: an unknown account's page
  // is empty whatever events name it.
  const text = `SELECT t.item
     FROM timeline_event t
     WHERE EXISTS (SELECT FROM account a WHERE a.id = $1) AND ${where.join(' AND ')}
     ORDER BY t.occurred_at DESC, t.id DESC
     LIMIT ${param(values, q.limit + 1)}`;
  return { text, values };
}

/**
 * One page of the account's timeline, newest first, as the JSON text of
 * `{ accountId, items: TimelineItem[], nextCursor }`. Straight on the pg pool as a prepared
 * statement, with each event's JSON as it was stored: this is the most-read route, and parsing,
 * planning and re-serialising the page cost more CPU than the index range scan itself. (One row
 * per event, not the page aggregated into one: the aggregate's sort cost the database more than
 * the rows cost the API. Nor the account joined to the page: the join needed a sort of the page
 * over it.)
 */
export async function accountTimelineJson(
  db: Db,
  accountId: string,
  q: z.infer<typeof ZTimelineQuery>,
): Promise<JsonText> {
  const { text, values } = timelinePageSql(accountId, q);
  const rows = await preparedQuery<PageRow>(db, text, values);
  if (rows.length === 0 && !(await accountExists(db, accountId))) throw notFound('Account', accountId);
  const events = rows.map((r) => r.item);
  const page = events.slice(0, q.limit);
  let nextCursor: string | null = null;
  if (events.length > q.limit) {
    const last = JSON.parse(page[page.length - 1]!) as TimelineItem;
    nextCursor = encodeCursor(last.occurredAt, last.id);
  }
  return new JsonText(
    `{"accountId":${JSON.stringify(accountId)},"items":[${page.join(',')}],` +
      `"nextCursor":${JSON.stringify(nextCursor)}}`,
  );
}

const accountExists = async (db: Db, accountId: string) =>
  (await preparedQuery(db, 'SELECT 1 FROM account WHERE id = $1', [accountId])).length > 0;

/** The same page as objects, for the dashboard. */
export async function accountTimeline(
  db: Db,
  accountId: string,
  q: z.infer<typeof ZTimelineQuery>,
): Promise<{ accountId: string; items: TimelineItem[]; nextCursor: string | null }> {
  return JSON.parse((await accountTimelineJson(db, accountId, q)).text) as {
    accountId: string;
    items: TimelineItem[];
    nextCursor: string | null;
  };
}
