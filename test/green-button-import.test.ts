// Green Button interval feeds through the API against a fresh database: the Millbrook feed for
// meter E000001 imported, interval use over a local month, and what the import refuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';

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

  test('kWh is exact decimal text, a negative total too (a row stored before negatives were refused)', async () => {
    await app.t.db.intervalRead.create({
      data: {
        meterId: 'E000009',
        start: new Date('2026-11-10T05:00:00Z'),
        durationSec: 3600,
        valueWh: -1500n,
      },
    });
    const res = await usage('E000009', '2026-11-10', '2026-11-11');
    expect(res.body).toMatchObject({ intervals: 1, wh: '-1500', kwh: '-1.500' });
  });

  test('to not after from → 400 naming to', async () => {
    const res = await usage('E000001', '2026-11-02', '2026-11-01');
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('to');
  });
});

describe('a feed over intervals already stored', () => {
  const HEAD = FEED.slice(0, FEED.indexOf('  <entry>\n    <id>urn:uuid:ib-00</id>'));
  /** A feed for `meterId` (E000001's head, its title replaced) with one block of these readings. */
  const feedOf = (readings: { start: number; duration: number; value: number }[], head = HEAD) =>
    head +
    '  <entry>\n    <title/>\n    <content><espi:IntervalBlock>' +
    readings
      .map(
        (r) =>
          `<espi:IntervalReading><espi:timePeriod><espi:duration>${r.duration}</espi:duration>` +
          `<espi:start>${r.start}</espi:start></espi:timePeriod><espi:value>${r.value}</espi:value></espi:IntervalReading>`,
      )
      .join('') +
    '</espi:IntervalBlock></content>\n  </entry>\n</feed>\n';
  const NOV_1 = 1793509200; // the feed's first interval, 2026-11-01T05:00:00Z
  const DEC_1 = 1796101200; // the end of its last

  test('a corrected feed: each changed interval is a rejection saying so, nothing replaced', async () => {
    const corrected = FEED.replace('<espi:value>170</espi:value>', '<espi:value>175</espi:value>');
    const res = await importFeed(corrected, 'usage-E000001-2026-11-corrected.xml');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.counts).toEqual({ rows: 720, stored: 0, rejected: 1, meters: 1, alreadyStored: 719 });
    expect(res.body.rejections).toEqual([
      {
        line: FEED.slice(0, FEED.indexOf('<espi:value>170</espi:value>')).split('\n').length,
        time: '2026-11-01T05:00:00.000Z',
        field: 'value',
        value: '175',
        problem:
          'the interval at 2026-11-01T05:00:00.000Z is stored as 170 Wh, the feed has 175 Wh; ' +
          'a stored interval is not replaced',
      },
    ]);
    expect((await usage('E000001', '2026-11-01', '2026-12-01')).body).toMatchObject({
      intervals: 720,
      kwh: '344.597',
    });
  });

  test('a 15-minute feed after the hourly one: overlapping quarters rejected, never double counted', async () => {
    const quarters = [0, 1, 2, 3].map((i) => ({ start: NOV_1 + i * 900, duration: 900, value: 40 }));
    const after = [0, 1].map((i) => ({ start: DEC_1 + i * 900, duration: 900, value: 50 }));
    const res = await importFeed(
      feedOf([...quarters, ...after], HEAD.replace('<espi:intervalLength>3600', '<espi:intervalLength>900')),
      'usage-E000001-15min.xml',
    );
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ rows: 6, stored: 2, rejected: 4, meters: 1, alreadyStored: 0 });
    expect(res.body.rejections.map((r: { time: string; field: string }) => [r.time, r.field])).toEqual([
      ['2026-11-01T05:00:00.000Z', 'duration'],
      ['2026-11-01T05:15:00.000Z', 'start'],
      ['2026-11-01T05:30:00.000Z', 'start'],
      ['2026-11-01T05:45:00.000Z', 'start'],
    ]);
    // The stored record of the import keeps its rejections.
    const run = await app.t.db.readImport.findUniqueOrThrow({ where: { id: res.body.importId } });
    expect(run.rejections).toEqual(res.body.rejections);
    const nov = await usage('E000001', '2026-11-01T05:00:00Z', '2026-12-01T05:30:00Z');
    expect(nov.body).toMatchObject({ intervals: 722, wh: String(344_597 + 100), complete: true });
  });

  test('a feed starting inside a stored interval that began before it is refused there too', async () => {
    const res = await importFeed(
      feedOf([{ start: DEC_1 - 900, duration: 900, value: 10 }]),
      'usage-E000001-late-quarter.xml',
    );
    expect(res.body.counts).toMatchObject({ stored: 0, rejected: 1 });
    expect(res.body.rejections[0]).toMatchObject({
      time: '2026-12-01T04:45:00.000Z',
      field: 'start',
      problem:
        'the interval 2026-12-01T04:45:00.000Z + 900 s overlaps the stored interval ' +
        '2026-12-01T04:00:00.000Z + 3600 s; intervals of one meter may not overlap',
    });
  });
});

describe('what the import refuses', () => {
  test('a feed for a meter that is not an electric kWh meter → 400 naming content, service and readUnit', async () => {
    await meter('W000001', 'WATER', 'GAL');
    const before = await app.t.db.intervalRead.count();
    const res = await importFeed(
      FEED.replace('<title>E000001</title>', '<title>W000001</title>'),
      'water.xml',
    );
    expectError(res, 400, 'validation_failed', 'content');
    expect(res.body.error.message).toBe(
      'content: the feed is for meter W000001, whose service is WATER and readUnit GAL; ' +
        'a Green Button feed (Wh) is only for an ELECTRIC meter read in KWH',
    );
    expect(await app.t.db.intervalRead.count()).toBe(before);
  });

  test('a register, reverse-flow or negative feed → 400 naming content and the line', async () => {
    const cases: [string, RegExp][] = [
      [
        FEED.replace('<espi:accumulationBehaviour>4<', '<espi:accumulationBehaviour>1<'),
        /^content: Green Button file: line \d+: ReadingType accumulationBehaviour 1 is not deltaData \(4\)/,
      ],
      [
        FEED.replace('<espi:flowDirection>1<', '<espi:flowDirection>19<'),
        /^content: Green Button file: line \d+: ReadingType flowDirection 19 is not forward \(1\)/,
      ],
      [
        FEED.replace('<espi:value>170</espi:value>', '<espi:value>-1500</espi:value>'),
        /^content: Green Button file: line \d+: value -1500 is negative/,
      ],
    ];
    for (const [content, message] of cases) {
      const res = await importFeed(content, 'bad.xml');
      expectError(res, 400, 'validation_failed', 'content');
      expect(res.body.error.message).toMatch(message);
    }
  });
});
