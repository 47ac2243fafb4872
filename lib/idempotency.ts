// Exactly-once effects over at-least-once delivery. A step claims its key inside the caller's
// transaction; if the key was already claimed (a retried activity, a replayed request) the stored
// result is returned and the step's writes are not repeated. Keys come from the workflow id and
// the step, or from the client's Idempotency-Key.
import type { PoolClient } from 'pg';
import type { Tx } from './db/prisma';
import { toJson } from './audit';
import { jsonText } from './audit-batch';

export async function once<T>(
  tx: Tx,
  key: string,
  scope: string,
  step: () => Promise<T>,
  requestHash?: string,
): Promise<{ result: T; replayed: boolean; requestHash: string | null }> {
  const claimed = await tx.idempotencyRecord.createMany({
    data: [{ key, scope, result: {}, requestHash: requestHash ?? null }],
    skipDuplicates: true,
  });
  if (claimed.count === 0) {
    const prior = await tx.idempotencyRecord.findUniqueOrThrow({ where: { key } });
    return { result: prior.result as T, replayed: true, requestHash: prior.requestHash };
  }
  const result = await step();
  await tx.idempotencyRecord.update({ where: { key }, data: { result: toJson(result ?? null) } });
  return { result, replayed: false, requestHash: requestHash ?? null };
}

/** `once` on a pg connection in the caller's transaction (lib/db/bulk.ts), for hot paths. */
export async function onceOn<T>(
  c: PoolClient,
  key: string,
  scope: string,
  step: () => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  const claimed = await c.query(
    `INSERT INTO idempotency_record (key, scope, result) VALUES ($1, $2, '{}') ON CONFLICT (key) DO NOTHING`,
    [key, scope],
  );
  if (claimed.rowCount === 0) {
    const prior = await c.query<{ result: T }>('SELECT result FROM idempotency_record WHERE key = $1', [key]);
    return { result: prior.rows[0]!.result, replayed: true };
  }
  const result = await step();
  await c.query('UPDATE idempotency_record SET result = $2::jsonb WHERE key = $1', [key, jsonText(result)]);
  return { result, replayed: false };
}
