// Rotating the data encryption key (services/reencrypt-fields.ts): every encrypted column is written
// again under the new key, resumably, and a value neither key opens stops the run with its row named.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SYSTEM_ACTOR } from '../lib/audit';
import { verifyAuditChain } from '../lib/audit-verify';
import { decryptField, encryptField } from '../lib/field-crypto';
import { ENCRYPTED_COLUMNS, reencryptFields } from '../services/reencrypt-fields';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';

jest.setTimeout(120_000);

const DOB = '1961-03-14';
const ON_FILE = '000123456789';
const PAYER = '11223344551122';
const operator = { id: 'ops-1', role: 'admin', requestId: 'keys-rotate' } as const;

let app: TestApp;
let paymentId: string;

/** Every encrypted value in the database, by table.column and row. */
async function tokens(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { table, id, column } of ENCRYPTED_COLUMNS) {
    const rows = await app.t.db.$queryRawUnsafe<{ id: string; token: string }[]>(
      `SELECT ${id}::text AS id, ${column} AS token FROM ${table} WHERE ${column} IS NOT NULL`,
    );
    for (const r of rows) out.set(`${table}.${column}:${r.id}`, r.token);
  }
  return out;
}

const plainOf = (all: Map<string, string>, key: Buffer) =>
  [...all.values()].map((t) => decryptField(t, key)).sort();

beforeAll(async () => {
  app = await startTestApp();
  for (let n = 1; n <= 3; n++) {
    const acct = await seedAccount(app, n);
    const c = await app.call('csr', 'PATCH', `/customers/${acct.customerId}`, {
      dateOfBirth: DOB,
      reason: 'Identity checked at the counter',
    });
    expect(c.status).toBe(200);
    const b = await app.call('csr', 'PUT', `/accounts/${acct.accountId}/bank-account`, {
      routingNumber: '021000021',
      accountNumber: ON_FILE,
      accountType: 'CHECKING',
      holderName: `Test Customer ${n}`,
      reason: 'Autopay form',
    });
    expect(b.status).toBe(200);
    if (n === 1) {
      const p = await app.call(
        'csr',
        'POST',
        '/payments',
        {
          accountId: acct.accountId,
          amountCents: 4_321,
          channel: 'ACH',
          bankAccount: {
            routingNumber: '043000096',
            accountNumber: PAYER,
            accountType: 'SAVINGS',
          },
        },
        { 'Idempotency-Key': 'rotate-ach-1' },
      );
      expect(p.status).toBe(201);
      paymentId = p.body.payment.id;
    }
  }
});
afterAll(() => app?.close());

test('every encrypted value is written again under the new key, and a second run changes nothing', async () => {
  const next = randomBytes(32);
  const before = await tokens();
  expect(before.size).toBe(7); // 3 dates of birth, 3 bank accounts on file, 1 ACH payment
  const expected = plainOf(before, app.encryptionKey);

  const first = await reencryptFields(
    app.t.db,
    operator,
    { current: app.encryptionKey, next },
    { batchSize: 2 },
  );
  expect(first.map((c) => [c.table, c.reencrypted, c.alreadyNew])).toEqual([
    ['customer', 3, 0],
    ['bank_account', 3, 0],
    ['payment', 1, 0],
  ]);
  const after = await tokens();
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [where, token] of after) {
    expect(token).not.toBe(before.get(where));
    expect(() => decryptField(token, app.encryptionKey)).toThrow(/authentic/i);
  }
  expect(plainOf(after, next)).toEqual(expected);

  // Run again (as after a stop part-way): nothing left to do, nothing written.
  const again = await reencryptFields(app.t.db, operator, { current: app.encryptionKey, next });
  expect(again.map((c) => [c.reencrypted, c.alreadyNew])).toEqual([
    [0, 3],
    [0, 3],
    [0, 1],
  ]);
  expect(await tokens()).toEqual(after);

  // Audited once per run, with counts and no value.
  const audits = await app.t.db.auditEvent.findMany({ where: { action: 'encryption-key.rotated' } });
  expect(audits).toHaveLength(2);
  expect(audits[0]).toMatchObject({ actor: 'ops-1', actorRole: 'admin', entityType: 'encryption_key' });
  const text = JSON.stringify(audits, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  for (const secret of [DOB, ON_FILE, PAYER]) expect(text).not.toContain(secret);
  expect((await verifyAuditChain(app.t.db)).ok).toBe(true);

  // Rotate back, so the app (which holds the first key) reads its data again.
  await reencryptFields(app.t.db, SYSTEM_ACTOR, { current: next, next: app.encryptionKey });
  expect(plainOf(await tokens(), app.encryptionKey)).toEqual(expected);
  const reveal = await app.call('admin', 'POST', `/payments/${paymentId}/bank-account/reveal`, {
    reason: 'Bank research request 4471',
  });
  expect(reveal.status).toBe(200);
  expect(JSON.stringify(reveal.body)).toContain(PAYER);
});

test('a value neither key opens stops the run with its row named; the rest of its batch is not written', async () => {
  const stranger = randomBytes(32);
  const next = randomBytes(32);
  const customers = await app.t.db.customer.findMany({
    where: { dateOfBirthEnc: { not: null } },
    orderBy: { id: 'asc' },
  });
  const odd = customers[1]!;
  const admin = new Client({ connectionString: app.t.adminUrl });
  await admin.connect();
  try {
    await admin.query('UPDATE customer SET date_of_birth_enc = $1 WHERE id = $2', [
      encryptField(DOB, stranger),
      odd.id,
    ]);
  } finally {
    await admin.end();
  }
  const before = await tokens();
  await expect(
    reencryptFields(app.t.db, operator, { current: app.encryptionKey, next }, { batchSize: 10 }),
  ).rejects.toThrow(new RegExp(`customer\\.date_of_birth_enc of id ${odd.id}: neither`));
  expect(await tokens()).toEqual(before);
  await expect(
    reencryptFields(app.t.db, operator, { current: app.encryptionKey, next: app.encryptionKey }),
  ).rejects.toThrow(/is the current key/);
});

test('the payment guard lets only the encrypted number change, and only while re-encrypting', async () => {
  const c = new Client({ connectionString: app.t.appUrl });
  await c.connect();
  try {
    const token = encryptField(PAYER, app.encryptionKey);
    // Outside a re-encryption, the payment stays immutable.
    await expect(
      c.query('UPDATE payment SET ach_account_number_enc = $1 WHERE id = $2', [token, paymentId]),
    ).rejects.toThrow(/immutable/);
    await c.query('BEGIN');
    await c.query(`SET LOCAL opencis.reencrypting = 'on'`);
    // Inside one, any other change is refused as before.
    await expect(
      c.query('UPDATE payment SET ach_account_number_enc = $1, amount_cents = 1 WHERE id = $2', [
        token,
        paymentId,
      ]),
    ).rejects.toThrow(/immutable/);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`SET LOCAL opencis.reencrypting = 'on'`);
    await c.query('UPDATE payment SET ach_account_number_enc = $1 WHERE id = $2', [token, paymentId]);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
  const p = await app.t.db.payment.findUniqueOrThrow({ where: { id: paymentId } });
  expect(decryptField(p.achAccountNumberEnc!, app.encryptionKey)).toBe(PAYER);
  expect(p.amountCents).toBe(4_321n);
});
