// Printed notices through the API: a supervisor closes a batch ahead of the daily one, the list
// shows it and what still waits, and the files come back with the hash on record. A clerk may not
// close one; a batch that does not exist is a 404 naming it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printNoticeBatch } from '../services/notice-print';
import { waitingLetter } from './helpers/print-letters';
import { collectionsKey, createCollectionsActivities } from '../activities/collections';
import type { Mailer } from '../lib/mailer';
import { execFileSync } from 'node:child_process';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';

jest.setTimeout(120_000);

let app: TestApp;
let accountId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ accountId } = await seedAccount(app));
});
afterAll(() => app?.close());

/** A reminder letter to the seeded customer, waiting for a batch. */
const registerLetter = (key: string, at: Date) =>
  waitingLetter(app.t.db, {
    accountId,
    key,
    at,
    name: 'Test Customer 1',
    address: '1 Main St, Millbrook, PA 16801',
  });

test('close a batch now, list it, download its files', async () => {
  const now = new Date(await app.env.currentTimeMs());
  await registerLetter('print-api-1', new Date(now.getTime() - 3_600_000));
  await registerLetter('print-api-2', new Date(now.getTime() - 60_000));

  const before = await app.call('auditor', 'GET', '/print-batches/notices');
  expect(before.status).toBe(200);
  expect(before.body).toEqual({ waiting: 2, items: [] });

  expectError(await app.call('csr', 'POST', '/print-batches/notices', {}), 403, 'forbidden');
  const closed = await app.call('supervisor', 'POST', '/print-batches/notices', {});
  expect(closed.status).toBe(201);
  expect(closed.body.claimed).toBe(2);
  const batch = closed.body.batch;
  expect(batch).toMatchObject({ notices: 2, pages: 2 });
  expect(batch.batchId).toMatch(/^notices-\d{4}-\d{2}-\d{2}T\d{4}$/);

  const list = await app.call('auditor', 'GET', '/print-batches/notices');
  expect(list.body).toEqual({ waiting: 0, items: [batch] });

  const pdf = await fetch(`${app.baseUrl}/print-batches/notices/${batch.batchId}/pdf`, {
    headers: { authorization: `Bearer ${app.keys.supervisor}` },
  });
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const bytes = Buffer.from(await pdf.arrayBuffer());
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(batch.pdfSha256);
  expect(pdf.headers.get('x-content-sha256')).toBe(batch.pdfSha256);

  const csv = await app.call('auditor', 'GET', `/print-batches/notices/${batch.batchId}/csv`);
  expect(csv.status).toBe(200);
  const lines = (csv.body as string).trim().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(`${batch.batchId},1,`);
  expect(lines[1]).toContain('REMINDER');
  expect(lines[1]).toContain('16801');

  expectError(
    await app.call('auditor', 'GET', '/print-batches/notices/notices-2020-01-01T0000/pdf'),
    404,
    'not_found',
  );
  expectError(
    await app.call('auditor', 'GET', '/print-batches/notices/..%2Fsecret/pdf'),
    400,
    'validation_failed',
    'id',
  );
  expectError(
    await app.call('auditor', 'GET', `/print-batches/notices/${batch.batchId}/docx`),
    400,
    'validation_failed',
    'file',
  );
});

describe('closing a batch, the service itself', () => {
  const actor = { id: 'system', role: 'system' as const };
  const at = (s: string) => new Date(s);

  test('a close that fails part way changes nothing: its letters wait for the next one', async () => {
    await registerLetter('print-fail-1', at('2026-12-01T15:00:00Z'));
    const notADir = path.join(app.outDir, 'not-a-dir');
    mkdirSync(app.outDir, { recursive: true });
    writeFileSync(notADir, 'a file where the print folder should be');
    await expect(
      printNoticeBatch({ db: app.t.db, outDir: notADir }, { cutoff: at('2026-12-01T21:00:00Z'), actor }),
    ).rejects.toThrow();
    const row = await app.t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: 'print-fail-1' } });
    expect(row.batchId).toBeNull();
    expect(await app.t.db.printBatch.count({ where: { id: 'notices-2026-12-01T1600' } })).toBe(0);
    const ok = await printNoticeBatch(
      { db: app.t.db, outDir: app.outDir },
      { cutoff: at('2026-12-01T21:00:00Z'), actor },
    );
    expect(ok.claimed).toBe(1);
  });

  test('files that never reached the folder are written again from the same letters; placed ones never', async () => {
    await registerLetter('print-place-1', at('2026-12-02T15:00:00Z'));
    const cutoff = at('2026-12-02T21:00:00Z');
    const first = await printNoticeBatch({ db: app.t.db, outDir: app.outDir }, { cutoff, actor });
    const id = first.batch!.batchId;
    // A stop between the commit and the rename: on record, no files.
    rmSync(first.pdfPath!);
    rmSync(first.csvPath!);
    await app.t.db.printBatch.update({ where: { id }, data: { filesPlacedAt: null } });
    const again = await printNoticeBatch({ db: app.t.db, outDir: app.outDir }, { cutoff, actor });
    expect(again.batch!.pdfSha256).toBe(first.batch!.pdfSha256);
    expect(createHash('sha256').update(readFileSync(again.pdfPath!)).digest('hex')).toBe(
      first.batch!.pdfSha256,
    );
    // Placed and then collected by the vendor: never written again (that would print it twice).
    rmSync(again.pdfPath!);
    rmSync(again.csvPath!);
    const third = await printNoticeBatch({ db: app.t.db, outDir: app.outDir }, { cutoff, actor });
    expect(third.batch).toEqual(again.batch);
    expect(existsSync(again.pdfPath!)).toBe(false);
    expect(
      await app.t.db.auditEvent.count({ where: { action: 'notice.print-batch.closed', entityId: id } }),
    ).toBe(1);
  });

  test('a disconnection notice that missed the batch its dates were counted from holds the disconnection back', async () => {
    // One notice: an email copy and letters to the customer and a third party, each with its record.
    const notice = collectionsKey(accountId, 1, 'DISCONNECT_NOTICE:1');
    const keyOf = (who: string, channel: string) => `${notice}:${who}:${channel}`;
    for (const who of ['CUSTOMER', 'THIRD_PARTY'])
      await waitingLetter(app.t.db, {
        accountId,
        key: keyOf(who, 'PRINT'),
        at: at('2026-12-03T20:50:00Z'), // 15:50 in Millbrook: counted from the 16:00 close
        name: who === 'CUSTOMER' ? 'Test Customer 1' : 'Dana Whitfield',
        address: '1 Main St, Millbrook, PA 16801',
        type: 'DISCONNECT_NOTICE',
        subject: 'Final notice',
        text: 'Service may be disconnected on or after 2026-12-14.',
        printClose: '2026-12-03T21:00:00.000Z',
      });
    for (const [who, channel] of [
      ['CUSTOMER', 'EMAIL'],
      ['CUSTOMER', 'PRINT'],
      ['THIRD_PARTY', 'PRINT'],
    ] as const)
      await app.t.db.collectionsAction.create({
        data: {
          accountId,
          episode: 1,
          kind: 'DISCONNECT_NOTICE',
          method: channel === 'EMAIL' ? 'EMAIL' : 'MAIL',
          occurredAt: at('2026-12-03T20:50:00Z'),
          profile: 'MUNICIPAL',
          service: 'WATER',
          customerClass: 'RES',
          heating: false,
          zip: '16801',
          idempotencyKey: keyOf(who, channel),
          data: { disconnectOnOrAfter: '2026-12-14', noticeType: 'DISCONNECT_NOTICE', recipientRole: who },
        },
      });
    // Its rows were not there when the 3rd's batch closed: they go with the 4th's (Friday).
    const r = await printNoticeBatch(
      { db: app.t.db, outDir: app.outDir },
      { cutoff: at('2026-12-04T21:00:03Z'), actor },
    );
    expect(r.batch!.late).toBe(2);
    // Every record of the notice, the email copy too, binds one day later — once, not per letter.
    const actions = await app.t.db.collectionsAction.findMany({
      where: { idempotencyKey: { startsWith: `${notice}:` } },
    });
    expect(actions.map((a) => (a.data as { disconnectOnOrAfter: string }).disconnectOnOrAfter)).toEqual([
      '2026-12-15',
      '2026-12-15',
      '2026-12-15',
    ]);
    const said = await app.t.db.timelineEvent.findFirstOrThrow({
      where: { accountId, kind: 'notice.print.late' },
    });
    expect(said.summary).toBe(
      'Disconnection notice mailed 1 day(s) after the day its notice period was counted from: no disconnection before 2026-12-15',
    );
    // A record of the notice written after this close (its worker stopped in between) finds the
    // days lost on the letter.
    const letter = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: keyOf('CUSTOMER', 'PRINT') },
    });
    expect((letter.content as { daysLate: number }).daysLate).toBe(1);
  });

  test('a batch closed after the day’s close, or at a weekend, counts as collected at the next weekday close', async () => {
    const notice = collectionsKey(accountId, 2, 'DISCONNECT_NOTICE:1');
    await waitingLetter(app.t.db, {
      accountId,
      key: `${notice}:CUSTOMER:PRINT`,
      at: at('2026-12-11T20:00:00Z'), // Friday 15:00: counted from Friday's close
      name: 'Test Customer 1',
      address: '1 Main St, Millbrook, PA 16801',
      type: 'DISCONNECT_NOTICE',
      printClose: '2026-12-11T21:00:00.000Z',
    });
    // A supervisor closes a batch on Saturday: the vendor collects it on Monday, three days late.
    const r = await printNoticeBatch(
      { db: app.t.db, outDir: app.outDir },
      { cutoff: at('2026-12-12T15:00:00Z'), actor },
    );
    expect(r.batch!.late).toBe(1);
    const letter = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: `${notice}:CUSTOMER:PRINT` },
    });
    expect((letter.content as { daysLate: number }).daysLate).toBe(3);
  });

  test('a late letter is printed with the date its notice binds to; copies sent after it say the same', async () => {
    // A Pennsylvania account with a designated third party: the notice goes to both, by email and
    // by mail.
    const { accountId: acct, premiseId } = await seedAccount(app, 7);
    await app.t.db.premise.update({ where: { id: premiseId }, data: { jurisdictionProfile: 'PA' } });
    await app.t.db.account.update({
      where: { id: acct },
      data: {
        thirdPartyName: 'Dana Whitfield',
        thirdPartyEmail: 'dana@example.org',
        thirdPartyAddress: '5 Oak St, Millbrook, PA 16801',
      },
    });
    await app.t.db.ledgerEntry.create({
      data: {
        accountId: acct,
        kind: 'CHARGE',
        amountCents: 18_765n,
        effectiveDate: new Date('2026-10-01T00:00:00Z'),
        dueDate: new Date('2026-10-21T00:00:00Z'),
        idempotencyKey: 'late-letter-charge',
        memo: 'Bill of 2026-10-01 (English ledger memo)',
      },
    });
    await app.t.db.collectionsEpisode.create({
      data: { accountId: acct, episode: 1, workflowId: `collections:${acct}:1`, pastDueCents: 18_765n },
    });
    // The third party's email fails on the first try (the server refused the connection): the
    // activity stops after the customer's copies and is retried after a print close.
    const sent: { to: string; text: string }[] = [];
    let refuse = true;
    const mailer = {
      from: { address: 'billing@millbrook.example', name: 'Millbrook Water & Light' },
      async send(m: { to: string; text: string }) {
        if (refuse && m.to === 'dana@example.org')
          throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
        sent.push({ to: m.to, text: m.text });
        return { messageId: `<m${sent.length}@test>` };
      },
    } as unknown as Mailer;
    const acts = createCollectionsActivities({ db: app.t.db, mailer });
    // Monday December 7, 14:00 in Millbrook: counted from Monday's 16:00 close.
    const notice = { accountId: acct, episode: 1, type: 'DISCONNECT_NOTICE' as const, seq: 1 };
    await expect(acts.sendCollectionsNotice({ ...notice, at: '2026-12-07T19:00:00Z' })).rejects.toThrow(
      'connection refused',
    );

    // What the customer was sent: ten days from Monday, pay by the day before, in words only.
    const email = sent.find((m) => m.to === 't7@example.org')!.text;
    expect(email).toContain('may be disconnected on or after December 17, 2026');
    expect(email).toContain('pay the past-due amount of $187.65 by December 16, 2026');
    expect(email).toContain('- Bill of October 1, 2026 (Due date: October 21, 2026): $187.65');
    expect(email).not.toMatch(
      /\d{4}-\d{2}-\d{2}|ledger memo|reconnectionFee|policy profile|customer of record/,
    );
    // Good for 60 days after the day it was sent: to the end of February 5 in Millbrook, not 7 pm.
    const emailRow = await app.t.db.notice.findFirstOrThrow({
      where: { accountId: acct, channel: 'EMAIL', recipient: 't7@example.org' },
    });
    expect(emailRow.expiresAt!.toISOString()).toBe('2027-02-06T04:59:59.000Z');

    // Monday's close never ran for it: Tuesday's takes the letter, a day late.
    const keyOf = (who: string, channel: string) =>
      collectionsKey(acct, 1, `DISCONNECT_NOTICE:1:${who}:${channel}`);
    const before = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: keyOf('CUSTOMER', 'PRINT') },
    });
    const r = await printNoticeBatch(
      { db: app.t.db, outDir: app.outDir },
      { cutoff: at('2026-12-08T21:00:03Z'), actor },
    );
    expect(r.batch!.late).toBeGreaterThanOrEqual(1);
    const letter = await app.t.db.notice.findUniqueOrThrow({
      where: { idempotencyKey: keyOf('CUSTOMER', 'PRINT') },
    });
    const text = (letter.content as { text: string }).text;
    expect(text).toContain('may be disconnected on or after December 18, 2026');
    expect(text).toContain('by December 17, 2026');
    expect(text).toContain(
      'This notice is mailed on December 8, 2026, and its notice period counts from that day.',
    );
    expect(text).not.toContain('December 16, 2026');
    // Its hash is the new text's, on the register, in the vendor's list and on its record.
    expect(letter.contentHash).not.toBe(before.contentHash);
    const csv = readFileSync(r.csvPath!, 'utf8');
    expect(csv).toContain(letter.contentHash);
    expect(csv).not.toContain(before.contentHash);
    const printed = execFileSync('pdftotext', ['-layout', r.pdfPath!, '-'], { encoding: 'utf8' });
    expect(printed.replace(/\s+/g, ' ')).toContain('on or after December 18, 2026');
    const record = await app.t.db.collectionsAction.findUniqueOrThrow({
      where: { idempotencyKey: keyOf('CUSTOMER', 'PRINT') },
    });
    expect(record.data).toMatchObject({ disconnectOnOrAfter: '2026-12-18', contentHash: letter.contentHash });

    // The retry: the third party's copies state the date the notice now binds to.
    refuse = false;
    await acts.sendCollectionsNotice({ ...notice, at: '2026-12-07T19:00:00Z' });
    const toDana = sent.find((m) => m.to === 'dana@example.org')!.text;
    expect(toDana).toContain('on or after December 18, 2026');
    expect(toDana).toContain('by December 17, 2026');
    const records = await app.t.db.collectionsAction.findMany({
      where: { idempotencyKey: { startsWith: collectionsKey(acct, 1, 'DISCONNECT_NOTICE:1:') } },
    });
    expect(records).toHaveLength(4);
    expect(
      new Set(records.map((a) => (a.data as { disconnectOnOrAfter: string }).disconnectOnOrAfter)),
    ).toEqual(new Set(['2026-12-18']));
  });
});
