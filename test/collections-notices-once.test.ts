// A disconnection notice reaches every recipient the profile requires — the customer in Spanish,
// the designated third party, and "Occupant" at a tenant-occupied premise (California water,
// SB 998) — with the right amounts, and exactly once although its activity fails after sending
// (a retry) and the worker then dies (a restart on a second worker).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { collectionsKey, PRINT_CLOSE_MARGIN_MS } from '../activities/collections';
import { createMailer } from '../lib/mailer';
import { listCaughtMail, startSmtpCatcher, type SmtpCatcher } from '../lib/runtime/smtp-catcher';
import { parse } from 'csv-parse/sync';
import { noticePrintRun } from '../workflows/notice-print';
import { NOTICE_PRINT_CSV_COLUMNS, noticeBatchId, printCloseFor } from '../services/notice-print';
import { getProfile } from '../domain/collections';
import { addBusinessDays, localDate } from '../domain/collections/calendar';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createTimeSkippingEnv, workflowBundle } from './helpers/temporal';
import {
  caseStateQuery,
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
} from '../workflows/collections-case';

jest.setTimeout(240_000);

let t: TestDatabase;
let env: TestWorkflowEnvironment;
let catcher: SmtpCatcher;
let scratch: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDatabase();
  env = await createTimeSkippingEnv();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'opencis-notices-'));
  catcher = await startSmtpCatcher({ mailDir: path.join(scratch, 'mail'), port: 0 });
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function seed(now: number) {
  await t.db.customer.create({
    data: {
      id: 'C-N1',
      name: 'Lucía Hernández',
      mailingAddress: '12 Olive Ave, Fresno, CA 93701',
      email: 'lucia@example.org',
      language: 'es-MX',
      paperless: true,
    },
  });
  await t.db.premise.create({
    data: {
      id: 'P-N1',
      serviceAddress: '40 Cedar St Apt 2, Fresno, CA 93701',
      zip: '93701',
      serviceArea: 'Central',
      state: 'CA',
      jurisdictionProfile: 'CA_WATER',
      premiseType: 'RESIDENTIAL',
      tenantOccupied: true,
    },
  });
  await t.db.account.create({
    data: {
      id: 'A-N1',
      customerId: 'C-N1',
      premiseId: 'P-N1',
      class: 'RES',
      billCycle: 1,
      startDate: new Date('2025-01-01T00:00:00Z'),
      incomePctFpl: 320,
      incomeVerifiedOn: new Date(now - 30 * DAY),
      thirdPartyName: 'Marco Hernández',
      thirdPartyEmail: 'marco@example.org',
      thirdPartyAddress: '9 Pine Rd, Fresno, CA 93702',
    },
  });
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  await t.db.ledgerEntry.create({
    data: {
      accountId: 'A-N1',
      kind: 'CHARGE',
      amountCents: 18_765n,
      effectiveDate: new Date(`${iso(now - 90 * DAY)}T00:00:00Z`),
      dueDate: new Date(`${iso(now - 70 * DAY)}T00:00:00Z`),
      idempotencyKey: 'notice-test-charge',
      memo: 'Bill of August',
    },
  });
  await t.db.collectionsEpisode.create({
    data: {
      accountId: 'A-N1',
      episode: 1,
      workflowId: collectionsWorkflowId('A-N1', 1),
      pastDueCents: 18_765n,
    },
  });
}

test('right content, language and recipients; exactly once through an activity retry and a worker restart', async () => {
  const now = await env.currentTimeMs();
  await seed(now);
  const taskQueue = `notices-${randomBytes(4).toString('hex')}`;
  const mailer = createMailer(catcher.url, 'Millbrook Water & Light <billing@millbrook.example>');
  const real = createActivities({ db: t.db, temporal: env.client, taskQueue, mailer, outDir: scratch });
  const bundle = await workflowBundle();

  // The first worker sends the notice, then fails the attempt (a lost acknowledgement); the retry
  // sends again on the same worker and the worker dies before reporting it.
  let attempts = 0;
  let died!: () => void;
  const dead = new Promise<void>((r) => (died = r));
  const failing = {
    ...real,
    async sendCollectionsNotice(i: Parameters<typeof real.sendCollectionsNotice>[0]) {
      const r = await real.sendCollectionsNotice(i);
      if (i.type !== 'DISCONNECT_NOTICE') return r;
      attempts++;
      if (attempts === 2) died();
      throw new Error(attempts === 1 ? 'acknowledgement lost after sending' : 'worker process killed');
    },
  };
  const first = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: failing,
    maxCachedWorkflows: 0,
    shutdownGraceTime: '200ms',
    shutdownForceTime: '2s',
  });
  const firstRun = first.run();
  const handle = await env.client.workflow.signalWithStart(collectionsCase, {
    taskQueue,
    workflowId: collectionsWorkflowId('A-N1', 1),
    args: [{ accountId: 'A-N1', episode: 1 }],
    signal: collectionsHandoffSignal,
    signalArgs: [
      { runId: 'notice-run', asOf: new Date(now).toISOString().slice(0, 10), pastDueCents: '18765' },
    ],
  });
  await dead;
  first.shutdown();
  await firstRun.catch(() => undefined);
  expect(attempts).toBe(2);

  const second = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: real,
  });
  await second.runUntil(async () => {
    for (let i = 0; i < 200; i++) {
      const s = await handle.query(caseStateQuery);
      if (s.stage !== 'OPEN' && s.stage !== 'REMINDED') return;
      await env.sleep(60_000);
    }
    throw new Error('the notice step never completed');
  });
  mailer.close();

  // The register: one row per recipient and channel, each with its content hash.
  const notices = await t.db.notice.findMany({ where: { accountId: 'A-N1', type: 'DISCONNECT_NOTICE' } });
  const rows = notices.map((n) => `${(n.content as { role: string }).role}:${n.channel}`).sort();
  expect(rows).toEqual([
    'CUSTOMER:EMAIL',
    'CUSTOMER:PRINT',
    'OCCUPANT:PRINT',
    'THIRD_PARTY:EMAIL',
    'THIRD_PARTY:PRINT',
  ]);
  expect(notices.every((n) => /^[0-9a-f]{64}$/.test(n.contentHash) && n.episode === 1)).toBe(true);

  // The mail: exactly one disconnection notice per email recipient, in the customer's language.
  const mail = await listCaughtMail(path.join(scratch, 'mail'), 100);
  const toCustomer = mail.filter(
    (m) => m.to.includes('lucia@example.org') && /desconex|suspensi|corte/i.test(m.subject),
  );
  const toThirdParty = mail.filter((m) => m.to.includes('marco@example.org'));
  expect(toCustomer).toHaveLength(1);
  expect(toThirdParty).toHaveLength(1);
  expect(toCustomer[0]!.text).toContain('187.65');
  expect(toCustomer[0]!.text).toMatch(/Lucía Hernández/);
  const occupant = notices.find((n) => (n.content as { role: string }).role === 'OCCUPANT')!;
  expect(occupant.recipient).toMatch(/^Occupant, 40 Cedar St/);
  expect((occupant.content as { text: string }).text).toMatch(/Ocupante|Occupant/);

  // The mailed notice leaves with the day's print batch; decided after it closed, it leaves with
  // the next one, and the date it gives runs from that day and says why.
  const tz = getProfile('CA_WATER', '2026-12-01').timeZone;
  const mailedLetter = notices.find(
    (n) => n.channel === 'PRINT' && (n.content as { role: string }).role === 'CUSTOMER',
  )!;
  const today = localDate(mailedLetter.sentAt.getTime(), tz);
  // Decided in the last minutes before a close, it is counted from the next one (its row may commit
  // after the close has claimed the waiting letters).
  const mailedOn = localDate(
    printCloseFor(new Date(mailedLetter.sentAt.getTime() + PRINT_CLOSE_MARGIN_MS)).getTime(),
    tz,
  );
  const mailed = await t.db.collectionsAction.findFirstOrThrow({
    where: { accountId: 'A-N1', kind: 'DISCONNECT_NOTICE', method: 'MAIL' },
  });
  const onOrAfter = (mailed.data as { disconnectOnOrAfter: string }).disconnectOnOrAfter;
  expect(onOrAfter).toBe(addBusinessDays(getProfile('CA_WATER', today), mailedOn, 7));
  const letterText = (mailedLetter.content as { text: string }).text;
  expect(letterText.includes('Este aviso se envía por correo el')).toBe(mailedOn > today);
  // Worded in Spanish throughout: no engine text, no ISO dates; the charge actually applicable
  // (none: no tariff charge, whatever the cap), and how to ask for more time and for a bill review.
  for (const text of [letterText, toCustomer[0]!.text]) {
    expect(text).not.toMatch(/\b\d{4}-\d{2}-\d{2}\b|Bill of August|customer of record|policy profile/);
    expect(text).toContain('Cargo por reconexión: ninguno. No se cobra ningún cargo');
    expect(text).toContain('Más tiempo para pagar:');
    expect(text).toContain('Revisión y apelación de la factura:');
  }

  // And one compliance action per delivery: the reports count each once.
  const actions = await t.db.collectionsAction.findMany({
    where: { accountId: 'A-N1', kind: 'DISCONNECT_NOTICE' },
  });
  expect(actions).toHaveLength(notices.length);
});

test('an email claim an earlier try left unconfirmed is marked once and never sent again', async () => {
  const now = await env.currentTimeMs();
  const mailer = createMailer(catcher.url, 'Millbrook Water & Light <billing@millbrook.example>');
  const acts = createActivities({
    db: t.db,
    temporal: env.client,
    taskQueue: 'unused',
    mailer,
    outDir: scratch,
  });
  const seq = 99;
  const key = collectionsKey('A-N1', 1, `DISCONNECT_NOTICE:${seq}:CUSTOMER:EMAIL`);
  // What a worker killed between claiming the customer's email and recording its send leaves.
  await t.db.notice.create({
    data: {
      accountId: 'A-N1',
      type: 'DISCONNECT_NOTICE',
      channel: 'EMAIL',
      language: 'es',
      recipient: 'lucia@example.org',
      contentHash: '0'.repeat(64),
      idempotencyKey: key,
      sentAt: new Date(now),
      episode: 1,
    },
  });
  const mailBefore = (await listCaughtMail(path.join(scratch, 'mail'), 1000)).length;
  const unconfirmed = () =>
    t.db.auditEvent.findMany({
      where: { action: 'collections.notice.email_unconfirmed', entityId: 'A-N1:1' },
    });
  const before = (await unconfirmed()).length;
  try {
    const at = new Date(now).toISOString();
    for (let i = 0; i < 2; i++)
      await acts.sendCollectionsNotice({ accountId: 'A-N1', episode: 1, type: 'DISCONNECT_NOTICE', seq, at });
  } finally {
    mailer.close();
  }
  const row = await t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: key } });
  expect(row.messageId).toBeNull();
  expect(row.unconfirmedAt).toBeInstanceOf(Date);
  const marked = (await unconfirmed()).slice(before);
  expect(marked).toHaveLength(1);
  expect(marked[0]!.after).toMatchObject({
    key,
    recipient: 'lucia@example.org',
    error: 'delivery interrupted',
  });
  expect(
    await t.db.timelineEvent.count({ where: { kind: 'collections.notice.unconfirmed', accountId: 'A-N1' } }),
  ).toBeGreaterThanOrEqual(1);
  // The other recipients of notice 99 were sent once; the customer's email was not sent again.
  const mail = (await listCaughtMail(path.join(scratch, 'mail'), 1000)).slice(0, -mailBefore || undefined);
  expect(mail.filter((m) => m.to.includes('lucia@example.org'))).toHaveLength(0);
  expect(mail.filter((m) => m.to.includes('marco@example.org'))).toHaveLength(1);
});

test('the letters go to the print vendor once: one PDF and one CSV per batch, each letter in one batch', async () => {
  const now = await env.currentTimeMs();
  const outDir = path.join(scratch, 'out');
  const taskQueue = `print-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ db: t.db, temporal: env.client, taskQueue, outDir }),
  });
  const letters = await t.db.notice.findMany({ where: { channel: 'PRINT', type: { not: 'BILL' } } });
  expect(letters.length).toBeGreaterThanOrEqual(3); // customer, occupant and third party, at least
  expect(letters.every((n) => n.batchId === null)).toBe(true);

  const cutoff = new Date(now).toISOString();
  const close = (at: string) =>
    env.client.workflow.execute(noticePrintRun, {
      taskQueue,
      workflowId: `notice-print-test:${at}:${randomBytes(3).toString('hex')}`,
      args: [{ cutoff: at }],
    });
  const laterCutoff = new Date(now + 60_000).toISOString();
  // A retried close (same cutoff), then a later one with nothing waiting.
  const [first, again, later] = await worker.runUntil(async () => [
    await close(cutoff),
    await close(cutoff),
    await close(laterCutoff),
  ]);
  const batchId = noticeBatchId(new Date(cutoff));
  expect(first.claimed).toBe(letters.length);
  expect(first.batch).toMatchObject({ batchId, notices: letters.length });
  // The retried close: the same batch, nothing claimed again, the same files.
  expect(again).toEqual({ batch: first.batch, claimed: 0 });

  const pdfFile = path.join(outDir, 'print', `${batchId}.pdf`);
  const csvFile = path.join(outDir, 'print', `${batchId}.csv`);
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  expect(sha(pdfFile)).toBe(first.batch!.pdfSha256);
  expect(sha(csvFile)).toBe(first.batch!.csvSha256);

  // What the customer is told, as the register holds it, is on paper; the addressee sits in the
  // envelope window.
  const text = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' });
  expect(text).toContain('Lucía Hernández');
  expect(text).toContain('187.65');
  expect(text).toMatch(/Ocupante|Occupant/);
  expect(text).toContain('Marco Hernández');
  expect(text).toContain('Fresno, CA 93702');

  // The vendor's list: one row per letter, in ZIP order, pages adding up, hashes from the register.
  const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
  expect(Object.keys(rows[0]!)).toEqual([...NOTICE_PRINT_CSV_COLUMNS]);
  expect(rows).toHaveLength(letters.length);
  expect(rows.map((r) => r.zip)).toEqual(rows.map((r) => r.zip).sort());
  const byId = new Map(letters.map((n) => [n.id, n]));
  for (const r of rows) {
    expect(r.content_sha256).toBe(byId.get(r.notice_id!)!.contentHash);
    expect(r.batch_id).toBe(batchId);
  }
  const pages = execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' });
  expect(Number(/Pages:\s+(\d+)/.exec(pages)![1])).toBe(first.batch!.pages);
  expect(rows.reduce((sum, r) => sum + Number(r.pages), 0)).toBe(first.batch!.pages);

  // Every letter is in the batch, the batch is audited once, and each account's timeline says so.
  const after = await t.db.notice.findMany({ where: { id: { in: letters.map((n) => n.id) } } });
  expect(after.every((n) => n.batchId === batchId)).toBe(true);
  expect(
    await t.db.auditEvent.count({ where: { action: 'notice.print-batch.closed', entityId: batchId } }),
  ).toBe(1);
  expect(await t.db.timelineEvent.count({ where: { kind: 'notice.printed', accountId: 'A-N1' } })).toBe(
    letters.length,
  );

  // Nothing waiting: a later close makes no batch.
  expect(later).toEqual({ batch: null, claimed: 0 });
  expect(existsSync(path.join(outDir, 'print', `${noticeBatchId(new Date(laterCutoff))}.pdf`))).toBe(false);
});
