// Drinking-water notices to everyone served (40 CFR 141.201–141.205 public notification, 141.152 and
// 141.155 the Consumer Confidence Report): a supervisor issues one for some service areas; every
// active water account there gets it once — email with paperless consent, else a letter, in
// Spanish where the customer reads it and the utility wrote it — and the register proves it against
// the deadline; a Tier 2 notice repeats three months later until resolved; a CCR links to the report.
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { printNoticeBatch } from '../services/notice-print';
import { SYSTEM_ACTOR } from '../lib/audit';
import { startTestApp, type TestApp } from './helpers/app';
import { customerAt, eventually, ok } from './helpers/service-order-fixtures';
import { expectError } from './helpers/api-checks';

jest.setTimeout(120_000);

let app: TestApp;
let north1: Awaited<ReturnType<typeof customerAt>>;
let north2: Awaited<ReturnType<typeof customerAt>>;
let south: Awaited<ReturnType<typeof customerAt>>;

beforeAll(async () => {
  app = await startTestApp();
  north1 = await customerAt(app, 'WN1', { paperless: true });
  north2 = await customerAt(app, 'WN2', { language: 'es' });
  south = await customerAt(app, 'WN3', { paperless: true });
  await ok(app.call('csr', 'PATCH', `/premises/${south.premiseId}`, { serviceArea: 'South' }));
});
afterAll(() => app?.close());

const key = (k: string) => ({ 'idempotency-key': `water-notice-test-${k}` });
const copiesOf = (accountId: string) =>
  app.t.db.notice.findMany({
    where: { accountId, type: 'WATER_NOTICE' },
    orderBy: { idempotencyKey: 'asc' },
  });
const mailTo = async (address: string) =>
  (await listCaughtMail(app.mailDir, 500)).filter((m) => m.to.includes(address));

test('a notice is refused without what its kind needs, and by a clerk', async () => {
  const body = { kind: 'PN_TIER_2', title: 'Nitrate above the limit', bodyEn: 'What happened…' };
  expectError(
    await app.call('csr', 'POST', '/water-notices', { ...body, learnedAt: new Date().toISOString() }),
    403,
    'forbidden',
  );
  expectError(
    await app.call('supervisor', 'POST', '/water-notices', body, key('a')),
    400,
    'validation_failed',
    'learnedAt',
  );
  expectError(
    await app.call(
      'supervisor',
      'POST',
      '/water-notices',
      { ...body, learnedAt: new Date().toISOString(), serviceAreas: ['Nowhere'] },
      key('b'),
    ),
    400,
    'validation_failed',
    'serviceAreas',
  );
  expectError(
    await app.call(
      'supervisor',
      'POST',
      '/water-notices',
      { kind: 'CCR', title: 'Report', bodyEn: 'x', year: 2027 },
      key('c'),
    ),
    400,
    'validation_failed',
    'url',
  );
  // Issuing takes an Idempotency-Key: a retry must never issue the notice twice.
  expectError(
    await app.call('supervisor', 'POST', '/water-notices', { ...body, learnedAt: new Date().toISOString() }),
    400,
    'validation_failed',
    'Idempotency-Key',
  );
  expect(await app.t.db.notice.count({ where: { type: 'WATER_NOTICE' } })).toBe(0);
  expect(await app.t.db.$queryRawUnsafe<unknown[]>('SELECT id FROM water_notice')).toEqual([]);
});

test('Tier 2: to the areas named, once each, on time; repeated three months on until resolved', async () => {
  const now = await app.env.currentTimeMs();
  const learnedAt = new Date(now - 86_400_000).toISOString();
  const tier2 = {
    kind: 'PN_TIER_2',
    title: 'Nitrate above the limit in the North area',
    serviceAreas: ['North'],
    learnedAt,
    bodyEn: 'Water samples taken on November 30 showed nitrate above the standard.\n\nWhat you should do: …',
    bodyEs:
      'Las muestras de agua del 30 de noviembre mostraron nitrato por encima de la norma.\n\nQué debe hacer: …',
  };
  const issued = await ok(app.call('supervisor', 'POST', '/water-notices', tier2, key('tier2')), 202);
  // The same request again (a client's retry) is the same notice, not a second one.
  const again1 = await app.call('supervisor', 'POST', '/water-notices', tier2, key('tier2'));
  expect(again1.status).toBe(202);
  expect(again1.headers.get('idempotent-replayed')).toBe('true');
  expect(again1.body.id).toBe(issued.id);
  expectError(
    await app.call('supervisor', 'POST', '/water-notices', { ...tier2, title: 'Another' }, key('tier2')),
    409,
    'idempotency_mismatch',
    'Idempotency-Key',
  );
  expect(issued).toMatchObject({
    kind: 'PN_TIER_2',
    cite: '40 CFR 141.203(b)',
    dueBy: new Date(Date.parse(learnedAt) + 30 * 86_400_000).toISOString(),
    repeatsEveryMonths: 3,
    workflowId: `water-notice:${issued.id}`,
  });
  const status = await eventually(
    () => ok(app.call('auditor', 'GET', `/water-notices/${issued.id}`)),
    (s) => s.rounds.length === 1 && s.missing.length === 0,
  );
  // The email is out; the letter is not until a print batch takes it: not yet on time or late.
  expect(status.rounds[0]).toMatchObject({
    round: 1,
    copies: 2,
    emailed: 1,
    mailed: 1,
    waitingForPrint: 1,
    onTime: null,
  });
  // The day's print close (in place, not through its workflow: waiting on a workflow lets the
  // test server skip ahead through this notice's three-month timer).
  const closed = await printNoticeBatch(
    { db: app.t.db, outDir: app.outDir },
    { cutoff: new Date(Date.now() + 1_000), actor: SYSTEM_ACTOR },
  );
  expect(closed.claimed).toBeGreaterThanOrEqual(1);
  const printed = await ok(app.call('auditor', 'GET', `/water-notices/${issued.id}`));
  expect(printed.rounds[0]).toMatchObject({ waitingForPrint: 0, onTime: true });

  const [c1] = await copiesOf(north1.accountId);
  expect(c1).toMatchObject({
    channel: 'EMAIL',
    idempotencyKey: `water-notice:${issued.id}:1:${north1.accountId}`,
  });
  const [c2] = await copiesOf(north2.accountId);
  expect(c2).toMatchObject({ channel: 'PRINT', language: 'es', batchId: expect.stringMatching(/^notices-/) });
  expect((c2!.content as { text: string }).text).toMatch(/mostraron nitrato/);
  expect(await copiesOf(south.accountId)).toEqual([]);
  const mail = await mailTo('wn1@example.org');
  expect(mail).toHaveLength(1);
  expect(mail[0]!.subject).toBe('Millbrook Water & Light: Nitrate above the limit in the North area');
  expect(mail[0]!.text).toMatch(/IMPORTANT INFORMATION ABOUT YOUR DRINKING WATER/);
  expect(mail[0]!.text).toMatch(/Please share this information/);
  // An English copy tells its Spanish readers, in Spanish, that it matters and whom to call
  // (40 CFR 141.205(c)(2)); the Spanish copy is in Spanish throughout.
  expect(mail[0]!.text).toMatch(
    /Este aviso contiene información muy importante sobre su agua potable\. Tradúzcalo o hable con alguien que lo entienda bien\. Para recibirlo en español o pedir ayuda, llame al 814-/,
  );
  expect((c2!.content as { text: string }).text).not.toMatch(/Tradúzcalo/);
  const tl = await ok(app.call('csr', 'GET', `/accounts/${north1.accountId}/timeline?kind=notice.water`));
  expect(tl.items[0].summary).toMatch(/^Tier 2 public notice emailed: Nitrate above the limit/);

  // Three months on, still unresolved: the notice goes out again, saying it repeats.
  await app.env.sleep(93 * 86_400_000);
  const again = await eventually(
    () => ok(app.call('auditor', 'GET', `/water-notices/${issued.id}`)),
    (s) => s.rounds.length === 2 && s.missing.length === 0,
  );
  expect(again.rounds[1]).toMatchObject({ round: 2, copies: 2, onTime: null });
  const reminder = (await mailTo('wn1@example.org')).find((m) => /reminder/.test(m.subject));
  expect(reminder?.text).toMatch(/This notice repeats our notice of/);

  const resolved = await ok(
    app.call('supervisor', 'POST', `/water-notices/${issued.id}/resolve`, {
      reason: 'Nitrate back under the limit',
    }),
  );
  expect(resolved.resolvedAt).toBeTruthy();
  const result = await app.env.client.workflow.getHandle(issued.workflowId).result();
  expect(result.rounds.map((r: { round: number; sent: number }) => [r.round, r.sent])).toEqual([
    [1, 2],
    [2, 2],
  ]);
  expectError(
    await app.call('supervisor', 'POST', `/water-notices/${issued.id}/resolve`, { reason: 'again' }),
    409,
    'conflict',
  );
});

test('the Consumer Confidence Report: every area, due by July 1, the email and the letter link to it', async () => {
  const issued = await ok(
    app.call(
      'supervisor',
      'POST',
      '/water-notices',
      {
        kind: 'CCR',
        title: '2026 Water Quality Report',
        year: 2028,
        url: 'https://millbrook.example/ccr/2026',
        bodyEn: 'Last year your water met every federal and state standard.',
      },
      key('ccr'),
    ),
    202,
  );
  expect(issued).toMatchObject({ dueBy: '2028-07-02T03:59:59.999Z', edition: 1, repeatsEveryMonths: null });
  await app.env.client.workflow.getHandle(issued.workflowId).result();
  const status = await ok(app.call('auditor', 'GET', `/water-notices/${issued.id}`));
  // A letter still waits for its batch: not on time, and late once the deadline has passed (this
  // file's clock has run ahead through the Tier 2 notice's repeats, how far depends on the timers).
  const late = (await app.env.currentTimeMs()) > Date.parse(issued.dueBy);
  expect(status.rounds).toEqual([
    expect.objectContaining({
      round: 1,
      copies: 3,
      emailed: 2,
      mailed: 1,
      waitingForPrint: 1,
      onTime: late ? false : null,
    }),
  ]);
  expect(status.missing).toEqual([]);
  const mail = (await mailTo('wn3@example.org')).find((m) => /quality report/.test(m.subject));
  expect(mail?.text).toMatch(/Read it at:\nhttps:\/\/millbrook\.example\/ccr\/2026/);
  expect(mail?.text).toMatch(/To get a paper copy, call us/);
  // The Spanish reader gets English: the utility wrote no Spanish text, and the letter says so.
  const letter = (await copiesOf(north2.accountId)).find((n) =>
    n.idempotencyKey.startsWith(`water-notice:${issued.id}`),
  );
  expect(letter).toMatchObject({ channel: 'PRINT', language: 'en' });
  expect((letter!.content as { text: string }).text).toMatch(/https:\/\/millbrook\.example\/ccr\/2026/);
  expect((letter!.content as { text: string }).text).toMatch(/not yet available in your preferred language/);
  expect((letter!.content as { text: string }).text).toMatch(
    /Para recibirlo en español o pedir ayuda, llame al/,
  );
});
