// The dashboard in a real browser: headless Debian Chromium driven by playwright-core, against
// the app in-process. A supervisor signs in, opens the overview, finds an account and reads its
// timeline (filtered), and approves a bill cycle held for review; the workflow moves on.
// Screenshots of each step go to test-artifacts/dashboard/. No browser is downloaded: without
// Chromium this fails and says so.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app';
import { millbrookWithReads } from './helpers/millbrook';

jest.setTimeout(240_000);

const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts', 'dashboard');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let app: TestApp;
let context: BrowserContext;
let page: Page;
let profileDir: string;
/** What the page reported as errors (a CSP violation shows up here). */
const consoleErrors: string[] = [];

const shot = (name: string, fullPage = true) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });

async function stageOf(): Promise<string> {
  const r = await app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11');
  return r.body.stage as string;
}

async function waitForStage(accept: (stage: string) => boolean, ms = 180_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const stage = await stageOf();
    if (accept(stage)) return stage;
    if (Date.now() > end) throw new Error(`cycle 1 for 2026-11 is still ${stage}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `chromium not found at ${CHROMIUM}: the dashboard browser tests need Debian's chromium ` +
        '(apt-get install chromium), or CHROMIUM_PATH set to a Chromium binary',
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestApp();
  // Millbrook with its October and November reads; cycle 1 for November holds for review when
  // more than 2 % of meters have open exceptions (as in test/bill-cycle.test.ts).
  await millbrookWithReads(app);
  const start = await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
    period: '2026-11',
    keepPlannedDates: true,
    reviewThreshold: 0.02,
  });
  expect(start.status).toBe(202);
  // A call to find on the account's timeline.
  const call = await app.call('csr', 'POST', '/accounts/100002/interactions', {
    channel: 'CALL',
    subject: 'Customer disputes the November bill',
  });
  expect(call.status).toBe(201);

  profileDir = mkdtempSync(path.join(os.tmpdir(), 'opencis-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  // CI runs this beside the other suites on two cores: pages that parse caught mail can be slow.
  page.setDefaultTimeout(90_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await app?.close();
});

test('a supervisor signs in and sees the overview', async () => {
  await page.goto(`${app.baseUrl}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
  await shot('01-sign-in');
  await page.fill('#key', app.keys.supervisor!);
  await Promise.all([page.waitForURL(`${app.baseUrl}/dashboard`), page.click('button[type=submit]')]);
  await expect(page.locator('h1').textContent()).resolves.toBe('Overview');
  await expect(page.locator('.who .user').textContent()).resolves.toBe('Sam Keller (field supervisor)');
  await expect(page.locator('#orders h2').textContent()).resolves.toContain('Open service orders');
  await expect(page.locator('#read-exceptions h2').textContent()).resolves.toContain('Read exceptions');
  await shot('02-overview');
});

test('the account 360 page shows the account and its timeline, and filters it', async () => {
  await page.fill('#q', '100002');
  await Promise.all([page.waitForURL(/\/dashboard\/accounts\?q=100002/), page.press('#q', 'Enter')]);
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/dashboard/accounts/100002`),
    page.click('#results a >> text=100002'),
  ]);
  await expect(page.locator('h1 .sub').textContent()).resolves.toBe('account 100002');
  await expect(page.locator('#balance').isVisible()).resolves.toBe(true);
  await expect(page.locator('#meters').textContent()).resolves.toContain('W000002');
  const events = page.locator('#timeline li.event');
  expect(await events.count()).toBeGreaterThan(1);
  await expect(page.locator('#timeline').textContent()).resolves.toContain(
    'Inbound call: Customer disputes the November bill',
  );
  await shot('03-account-360');

  // Only calls and visits.
  await page.check('#timeline input[name=kind][value=interaction]');
  await Promise.all([page.waitForURL(/kind=interaction/), page.click('#timeline button[type=submit]')]);
  const kinds = await page.locator('#timeline li.event .kind').allTextContents();
  expect(kinds.length).toBeGreaterThan(0);
  expect(new Set(kinds)).toEqual(new Set(['interaction']));
  await page.locator('#timeline').scrollIntoViewIfNeeded();
  await shot('04-timeline-calls-only');
});

test('approving a held bill cycle in the browser moves the workflow on', async () => {
  expect(await waitForStage((s) => s === 'held-for-review')).toBe('held-for-review');
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/dashboard/bill-cycles`),
    page.click('header nav a >> text=Bill cycles'),
  ]);
  await expect(page.locator('.attention').textContent()).resolves.toContain('Cycle 1');
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/dashboard/bill-cycles/1/2026-11`),
    page.click('.attention a >> text=Cycle 1'),
  ]);
  await expect(page.locator('#stage').textContent()).resolves.toBe('held-for-review');
  await shot('05-cycle-held');

  // The button asks first (dashboard.js); the supervisor confirms.
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/dashboard/bill-cycles/1/2026-11`),
    page.click('#approve'),
  ]);
  expect(asked).toEqual(['Approve cycle 1 for 2026-11? Its bills will be issued.']);
  await expect(page.locator('.flash').textContent()).resolves.toContain('approved');
  await shot('06-cycle-approved');

  // The workflow leaves review: it rates, issues and delivers, then waits for the due date (which
  // the time-skipping test server may already have skipped to).
  const delivered = ['waiting-for-due-date', 'late-charges', 'handing-off', 'closed'];
  await waitForStage((s) => delivered.includes(s));
  const approvals = await app.t.db.auditEvent.findMany({ where: { action: 'bill-cycle.approve' } });
  expect(approvals).toEqual([expect.objectContaining({ actor: 'supervisor', entityId: '1:2026-11' })]);
  await page.reload();
  expect(delivered).toContain(await page.locator('#stage').textContent());
  await expect(page.locator('#approve').count()).resolves.toBe(0);
  await shot('07-cycle-issued');

  // The run page reloads itself while the cycle runs, which can swallow a click: go directly.
  await page.goto(`${app.baseUrl}/dashboard/mail`);
  await expect(page.locator('h1').textContent()).resolves.toBe('Mail');
  expect(await page.locator('details.mail').count()).toBeGreaterThan(0);
  await shot('08-mail', false);
});

test('after the hand-off, the collections queue and the account 360 page show the case', async () => {
  await waitForStage((s) => s === 'closed');
  const cases = await app.t.db.collectionsEpisode.findFirst({ where: { accountId: '100002' } });
  expect(cases).not.toBeNull();
  await Promise.all([page.waitForURL(/\/dashboard\/cases/), page.click('header nav a >> text=Collections')]);
  await expect(page.locator('h1').textContent()).resolves.toBe('Collections cases');
  expect(await page.locator('table.stage-age tbody tr').count()).toBeGreaterThan(0);
  await shot('09-collections', false);
  await page.goto(`${app.baseUrl}/dashboard/accounts/100002`);
  await expect(page.locator('#cases').textContent()).resolves.toContain('Case #1');
  expect(await page.locator('#balance .bad').count()).toBe(1); // past due, in red
  await shot('10-account-360-with-case');
});

test('no page reported an error (a Content-Security-Policy violation would show here)', () => {
  expect(consoleErrors).toEqual([]);
});
