// Bank account numbers and dates of birth: encrypted at rest (read back from the raw columns with
// SQL), masked to the last four in every answer, audit row and timeline row, shown in clear only
// to a role with pii:read that gives a reason (and that reveal is audited), refused with a 4xx
// naming the field when malformed — and never written to a log line, nor any credential.
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../api/app';
import { decryptField } from '../lib/field-crypto';
import { createLogger } from '../lib/logger';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';

jest.setTimeout(120_000);

const ROUTING = '021000021';
const NUMBER = '000123456789';
const OTHER_NUMBER = '98765432101234';
const DOB = '1961-03-14';

let app: TestApp;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  app = await startTestApp();
  acct = await seedAccount(app);
});
afterAll(() => app?.close());

const bankAccountPath = () => `/accounts/${acct.accountId}/bank-account`;
const put = (role: string, body: unknown) => app.call(role, 'PUT', bankAccountPath(), body);
const goodBody = (over: Record<string, unknown> = {}) => ({
  routingNumber: ROUTING,
  accountNumber: NUMBER,
  accountType: 'CHECKING',
  holderName: 'Test Customer 1',
  ...over,
});

/** Every stored trace of the account's changes, as text: audit rows, timeline rows, idempotency answers. */
async function storedText(): Promise<string> {
  const rows = await app.t.db.$queryRawUnsafe<{ t: string }[]>(`
    SELECT coalesce(before::text, '') || coalesce(after::text, '') || coalesce(reason, '') AS t FROM audit_event
    UNION ALL SELECT summary || coalesce(data::text, '') FROM timeline_event
    UNION ALL SELECT result::text FROM idempotency_record`);
  return rows.map((r) => r.t).join('\n');
}

describe('the bank account on file', () => {
  test('is stored encrypted: the raw column holds a token that decrypts to the number, and its last four', async () => {
    const res = await put('csr', goodBody({ reason: 'Autopay form signed at the counter' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: acct.accountId,
      routingNumber: ROUTING,
      accountNumber: '****6789',
      accountNumberLast4: '6789',
      masked: true,
      accountType: 'CHECKING',
      holderName: 'Test Customer 1',
      createdBy: 'csr',
    });
    expect(JSON.stringify(res.body)).not.toContain(NUMBER);

    const [raw] = await app.t.db.$queryRaw<{ enc: string; last4: string }[]>`
      SELECT account_number_enc AS enc, account_number_last4 AS last4 FROM bank_account
      WHERE account_id = ${acct.accountId}`;
    expect(raw!.enc).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(raw!.enc).not.toContain(NUMBER);
    expect(raw!.enc).not.toContain('123456789');
    expect(decryptField(raw!.enc, app.encryptionKey)).toBe(NUMBER);
    expect(raw!.last4).toBe('6789');

    // The database itself refuses a clear number in the encrypted column, whoever writes it.
    await expect(
      app.t.db
        .$executeRaw`UPDATE bank_account SET account_number_enc = ${NUMBER} WHERE account_id = ${acct.accountId}`,
    ).rejects.toThrow(/bank_account_account_number_enc_check/);
  });

  test('the audit and timeline rows show the last four only', async () => {
    const audit = await app.t.db.auditEvent.findFirstOrThrow({
      where: { action: 'bank-account.create', entityId: acct.accountId },
    });
    expect(audit).toMatchObject({
      actor: 'csr',
      entityType: 'bank_account',
      reason: 'Autopay form signed at the counter',
    });
    expect(audit.after).toMatchObject({
      accountNumber: '****6789',
      accountNumberLast4: '6789',
      masked: true,
    });
    const tl = await app.t.db.timelineEvent.findFirstOrThrow({
      where: { accountId: acct.accountId, kind: 'bank-account.created' },
    });
    expect(tl.summary).toBe(`Bank account on file: checking ****6789 at routing ${ROUTING}`);
    expect(await storedText()).not.toContain(NUMBER);
  });

  test('every role that may read it sees it masked; a field crew may not read it', async () => {
    for (const role of ['csr', 'supervisor', 'auditor', 'admin']) {
      const res = await app.call(role, 'GET', bankAccountPath());
      expect({ role, status: res.status, number: res.body.accountNumber, masked: res.body.masked }).toEqual({
        role,
        status: 200,
        number: '****6789',
        masked: true,
      });
    }
    expectError(await app.call('crew-a', 'GET', bankAccountPath()), 403, 'forbidden');
  });

  test('the whole number is shown only to a role with pii:read, with a reason, and that reveal is audited', async () => {
    const reveal = (role: string, body: unknown) =>
      app.call(role, 'POST', `${bankAccountPath()}/reveal`, body);
    for (const role of ['csr', 'auditor', 'crew-a']) {
      const res = await reveal(role, { reason: 'curious' });
      expectError(res, 403, 'forbidden');
      expect(res.body.error.message).toMatch(/pii read/);
    }
    const refused = await app.t.db.auditEvent.findMany({
      where: { action: 'authorization.refused', entityId: 'POST /accounts/:id/bank-account/reveal' },
    });
    expect(refused.map((r) => r.actorRole).sort()).toEqual(['auditor', 'csr', 'field']);

    expectError(await reveal('supervisor', {}), 400, 'validation_failed', 'reason');
    const before = await app.t.db.auditEvent.count({ where: { action: 'bank-account.reveal' } });
    const res = await reveal('supervisor', { reason: 'Customer disputes the autopay debit of 2026-11-20' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accountNumber: NUMBER, accountNumberLast4: '6789', masked: false });
    const audit = await app.t.db.auditEvent.findMany({
      where: { action: 'bank-account.reveal' },
      orderBy: { seq: 'desc' },
    });
    expect(audit).toHaveLength(before + 1);
    expect(audit[0]).toMatchObject({
      actor: 'supervisor',
      actorRole: 'supervisor',
      entityType: 'bank_account',
      entityId: acct.accountId,
      accountId: acct.accountId,
      reason: 'Customer disputes the autopay debit of 2026-11-20',
      after: { field: 'accountNumber' },
    });
    // Reading it is no change of the account: nothing on the timeline, and still no number stored.
    expect(
      await app.t.db.timelineEvent.count({
        where: { accountId: acct.accountId, kind: { contains: 'reveal' } },
      }),
    ).toBe(0);
    expect(await storedText()).not.toContain(NUMBER);
  });

  test('the same details again change nothing; new details are audited masked, before and after', async () => {
    const audits = () =>
      app.t.db.auditEvent.count({
        where: { entityType: 'bank_account', action: { not: 'bank-account.reveal' } },
      });
    const n = await audits();
    expect((await put('csr', goodBody())).status).toBe(200);
    expect(await audits()).toBe(n);

    const res = await put('supervisor', goodBody({ accountNumber: OTHER_NUMBER, accountType: 'SAVINGS' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountNumber: '****1234',
      accountType: 'SAVINGS',
      updatedBy: 'supervisor',
    });
    const audit = await app.t.db.auditEvent.findFirstOrThrow({ where: { action: 'bank-account.update' } });
    expect(audit.before).toMatchObject({ accountNumber: '****6789' });
    expect(audit.after).toMatchObject({ accountNumber: '****1234' });
    const tl = await app.t.db.timelineEvent.findFirstOrThrow({ where: { kind: 'bank-account.updated' } });
    expect(tl.summary).toBe(
      `Bank account on file changed from checking ****6789 at routing ${ROUTING} to savings ****1234 at routing ${ROUTING}`,
    );
    const text = await storedText();
    expect(text).not.toContain(NUMBER);
    expect(text).not.toContain(OTHER_NUMBER);
  });

  test.each([
    [
      'a routing number failing the ABA check digit',
      { routingNumber: '021000022' },
      'routingNumber',
      /check digit/,
    ],
    ['a routing number of 8 digits', { routingNumber: '02100002' }, 'routingNumber', /9 digits/],
    [
      'a routing number of no Federal Reserve district',
      { routingNumber: '400000008' },
      'routingNumber',
      /first two/,
    ],
    ['an account number of 3 digits', { accountNumber: '123' }, 'accountNumber', /4 to 17 digits/],
    ['an account number of 18 digits', { accountNumber: '123456789012345678' }, 'accountNumber', /4 to 17/],
    ['an account number with a hyphen', { accountNumber: '1234-5678' }, 'accountNumber', /4 to 17 digits/],
    ['an account number of zeros', { accountNumber: '00000000' }, 'accountNumber', /zeros/],
    ['an account number given as a number', { accountNumber: 123456789 }, 'accountNumber', /string/],
    ['an unknown account type', { accountType: 'BROKERAGE' }, 'accountType', /CHECKING/],
    ['no holder name', { holderName: undefined }, 'holderName', /./],
    ['an unknown field', { iban: 'DE89370400440532013000' }, 'iban', /Unknown field/],
  ])('%s is refused with 400 naming the field, never echoing the value', async (_what, over, field, why) => {
    const body = goodBody(over);
    const res = await put('csr', body);
    expectError(res, 400, 'validation_failed', field);
    expect(res.body.error.message).toMatch(why);
    for (const v of Object.values(over))
      if (typeof v === 'string' && v.length > 3) expect(res.body.error.message).not.toContain(v);
  });

  test('an unknown account is 404; removing deletes the number and audits its last four', async () => {
    expectError(await app.call('csr', 'PUT', '/accounts/NOPE-1/bank-account', goodBody()), 404, 'not_found');
    expectError(await app.call('csr', 'GET', '/accounts/NOPE-1/bank-account'), 404, 'not_found');
    const res = await app.call('csr', 'DELETE', bankAccountPath(), { reason: 'Customer cancelled autopay' });
    expect(res.status).toBe(200);
    expect(res.body.removed).toMatchObject({ accountNumber: '****1234' });
    expect(await app.t.db.bankAccount.count({ where: { accountId: acct.accountId } })).toBe(0);
    const audit = await app.t.db.auditEvent.findFirstOrThrow({ where: { action: 'bank-account.delete' } });
    expect(audit).toMatchObject({
      reason: 'Customer cancelled autopay',
      before: { accountNumber: '****1234' },
    });
    expectError(await app.call('csr', 'GET', bankAccountPath()), 404, 'not_found');
    expectError(await app.call('csr', 'DELETE', bankAccountPath(), {}), 404, 'not_found');
  });
});

describe('an ACH payment drawn on the payer’s account', () => {
  const payer = { routingNumber: '043000096', accountNumber: '55500011122', accountType: 'SAVINGS' };
  const post = (key: string, body: Record<string, unknown>) =>
    app.call('csr', 'POST', '/payments', body, { 'idempotency-key': key });
  let paymentId: string;

  test('is stored encrypted and answered masked; a retry answers the same; another account under the key is 409', async () => {
    const body = { accountId: acct.accountId, amountCents: 4_321, channel: 'ACH', bankAccount: payer };
    const res = await post('ach-1', body);
    expect(res.status).toBe(201);
    paymentId = res.body.payment.id;
    expect(res.body.payment.bankAccount).toEqual({
      routingNumber: '043000096',
      accountNumber: '****1122',
      accountNumberLast4: '1122',
      masked: true,
      accountType: 'SAVINGS',
    });
    expect(JSON.stringify(res.body)).not.toContain(payer.accountNumber);

    const [raw] = await app.t.db.$queryRaw<{ enc: string; last4: string; hash: string }[]>`
      SELECT ach_account_number_enc AS enc, ach_account_last4 AS last4, request_hash AS hash FROM payment
      WHERE id = ${paymentId}::uuid`;
    expect(raw!.enc).toMatch(/^v1:/);
    expect(raw!.enc).not.toContain(payer.accountNumber);
    expect(decryptField(raw!.enc, app.encryptionKey)).toBe(payer.accountNumber);
    expect(raw!.last4).toBe('1122');

    const again = await post('ach-1', body);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.payment).toEqual(res.body.payment);
    const other = await post('ach-1', { ...body, bankAccount: { ...payer, accountNumber: '55500011123' } });
    expectError(other, 409, 'idempotency_mismatch', 'Idempotency-Key');

    const got = await app.call('auditor', 'GET', `/payments/${paymentId}`);
    expect(got.body.bankAccount).toMatchObject({ accountNumber: '****1122', masked: true });
    expect(await storedText()).not.toContain(payer.accountNumber);
  });

  test('only ACH carries a bank account, and it is validated like the one on file', async () => {
    const base = { accountId: acct.accountId, amountCents: 100 };
    expectError(
      await post('chk-1', { ...base, channel: 'CHECK', bankAccount: payer }),
      400,
      'validation_failed',
      'bankAccount',
    );
    expectError(
      await post('ach-2', { ...base, channel: 'ACH', bankAccount: { ...payer, routingNumber: '043000097' } }),
      400,
      'validation_failed',
      'bankAccount.routingNumber',
    );
    expectError(
      await post('ach-3', { ...base, channel: 'ACH', bankAccount: { ...payer, accountNumber: '12' } }),
      400,
      'validation_failed',
      'bankAccount.accountNumber',
    );
  });

  test('the payer’s whole number is revealed to pii:read with a reason, audited', async () => {
    const url = `/payments/${paymentId}/bank-account/reveal`;
    expectError(await app.call('csr', 'POST', url, { reason: 'x' }), 403, 'forbidden');
    const res = await app.call('admin', 'POST', url, { reason: 'Bank research request 4471' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      paymentId,
      accountId: acct.accountId,
      bankAccount: { accountNumber: payer.accountNumber, masked: false },
    });
    expect(
      await app.t.db.auditEvent.findFirstOrThrow({
        where: { action: 'payment.reveal', entityId: paymentId },
      }),
    ).toMatchObject({
      actor: 'admin',
      reason: 'Bank research request 4471',
      after: { field: 'bankAccount.accountNumber' },
    });
  });

  test('a NACHA returns file: the DFI account numbers it carries are not echoed', async () => {
    const file = readFileSync(
      path.resolve(__dirname, '../demo-data/millbrook/payments/ach-returns-2026-12-01.ach'),
      'utf8',
    );
    const dfiAccounts = file
      .split('\n')
      .filter((l) => l.startsWith('6'))
      .map((l) => l.slice(12, 29).trim());
    expect(dfiAccounts.length).toBeGreaterThan(0);
    const res = await app.call('supervisor', 'POST', '/bank-files/ach-returns', { content: file });
    expect(res.status).toBe(200);
    const answer = JSON.stringify(res.body);
    for (const n of dfiAccounts) expect(answer).not.toContain(n);
    const text = await storedText();
    for (const n of dfiAccounts) expect(text).not.toContain(n);
  });
});

describe('dates of birth', () => {
  test('are masked for everyone, and shown in clear only by an audited reveal with pii:read', async () => {
    const c = await app.call('csr', 'POST', '/customers', {
      name: 'Dora Birth',
      mailingAddress: '9 Elm St, Millbrook, PA 16801',
      dateOfBirth: DOB,
    });
    expect(c.status).toBe(201);
    expect(c.body.dateOfBirth).toBe('********14');
    const [raw] = await app.t.db.$queryRaw<{ enc: string }[]>`
      SELECT date_of_birth_enc AS enc FROM customer WHERE id = ${c.body.id}`;
    expect(raw!.enc).not.toContain(DOB);
    expect(decryptField(raw!.enc, app.encryptionKey)).toBe(DOB);
    for (const role of ['csr', 'supervisor', 'admin', 'auditor'])
      expect((await app.call(role, 'GET', `/customers/${c.body.id}`)).body.dateOfBirth).toBe('********14');

    const url = `/customers/${c.body.id}/date-of-birth/reveal`;
    expectError(await app.call('csr', 'POST', url, { reason: 'Identity check' }), 403, 'forbidden');
    expectError(
      await app.call('supervisor', 'POST', url, { reason: '' }),
      400,
      'validation_failed',
      'reason',
    );
    const res = await app.call('supervisor', 'POST', url, { reason: 'Identity check for a deposit waiver' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ customerId: c.body.id, dateOfBirth: DOB, masked: false });
    expect(
      await app.t.db.auditEvent.findFirstOrThrow({
        where: { action: 'customer.reveal', entityId: c.body.id },
      }),
    ).toMatchObject({
      actor: 'supervisor',
      after: { field: 'dateOfBirth' },
      reason: 'Identity check for a deposit waiver',
    });
    expect(await storedText()).not.toContain(DOB);
    expectError(
      await app.call('supervisor', 'POST', '/customers/NOPE/date-of-birth/reveal', { reason: 'x' }),
      404,
      'not_found',
    );
  });
});

describe('logs', () => {
  test('requests carrying keys, cookies, passwords, account numbers and dates of birth never put them in a log line', async () => {
    // The same app, with a logger that keeps every line at the most verbose level.
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logged = createApp({
      db: app.t.db,
      temporal: app.env.client,
      taskQueue: app.taskQueue,
      logger: createLogger('trace', 'opencis-test', sink),
      encryptionKey: app.encryptionKey,
      authFailureLimit: { max: 1_000_000, windowMs: 60_000 },
      health: async () => ({ postgres: { ok: true, detail: 'test' } }),
    });
    const server: Server = await new Promise((resolve) => {
      const s = logged.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const secrets = {
      csrKey: app.keys.csr!,
      supervisorKey: app.keys.supervisor!,
      foreignToken: 'sk_live_51HxQfPz9notOursAtAll',
      password: 'correct-horse-battery-staple',
      cookie: 'ocis_dash=s%3Asession-secret-value',
      accountNumber: '44433322211100',
      payerNumber: '77766655544',
      dateOfBirth: '1947-08-29',
    };
    const send = (method: string, url: string, headers: Record<string, string>, body?: string) =>
      fetch(base + url, {
        method,
        headers: { 'content-type': 'application/json', 'x-request-id': 'log-check', ...headers },
        ...(body !== undefined ? { body } : {}),
      }).then((r) => r.status);
    const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
    try {
      const statuses = [
        await send(
          'PUT',
          bankAccountPath(),
          { ...bearer(secrets.csrKey), cookie: secrets.cookie },
          JSON.stringify(goodBody({ accountNumber: secrets.accountNumber })),
        ),
        await send(
          'PUT',
          bankAccountPath(),
          bearer(secrets.csrKey),
          JSON.stringify(goodBody({ accountNumber: `${secrets.accountNumber}9999` })),
        ),
        await send(
          'POST',
          `${bankAccountPath()}/reveal`,
          bearer(secrets.supervisorKey),
          JSON.stringify({ reason: 'log check' }),
        ),
        await send(
          'POST',
          `${bankAccountPath()}/reveal`,
          { 'x-api-key': secrets.csrKey },
          JSON.stringify({ reason: 'log check' }),
        ),
        await send(
          'POST',
          '/payments',
          { ...bearer(secrets.csrKey), 'idempotency-key': 'log-ach' },
          JSON.stringify({
            accountId: acct.accountId,
            amountCents: 10,
            channel: 'ACH',
            bankAccount: { routingNumber: ROUTING, accountNumber: secrets.payerNumber },
          }),
        ),
        await send(
          'POST',
          '/customers',
          bearer(secrets.csrKey),
          JSON.stringify({
            name: 'Log Check',
            mailingAddress: '1 Log St',
            dateOfBirth: secrets.dateOfBirth,
            password: secrets.password,
          }),
        ),
        await send(
          'POST',
          '/customers',
          bearer(secrets.csrKey),
          `{"name":"x","accountNumber":"${secrets.accountNumber}",`,
        ),
        await send('GET', '/customers', bearer(secrets.foreignToken)),
        await send('GET', '/customers', {
          authorization: `Basic ${Buffer.from(`admin:${secrets.password}`).toString('base64')}`,
        }),
        await send('GET', '/customers', { cookie: secrets.cookie, 'x-api-key': secrets.foreignToken }),
      ];
      expect(statuses).toEqual([200, 400, 200, 403, 201, 400, 400, 401, 401, 401]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    // The requests were logged (one line each at least), and not one secret is in any line.
    expect(
      out.split('\n').filter((l) => l.includes('"requestId":"log-check"')).length,
    ).toBeGreaterThanOrEqual(10);
    expect(out).toContain('authentication failed');
    const leaked = Object.entries(secrets).filter(([, v]) => out.includes(v) || out.includes(v.slice(0, 13)));
    expect(leaked.map(([k]) => k)).toEqual([]);
    // Nor the encrypted forms, nor the clear number a reveal answered with.
    expect(out).not.toContain('v1:');
    expect(out).not.toContain(Buffer.from(`admin:${secrets.password}`).toString('base64'));
  });
});
