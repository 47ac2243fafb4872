// Exactly-once effects over at-least-once delivery. A step claims its key inside the caller's
// transaction; if the key was already claimed (a retried activity, a replayed request) the stored
// result is returned and the step's writes are not repeated. Keys come from the workflow id and
// the step, or from the client's Idempotency-Key.
import type { PoolClient } from 'pg';
import type { Db, Tx } from './db/prisma';
import { toJson } from './audit';
import { jsonText } from './audit-batch';

/** Where the claims live: the idempotency_record table, through the caller's transaction. */
interface ClaimStore {
  /** Inserts the claim; false when the key was claimed before. */
  claim(key: string, scope: string, requestHash: string | null): Promise<boolean>;
  prior(key: string): Promise<{ result: unknown; requestHash: string | null }>;
  save(key: string, result: unknown): Promise<void>;
}

async function claimOnce<T>(
  store: ClaimStore,
  key: string,
  scope: string,
  step: () => Promise<T>,
  requestHash: string | null,
): Promise<{ result: T; replayed: boolean; requestHash: string | null }> {
  if (!(await store.claim(key, scope, requestHash))) {
    const prior = await store.prior(key);
    return { result: prior.result as T, replayed: true, requestHash: prior.requestHash };
  }
  const result = await step();
  await store.save(key, result);
  return { result, replayed: false, requestHash };
}

/** Runs `step` once per key, inside the caller's Prisma transaction. */
export function once<T>(
  tx: Tx,
  key: string,
  scope: string,
  step: () => Promise<T>,
  requestHash?: string,
): Promise<{ result: T; replayed: boolean; requestHash: string | null }> {
  const store: ClaimStore = {
    claim: async (k, sc, hash) =>
      (
        await tx.idempotencyRecord.createMany({
          data: [{ key: k, scope: sc, result: {}, requestHash: hash }],
          skipDuplicates: true,
        })
      ).count > 0,
    prior: (k) => tx.idempotencyRecord.findUniqueOrThrow({ where: { key: k } }),
    save: async (k, result) => {
      await tx.idempotencyRecord.update({ where: { key: k }, data: { result: toJson(result ?? null) } });
    },
  };
  return claimOnce(store, key, scope, step, requestHash ?? null);
}

/** `once` on a pg connection in the caller's transaction (lib/db/bulk.ts), for hot paths. */
export function onceOn<T>(
  c: PoolClient,
  key: string,
  scope: string,
  step: () => Promise<T>,
): Promise<{ result: T; replayed: boolean; requestHash: string | null }> {
  const store: ClaimStore = {
    claim: async (k, sc, hash) =>
      ((
        await c.query(
          `INSERT INTO idempotency_record (key, scope, result, request_hash) VALUES ($1, $2, '{}', $3)
           ON CONFLICT (key) DO NOTHING`,
          [k, sc, hash],
        )
      ).rowCount ?? 0) > 0,
    prior: async (k) =>
      (
        await c.query<{ result: unknown; requestHash: string | null }>(
          'SELECT result, request_hash AS "requestHash" FROM idempotency_record WHERE key = $1',
          [k],
        )
      ).rows[0]!,
    save: async (k, result) => {
      await c.query('UPDATE idempotency_record SET result = $2::jsonb WHERE key = $1', [k, jsonText(result)]);
    },
  };
  return claimOnce(store, key, scope, step, null);
}

/** Whether a step has claimed `key` (in idempotency_record): for clientKeyFor's `storedBefore`. */
export async function keyClaimed(db: Tx | Db, key: string): Promise<boolean> {
  return Boolean(await db.idempotencyRecord.findUnique({ where: { key }, select: { key: true } }));
}

/**
 * Where a client's Idempotency-Key is stored: `<prefix><user> <key>`, under the user who sent it,
 * so one user's key never answers another user's request (nor refuses it as a different one). The
 * space cannot occur in a client's key (visible ASCII only) nor in the encoded user id, so no key
 * of one form can be made to read as the other.
 *
 * A key stored before keys were kept per user (`<prefix><key>`, found by `storedBefore`) keeps
 * that form: its retry is still answered once, as it was when it was first sent.
 */
export async function clientKeyFor(
  prefix: string,
  actorId: string,
  clientKey: string,
  storedBefore: (legacyKey: string) => Promise<boolean>,
): Promise<string> {
  const legacy = `${prefix}${clientKey}`;
  return (await storedBefore(legacy)) ? legacy : `${prefix}${encodeURIComponent(actorId)} ${clientKey}`;
}
