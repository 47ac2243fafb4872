// The supervisor dashboard over HTTP (pages and forms, no browser): signing in and out with an
// API key, failures audited and rate-limited, CSRF on every form, the permission matrix on pages
// and actions (a CSR cannot approve a held cycle, an auditor changes nothing), the security
// headers, and HTML escaping of what customers give us.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { startTestApp, type TestApp } from './helpers/app';
import { waitingLetter } from './helpers/print-letters';
import { DashboardClient as Client, csrf } from './helpers/dashboard-client';
import { millbrookWithReads } from './helpers/millbrook';
import { createApp } from '../api/app';
import { createLogger } from '../lib/logger';
import { SessionStore } from '../web/session';

jest.setTimeout(240_000);

let app: TestApp;

async function waitForStage(stage: string, ms = 180_000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11');
    if (r.status === 200 && r.body.stage === stage) return r.body;
    if (Date.now() > end) throw new Error(`cycle never reached ${stage}: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Waits (up to 10 s) until the order an API call opened is on record. */
async function orderRecorded(id: string) {
  for (let i = 0; i < 100 && !(await app.t.db.serviceOrder.findUnique({ where: { id } })); i++)
    await new Promise((r) => setTimeout(r, 100));
}

const audits = (action: string) =>
  app.t.db.auditEvent.findMany({ where: { action }, orderBy: { seq: 'asc' } });

beforeAll(async () => {
  app = await startTestApp();
  // Millbrook, its October and November reads, and cycle 1 for November held for review (more
  // than 2 % of meters with open exceptions), as in test/bill-cycle.test.ts.
  await millbrookWithReads(app);
  const start = await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
    period: '2026-11',
    keepPlannedDates: true,
    reviewThreshold: 0.02,
  });
  expect(start.status).toBe(202);
  await waitForStage('held-for-review');
});
afterAll(() => app?.close());

test('a page without a session goes to the sign-in form, which names where to return', async () => {
  const c = new Client(app);
  const r = await c.get('/dashboard/accounts/100002?kind=bill.*');
  expect(r.status).toBe(303);
  expect(r.location).toBe('/dashboard/sign-in?next=%2Fdashboard%2Faccounts%2F100002%3Fkind%3Dbill.*');
  const form = await c.get(r.location!);
  expect(form.status).toBe(200);
  expect(form.html).toContain('name="key"');
  // Only a dashboard path is a place to return to: never another site.
  const evil = new Client(app);
  const page = await evil.get('/dashboard/sign-in?next=https://evil.example/');
  const signed = await evil.post('/dashboard/sign-in', {
    _csrf: csrf(page.html),
    key: app.keys.supervisor!,
    next: '//evil.example/',
  });
  expect(signed.status).toBe(303);
  expect(signed.location).toBe('/dashboard');
});

test('sign in and out with an API key: HttpOnly SameSite=Strict session cookie, both audited', async () => {
  const c = new Client(app);
  const r = await c.signIn(app.keys.supervisor!);
  expect(r.status).toBe(303);
  const session = c.setCookies.find((l) => l.startsWith('ocis_dash=') && !/max-age=0/i.test(l));
  expect(session).toBeDefined();
  expect(session).toMatch(/; HttpOnly/);
  expect(session).toMatch(/; SameSite=Strict/);
  expect(session).toMatch(/; Path=\/dashboard/);
  expect(session).not.toMatch(/; Secure/); // plain HTTP here; Secure is added over TLS
  expect(c.cookies.get('ocis_dash')).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits

  const home = await c.get('/dashboard');
  expect(home.status).toBe(200);
  expect(home.html).toContain('Sam Keller (field supervisor)');
  expect(home.html).toContain('data-role="supervisor"');
  expect(home.html).toContain('Open service orders');
  expect(home.html).toContain('Waiting for review');
  const signIns = await audits('dashboard.sign-in');
  expect(signIns.at(-1)).toMatchObject({
    actor: 'supervisor',
    actorRole: 'supervisor',
    entityType: 'api_key',
  });

  const cookie = c.cookies.get('ocis_dash')!;
  const out = await c.post('/dashboard/sign-out', { _csrf: csrf(home.html) });
  expect(out.status).toBe(303);
  expect(out.location).toBe('/dashboard/sign-in');
  expect(c.cookies.has('ocis_dash')).toBe(false);
  expect((await audits('dashboard.sign-out')).at(-1)).toMatchObject({ actor: 'supervisor' });
  // The old session id is dead on the server, not only forgotten by the browser.
  c.cookies.set('ocis_dash', cookie);
  expect((await c.get('/dashboard')).status).toBe(303);
});

test('a wrong key gets the sign-in page with an error; the API authenticator audits it, never what was typed', async () => {
  const failures = () => app.t.db.auditEvent.count({ where: { action: 'auth.failed' } });
  const before = await failures();
  const c = new Client(app);
  const typed = 'ocis_deadbeef_not-a-real-secret-at-all-000000';
  const r = await c.signIn(typed);
  expect(r.status).toBe(401);
  expect(r.html).toContain('That API key was not accepted.');
  expect(r.html).toContain('name="key"');
  expect(c.cookies.has('ocis_dash')).toBe(false);
  const failed = await audits('auth.failed');
  expect(failed.at(-1)).toMatchObject({
    actor: 'anonymous',
    entityType: 'api_key',
    entityId: 'ocis_deadbeef',
  });
  expect(failed.at(-1)!.reason).toMatch(/^unknown key \(POST \/sign-in from /);
  // Something that is not a key at all (a password in the wrong box) is not presented, not recorded.
  expect((await c.signIn('correct horse battery staple')).status).toBe(401);
  const last = (await audits('auth.failed')).at(-1)!;
  expect(last).toMatchObject({ entityId: 'none' });
  const all = JSON.stringify(await audits('auth.failed'), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  expect(all).not.toContain('not-a-real-secret');
  expect(all).not.toContain('horse');
  // A revoked key is refused the same way, by the API's own authenticator.
  const issued = await app.call('admin', 'POST', '/users/auditor/api-keys', { label: 'to revoke' });
  expect(issued.status).toBe(201);
  expect((await app.call('admin', 'POST', `/api-keys/${issued.body.id}/revoke`)).status).toBe(200);
  expect((await new Client(app).signIn(issued.body.key)).status).toBe(401);
  expect((await audits('auth.failed')).at(-1)!.reason).toMatch(/^revoked key/);
  expect(await failures()).toBe(before + 3);
});

test('revoking the key behind a session ends the session on its next request', async () => {
  const issued = await app.call('admin', 'POST', '/users/csr/api-keys', { label: 'dashboard session' });
  const c = new Client(app);
  expect((await c.signIn(issued.body.key)).status).toBe(303);
  expect((await c.get('/dashboard')).status).toBe(200);
  expect((await app.call('admin', 'POST', `/api-keys/${issued.body.id}/revoke`)).status).toBe(200);
  const after = await c.get('/dashboard');
  expect(after.status).toBe(303);
  expect(after.location).toMatch(/^\/dashboard\/sign-in/);
});

test('sessions end after 30 idle minutes or 12 hours; the least recently used go first when full', () => {
  let now = 0;
  const store = new SessionStore(
    { idleMs: 30 * 60_000, maxAgeMs: 12 * 3_600_000, maxSessions: 2 },
    () => now,
  );
  const user = { id: 'u', name: null, role: 'supervisor' as const, keyId: 'k' };
  const a = store.create(user);
  now += 29 * 60_000;
  expect(store.get(a.id)).toBe(a); // touched: idle time starts again
  now += 29 * 60_000;
  expect(store.get(a.id)).toBe(a);
  now += 31 * 60_000;
  expect(store.get(a.id)).toBeNull();
  const b = store.create(user);
  while (now + 29 * 60_000 < b.createdAt + 12 * 3_600_000) {
    now += 29 * 60_000;
    expect(store.get(b.id)).toBe(b);
  }
  now = b.createdAt + 12 * 3_600_000 + 1; // used minutes ago, but 12 hours old
  expect(store.get(b.id)).toBeNull(); // 12 hours at most, however busy
  const c = store.create(user);
  const d = store.create(user);
  store.get(c.id);
  const e = store.create(user); // full: d, the least recently used, goes
  expect([store.get(c.id), store.get(d.id), store.get(e.id)]).toEqual([c, null, e]);
  expect(new Set([a.id, b.id, c.id, d.id, e.id]).size).toBe(5);
});

test('every form POST needs its CSRF token', async () => {
  // The sign-in form: no token, or a token from another browser's form.
  const a = new Client(app);
  await a.get('/dashboard/sign-in');
  expect((await a.post('/dashboard/sign-in', { key: app.keys.supervisor! })).status).toBe(403);
  const b = new Client(app);
  const bForm = await b.get('/dashboard/sign-in');
  const cross = await a.post('/dashboard/sign-in', { _csrf: csrf(bForm.html), key: app.keys.supervisor! });
  expect(cross.status).toBe(403);
  expect(a.cookies.has('ocis_dash')).toBe(false);

  // Signed in: approve and sign out without the session's token are refused and change nothing.
  const sup = await Client.as(app, 'supervisor');
  const approvals = (await audits('bill-cycle.approve')).length;
  const forged: Record<string, string>[] = [{}, { _csrf: 'x'.repeat(43) }];
  for (const form of forged) {
    const r = await sup.post('/dashboard/bill-cycles/1/2026-11/approve', form);
    expect(r.status).toBe(403);
    expect(r.html).toContain('did not come from your dashboard session');
    expect((await sup.post('/dashboard/sign-out', form)).status).toBe(403);
  }
  expect(await audits('bill-cycle.approve')).toHaveLength(approvals);
  expect((await app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11')).body.stage).toBe(
    'held-for-review',
  );
  expect((await sup.get('/dashboard')).status).toBe(200); // still signed in
});

test('a CSR sees the held cycle but has no Approve button, and the approve POST is refused (403)', async () => {
  const csr = await Client.as(app, 'csr');
  const runPage = await csr.get('/dashboard/bill-cycles/1/2026-11');
  expect(runPage.status).toBe(200);
  expect(runPage.html).toContain('held-for-review');
  expect(runPage.html).not.toContain('/approve');
  expect(runPage.html).toContain('Your role (csr) may look at this run but not approve');
  const approvals = (await audits('bill-cycle.approve')).length;
  for (const action of ['approve', 'hold', 'release']) {
    const r = await csr.post(`/dashboard/bill-cycles/1/2026-11/${action}`, { _csrf: csrf(runPage.html) });
    expect(r.status).toBe(403);
    expect(r.html).toContain('The csr role may not bill-cycle approve.');
  }
  // Each refusal is on the audit trail, as the API's are.
  const refused = await app.t.db.auditEvent.findMany({
    where: { action: 'authorization.refused', actor: 'csr', entityType: 'route' },
    orderBy: { seq: 'asc' },
  });
  expect(refused.slice(-3).map((e) => e.entityId)).toEqual(
    ['approve', 'hold', 'release'].map((a) => `POST /dashboard/bill-cycles/:cycleId/:period/${a}`),
  );
  expect(await audits('bill-cycle.approve')).toHaveLength(approvals);
  expect((await app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11')).body.stage).toBe(
    'held-for-review',
  );
  // The supervisor's page has the button.
  const sup = await Client.as(app, 'supervisor');
  expect((await sup.get('/dashboard/bill-cycles/1/2026-11')).html).toContain(
    'action="/dashboard/bill-cycles/1/2026-11/approve"',
  );
});

test('an auditor reads every page and can change nothing', async () => {
  const aud = await Client.as(app, 'auditor');
  for (const url of [
    '/dashboard',
    '/dashboard/orders',
    '/dashboard/orders?sla=breached',
    '/dashboard/cases',
    '/dashboard/read-exceptions',
    '/dashboard/read-exceptions?cycleRunId=1:2026-11',
    '/dashboard/bill-cycles',
    '/dashboard/bill-cycles/1/2026-11',
    '/dashboard/mail',
    '/dashboard/water-notices',
    '/dashboard/accounts?q=100002',
    '/dashboard/accounts/100002',
    '/dashboard/accounts/100002?kind=read.*&kind=account.*&limit=10',
  ]) {
    const r = await aud.get(url);
    expect([url, r.status]).toEqual([url, 200]);
    // The only form that posts is signing out.
    const posts = [...r.html.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map((m) => m[1]);
    expect([url, posts]).toEqual([url, ['/dashboard/sign-out']]);
  }
  const page = await aud.get('/dashboard/bill-cycles/1/2026-11');
  expect(page.html).toContain('Your role (auditor) may look at this run');
  const r = await aud.post('/dashboard/bill-cycles/1/2026-11/approve', { _csrf: csrf(page.html) });
  expect(r.status).toBe(403);
  expect((await app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11')).body.stage).toBe(
    'held-for-review',
  );
});

test('security headers on pages, errors and assets; no inline script or style', async () => {
  const sup = await Client.as(app, 'supervisor');
  const pages = await Promise.all([
    new Client(app).get('/dashboard/sign-in'),
    sup.get('/dashboard'),
    sup.get('/dashboard/accounts/100002'),
    sup.get('/dashboard/no-such-page'),
    sup.get('/dashboard/assets/dashboard.js'),
    sup.get('/dashboard/assets/dashboard.css'),
  ]);
  expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 404, 200, 200]);
  for (const p of pages) {
    const csp = p.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(p.headers.get('x-frame-options')).toBe('DENY');
    expect(p.headers.get('x-content-type-options')).toBe('nosniff');
    expect(p.headers.get('referrer-policy')).toBe('no-referrer');
    expect(p.headers.get('strict-transport-security')).toBeNull(); // plain HTTP: no HSTS
  }
  expect(pages[1]!.headers.get('cache-control')).toBe('no-store');
  expect(pages[4]!.headers.get('content-type')).toMatch(/^application\/javascript|^text\/javascript/);
  for (const p of pages.slice(0, 4)) {
    expect(p.headers.get('content-type')).toMatch(/^text\/html/);
    for (const tag of p.html.matchAll(/<script\b[^>]*>/g))
      expect(tag[0]).toMatch(/src="\/dashboard\/assets\//);
    expect(p.html).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  }
  // Templates cannot turn escaping off: no triple-stash anywhere.
  const views = path.resolve(__dirname, '..', 'web', 'views');
  for (const dir of [views, path.join(views, 'partials')])
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.hbs')))
      expect([f, readFileSync(path.join(dir, f), 'utf8')]).not.toEqual([
        f,
        expect.stringMatching(/\{\{\{|\{\{&/),
      ]);
});

test('a customer named <script>alert(1)</script> is shown as text, everywhere', async () => {
  const name = '<script>alert(1)</script>';
  const c = await app.call('csr', 'POST', '/customers', {
    name,
    mailingAddress: '1 "Quote" & <b>Bold</b> St, Millbrook, PA 16801',
  });
  expect(c.status).toBe(201);
  const p = await app.call('csr', 'POST', '/premises', {
    serviceAddress: '<img src=x onerror=alert(2)> Main St',
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: 'RESIDENTIAL',
  });
  const a = await app.call('csr', 'POST', '/accounts', {
    customerId: c.body.id,
    premiseId: p.body.id,
    class: 'RES',
    billCycle: 2,
    startDate: '2026-01-01',
  });
  expect(a.status).toBe(201);
  await app.call('csr', 'POST', `/accounts/${a.body.id}/interactions`, {
    channel: 'CALL',
    subject: '</li><script>alert(3)</script>',
  });
  const sup = await Client.as(app, 'supervisor');
  const search = await sup.get(`/dashboard/accounts?q=${encodeURIComponent('<script>')}`);
  const page = await sup.get(`/dashboard/accounts/${a.body.id}`);
  for (const r of [search, page]) {
    expect(r.status).toBe(200);
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).not.toContain('<script>alert');
  }
  expect(search.html).toContain(`href="/dashboard/accounts/${a.body.id}"`);
  expect(page.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; Main St');
  expect(page.html).not.toContain('<img');
  expect(page.html).toContain('&lt;/li&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
  expect(page.html).toContain('&lt;b&gt;Bold&lt;/b&gt;');
});

test('the account 360 page: balance, deposit, meters, open cases and orders, timeline with filters', async () => {
  const sup = await Client.as(app, 'supervisor');
  // An interaction and a service order to find on the page.
  await app.call('csr', 'POST', '/accounts/100002/interactions', {
    channel: 'CALL',
    subject: 'Disputes the November bill',
  });
  const order = await app.call('csr', 'POST', '/service-orders', {
    accountId: '100002',
    type: 'METER_INVESTIGATION',
    meterId: 'W000002',
    reason: 'High bill dispute',
  });
  expect(order.status).toBe(202);
  await orderRecorded(order.body.id);

  const r = await sup.get('/dashboard/accounts/100002');
  expect(r.status).toBe(200);
  for (const section of [
    'id="balance"',
    'id="protections"',
    'id="deposit"',
    'id="meters"',
    'id="orders"',
    'id="timeline"',
  ])
    expect(r.html).toContain(section);
  expect(r.html).toContain('W000002');
  expect(r.html).toContain(order.body.id);
  expect(r.html).toContain('Inbound call: Disputes the November bill');

  // Filter: only reads, then only interactions.
  const reads = await sup.get('/dashboard/accounts/100002?kind=read.*');
  expect(reads.html).not.toContain('Disputes the November bill');
  const calls = await sup.get('/dashboard/accounts/100002?kind=interaction&limit=10');
  expect(calls.html).toContain('Disputes the November bill');
  expect(
    [...calls.html.matchAll(/class="event" data-kind="([^"]+)"/g)].every((m) => m[1] === 'interaction'),
  ).toBe(true);
  // Paging: twelve calls on another account, ten a page; the Older link carries the filter.
  for (let i = 1; i <= 12; i++)
    await app.call('csr', 'POST', '/accounts/100003/interactions', { channel: 'CALL', subject: `Call ${i}` });
  const first = await sup.get('/dashboard/accounts/100003?kind=interaction&limit=10');
  const subjects = (html: string) =>
    [...html.matchAll(/<span class="summary">Inbound call: (Call \d+)<\/span>/g)].map((m) => m[1]);
  expect(subjects(first.html)).toEqual([
    'Call 12',
    'Call 11',
    'Call 10',
    'Call 9',
    'Call 8',
    'Call 7',
    'Call 6',
    'Call 5',
    'Call 4',
    'Call 3',
  ]);
  const older = /href="([^"]+)" rel="next"/
    .exec(first.html)![1]!
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=');
  expect(older).toMatch(/^\/dashboard\/accounts\/100003\?kind=interaction&limit=10&cursor=[\w-]+#timeline$/);
  const second = await sup.get(older.replace(/#.*$/, ''));
  expect(subjects(second.html)).toEqual(['Call 2', 'Call 1']);
  expect(second.html).toContain('← Newest');
  expect(second.html).not.toContain('rel="next"');
  // Unknown account: a 404 page, not a stack trace.
  const missing = await sup.get('/dashboard/accounts/NOPE-1');
  expect(missing.status).toBe(404);
  expect(missing.html).toContain('Account NOPE-1 was not found');
});

test('the queues: orders by stage and age with SLA breaches, cases, read exceptions, cycles, mail', async () => {
  const sup = await Client.as(app, 'supervisor');
  const orders = await sup.get('/dashboard/orders');
  expect(orders.html).toContain('Open orders by stage and age');
  expect(orders.html).toMatch(/SLA breaches: \d+/);
  const ex = await sup.get('/dashboard/read-exceptions?cycleRunId=1:2026-11');
  expect(ex.html).toContain('HIGH_USE');
  expect(ex.html).toContain('href="/dashboard/bill-cycles/1/2026-11"');
  const cycles = await sup.get('/dashboard/bill-cycles');
  expect(cycles.html).toContain('Waiting for review');
  expect(cycles.html).toContain('held-for-review');
  const mail = await sup.get('/dashboard/mail');
  expect(mail.html).toContain('Notice register');
  expect((await sup.get('/dashboard/cases')).html).toContain('Open cases by stage and age');
});

test('a disconnection opened by hand shows its cause in the order rows', async () => {
  const order = await app.call('supervisor', 'POST', '/service-orders', {
    accountId: '100003',
    type: 'DISCONNECT',
    priority: 'EMERGENCY',
    reason: 'Gas smell reported at the meter',
    details: { disconnectCause: 'SAFETY' },
  });
  expect(order.status).toBe(202);
  const id = order.body.id as string;
  await orderRecorded(id);
  const sup = await Client.as(app, 'supervisor');
  const page = await sup.get('/dashboard/accounts/100003');
  expect(page.status).toBe(200);
  const row = new RegExp(`<td>${id}</td>[\\s\\S]*?<td>DISCONNECT <span class="tag">safety</span>`);
  expect(page.html).toMatch(row);
});

test('failed sign-ins are rate-limited per address like the API; the lock-out is audited once', async () => {
  // An app of its own with a low limit (the shared test app allows many failures).
  const strict = createApp({
    db: app.t.db,
    temporal: app.env.client,
    taskQueue: app.taskQueue,
    logger: createLogger('silent'),
    encryptionKey: app.encryptionKey,
    authFailureLimit: { max: 3, windowMs: 60_000 },
    health: async () => ({}),
  });
  const server: Server = await new Promise((resolve) => {
    const s = strict.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const addr = server.address();
    const c = new Client({
      baseUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
      keys: app.keys,
    });
    const failedBefore = (await audits('auth.failed')).length;
    const lockedBefore = (await audits('auth.rate_limited')).length;
    for (let i = 0; i < 3; i++) expect((await c.signIn(`ocis_0000000${i}_wrong`)).status).toBe(401);
    const r = await c.signIn('ocis_00000009_wrong');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.html).toContain('Too many failed sign-ins');
    // Locked out, even the right key is refused; the lock-out is audited once, not per attempt.
    expect((await c.signIn(app.keys.supervisor!)).status).toBe(429);
    expect(c.cookies.has('ocis_dash')).toBe(false);
    expect(await audits('auth.failed')).toHaveLength(failedBefore + 3);
    expect(await audits('auth.rate_limited')).toHaveLength(lockedBefore + 1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('printed notices on the mail page: waiting letters, closing a batch, its files', async () => {
  const accountId = (await app.t.db.account.findFirstOrThrow({ select: { id: true } })).id;
  await waitingLetter(app.t.db, {
    accountId,
    key: 'dashboard-print-letter',
    at: new Date(Date.now() - 60_000),
    name: 'Dashboard Letter',
    address: '5 Elm St, Millbrook, PA 16801',
  });
  const aud = await Client.as(app, 'auditor');
  const seen = await aud.get('/dashboard/mail');
  expect(seen.html).toContain('Printed notices');
  expect(seen.html).toMatch(/Waiting for the next batch: <strong>[1-9]\d*<\/strong>/);
  expect(seen.html).not.toContain('Close a batch now'); // auditors look, supervisors act

  const sup = await Client.as(app, 'supervisor');
  const page = await sup.get('/dashboard/mail');
  expect(page.html).toContain('Close a batch now');
  const closed = await sup.post('/dashboard/print-batches/notices', { _csrf: csrf(page.html) });
  expect(closed.status).toBe(303);
  const after = await sup.get('/dashboard/mail');
  expect(after.html).toMatch(/Print batch notices-\d{4}-\d{2}-\d{2}T\d{4} closed: \d+ letters/);
  const id = /href="\/dashboard\/print-batches\/(notices-[^/]+)\/pdf"/.exec(after.html)![1]!;
  const pdf = await sup.get(`/dashboard/print-batches/${id}/pdf`);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(pdf.html.startsWith('%PDF-')).toBe(true);
  expect((await aud.post('/dashboard/print-batches/notices', { _csrf: csrf(seen.html) })).status).toBe(403);
  expect((await sup.get('/dashboard/print-batches/..%2F..%2Fetc/pdf')).status).toBe(404);
});

test('water notices: the list, a notice with its proof of delivery, resolving it (supervisors; auditors look)', async () => {
  const issued = await app.call(
    'supervisor',
    'POST',
    '/water-notices',
    {
      kind: 'PN_TIER_2',
      title: 'Turbidity above the limit',
      serviceAreas: ['East'],
      learnedAt: new Date().toISOString(),
      bodyEn: 'What happened, what it means, what to do.',
    },
    { 'idempotency-key': 'dashboard-water-notice' },
  );
  expect(issued.status).toBe(202);
  const id = issued.body.id as string;
  // Delivery has registered the first round's copies.
  for (let i = 0; ; i++) {
    const r = await app.call('supervisor', 'GET', `/water-notices/${id}`);
    if (r.body.rounds?.[0]?.copies > 0 && r.body.missing.length === 0) break;
    if (i > 600) throw new Error(`the notice was never delivered: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  const status = (await app.call('supervisor', 'GET', `/water-notices/${id}`)).body;

  const aud = await Client.as(app, 'auditor');
  const list = await aud.get('/dashboard/water-notices');
  expect(list.status).toBe(200);
  expect(list.html).toContain(`<a href="/dashboard/water-notices/${id}">Turbidity above the limit</a>`);
  expect(list.html).toContain('repeats every 3 months');
  const detail = await aud.get(`/dashboard/water-notices/${id}`);
  expect(detail.status).toBe(200);
  const round = /<table class="grid" id="rounds">[\s\S]*?<tbody>\s*<tr[^>]*>([\s\S]*?)<\/tr>/.exec(
    detail.html,
  )![1]!;
  const cells = [...round.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
  const r1 = status.rounds[0];
  expect(cells.slice(0, 6)).toEqual(
    [1, r1.copies, r1.emailed, r1.mailed, r1.waitingForPrint, r1.unconfirmed].map(String),
  );
  expect(detail.html).toContain('Accounts still without the latest round (0)');
  expect(detail.html).not.toContain(`action="/dashboard/water-notices/${id}/resolve"`);
  expect(detail.html).toContain('Your role (auditor) may look at this notice but not resolve it.');
  const refused = await aud.post(`/dashboard/water-notices/${id}/resolve`, {
    _csrf: csrf(detail.html),
    reason: 'Looks fine',
  });
  expect(refused.status).toBe(403);

  const sup = await Client.as(app, 'supervisor');
  const page = await sup.get(`/dashboard/water-notices/${id}`);
  expect(page.html).toContain(`action="/dashboard/water-notices/${id}/resolve"`);
  const done = await sup.post(`/dashboard/water-notices/${id}/resolve`, {
    _csrf: csrf(page.html),
    reason: 'Turbidity back under the limit in two samples',
  });
  expect(done.status).toBe(303);
  expect(done.location).toBe(`/dashboard/water-notices/${id}`);
  const after = await sup.get(done.location!);
  expect(after.html).toContain('Notice resolved');
  expect(after.html).toContain('Turbidity back under the limit in two samples');
  expect(after.html).not.toContain(`action="/dashboard/water-notices/${id}/resolve"`);
  expect((await app.call('supervisor', 'GET', `/water-notices/${id}`)).body.resolvedAt).not.toBeNull();
  const resolved = await audits('water-notice.resolve');
  expect(resolved.map((a) => [a.entityId, a.actor])).toEqual([[id, 'supervisor']]);
  expect((await sup.get('/dashboard/water-notices/not-a-notice')).status).toBe(404);
});

test('a door hanger a case ordered: its notice to post, printable from the orders page', async () => {
  const sup = await Client.as(app, 'supervisor');
  const account = await app.t.db.account.findUniqueOrThrow({ where: { id: '100002' } });
  await app.t.db.serviceOrder.create({
    data: {
      id: 'SO-9000001',
      accountId: '100002',
      premiseId: account.premiseId,
      type: 'DOOR_HANGER',
      reason: 'Post the 48-hour disconnection notice at the premises',
      workflowId: 'service-order:SO-9000001',
      createdBy: 'system',
      collectionsWorkflowId: 'collections:100002:1',
      details: {
        postedNotice: {
          language: 'en',
          subject: 'Notice of disconnection',
          text: '*** 48-HOUR NOTICE ***\nThis is your 48-hour notice.',
          contentHash: 'a'.repeat(64),
          disconnectOnOrAfter: '2026-12-20',
        },
      },
    },
  });
  const orders = await sup.get('/dashboard/orders');
  expect(orders.html).toContain('href="/dashboard/orders/SO-9000001/posted-notice"');
  const pdf = await sup.get('/dashboard/orders/SO-9000001/posted-notice');
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(pdf.html.startsWith('%PDF-')).toBe(true);
  expect((await sup.get('/dashboard/orders/SO-9999999/posted-notice')).status).toBe(404);
  expect((await sup.get('/dashboard/orders/..%2Fx/posted-notice')).status).toBe(404);
});
