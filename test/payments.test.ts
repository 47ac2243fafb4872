// Payments end to end over HTTP against a fresh database: posting with an Idempotency-Key (retries,
// mismatches, concurrent duplicates), oldest-first allocation, returns (NSF and dishonored checks,
// ACH returns) with the $25.00 charge, the Millbrook NACHA returns file, lockbox files, bad input
// and authorization. Charges are inserted as CHARGE ledger entries directly (bills are another
// part's work).
import { Client as PgClient } from 'pg';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import { expectError, rowCounts, type ApiResponse } from './helpers/api-checks';

jest.setTimeout(120_000);

const ACH_FILE = readFileSync(
  path.resolve(__dirname, '../demo-data/millbrook/payments/ach-returns-2026-12-01.ach'),
  'utf8',
);
const LOCKBOX_HEADER = 'batch_date,check_number,account_id,amount,payer_name';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

// ---- helpers -------------------------------------------------------------------------------------

const { newAccount, charge } = ledgerFixtures(() => app, {
  customer: 'Payer',
  street: 'Mill St',
  chargeKeyPrefix: 'test-charge',
});

let keySeq = 0;
const newKey = () => `test-key-${Date.now()}-${++keySeq}`;

function pay(
  body: Record<string, unknown>,
  key: string | null = newKey(),
  who = 'csr',
): Promise<ApiResponse> {
  return app.call(who, 'POST', '/payments', body, key === null ? {} : { 'idempotency-key': key });
}

async function posted(body: Record<string, unknown>) {
  const res = await pay(body);
  if (res.status !== 201) throw new Error(`payment: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const TABLES = [
  'payment',
  'ledger_entry',
  'audit_event',
  'timeline_event',
  'idempotency_record',
  'deposit',
] as const;
async function counts(): Promise<Record<string, number>> {
  return rowCounts(app.t.db, TABLES);
}

async function ledger(accountId: string, asOf?: string) {
  const res = await app.call('csr', 'GET', `/accounts/${accountId}/ledger${asOf ? `?asOf=${asOf}` : ''}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function timelineKinds(accountId: string): Promise<string[]> {
  const res = await app.call(
    'csr',
    'GET',
    `/accounts/${accountId}/timeline?kind=payment.*,ledger.*&limit=200`,
  );
  expect(res.status).toBe(200);
  return res.body.items.map((e: { kind: string }) => e.kind).reverse();
}

// ---- posting -------------------------------------------------------------------------------------

describe('posting a payment', () => {
  test('writes the payment, a negative PAYMENT entry, one audit row and one timeline entry, in one go', async () => {
    const acct = await newAccount();
    await charge(acct, 8_000, '2026-09-01', '2026-09-21');
    const before = await counts();
    const res = await pay(
      {
        accountId: acct,
        amountCents: 5_000,
        channel: 'CHECK',
        externalRef: '1043',
        receivedAt: '2026-10-05T14:00:00Z',
      },
      'post-one',
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/payments/${res.body.payment.id}`);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.body).toMatchObject({
      payment: {
        accountId: acct,
        amountCents: 5_000,
        channel: 'CHECK',
        externalRef: '1043',
        status: 'POSTED',
        receivedAt: '2026-10-05T14:00:00.000Z',
        createdBy: 'csr',
      },
      effectiveDate: '2026-10-05',
      unappliedCents: 0,
      balanceCents: 3_000,
    });
    expect(await counts()).toEqual({
      ...before,
      payment: before.payment! + 1,
      ledger_entry: before.ledger_entry! + 1,
      audit_event: before.audit_event! + 1,
      timeline_event: before.timeline_event! + 1,
      idempotency_record: before.idempotency_record! + 1,
    });
    const entry = await app.t.db.ledgerEntry.findFirstOrThrow({ where: { paymentId: res.body.payment.id } });
    expect(entry).toMatchObject({ kind: 'PAYMENT', amountCents: -5_000n, accountId: acct });
    expect(entry.id.toString()).toBe(res.body.ledgerEntryId);
    const audit = await app.t.db.auditEvent.findFirstOrThrow({
      where: { entityType: 'payment', entityId: res.body.payment.id },
    });
    expect(audit).toMatchObject({
      action: 'payment.create',
      actor: 'csr',
      actorRole: 'csr',
      accountId: acct,
    });
    expect(audit.requestId).toBe(res.headers.get('x-request-id'));
    expect(await timelineKinds(acct)).toEqual(['payment.posted']);

    const got = await app.call('csr', 'GET', `/payments/${res.body.payment.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: res.body.payment.id, status: 'POSTED', balanceCents: 3_000 });
    expect(got.body.ledgerEntries.map((e: { kind: string }) => e.kind)).toEqual(['PAYMENT']);
  });

  test('is allocated to the oldest charges first (by due date), and the answer says which', async () => {
    const acct = await newAccount();
    // Posted out of order: November's bill first, then September's, then October's.
    const nov = await charge(acct, 7_000, '2026-10-31', '2026-11-20');
    const sep = await charge(acct, 5_000, '2026-08-31', '2026-09-20');
    const oct = await charge(acct, 6_000, '2026-09-30', '2026-10-20');
    const first = await posted({
      accountId: acct,
      amountCents: 8_000,
      channel: 'CARD',
      receivedAt: '2026-11-02T15:00:00Z',
    });
    expect(first.allocation.map((a: any) => [a.entryId, a.appliedCents, a.openCents])).toEqual([
      [sep, 5_000, 0],
      [oct, 3_000, 3_000],
    ]);
    expect(first.allocation[0]).toMatchObject({
      kind: 'CHARGE',
      dueDate: '2026-09-20',
      effectiveDate: '2026-08-31',
    });
    expect(first.balanceCents).toBe(10_000);

    const second = await posted({
      accountId: acct,
      amountCents: 12_000,
      channel: 'CASH',
      receivedAt: '2026-11-03T15:00:00Z',
    });
    expect(second.allocation.map((a: any) => [a.entryId, a.appliedCents, a.openCents])).toEqual([
      [oct, 3_000, 0],
      [nov, 7_000, 0],
    ]);
    expect(second).toMatchObject({ unappliedCents: 2_000, balanceCents: -2_000 });
    const l = await ledger(acct, '2026-11-30');
    expect(l).toMatchObject({
      balanceCents: -2_000,
      owedCents: 0,
      creditBalanceCents: 2_000,
      pastDueCents: 0,
    });
    expect(Object.values(l.aging)).toEqual([0, 0, 0, 0, 0]);
  });

  test('on an unknown account → 404, nothing written (the key stays free)', async () => {
    const before = await counts();
    const res = await pay({ accountId: 'NOPE1', amountCents: 100, channel: 'CASH' }, 'unknown-account-key');
    expectError(res, 404, 'not_found');
    expect(await counts()).toEqual(before);
    const acct = await newAccount();
    expect(
      (await pay({ accountId: acct, amountCents: 100, channel: 'CASH' }, 'unknown-account-key')).status,
    ).toBe(201);
  });
});

// ---- idempotency ---------------------------------------------------------------------------------

describe('Idempotency-Key', () => {
  let acct: string;
  beforeAll(async () => {
    acct = await newAccount();
    await charge(acct, 10_000, '2026-09-01', '2026-09-21');
  });

  test('same key, same body → the same status and body; no second payment or ledger entry', async () => {
    const body = { accountId: acct, amountCents: 2_500, channel: 'ACH', externalRef: 'autopay-1' };
    const first = await pay(body, 'same-key');
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await pay(body, 'same-key');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await counts()).toEqual(before);
  });

  test('keys are per user: two users sending the same key and body post two payments, each replayed to its own', async () => {
    const body = { accountId: acct, amountCents: 1_500, channel: 'ACH', externalRef: 'invoice-7' };
    const before = await counts();
    const csr = await pay(body, 'shared-key', 'csr');
    const supervisor = await pay(body, 'shared-key', 'supervisor');
    expect([csr.status, supervisor.status]).toEqual([201, 201]);
    expect(supervisor.headers.get('idempotent-replayed')).toBeNull();
    expect(supervisor.body.payment.id).not.toBe(csr.body.payment.id);
    expect(supervisor.body.payment.createdBy).toBe('supervisor');
    // A different body under another user's key is that user's new payment, not a mismatch.
    const admin = await pay({ ...body, amountCents: 900 }, 'shared-key', 'admin');
    expect(admin.status).toBe(201);
    // Each user's retry gets its own first answer.
    expect((await pay(body, 'shared-key', 'csr')).body).toEqual(csr.body);
    expect((await pay(body, 'shared-key', 'supervisor')).body).toEqual(supervisor.body);
    const after = await counts();
    expect(after.payment! - before.payment!).toBe(3);
    expect(after.ledger_entry! - before.ledger_entry!).toBe(3);
  });

  test('a payment stored under the key alone (before keys were per user) is replayed to its retry, not posted again', async () => {
    const body = { accountId: acct, amountCents: 2_200, channel: 'CHECK', externalRef: 'chk 88' };
    const first = await pay(body, 'legacy-key', 'csr');
    expect(first.status).toBe(201);
    // As the records stood before the upgrade: the client's key alone.
    await app.t.db.idempotencyRecord.update({
      where: { key: 'payment:csr:legacy-key' },
      data: { key: 'payment:legacy-key' },
    });
    // Payment rows are immutable to everyone; as they were written then, behind the trigger.
    const admin = new PgClient({ connectionString: app.t.adminUrl });
    await admin.connect();
    try {
      await admin.query(`ALTER TABLE payment DISABLE TRIGGER USER;
        UPDATE payment SET idempotency_key = 'payment:legacy-key' WHERE id = '${first.body.payment.id}';
        ALTER TABLE payment ENABLE TRIGGER USER;`);
    } finally {
      await admin.end();
    }
    const before = await counts();
    const retry = await pay(body, 'legacy-key', 'csr');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await counts()).toEqual(before);
    // Another user's same key and body is that user's own payment, not the old answer.
    const other = await pay(body, 'legacy-key', 'supervisor');
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(other.body.payment.id).not.toBe(first.body.payment.id);
  });

  test('same key, different body → 409 idempotency_mismatch naming the header; nothing written', async () => {
    const body = { accountId: acct, amountCents: 1_000, channel: 'CASH' };
    expect((await pay(body, 'mismatch-key')).status).toBe(201);
    const before = await counts();
    for (const changed of [
      { ...body, amountCents: 1_001 },
      { ...body, channel: 'CHECK' },
      { ...body, externalRef: 'x' },
      { ...body, receivedAt: '2026-10-01T00:00:00Z' },
    ]) {
      const res = await pay(changed, 'mismatch-key');
      expectError(res, 409, 'idempotency_mismatch', 'Idempotency-Key');
      expect(res.body.error.message).toMatch(/mismatch-key/);
    }
    expect(await counts()).toEqual(before);
  });

  test('concurrent requests with one key → one payment, one entry, every answer the same', async () => {
    const body = { accountId: acct, amountCents: 777, channel: 'CARD' };
    const before = await counts();
    const results = await Promise.all(Array.from({ length: 8 }, () => pay(body, 'concurrent-key')));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const bodies = new Set(results.map((r) => JSON.stringify(r.body)));
    expect(bodies.size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    const after = await counts();
    expect(after.payment! - before.payment!).toBe(1);
    expect(after.ledger_entry! - before.ledger_entry!).toBe(1);
    expect(await app.t.db.payment.count({ where: { idempotencyKey: 'payment:csr:concurrent-key' } })).toBe(1);
  });

  test('concurrent payments with different keys on one account: each answer sees the ones before it', async () => {
    const a = await newAccount();
    await charge(a, 10_000, '2026-09-01', '2026-09-21');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => pay({ accountId: a, amountCents: 1_000, channel: 'CASH' })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(results.map((r) => r.body.balanceCents).sort((x, y) => x - y)).toEqual([
      5_000, 6_000, 7_000, 8_000, 9_000,
    ]);
    expect((await ledger(a)).balanceCents).toBe(5_000);
  });
});

// ---- bad input -----------------------------------------------------------------------------------

describe('bad input → 400 naming the field, nothing written', () => {
  let acct: string;
  beforeAll(async () => {
    acct = await newAccount();
  });
  const valid = () => ({ accountId: acct, amountCents: 1_000, channel: 'CASH' });

  test.each([
    ['a negative amount', { amountCents: -100 }, 'amountCents'],
    ['a fractional amount', { amountCents: 10.5 }, 'amountCents'],
    ['a zero amount', { amountCents: 0 }, 'amountCents'],
    ['an amount as a string', { amountCents: '1000' }, 'amountCents'],
    ['an amount over $1,000,000', { amountCents: 100_000_001 }, 'amountCents'],
    ['an unknown channel', { channel: 'BITCOIN' }, 'channel'],
    ['a lower-case channel', { channel: 'cash' }, 'channel'],
    ['no account', { accountId: undefined }, 'accountId'],
    ['an unknown field', { memo: 'hi' }, 'memo'],
    ['a receivedAt that is not a date-time', { receivedAt: '2026-10-05' }, 'receivedAt'],
    ['a receivedAt in the future', { receivedAt: '2099-01-01T00:00:00Z' }, 'receivedAt'],
  ])('%s', async (_what, change, field) => {
    const before = await counts();
    const res = await pay({ ...valid(), ...change });
    expectError(res, 400, 'validation_failed', field);
    expect(res.body.error.message).toMatch(new RegExp(`^${field}`));
    expect(await counts()).toEqual(before);
  });

  test('no Idempotency-Key header → 400 naming the header', async () => {
    const before = await counts();
    const res = await pay(valid(), null);
    expectError(res, 400, 'validation_failed', 'Idempotency-Key');
    expect(res.body.error.message).toMatch(/Idempotency-Key.*required/);
    expectError(await pay(valid(), ''), 400, 'validation_failed', 'Idempotency-Key');
    expectError(await pay(valid(), 'x'.repeat(201)), 400, 'validation_failed', 'Idempotency-Key');
    expect(await counts()).toEqual(before);
  });

  test('a return with an unknown code, a code for the other kind of payment, or of cash', async () => {
    const check = await posted({ ...valid(), channel: 'CHECK' });
    const cash = await posted(valid());
    const before = await counts();
    expectError(
      await app.call('supervisor', 'POST', `/payments/${check.payment.id}/return`, { code: 'R99' }),
      400,
      'validation_failed',
      'code',
    );
    expectError(
      await app.call('supervisor', 'POST', `/payments/${check.payment.id}/return`, { code: 'R01' }),
      400,
      'validation_failed',
      'code',
    );
    expectError(
      await app.call('supervisor', 'POST', `/payments/${cash.payment.id}/return`, { code: 'NSF_CHECK' }),
      409,
      'conflict',
    );
    expectError(
      await app.call('supervisor', 'POST', '/payments/not-a-uuid/return', { code: 'NSF_CHECK' }),
      400,
      'validation_failed',
      'id',
    );
    expectError(
      await app.call('supervisor', 'POST', '/payments/00000000-0000-4000-8000-000000000000/return', {
        code: 'NSF_CHECK',
      }),
      404,
      'not_found',
    );
    expectError(
      await app.call('csr', 'GET', '/payments/00000000-0000-4000-8000-000000000000'),
      404,
      'not_found',
    );
    expect(await counts()).toEqual(before);
  });
});

// ---- authorization -------------------------------------------------------------------------------

describe('authorization', () => {
  test('an auditor cannot post, return or import; a CSR cannot return or import; nothing written', async () => {
    const acct = await newAccount();
    const p = await posted({ accountId: acct, amountCents: 500, channel: 'CHECK' });
    const before = await counts();
    expectError(
      await pay({ accountId: acct, amountCents: 500, channel: 'CASH' }, newKey(), 'auditor'),
      403,
      'forbidden',
    );
    expectError(
      await app.call('auditor', 'POST', `/payments/${p.payment.id}/return`, { code: 'NSF_CHECK' }),
      403,
      'forbidden',
    );
    expectError(
      await app.call('csr', 'POST', `/payments/${p.payment.id}/return`, { code: 'NSF_CHECK' }),
      403,
      'forbidden',
    );
    expectError(
      await app.call('csr', 'POST', '/bank-files/ach-returns', { content: ACH_FILE }),
      403,
      'forbidden',
    );
    expectError(
      await app.call('auditor', 'POST', '/bank-files/lockbox', { content: LOCKBOX_HEADER }),
      403,
      'forbidden',
    );
    expectError(
      await pay({ accountId: acct, amountCents: 500, channel: 'CASH' }, newKey(), 'crew-a'),
      403,
      'forbidden',
    );
    expect(await counts()).toEqual(before);
    // An auditor reads the ledger and deposits.
    expect((await app.call('auditor', 'GET', `/accounts/${acct}/ledger`)).status).toBe(200);
    expect((await app.call('auditor', 'GET', `/accounts/${acct}/deposit`)).status).toBe(200);
  });
});

// ---- returns -------------------------------------------------------------------------------------

describe('returning a payment', () => {
  test('NSF check: reversed, the charges it paid open again, $25.00 charge, both on the timeline', async () => {
    const acct = await newAccount();
    const a = await charge(acct, 4_000, '2026-08-31', '2026-09-20');
    const b = await charge(acct, 3_000, '2026-09-30', '2026-10-20');
    const openBefore = (await ledger(acct)).entries.map((e: any) => [e.id, e.openCents]);
    const p = await posted({
      accountId: acct,
      amountCents: 5_000,
      channel: 'CHECK',
      externalRef: '2211',
      receivedAt: '2026-10-10T16:00:00Z',
    });
    expect(p.balanceCents).toBe(2_000);

    const res = await app.call('supervisor', 'POST', `/payments/${p.payment.id}/return`, {
      code: 'NSF_CHECK',
      reason: 'Bank returned the check',
    });
    expect(res.status).toBe(200);
    expect(res.body.payment).toMatchObject({
      status: 'RETURNED',
      returnCode: 'NSF_CHECK',
      returnReason: 'NSF_CHECK Check returned for insufficient funds: Bank returned the check',
    });
    expect(res.body.reversal).toMatchObject({
      kind: 'PAYMENT_REVERSAL',
      amountCents: 5_000,
      reversesEntryId: p.ledgerEntryId,
      paymentId: p.payment.id,
    });
    expect(res.body.fee).toMatchObject({
      kind: 'RETURNED_PAYMENT_FEE',
      amountCents: 2_500,
      paymentId: p.payment.id,
    });
    expect(res.body.balanceCents).toBe(4_000 + 3_000 + 2_500);

    const l = await ledger(acct);
    const open = Object.fromEntries(l.entries.map((e: any) => [e.id, e.openCents]));
    expect([a, b].map((id) => [id, open[id]])).toEqual(openBefore);
    expect(l.entries.filter((e: any) => e.reversed).map((e: any) => e.kind)).toEqual([
      'PAYMENT',
      'PAYMENT_REVERSAL',
    ]);
    expect(await timelineKinds(acct)).toEqual(['payment.posted', 'payment.returned', 'ledger.fee']);
    const audits = await app.t.db.auditEvent.findMany({
      where: { accountId: acct, action: { in: ['payment.return', 'ledger-entry.create'] } },
    });
    expect(audits.map((x) => x.action).sort()).toEqual(['ledger-entry.create', 'payment.return']);

    // A second return is refused: no second reversal, no second fee.
    const before = await counts();
    const again = await app.call('supervisor', 'POST', `/payments/${p.payment.id}/return`, {
      code: 'NSF_CHECK',
    });
    expectError(again, 409, 'conflict');
    expect(again.body.error.message).toMatch(/already returned/);
    expect(await counts()).toEqual(before);
    expect((await app.call('csr', 'GET', `/payments/${p.payment.id}`)).body).toMatchObject({
      status: 'RETURNED',
      allocation: [],
      ledgerEntries: [{ kind: 'PAYMENT' }, { kind: 'PAYMENT_REVERSAL' }, { kind: 'RETURNED_PAYMENT_FEE' }],
    });
  });

  test('a dishonored check and an ACH return (R01) through the API; concurrent returns → one fee', async () => {
    const acct = await newAccount();
    await charge(acct, 9_000, '2026-09-01', '2026-09-21');
    const check = await posted({ accountId: acct, amountCents: 3_000, channel: 'CHECK' });
    const ach = await posted({ accountId: acct, amountCents: 2_000, channel: 'ACH' });
    const dishonored = await app.call('admin', 'POST', `/payments/${check.payment.id}/return`, {
      code: 'DISHONORED_CHECK',
    });
    expect(dishonored.status).toBe(200);
    expect(dishonored.body.payment.returnReason).toBe('DISHONORED_CHECK Check dishonored by the bank');

    const results = await Promise.all(
      [0, 1, 2].map(() =>
        app.call('supervisor', 'POST', `/payments/${ach.payment.id}/return`, { code: 'R01' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const fees = await app.t.db.ledgerEntry.findMany({
      where: { accountId: acct, kind: 'RETURNED_PAYMENT_FEE' },
    });
    expect(fees.map((f) => f.amountCents)).toEqual([2_500n, 2_500n]);
    expect((await ledger(acct)).balanceCents).toBe(9_000 + 5_000);
  });
});

// ---- the NACHA returns file ----------------------------------------------------------------------

describe('POST /bank-files/ach-returns with the Millbrook file', () => {
  const FILE_RETURNS = [
    { accountId: '100010', cents: 5_696, code: 'R01' },
    { accountId: '100015', cents: 20_548, code: 'R02' },
    { accountId: '100020', cents: 8_639, code: 'R03' },
    { accountId: '100025', cents: 17_213, code: 'R10' },
  ];
  const payments: Record<string, string> = {};
  let older100010: string;

  beforeAll(async () => {
    for (const r of FILE_RETURNS) {
      await newAccount('RES', r.accountId);
      await charge(r.accountId, r.cents, '2026-10-31', '2026-11-20');
    }
    // These four pay by autopay (the debits the bank returns).
    await app.t.db.account.updateMany({
      where: { id: { in: FILE_RETURNS.map((r) => r.accountId) } },
      data: { autopay: true },
    });
  });

  test('before the autopay debits are posted, every return is a rejection row saying why; nothing applied', async () => {
    const before = await counts();
    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', { content: ACH_FILE });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ returns: 4, returned: 0, alreadyReturned: 0, rejected: 4 });
    expect(res.body.rejections[0]).toMatchObject({
      record: 3,
      accountId: '100010',
      amountCents: 5_696,
      returnCode: 'R01',
      originalTrace: '043000300004400',
      name: 'HADDAD ROBERT',
      reason: 'no ACH payment of $56.96 was posted on account 100010',
    });
    const after = await counts();
    expect({ ...after, audit_event: 0, idempotency_record: 0 }).toEqual({
      ...before,
      audit_event: 0,
      idempotency_record: 0,
    });
    expect(after.audit_event! - before.audit_event!).toBe(1); // the import itself
  });

  test('import: four returns matched to the autopay payments, four $25.00 charges, balances, timelines', async () => {
    // An older ACH payment of the same amount on 100010: the most recent one is the one returned.
    older100010 = (
      await posted({
        accountId: '100010',
        amountCents: 5_696,
        channel: 'ACH',
        receivedAt: '2026-10-01T12:00:00Z',
      })
    ).payment.id;
    for (const r of FILE_RETURNS)
      payments[r.accountId] = (
        await posted({
          accountId: r.accountId,
          amountCents: r.cents,
          channel: 'ACH',
          receivedAt: '2026-11-20T12:00:00Z',
        })
      ).payment.id;

    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', { content: ACH_FILE });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ returns: 4, returned: 4, alreadyReturned: 0, rejected: 0 });
    expect(
      res.body.returned.map((r: any) => [r.accountId, r.paymentId, r.returnCode, r.status, r.feeCents]),
    ).toEqual(FILE_RETURNS.map((r) => [r.accountId, payments[r.accountId], r.code, 'returned', 2_500]));

    for (const r of FILE_RETURNS) {
      const p = await app.t.db.payment.findUniqueOrThrow({ where: { id: payments[r.accountId]! } });
      expect(p).toMatchObject({ status: 'RETURNED', returnCode: r.code });
      const fees = await app.t.db.ledgerEntry.findMany({
        where: { accountId: r.accountId, kind: 'RETURNED_PAYMENT_FEE' },
      });
      expect(fees.map((f) => f.amountCents)).toEqual([2_500n]);
      // 100010 also paid $56.96 in October (still posted): its charge stays covered by that one.
      const expected = r.accountId === '100010' ? 2_500 : r.cents + 2_500;
      expect({ account: r.accountId, balance: (await ledger(r.accountId)).balanceCents }).toEqual({
        account: r.accountId,
        balance: expected,
      });
      expect(await timelineKinds(r.accountId)).toEqual(
        r.accountId === '100010'
          ? ['payment.posted', 'payment.posted', 'payment.returned', 'ledger.fee']
          : ['payment.posted', 'payment.returned', 'ledger.fee'],
      );
    }
    expect((await app.t.db.payment.findUniqueOrThrow({ where: { id: older100010 } })).status).toBe('POSTED');
    // Returned on the file's effective entry date (2026-12-01), not the day of the import.
    const reversal = await app.t.db.ledgerEntry.findFirstOrThrow({
      where: { accountId: '100015', kind: 'PAYMENT_REVERSAL' },
    });
    expect(reversal.effectiveDate.toISOString().slice(0, 10)).toBe('2026-12-01');
    // Account closed (R02), no account (R03), not authorized (R10): no more debits without a new
    // authorization, so autopay stops, with its reason on the record. Insufficient funds (R01) may
    // be debited again.
    const autopay = await app.t.db.account.findMany({
      where: { id: { in: FILE_RETURNS.map((r) => r.accountId) } },
      select: { id: true, autopay: true },
      orderBy: { id: 'asc' },
    });
    expect(autopay.map((a) => [a.id, a.autopay])).toEqual([
      ['100010', true],
      ['100015', false],
      ['100020', false],
      ['100025', false],
    ]);
    const stopped = await app.t.db.auditEvent.findFirstOrThrow({
      where: { action: 'account.autopay.stop', entityId: '100025' },
    });
    expect(stopped.reason).toMatch(/^ACH return R10 Customer advises not authorized/);
    const summary = await app.t.db.timelineEvent.findFirstOrThrow({
      where: { accountId: '100015', kind: 'payment.returned' },
    });
    expect(summary.summary).toBe('ACH payment of $205.48 returned: R02 Account closed');
  });

  test('re-importing the same file changes nothing', async () => {
    const before = await counts();
    const res = await app.call('admin', 'POST', '/bank-files/ach-returns', { content: ACH_FILE });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ returns: 4, returned: 0, alreadyReturned: 4, rejected: 0 });
    expect(res.body.returned.map((r: any) => r.paymentId)).toEqual(
      FILE_RETURNS.map((r) => payments[r.accountId]),
    );
    expect(await counts()).toEqual(before);
    // Nor does the same return arriving in a different file (CRLF line endings: other bytes).
    const other = await app.call('admin', 'POST', '/bank-files/ach-returns', {
      content: ACH_FILE.replace(/\n/g, '\r\n'),
    });
    expect(other.body.counts).toMatchObject({ returned: 0, alreadyReturned: 4 });
    const afterOther = await counts();
    expect({ ...afterOther, audit_event: 0, idempotency_record: 0 }).toEqual({
      ...before,
      audit_event: 0,
      idempotency_record: 0,
    });
    expect((await app.t.db.payment.findUniqueOrThrow({ where: { id: older100010 } })).status).toBe('POSTED');
  });

  test('a malformed file → 400 naming the record and its length; nothing written', async () => {
    const before = await counts();
    const lines = ACH_FILE.split('\n');
    lines[4] = lines[4]!.slice(0, 90);
    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', {
      content: lines.join('\n'),
    });
    expectError(res, 400, 'validation_failed', 'content');
    expect(res.body.error.message).toBe(
      'content: record 5: is 90 characters long; every NACHA record is exactly 94',
    );
    expectError(
      await app.call('supervisor', 'POST', '/bank-files/ach-returns', { content: '' }),
      400,
      'validation_failed',
      'content',
    );
    expectError(
      await app.call('supervisor', 'POST', '/bank-files/ach-returns', {}),
      400,
      'validation_failed',
      'content',
    );
    expect(await counts()).toEqual(before);
  });
});

describe('matching an ACH return to the payment it returns', () => {
  const TRACE = '043000300004400';
  /**
   * The Millbrook file with its first return (R01, $56.96) for `accountId` and original trace
   * `trace`, in a batch effective on `effective` (YYMMDD); the other three returns go to an
   * account that does not exist (rejections). Routing numbers and amounts are unchanged, so the
   * controls still add up.
   */
  function achFile(accountId: string, trace: string, effective = '261201'): string {
    const put = (line: string, from: number, value: string) =>
      line.slice(0, from - 1) + value + line.slice(from - 1 + value.length);
    const lines = ACH_FILE.split('\n');
    lines[1] = put(lines[1]!, 70, effective);
    lines[2] = put(lines[2]!, 40, accountId.padEnd(15));
    lines[3] = put(lines[3]!, 7, trace);
    for (const i of [4, 6, 8]) lines[i] = put(lines[i]!, 40, '999999'.padEnd(15));
    return lines.join('\n');
  }
  const ach = async (accountId: string, receivedAt: string, externalRef?: string) =>
    (
      await posted({
        accountId,
        amountCents: 5_696,
        channel: 'ACH',
        receivedAt,
        ...(externalRef ? { externalRef } : {}),
      })
    ).payment.id as string;
  const fees = (accountId: string) =>
    app.t.db.ledgerEntry.count({ where: { accountId, kind: 'RETURNED_PAYMENT_FEE' } });
  const status = async (id: string) => (await app.t.db.payment.findUniqueOrThrow({ where: { id } })).status;

  test('the payment carrying the trace was returned by hand: already returned, no other payment reversed, one fee', async () => {
    const acct = await newAccount();
    const oct = await ach(acct, '2026-10-01T12:00:00Z');
    const nov = await ach(acct, '2026-11-20T12:00:00Z', TRACE);
    const byHand = await app.call('supervisor', 'POST', `/payments/${nov}/return`, { code: 'R01' });
    expect(byHand.status).toBe(200);
    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', {
      content: achFile(acct, TRACE),
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ returns: 4, returned: 0, alreadyReturned: 1, rejected: 3 });
    expect(res.body.returned).toEqual([
      expect.objectContaining({ accountId: acct, status: 'already_returned', paymentId: nov }),
    ]);
    expect(await status(oct)).toBe('POSTED');
    expect(await fees(acct)).toBe(1);
  });

  test('never a payment carrying another trace or received after the return: a rejection saying why', async () => {
    const acct = await newAccount();
    const other = await ach(acct, '2026-11-20T12:00:00Z', '043000300009999');
    const later = await ach(acct, '2026-12-03T12:00:00Z');
    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', {
      content: achFile(acct, TRACE),
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ returns: 4, returned: 0, alreadyReturned: 0, rejected: 4 });
    expect(res.body.rejections.find((r: any) => r.accountId === acct)).toMatchObject({
      originalTrace: TRACE,
      reason:
        `no ACH payment of $56.96 on account ${acct} carries trace ${TRACE}, ` +
        'and those of that amount carry other trace numbers',
    });
    expect([await status(other), await status(later)]).toEqual(['POSTED', 'POSTED']);
    expect(await fees(acct)).toBe(0);
  });

  test("a trace number recycled in a later file for another account returns that account's payment", async () => {
    const first = await newAccount();
    const second = await newAccount();
    const firstPayment = await ach(first, '2026-11-20T12:00:00Z', TRACE);
    const secondPayment = await ach(second, '2026-12-02T12:00:00Z');
    const dec = await app.call('supervisor', 'POST', '/bank-files/ach-returns', {
      content: achFile(first, TRACE, '261201'),
    });
    expect(dec.body.returned).toEqual([
      expect.objectContaining({ accountId: first, status: 'returned', paymentId: firstPayment }),
    ]);
    const later = await app.call('supervisor', 'POST', '/bank-files/ach-returns', {
      content: achFile(second, TRACE, '261204'),
    });
    expect(later.status).toBe(200);
    expect(later.body.counts).toEqual({ returns: 4, returned: 1, alreadyReturned: 0, rejected: 3 });
    expect(later.body.returned).toEqual([
      expect.objectContaining({ accountId: second, status: 'returned', paymentId: secondPayment }),
    ]);
    expect(await status(secondPayment)).toBe('RETURNED');
    expect([await fees(first), await fees(second)]).toEqual([1, 1]);
    // Each file again: nothing new.
    for (const content of [achFile(first, TRACE, '261201'), achFile(second, TRACE, '261204')]) {
      const again = await app.call('supervisor', 'POST', '/bank-files/ach-returns', { content });
      expect(again.body.counts).toMatchObject({ returned: 0, alreadyReturned: 1 });
    }
    expect([await fees(first), await fees(second)]).toEqual([1, 1]);
  });
});

// ---- lockbox -------------------------------------------------------------------------------------

describe('POST /bank-files/lockbox', () => {
  let a1: string;
  let a2: string;
  const file = () =>
    [
      LOCKBOX_HEADER,
      `2026-11-02,5001,${a1},40.00,First Payer`,
      `2026-11-02,5002,${a2},12.34,"Second, Payer"`,
      `2026-11-02,5003,NOSUCH1,10.00,Nobody`,
      `2026-11-02,5004,${a1},12.5,Bad Amount`,
      `2026-13-02,5005,${a1},1.00,Bad Date`,
      `2026-11-02,5006,${a2},0.66,`,
    ].join('\n') + '\n';

  beforeAll(async () => {
    a1 = await newAccount();
    a2 = await newAccount();
    await charge(a1, 10_000, '2026-09-01', '2026-09-21');
  });

  test('each good line is a LOCKBOX payment; each bad line a rejection naming line, field and why', async () => {
    const res = await app.call('supervisor', 'POST', '/bank-files/lockbox', {
      content: file(),
      fileName: 'lockbox-2026-11-02.csv',
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ lines: 6, posted: 3, alreadyPosted: 0, rejected: 3 });
    expect(
      res.body.payments.map((p: any) => [p.line, p.accountId, p.amountCents, p.checkNumber, p.status]),
    ).toEqual([
      [2, a1, 4_000, '5001', 'posted'],
      [3, a2, 1_234, '5002', 'posted'],
      [7, a2, 66, '5006', 'posted'],
    ]);
    expect(res.body.rejections).toEqual([
      { line: 4, field: 'account_id', reason: 'account NOSUCH1 does not exist' },
      { line: 5, field: 'amount', reason: expect.stringContaining("'12.5'") },
      { line: 6, field: 'batch_date', reason: expect.stringContaining('2026-13-02') },
    ]);
    const p = await app.t.db.payment.findUniqueOrThrow({ where: { id: res.body.payments[0].paymentId } });
    expect(p).toMatchObject({
      channel: 'LOCKBOX',
      externalRef: '5001',
      amountCents: 4_000n,
      idempotencyKey: `lockbox:2026-11-02:5001:${a1}:4000`,
    });
    expect((await ledger(a1)).balanceCents).toBe(6_000);
    const entry = await app.t.db.ledgerEntry.findFirstOrThrow({ where: { paymentId: p.id } });
    expect(entry.effectiveDate.toISOString().slice(0, 10)).toBe('2026-11-02');
    expect(await timelineKinds(a2)).toEqual(['payment.posted', 'payment.posted']);
  });

  test('re-importing changes nothing; a later file repeating a check posts only what is new', async () => {
    const before = await counts();
    const again = await app.call('supervisor', 'POST', '/bank-files/lockbox', { content: file() });
    expect(again.body.counts).toEqual({ lines: 6, posted: 0, alreadyPosted: 3, rejected: 3 });
    expect(await counts()).toEqual(before);

    const later = [
      LOCKBOX_HEADER,
      `2026-11-02,5001,${a1},40.00,First Payer`,
      `2026-11-03,5007,${a1},5.00,First Payer`,
    ].join('\n');
    const res = await app.call('supervisor', 'POST', '/bank-files/lockbox', { content: later });
    expect(res.body.payments.map((p: any) => p.status)).toEqual(['already_posted', 'posted']);
    expect((await ledger(a1)).balanceCents).toBe(5_500);
  });

  test('a lockbox check can be returned as dishonored', async () => {
    const p = await app.t.db.payment.findFirstOrThrow({ where: { accountId: a2, externalRef: '5002' } });
    const res = await app.call('supervisor', 'POST', `/payments/${p.id}/return`, {
      code: 'DISHONORED_CHECK',
    });
    expect(res.status).toBe(200);
    expect(res.body.balanceCents).toBe(-66 + 2_500);
  });

  test('a file without the layout header → 400 on content; nothing written', async () => {
    const before = await counts();
    const res = await app.call('supervisor', 'POST', '/bank-files/lockbox', {
      content: `date,check,account,amount\n2026-11-02,1,${a1},1.00`,
    });
    expectError(res, 400, 'validation_failed', 'content');
    expect(res.body.error.message).toMatch(
      /header must be exactly batch_date,check_number,account_id,amount,payer_name/,
    );
    expect(await counts()).toEqual(before);
  });
});
