// Green Button interval feeds through the API against a fresh database: the Millbrook feed for
// meter E000001 imported, interval use over a local month, and what the import refuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './helpers/app';

jest.setTimeout(120_000);

const FEED = readFileSync(
  path.resolve(__dirname, '../demo-data/millbrook/greenbutton/usage-E000001-2026-11.xml'),
  'utf8',
);

let app: TestApp;
let premiseId: string;

async function meter(id: string, service = 'ELECTRIC', readUnit = 'KWH') {
  const res = await app.call('supervisor', 'POST', '/meters', {
    id,
    premiseId,
    service,
    readUnit,
    dials: 6,
    multiplier: 1,
    ...(service === 'WATER' ? { size: '5/8"' } : {}),
  });
  if (res.status !== 201) throw new Error(`meter: ${res.status} ${JSON.stringify(res.body)}`);
}

const importFeed = (content: string, fileName = 'feed.xml') =>
  app.call('csr', 'POST', '/reads/import', { format: 'green-button', fileName, content });

const usage = (meterId: string, from: string, to: string) =>
  app.call(
    'csr',
    'GET',
    `/meters/${meterId}/usage?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  );

beforeAll(async () => {
  app = await startTestApp();
  const p = await app.call('csr', 'POST', '/premises', {
    serviceAddress: '1 Feed St, Millbrook, PA 16801',
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: 'RESIDENTIAL',
  });
  expect(p.status).toBe(201);
  premiseId = p.body.id;
  await meter('E000001');
  const res = await importFeed(FEED, 'usage-E000001-2026-11.xml');
  expect(res.status).toBe(200);
  expect(res.body.counts).toMatchObject({ rows: 720, stored: 720, rejected: 0 });
});
afterAll(() => app?.close());

describe('GET /meters/:id/usage', () => {
  test('dates are local days: November is midnight EDT 1 Nov to midnight EST 1 Dec', async () => {
    const res = await usage('E000001', '2026-11-01', '2026-12-01');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      meterId: 'E000001',
      from: '2026-11-01T04:00:00.000Z',
      to: '2026-12-01T05:00:00.000Z',
      intervals: 720,
      wh: '344597',
      kwh: '344.597',
      // 721 local hours; the feed's blocks start at 01:00 EDT, so the first hour has no data.
      complete: false,
    });
  });

  test('a date-time with its offset is that instant; a local day the clocks fall back is 25 hours', async () => {
    const res = await usage('E000001', '2026-11-01T05:00:00Z', '2026-12-01T05:00:00Z');
    expect(res.body).toMatchObject({ intervals: 720, kwh: '344.597', complete: true });
    const day = await usage('E000001', '2026-11-02', '2026-11-03');
    expect(day.body).toMatchObject({ from: '2026-11-02T05:00:00.000Z', intervals: 24, complete: true });
    const fallBack = await usage('E000001', '2026-11-01', '2026-11-02');
    expect(fallBack.body).toMatchObject({ intervals: 24, complete: false });
  });

  test('to not after from → 400 naming to', async () => {
    const res = await usage('E000001', '2026-11-02', '2026-11-01');
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('to');
  });
});
