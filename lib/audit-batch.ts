// Audit and timeline rows many at a time, on a pg connection in the writer's own transaction
// (lib/db/bulk.ts): for the set-based bill cycle, which records one row per bill, fee or notice
// without one statement per row. Same columns and JSON shapes as lib/audit.ts; the database
// trigger chains each audit row as usual.
import type { PoolClient } from 'pg';
import { copyRows, insertRows, type CopyValue } from './db/bulk';
import type { Actor, AuditInput, TimelineInput } from './audit';

/** JSON text as lib/audit.ts stores it: bigints as strings, absent values as JSON null. */
export const jsonText = (value: unknown): string =>
  JSON.stringify(value ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** From this many rows, COPY: it costs both sides less per row than unnest's array parameters. */
const COPY_FROM_ROWS = 50;

/**
 * Appends rows to an append-only table in the caller's transaction: one INSERT … unnest for a few
 * rows (one round trip), COPY for many. A bill cycle records a row per bill (100,000 audit and
 * as many timeline rows a run); per row, COPY costs Node about a third less, and Postgres a little
 * less, than the same rows as array parameters. Row triggers (the audit chain) fire either way.
 */
async function appendRows(
  c: PoolClient,
  table: string,
  columns: Readonly<Record<string, string>>,
  rows: readonly (readonly CopyValue[])[],
): Promise<void> {
  if (rows.length >= COPY_FROM_ROWS) await copyRows(c, table, Object.keys(columns), rows);
  else await insertRows(c, table, columns, rows);
}

export async function recordAudits(
  c: PoolClient,
  actor: Actor,
  events: readonly AuditInput[],
): Promise<void> {
  await appendRows(
    c,
    'audit_event',
    {
      actor: 'text',
      actor_role: 'text',
      action: 'text',
      entity_type: 'text',
      entity_id: 'text',
      account_id: 'text',
      before: 'jsonb',
      after: 'jsonb',
      reason: 'text',
      request_id: 'text',
    },
    events.map((e) => [
      actor.id,
      actor.role,
      e.action,
      e.entityType,
      e.entityId,
      e.accountId ?? null,
      jsonText(e.before),
      jsonText(e.after),
      e.reason ?? null,
      actor.requestId ?? null,
    ]),
  );
}

export async function recordTimelines(
  c: PoolClient,
  actor: Actor,
  events: readonly (TimelineInput & { entityType: string; entityId: string })[],
): Promise<void> {
  const now = new Date().toISOString();
  await appendRows(
    c,
    'timeline_event',
    {
      account_id: 'text',
      occurred_at: 'timestamptz',
      kind: 'text',
      entity_type: 'text',
      entity_id: 'text',
      summary: 'text',
      actor: 'text',
      data: 'jsonb',
    },
    events.map((t) => [
      t.accountId,
      t.occurredAt?.toISOString() ?? now,
      t.kind,
      t.entityType,
      t.entityId,
      t.summary,
      actor.id,
      jsonText(t.data),
    ]),
  );
}

/**
 * lib/audit.ts recordChange on a pg connection: the audit row and, when the change concerns an
 * account, its timeline entry, in the caller's transaction.
 */
export async function recordChangeOn(
  c: PoolClient,
  actor: Actor,
  e: AuditInput,
  timeline?: Omit<TimelineInput, 'accountId'> & { accountId?: string },
): Promise<void> {
  await recordAudits(c, actor, [e]);
  const accountId = timeline?.accountId ?? e.accountId;
  if (timeline && accountId)
    await recordTimelines(c, actor, [
      { ...timeline, accountId, entityType: e.entityType, entityId: e.entityId },
    ]);
}
