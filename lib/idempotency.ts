// Exactly-once effects over at-least-once delivery. A step claims its key inside the caller's
// transaction; if the key was already claimed (a retried activity, a replayed request) the stored
// result is returned and the step's writes are not repeated. Keys come from the workflow id and
// the step, or from the client's Idempotency-Key.
import type { Tx } from './db/prisma';
import { toJson } from './audit';

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
