// Recorded weather through the API: upserts that merge figures by service area and day, a clear
// 400 naming the field for bad input with nothing written, the CSV import (whole file or nothing,
// every rejected line reported), listing, the audit trail, the hook that wakes collections cases,
// and who may do what. The app runs in-process against a real Postgres; weather needs no Temporal.
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createApp } from '../api/app';
import { createLogger } from '../lib/logger';
import { SYSTEM_ACTOR } from '../lib/audit';
import { seedDemoUsers } from '../services/users';
import { openCasesInAreas } from '../services/weather';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { expectError, type ApiResponse } from './helpers/api-checks';

jest.setTimeout(60_000);

let t: TestDatabase;
let server: Server;
let baseUrl: string;
let keys: Record<string, string>;
/** What the app told the collections side after each change, and whether the rows were there. */
const woken: { changed: { serviceArea: string; day: string }[]; committed: boolean }[] = [];

async function call(key: string | null, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${keys[key]}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as any, headers: res.headers };
}

beforeAll(async () => {
  t = await createTestDatabase();
  const app = createApp({
    db: t.db,
    // Weather routes never reach Temporal; anything that did would fail loudly.
    temporal: {} as never,
    taskQueue: 'unused',
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    encryptionKey: randomBytes(32),
    health: async () => ({}),
    onWeatherChanged: async (changed) => {
      const stored = await t.db.weatherObservation.count({
        where: {
          OR: changed.map((c) => ({ serviceArea: c.serviceArea, day: new Date(`${c.day}T00:00:00Z`) })),
        },
      });
      woken.push({ changed, committed: stored === changed.length });
    },
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  keys = await seedDemoUsers(t.db, SYSTEM_ACTOR);
  // Weather is recorded for the service areas premises are in.
  for (const [id, serviceArea] of [
    ['WX-P1', 'North'],
    ['WX-P2', 'South'],
    ['WX-P3', 'East'],
  ])
    await t.db.premise.create({
      data: {
        id: id!,
        serviceAddress: `${id} Weather Way, Millbrook, PA 16801`,
        zip: '16801',
        serviceArea: serviceArea!,
        state: 'PA',
        jurisdictionProfile: 'PA',
        premiseType: 'RESIDENTIAL',
      },
    });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await t?.close();
});

const stored = async (serviceArea: string, day: string) =>
  t.db.weatherObservation.findUnique({
    where: { serviceArea_day: { serviceArea, day: new Date(`${day}T00:00:00Z`) } },
  });
const counts = async () => ({
  weather: await t.db.weatherObservation.count(),
  audit: await t.db.auditEvent.count({ where: { entityType: 'weather_observation' } }),
});

describe('POST /weather', () => {
  test('records new days, answers what changed, audits them, and wakes the cases after commit', async () => {
    woken.length = 0;
    const res = await call('supervisor', 'POST', '/weather', {
      observations: [
        { serviceArea: 'North', day: '2026-12-02', forecastHighF: 31, forecastLowF: 18, source: 'NWS 06:00' },
        {
          serviceArea: 'South',
          day: '2026-12-02',
          forecastHighF: 96,
          heatAdvisory: true,
          source: 'NWS 06:00',
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ rows: 2, created: 2, updated: 0, unchanged: 0 });
    expect(res.body.changed).toEqual([
      { serviceArea: 'North', day: '2026-12-02' },
      { serviceArea: 'South', day: '2026-12-02' },
    ]);
    expect(res.body.items[0]).toMatchObject({
      serviceArea: 'North',
      day: '2026-12-02',
      forecastHighF: 31,
      forecastLowF: 18,
      observedHighF: null,
      observedLowF: null,
      heatAdvisory: false,
      source: 'NWS 06:00',
      recordedBy: 'supervisor',
    });
    expect(await stored('South', '2026-12-02')).toMatchObject({ forecastHighF: 96, heatAdvisory: true });
    expect(woken).toEqual([{ changed: res.body.changed, committed: true }]);

    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { entityType: 'weather_observation', action: 'weather.record' },
      orderBy: { seq: 'desc' },
    });
    expect(audit.actor).toBe('supervisor');
    expect(audit.before).toEqual([null, null]);
    expect((audit.after as any).changed).toEqual(['North:2026-12-02', 'South:2026-12-02']);
  });

  test('a later row merges its figures into the stored day; the same row again changes nothing', async () => {
    woken.length = 0;
    const before = await counts();
    const res = await call('admin', 'POST', '/weather', {
      observations: [
        { serviceArea: 'North', day: '2026-12-02', observedHighF: 29, observedLowF: 15, source: 'ASOS' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ rows: 1, created: 0, updated: 1, unchanged: 0 });
    // The forecast stays; the observation is added; the source is the latest writer's.
    expect(await stored('North', '2026-12-02')).toMatchObject({
      forecastHighF: 31,
      forecastLowF: 18,
      observedHighF: 29,
      observedLowF: 15,
      heatAdvisory: false,
      source: 'ASOS',
      recordedBy: 'admin',
    });
    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { entityType: 'weather_observation', entityId: 'North:2026-12-02' },
      orderBy: { seq: 'desc' },
    });
    expect(audit.before).toEqual([expect.objectContaining({ observedHighF: null, forecastHighF: 31 })]);
    expect((audit.after as any).rows).toEqual([
      expect.objectContaining({ observedHighF: 29, forecastHighF: 31 }),
    ]);
    expect(await counts()).toEqual({ weather: before.weather, audit: before.audit + 1 });
    expect(woken).toEqual([{ changed: [{ serviceArea: 'North', day: '2026-12-02' }], committed: true }]);

    // Replaying the same row: nothing changes, nothing is audited, no case is woken.
    const again = await call('admin', 'POST', '/weather', {
      observations: [
        { serviceArea: 'North', day: '2026-12-02', observedHighF: 29, observedLowF: 15, source: 'ASOS' },
      ],
    });
    expect(again.status).toBe(200);
    expect(again.body.counts).toEqual({ rows: 1, created: 0, updated: 0, unchanged: 1 });
    expect(again.body.changed).toEqual([]);
    expect(await counts()).toEqual({ weather: before.weather, audit: before.audit + 1 });
    expect(woken).toHaveLength(1);

    // A heat advisory lifted: false is a figure too, and replaces true.
    const lifted = await call('supervisor', 'POST', '/weather', {
      observations: [{ serviceArea: 'South', day: '2026-12-02', heatAdvisory: false, source: 'NWS 14:00' }],
    });
    expect(lifted.body.counts.updated).toBe(1);
    expect(await stored('South', '2026-12-02')).toMatchObject({ forecastHighF: 96, heatAdvisory: false });
  });

  const good = { serviceArea: 'East', day: '2026-12-03', forecastHighF: 40, source: 'NWS' };
  test.each([
    ['an impossible date', 'observations.2.day', [good, good, { ...good, day: '2026-02-30' }]],
    ['a date that is not YYYY-MM-DD', 'observations.0.day', [{ ...good, day: '12/03/2026' }]],
    ['a temperature above 140 °F', 'observations.0.forecastHighF', [{ ...good, forecastHighF: 141 }]],
    ['a temperature below -80 °F', 'observations.0.observedLowF', [{ ...good, observedLowF: -81 }]],
    ['a fractional temperature', 'observations.0.observedHighF', [{ ...good, observedHighF: 40.5 }]],
    ['a temperature as text', 'observations.0.forecastHighF', [{ ...good, forecastHighF: '40' }]],
    [
      'a row with no figure',
      'observations.1',
      [good, { serviceArea: 'East', day: '2026-12-04', source: 'NWS' }],
    ],
    ['a low above the high', 'observations.0.forecastLowF', [{ ...good, forecastLowF: 45 }]],
    ['no source', 'observations.0.source', [{ ...good, source: undefined }]],
    ['an unknown field', 'observations.0.windMph', [{ ...good, windMph: 12 }]],
    [
      'a service area no premise is in',
      'observations.1.serviceArea',
      [good, { ...good, serviceArea: 'Nroth' }],
    ],
    ['the same area and day twice', 'observations.2.day', [good, { ...good, day: '2026-12-04' }, good]],
    ['no rows', 'observations', []],
    ['more than 1,000 rows', 'observations', Array.from({ length: 1001 }, () => good)],
  ])('%s → 400 naming %s, nothing written', async (_name, field, observations) => {
    const before = await counts();
    const res = await call('supervisor', 'POST', '/weather', { observations });
    expectError(res, 400, 'validation_failed', field as string);
    expect(res.body.error.message).toContain(field as string);
    expect(await counts()).toEqual(before);
  });
});

describe('POST /weather/import', () => {
  const HEADER =
    'service_area,day,forecast_high_f,forecast_low_f,observed_high_f,observed_low_f,heat_advisory,source';

  test('a good file is stored whole: rows merged into what is there, one audit event, cases woken', async () => {
    woken.length = 0;
    const before = await counts();
    const content = [
      HEADER,
      'North,2026-12-05,28,12,,,N,NWS 2026-12-04',
      'South,2026-12-05,,,,,Y,NWS advisory',
      '',
      'North,2026-12-02,,,30,,,"ASOS, corrected"',
    ].join('\n');
    const res = await call('supervisor', 'POST', '/weather/import', {
      content,
      fileName: 'wx-2026-12-05.csv',
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.rejections).toEqual([]);
    expect(res.body.counts).toEqual({ rows: 3, created: 2, updated: 1, unchanged: 0 });
    expect(res.body.changed).toEqual([
      { serviceArea: 'North', day: '2026-12-02' },
      { serviceArea: 'North', day: '2026-12-05' },
      { serviceArea: 'South', day: '2026-12-05' },
    ]);
    expect(await stored('North', '2026-12-05')).toMatchObject({
      forecastHighF: 28,
      forecastLowF: 12,
      heatAdvisory: false,
    });
    expect(await stored('South', '2026-12-05')).toMatchObject({ forecastHighF: null, heatAdvisory: true });
    // Empty cells keep what is stored: only the observed high changed.
    expect(await stored('North', '2026-12-02')).toMatchObject({
      forecastHighF: 31,
      observedHighF: 30,
      observedLowF: 15,
      source: 'ASOS, corrected',
    });
    expect(await counts()).toEqual({ weather: before.weather + 2, audit: before.audit + 1 });
    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { action: 'weather.import' },
      orderBy: { seq: 'desc' },
    });
    expect(audit.reason).toContain('wx-2026-12-05.csv');
    expect((audit.after as any).source.fileHash).toBe(res.body.fileHash);
    expect(woken).toEqual([{ changed: res.body.changed, committed: true }]);
  });

  test('a file with bad lines is refused whole (422): every bad line reported by line and field', async () => {
    woken.length = 0;
    const before = await counts();
    const content = [
      HEADER, // line 1
      'East,2026-12-06,33,20,,,N,NWS', // 2: good
      'East,2026-12-07,hot,20,,,N,NWS', // 3: not a number
      'East,2026-12-32,33,20,,,N,NWS', // 4: no such day
      'Esat,2026-12-08,33,20,,,N,NWS', // 5: unknown area
      'East,2026-12-09,33,20,,,maybe,NWS', // 6: not Y/N
      'East,2026-12-10,150,20,,,N,NWS', // 7: out of range
      'East,2026-12-11,,,,,,NWS', // 8: no figure
      'East,2026-12-12,33,20,,,N,', // 9: no source
      'East,2026-12-06,35,,,,,NWS', // 10: repeats line 2
      'East,2026-12-13,33', // 11: too few fields
      'East,2026-12-14,20,33,,,N,NWS', // 12: low above high
    ].join('\n');
    const res = await call('supervisor', 'POST', '/weather/import', { content });
    expect(res.status).toBe(422);
    expect(res.body.status).toBe('rejected');
    expect(res.body.changed).toEqual([]);
    expect(res.body.counts).toEqual({ rows: 11, rejected: 10 });
    const got = res.body.rejections.map((r: any) => [r.line, r.field, r.value]);
    expect(got).toEqual([
      [3, 'forecast_high_f', 'hot'],
      [4, 'day', '2026-12-32'],
      [5, 'service_area', 'Esat'],
      [6, 'heat_advisory', 'maybe'],
      [7, 'forecast_high_f', '150'],
      [8, 'forecast_high_f', ''],
      [9, 'source', ''],
      [10, 'day', '2026-12-06'],
      [11, '', 'East,2026-12-13,33'],
      [12, 'forecast_low_f', '33'],
    ]);
    for (const r of res.body.rejections) expect(r.problem).toEqual(expect.any(String));
    expect(res.body.rejections.find((r: any) => r.line === 10).problem).toMatch(/line 2/);
    expect(res.body.rejections.find((r: any) => r.line === 7).problem).toMatch(/140/);
    // Nothing of the file was stored, not even its good line.
    expect(await stored('East', '2026-12-06')).toBeNull();
    expect(await counts()).toEqual(before);
    expect(woken).toEqual([]);
  });

  test('a file that is not the layout → 400 naming content, nothing written', async () => {
    const before = await counts();
    for (const content of [
      'area,day,high\nNorth,2026-12-01,30',
      HEADER,
      `${HEADER}\nNorth,2026-12-01,"30,1,,,N,NWS`,
    ]) {
      const res = await call('supervisor', 'POST', '/weather/import', { content });
      expectError(res, 400, 'validation_failed', 'content');
    }
    expectError(
      await call('supervisor', 'POST', '/weather/import', { content: '' }),
      400,
      'validation_failed',
      'content',
    );
    expect(await counts()).toEqual(before);
  });
});

describe('GET /weather', () => {
  test('lists by day and area, filtered by area and dates', async () => {
    const all = await call('csr', 'GET', '/weather');
    expect(all.status).toBe(200);
    expect(all.body.items.map((w: any) => `${w.day} ${w.serviceArea}`)).toEqual([
      '2026-12-02 North',
      '2026-12-02 South',
      '2026-12-05 North',
      '2026-12-05 South',
    ]);
    const north = await call('auditor', 'GET', '/weather?serviceArea=North&from=2026-12-03&to=2026-12-31');
    expect(north.body.items).toEqual([expect.objectContaining({ serviceArea: 'North', day: '2026-12-05' })]);
    const page = await call('csr', 'GET', '/weather?limit=3');
    expect(page.body.items).toHaveLength(3);
    expect(page.body.nextOffset).toBe(3);
    expectError(
      await call('csr', 'GET', '/weather?from=2026-12-05&to=2026-12-01'),
      400,
      'validation_failed',
      'from',
    );
    expectError(await call('csr', 'GET', '/weather?from=yesterday'), 400, 'validation_failed', 'from');
  });
});

describe('openCasesInAreas', () => {
  test('names the open collections cases at premises in the changed areas', async () => {
    for (const [id, premiseId] of [
      ['WX-A1', 'WX-P1'],
      ['WX-A2', 'WX-P2'],
      ['WX-A3', 'WX-P1'],
    ]) {
      await t.db.customer.create({ data: { id: `C-${id}`, name: id!, mailingAddress: `${id} Weather Way` } });
      await t.db.account.create({
        data: {
          id: id!,
          customerId: `C-${id}`,
          premiseId: premiseId!,
          class: 'RES',
          billCycle: 1,
          startDate: new Date('2020-01-01'),
        },
      });
    }
    for (const [accountId, episode, closed] of [
      ['WX-A1', 1, true],
      ['WX-A1', 2, false],
      ['WX-A2', 1, false],
      ['WX-A3', 1, false],
    ] as const)
      await t.db.collectionsEpisode.create({
        data: {
          accountId,
          episode,
          workflowId: `collections:${accountId}:${episode}`,
          pastDueCents: 100n,
          closedAt: closed ? new Date() : null,
        },
      });
    const north = await openCasesInAreas(t.db, [
      { serviceArea: 'North', day: '2026-12-02' },
      { serviceArea: 'North', day: '2026-12-03' },
    ]);
    expect(north.map((c) => c.workflowId)).toEqual(['collections:WX-A1:2', 'collections:WX-A3:1']);
    expect(await openCasesInAreas(t.db, [{ serviceArea: 'East', day: '2026-12-02' }])).toEqual([]);
    expect(await openCasesInAreas(t.db, [])).toEqual([]);
  });
});

describe('who may record and read weather', () => {
  test('csr, auditor and field crews may not record; field crews may not read', async () => {
    const before = await counts();
    const body = {
      observations: [{ serviceArea: 'North', day: '2026-12-20', forecastHighF: 10, source: 'NWS' }],
    };
    for (const role of ['csr', 'auditor', 'crew-a']) {
      expectError(await call(role, 'POST', '/weather', body), 403, 'forbidden');
      expectError(await call(role, 'POST', '/weather/import', { content: 'x' }), 403, 'forbidden');
    }
    expectError(await call('crew-a', 'GET', '/weather'), 403, 'forbidden');
    expectError(await call(null, 'GET', '/weather'), 401, 'unauthenticated');
    expect(await counts()).toEqual(before);
    for (const role of ['csr', 'supervisor', 'auditor', 'admin'])
      expect((await call(role, 'GET', '/weather')).status).toBe(200);
  });
});
