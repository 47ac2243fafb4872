// Authentication failures and authorization refusals are on the audit trail, and a client that
// keeps presenting bad keys is refused (429) for a while — audited once, not once per attempt.
import type { Server } from 'node:http';
import { createApp } from '../api/app';
import { createLogger } from '../lib/logger';
import { startTestApp, type TestApp } from './helpers/app';

let app: TestApp;
let server: Server;
let base: string;

beforeAll(async () => {
  app = await startTestApp();
  // A second API over the same database and Temporal, with a small failure limit.
  const strict = createApp({
    db: app.t.db,
    temporal: app.env.client,
    taskQueue: app.taskQueue,
    logger: createLogger('silent'),
    encryptionKey: app.encryptionKey,
    authFailureLimit: { max: 3, windowMs: 60_000 },
    health: async () => ({}),
  });
  server = await new Promise((resolve) => {
    const s = strict.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await app?.close();
});

const get = (path: string, key?: string) =>
  fetch(base + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

test('bad keys are audited without the key; after the limit the address gets 429 with Retry-After, audited once', async () => {
  const wrong = 'ocis_deadbeef_notarealkeynotarealkeynotareal';
  for (let i = 0; i < 3; i++) expect((await get('/customers', wrong)).status).toBe(401);
  const limited = await get('/customers', wrong);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  // Even a good key from that address waits out the window: guessing cannot continue under it.
  expect((await get('/customers', app.keys.csr)).status).toBe(429);
  for (let i = 0; i < 5; i++) expect((await get('/customers', wrong)).status).toBe(429);

  const failed = await app.t.db.auditEvent.findMany({ where: { action: 'auth.failed' } });
  expect(failed).toHaveLength(3);
  expect(failed.every((e) => e.entityId === wrong.slice(0, 13) && e.actor === 'anonymous')).toBe(true);
  expect(JSON.stringify(failed, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
    wrong,
  );
  expect(await app.t.db.auditEvent.count({ where: { action: 'auth.rate_limited' } })).toBe(1);
});

test('an authorization refusal is audited with the role and the permission it lacks', async () => {
  const r = await app.call('auditor', 'POST', '/customers', { name: 'X', mailingAddress: 'Y' });
  expect(r.status).toBe(403);
  const refused = await app.t.db.auditEvent.findFirstOrThrow({ where: { action: 'authorization.refused' } });
  expect(refused).toMatchObject({ actor: 'auditor', entityType: 'route', entityId: 'POST /customers' });
  expect(refused.reason).toMatch(/auditor role lacks customer:write/);
});

test('Prometheus metrics count requests by route template, for roles that may read them', async () => {
  await app.call('csr', 'GET', '/customers');
  const m = await app.call('auditor', 'GET', '/metrics');
  expect(m.status).toBe(200);
  expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(m.body).toMatch(/opencis_http_requests_total\{[^}]*route="\/customers"[^}]*status="200"/);
  expect(m.body).toMatch(/process_resident_memory_bytes/);
  expect((await app.call('csr', 'GET', '/metrics')).status).toBe(403);
});
