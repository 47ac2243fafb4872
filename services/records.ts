// Create and update with their audit trail: the change, its audit event and (for account-related
// records) its timeline entry commit in one transaction. Every CRUD use case goes through here.
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { notFound } from '../lib/errors';

export interface RecordKind<T> {
  /** audit entity_type, e.g. 'customer' */
  entityType: string;
  /** human label for messages, e.g. 'Customer' */
  label: string;
  accountIdOf?: (row: T) => string | null;
  /** what the audit trail keeps of a row (mask personal data here) */
  auditView?: (row: T) => unknown;
  /**
   * what an update compares to decide whether anything changed, when the audit view would hide a
   * change (two masked values can look alike); kept in memory only, never stored
   */
  diffView?: (row: T) => unknown;
  timeline?: { created?: (row: T) => string; updated?: (row: T, changed: string[]) => string };
}

export async function createRecord<T extends { id: string }>(
  db: Db,
  actor: Actor,
  kind: RecordKind<T>,
  create: (tx: Tx) => Promise<T>,
  reason?: string,
): Promise<T> {
  return db.$transaction(async (tx) => {
    const row = await create(tx);
    const view = kind.auditView ?? ((r: T) => r);
    const accountId = kind.accountIdOf?.(row) ?? null;
    await recordChange(
      tx,
      actor,
      {
        action: `${kind.entityType}.create`,
        entityType: kind.entityType,
        entityId: row.id,
        accountId,
        after: view(row),
        reason,
      },
      kind.timeline?.created && accountId
        ? { kind: `${kind.entityType}.created`, summary: kind.timeline.created(row) }
        : undefined,
    );
    return row;
  });
}

export async function updateRecord<T extends { id: string }>(
  db: Db,
  actor: Actor,
  kind: RecordKind<T>,
  id: string,
  load: (tx: Tx) => Promise<T | null>,
  apply: (tx: Tx, before: T) => Promise<T>,
  reason?: string,
): Promise<T> {
  return db.$transaction(async (tx) => {
    const before = await load(tx);
    if (!before) throw notFound(kind.label, id);
    const after = await apply(tx, before);
    const view = kind.auditView ?? ((r: T) => r);
    const compared = kind.diffView ?? view;
    const changed = changedFields(compared(before), compared(after));
    if (changed.length === 0) return after; // nothing changed: nothing to audit
    const accountId = kind.accountIdOf?.(after) ?? null;
    await recordChange(
      tx,
      actor,
      {
        action: `${kind.entityType}.update`,
        entityType: kind.entityType,
        entityId: id,
        accountId,
        before: view(before),
        after: view(after),
        reason,
      },
      kind.timeline?.updated && accountId
        ? { kind: `${kind.entityType}.updated`, summary: kind.timeline.updated(after, changed) }
        : undefined,
    );
    return after;
  });
}

function changedFields(a: unknown, b: unknown): string[] {
  const x = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  const y = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
  return Object.keys({ ...x, ...y }).filter(
    (k) => k !== 'updatedAt' && JSON.stringify(x[k]) !== JSON.stringify(y[k]),
  );
}

/** Next number for a record created in OpenCIS, e.g. C500001 (see the *_number_seq sequences). */
export async function nextNumber(
  tx: Tx,
  sequence: 'customer' | 'premise' | 'account' | 'service_order',
): Promise<number> {
  const rows = await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT nextval('${sequence}_number_seq') AS n`);
  return Number(rows[0]!.n);
}
