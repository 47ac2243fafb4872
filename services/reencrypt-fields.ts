// Rotating the data encryption key: every value lib/field-crypto.ts encrypted (dates of birth, bank
// account numbers) is decrypted with the current key and written again under the new one.
//
// - Batches of rows in primary-key order, each batch in its own transaction; a value the new key
//   already opens is left as it is. So a run that stops part-way (a crash, a value neither key
//   opens) is simply run again: it finishes the rest and changes nothing twice.
// - A value neither key opens stops the run with its table, column and row named, before that
//   batch is written: nothing is ever written that the new key cannot read back.
// - The API and the worker hold one key: between the first batch and the restart with the new key
//   they cannot read what was already rotated. Run it in a maintenance window (README, runbook).
// - One audit event per run: who rotated, how many values per column. No value, old or new, is
//   logged or audited.
import { randomUUID } from 'node:crypto';
import type { Db } from '../lib/db/prisma';
import { inTransaction, query } from '../lib/db/bulk';
import { recordAudits } from '../lib/audit-batch';
import type { Actor } from '../lib/audit';
import { conflict, invalid } from '../lib/errors';
import { decryptField, encryptField, FieldCryptoError } from '../lib/field-crypto';

/** Every encrypted column, with its table's primary key and the key's type. */
export const ENCRYPTED_COLUMNS = [
  { table: 'customer', id: 'id', idType: 'text', column: 'date_of_birth_enc' },
  { table: 'bank_account', id: 'account_id', idType: 'text', column: 'account_number_enc' },
  { table: 'payment', id: 'id', idType: 'uuid', column: 'ach_account_number_enc' },
] as const;

export interface ColumnRotation {
  table: string;
  column: string;
  /** Values written again under the new key. */
  reencrypted: number;
  /** Values the new key already opened (a run resumed after stopping). */
  alreadyNew: number;
}

const opens = (token: string, key: Buffer) => {
  try {
    decryptField(token, key);
    return true;
  } catch (err) {
    if (err instanceof FieldCryptoError && err.reason === 'authentication_failed') return false;
    throw err;
  }
};

export async function reencryptFields(
  db: Db,
  actor: Actor,
  keys: { current: Buffer; next: Buffer },
  opts: { batchSize?: number; log?: (line: string) => void } = {},
): Promise<ColumnRotation[]> {
  if (keys.current.equals(keys.next))
    throw invalid('DATA_ENCRYPTION_KEY_NEW', 'DATA_ENCRYPTION_KEY_NEW is the current key: nothing to rotate');
  const batchSize = opts.batchSize ?? 1000;
  const runId = randomUUID();
  const out: ColumnRotation[] = [];
  for (const { table, id, idType, column } of ENCRYPTED_COLUMNS) {
    const done: ColumnRotation = { table, column, reencrypted: 0, alreadyNew: 0 };
    let after: string | null = null;
    for (;;) {
      // Each batch continues down the primary key's index from the last row of the one before.
      const rows: { id: string; token: string }[] = await query<{ id: string; token: string }>(
        db,
        `SELECT ${id}::text AS id, ${column} AS token FROM ${table}
         WHERE ${column} IS NOT NULL AND ($1::text IS NULL OR ${id} > $1::${idType})
         ORDER BY ${id} LIMIT $2`,
        [after, batchSize],
      );
      if (rows.length === 0) break;
      const changed: { id: string; token: string }[] = [];
      for (const r of rows) {
        let plain: string;
        try {
          if (opens(r.token, keys.next)) {
            done.alreadyNew++;
            continue;
          }
          plain = decryptField(r.token, keys.current);
        } catch (err) {
          const why = err instanceof FieldCryptoError ? err.reason.replace(/_/g, ' ') : String(err);
          throw conflict(
            `${table}.${column} of ${id} ${r.id}: neither the current nor the new key opens it (${why}); ` +
              `nothing of this batch was written, earlier batches are under the new key`,
          );
        }
        changed.push({ id: r.id, token: encryptField(plain, keys.next) });
      }
      if (changed.length > 0)
        await inTransaction(db, async (c) => {
          await c.query(`SET LOCAL opencis.reencrypting = 'on'`); // the payment guard allows only this
          await c.query(
            `UPDATE ${table} t SET ${column} = u.token
             FROM unnest($1::${idType}[], $2::text[]) AS u(id, token) WHERE t.${id} = u.id`,
            [changed.map((r) => r.id), changed.map((r) => r.token)],
          );
        });
      done.reencrypted += changed.length;
      after = rows[rows.length - 1]!.id;
    }
    opts.log?.(
      `${table}.${column}: ${done.reencrypted} re-encrypted, ${done.alreadyNew} already under the new key`,
    );
    out.push(done);
  }
  await inTransaction(db, (c) =>
    recordAudits(c, actor, [
      {
        action: 'encryption-key.rotated',
        entityType: 'encryption_key',
        entityId: runId,
        after: { columns: out },
        reason: 'Every encrypted value written again under the new data encryption key',
      },
    ]),
  );
  return out;
}
