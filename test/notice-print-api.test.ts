// Printed notices through the API: a supervisor closes a batch ahead of the daily one, the list
// shows it and what still waits, and the files come back with the hash on record. A clerk may not
// close one; a batch that does not exist is a 404 naming it.
import { createHash } from 'node:crypto';
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

/** A letter as the register holds one for print: decided, waiting for a batch. */
async function registerLetter(key: string, at: Date) {
  await app.t.db.notice.create({
    data: {
      accountId,
      type: 'REMINDER',
      channel: 'PRINT',
      language: 'en',
      recipient: 'Test Customer 1, 1 Main St, Millbrook, PA 16801',
      contentHash: createHash('sha256').update(key).digest('hex'),
      idempotencyKey: key,
      sentAt: at,
      content: {
        subject: 'Reminder: your account is past due',
        text: 'Our records show a past-due balance of $42.10 on account.\n\nPlease pay it by the date shown.',
        recipientName: 'Test Customer 1',
        mailingAddress: '1 Main St, Millbrook, PA 16801',
      },
    },
  });
}

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
