// The yearly lead service-line notice (40 CFR 141.85(e)): a supervisor starts the year's run; every
// active account whose line (either side) is lead, galvanized requiring replacement or unknown gets
// it once — by email only with the customer's paperless consent, else by mail — and the occupants of
// a tenant-occupied premise get their own mailed copy; a second run sends nothing again; the year's
// status lists who is owed it and who has it. At service start, an email the mail server refuses
// for good goes to print instead.
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { sendLeadNotice } from '../services/lead-notice';
import { SYSTEM_ACTOR } from '../lib/audit';
import { createMailer } from '../lib/mailer';
import { startTestApp, type TestApp } from './helpers/app';
import { customerAt, ok } from './helpers/service-order-fixtures';
import { expectError } from './helpers/api-checks';
import { SMTPServer } from 'smtp-server';

jest.setTimeout(120_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const noticesOf = (accountId: string) =>
  app.t.db.notice.findMany({
    where: { accountId, type: 'LEAD_SERVICE_LINE' },
    orderBy: { idempotencyKey: 'asc' },
  });

const runYear = async (year: number) => {
  const started = await ok(app.call('supervisor', 'POST', '/lead-notices/annual', { year }), 202);
  expect(started).toEqual({ workflowId: `lead-notice-annual:${year}`, year });
  return app.env.client.workflow.getHandle(started.workflowId).result();
};

test('the yearly notice: once per account owed it, by the customer’s channel, occupants too', async () => {
  const mailed = await customerAt(app, 'LA1', { lines: ['NON_LEAD', 'LEAD_STATUS_UNKNOWN'] });
  const emailed = await customerAt(app, 'LA2', { lines: ['LEAD', 'NON_LEAD'], paperless: true });
  await ok(app.call('csr', 'PATCH', `/premises/${emailed.premiseId}`, { tenantOccupied: true }));
  const clear = await customerAt(app, 'LA3', { lines: ['NON_LEAD', 'NON_LEAD'], paperless: true });

  expectError(await app.call('csr', 'POST', '/lead-notices/annual', { year: 2027 }), 403, 'forbidden');
  expectError(
    await app.call('supervisor', 'POST', '/lead-notices/annual', { year: 'next' }),
    400,
    'validation_failed',
    'year',
  );

  const first = await runYear(2027);
  // The seeded accounts of other tests in this file may be owed it too; these three are ours.
  expect(first).toMatchObject({ year: 2027, alreadySent: 0 });
  expect(first.sent).toBe(first.emailed + first.mailed);

  const [m1] = await noticesOf(mailed.accountId);
  expect(m1).toMatchObject({
    idempotencyKey: `lead-notice:annual:2027:${mailed.accountId}:${mailed.premiseId}`,
    channel: 'PRINT',
    recipient: 'Customer LA1, LA1 Elm St, Millbrook, PA 16801',
    batchId: null, // waits for the next print batch
  });
  expect((m1!.content as { text: string }).text).toMatch(/This is the notice for 2027/);
  const e = await noticesOf(emailed.accountId);
  expect(e.map((n) => [n.channel, n.recipient])).toEqual([
    ['EMAIL', 'la2@example.org'],
    ['PRINT', 'Occupant, LA2 Elm St, Millbrook, PA 16801'],
  ]);
  expect((e[1]!.content as { text: string }).text).toMatch(/^To the occupants of LA2 Elm St/m);
  expect(await noticesOf(clear.accountId)).toEqual([]);
  const mail = (await listCaughtMail(app.mailDir, 500)).filter((m) => m.to.includes('la2@example.org'));
  expect(mail).toHaveLength(1);
  expect(mail[0]!.subject).toBe(
    '2027 notice: lead and the water service line at LA2 Elm St, Millbrook, PA 16801',
  );
  expect(mail[0]!.text).toMatch(/must replace its side as well/);

  const tl = await ok(
    app.call('csr', 'GET', `/accounts/${emailed.accountId}/timeline?kind=notice.lead-service-line`),
  );
  expect(tl.items.map((x: { summary: string }) => x.summary)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^Annual lead service-line notice \(2027\) emailed to the customer/),
      expect.stringMatching(/^Annual lead service-line notice \(2027\) mailed to the occupants/),
    ]),
  );

  // Once a year: the second run finds every copy in the register.
  const second = await runYear(2027);
  expect(second).toMatchObject({ sent: 0, alreadySent: first.sent, accounts: first.accounts });
  expect(
    (await listCaughtMail(app.mailDir, 500)).filter((m) => m.to.includes('la2@example.org')),
  ).toHaveLength(1);

  const status = await ok(app.call('auditor', 'GET', '/lead-notices/annual/2027'));
  expect(status).toMatchObject({ year: 2027, owed: first.accounts, noticed: first.accounts, missing: [] });
  expect(status.copies).toEqual(
    expect.arrayContaining([
      { channel: 'EMAIL', recipient: 'CUSTOMER', count: expect.any(Number), unconfirmed: 0 },
      { channel: 'PRINT', recipient: 'OCCUPANT', count: 1, unconfirmed: 0 },
    ]),
  );
  // A year not yet run: everyone owed it is missing.
  const next = await ok(app.call('auditor', 'GET', '/lead-notices/annual/2028'));
  expect(next.noticed).toBe(0);
  expect(next.missing).toEqual(expect.arrayContaining([mailed.accountId, emailed.accountId]));
  expect(next.missing).not.toContain(clear.accountId);
});

test('an email the mail server refuses for good goes out as a letter instead', async () => {
  const c = await customerAt(app, 'LA4', {
    lines: ['LEAD', 'LEAD'],
    paperless: true,
    email: 'nobody@refuse.example',
  });
  // A real mail server that refuses the recipient outright: 550, no such mailbox.
  const refusing = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (_address, _session, callback) =>
      callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 })),
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', () => resolve()));
  const { port } = refusing.server.address() as { port: number };
  const mailer = createMailer(
    `smtp://127.0.0.1:${port}`,
    'Millbrook Water & Light <billing@millbrook.example>',
  );
  try {
    const r = await sendLeadNotice(
      { db: app.t.db, mailer },
      {
        accountId: c.accountId,
        occasion: { kind: 'START', startDate: '2026-11-02', orderId: 'SO-LA4' },
        at: new Date(),
        actor: SYSTEM_ACTOR,
      },
    );
    expect(r).toMatchObject({ required: true, sent: true, channel: 'PRINT' });
    expect(r.copies).toEqual([
      { recipient: 'CUSTOMER', channel: 'PRINT', sent: true, fellBackToPrint: true },
    ]);
    const [n] = await noticesOf(c.accountId);
    expect(n).toMatchObject({
      channel: 'PRINT',
      recipient: 'Customer LA4, LA4 Elm St, Millbrook, PA 16801',
      messageId: null,
    });
    expect(n!.content).toMatchObject({
      recipientName: 'Customer LA4',
      mailingAddress: 'LA4 Elm St, Millbrook, PA 16801',
    });
  } finally {
    mailer.close();
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  }
});

test('an account opened active at a premise already taking water gets the notice at its start, by mail', async () => {
  const c = await customerAt(app, 'LA5', {
    lines: ['GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD'],
    noAccount: true,
  });
  const opened = await ok(
    app.call('csr', 'POST', '/accounts', {
      customerId: c.customerId,
      premiseId: c.premiseId,
      class: 'RES',
      billCycle: 1,
      startDate: '2026-12-01',
    }),
    201,
  );
  const [n] = await noticesOf(opened.id);
  expect(n).toMatchObject({
    idempotencyKey: `lead-notice:${opened.id}:${c.premiseId}`,
    channel: 'PRINT',
    batchId: null,
  });
  expect((n!.content as { text: string }).text).toMatch(/started on December 1, 2026/);
  expect((n!.content as { text: string }).text).toMatch(/galvanized steel that requires replacement/);
});

test('each side of the line records how its material is known, and a changed material keeps no old verification', async () => {
  const base = {
    serviceAddress: '9 Verify St, Millbrook, PA 16801',
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: 'RESIDENTIAL',
  };
  const p = await ok(
    app.call('csr', 'POST', '/premises', {
      ...base,
      serviceLinePublic: 'NON_LEAD',
      serviceLinePublicSource: 'EXCAVATION',
      serviceLinePublicVerifiedOn: '2026-10-01',
    }),
    201,
  );
  expect(p).toMatchObject({
    serviceLinePublic: 'NON_LEAD',
    serviceLinePublicSource: 'EXCAVATION',
    serviceLinePublicVerifiedOn: '2026-10-01',
    serviceLinePrivate: 'LEAD_STATUS_UNKNOWN',
    serviceLinePrivateSource: null,
    serviceLinePrivateVerifiedOn: null,
  });
  const refused = [
    [{ serviceLinePublic: 'LEAD', serviceLinePublicSource: 'RECORDS' }, 'serviceLinePublicVerifiedOn'],
    [
      { serviceLinePrivateSource: 'RECORDS', serviceLinePrivateVerifiedOn: '2026-10-01' },
      'serviceLinePrivateSource',
    ],
    [
      {
        serviceLinePublic: 'NON_LEAD',
        serviceLinePublicSource: 'RECORDS',
        serviceLinePublicVerifiedOn: '2099-01-01',
      },
      'serviceLinePublicVerifiedOn',
    ],
    [{ serviceLinePublicSource: 'GUESS' }, 'serviceLinePublicSource'],
  ] as const;
  for (const [body, field] of refused)
    expectError(
      await app.call('csr', 'POST', '/premises', { ...base, ...body }),
      400,
      'validation_failed',
      field,
    );

  // The customer's side found to be lead by a visual inspection; the utility's side keeps its own.
  const found = await ok(
    app.call('csr', 'PATCH', `/premises/${p.id}`, {
      serviceLinePrivate: 'LEAD',
      serviceLinePrivateSource: 'VISUAL_INSPECTION',
      serviceLinePrivateVerifiedOn: '2026-11-15',
    }),
  );
  expect(found).toMatchObject({
    serviceLinePublicSource: 'EXCAVATION',
    serviceLinePublicVerifiedOn: '2026-10-01',
    serviceLinePrivate: 'LEAD',
    serviceLinePrivateSource: 'VISUAL_INSPECTION',
    serviceLinePrivateVerifiedOn: '2026-11-15',
  });
  // The utility's side changed without a new verification: the old one no longer describes it.
  const changed = await ok(app.call('csr', 'PATCH', `/premises/${p.id}`, { serviceLinePublic: 'LEAD' }));
  expect(changed).toMatchObject({
    serviceLinePublic: 'LEAD',
    serviceLinePublicSource: null,
    serviceLinePublicVerifiedOn: null,
  });
  expect((await ok(app.call('csr', 'GET', `/premises/${p.id}`))).serviceLinePrivateVerifiedOn).toBe(
    '2026-11-15',
  );
});

test('an email an earlier try claimed and never confirmed is marked unconfirmed on the retry, not sent again', async () => {
  const c = await customerAt(app, 'LA6', { lines: ['LEAD', 'NON_LEAD'], paperless: true });
  const occasion = { kind: 'ANNUAL', year: 2031 } as const;
  const key = `lead-notice:annual:2031:${c.accountId}:${c.premiseId}`;
  // As a worker stopped between the claim and the mail server's answer leaves it.
  await app.t.db.notice.create({
    data: {
      accountId: c.accountId,
      type: 'LEAD_SERVICE_LINE',
      channel: 'EMAIL',
      language: 'en',
      recipient: 'la6@example.org',
      contentHash: 'x'.repeat(64),
      idempotencyKey: key,
      sentAt: new Date(),
    },
  });
  const r = await sendLeadNotice(
    { db: app.t.db, mailer: app.mailer },
    { accountId: c.accountId, occasion, at: new Date(), actor: SYSTEM_ACTOR },
  );
  expect(r.copies).toEqual([{ recipient: 'CUSTOMER', channel: 'EMAIL', sent: false, unconfirmed: true }]);
  expect(
    (await app.t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: key } })).unconfirmedAt,
  ).not.toBeNull();
  expect((await listCaughtMail(app.mailDir, 500)).filter((m) => m.to.includes('la6@example.org'))).toEqual(
    [],
  );
  // Marked once: a further retry changes nothing.
  const again = await sendLeadNotice(
    { db: app.t.db, mailer: app.mailer },
    { accountId: c.accountId, occasion, at: new Date(), actor: SYSTEM_ACTOR },
  );
  expect(again.copies).toEqual([{ recipient: 'CUSTOMER', channel: 'EMAIL', sent: false }]);
  expect(
    await app.t.db.auditEvent.count({
      where: { entityId: key, action: 'notice.lead-service-line.unconfirmed' },
    }),
  ).toBe(1);
});
