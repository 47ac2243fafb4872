// The supervisor's case list and one case in full, over collections episodes seeded directly (as
// the case workflow keeps them): order by next action (none last), filters by stage, overdue and
// profile, closed cases only when asked, cursor pages that neither repeat nor skip, the ledger's
// past due today, protections, and who may look.
import { startTestApp, type TestApp } from './helpers/app';
import { expectError } from './helpers/api-checks';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Ep {
  account: string;
  episode: number;
  stage: string;
  profile: string;
  nextAction: string | null;
  /** ms from now, or null for no next action */
  nextIn: number | null;
  openedDaysAgo: number;
  closed?: boolean;
}

const EPISODES: Ep[] = [
  {
    account: 'K1',
    episode: 1,
    stage: 'NOTICED',
    profile: 'PA',
    nextAction: 'DISCONNECT',
    nextIn: -2 * DAY,
    openedDaysAgo: 30,
  },
  {
    account: 'K1',
    episode: 2,
    stage: 'CLOSED',
    profile: 'PA',
    nextAction: null,
    nextIn: null,
    openedDaysAgo: 400,
    closed: true,
  },
  {
    account: 'K2',
    episode: 1,
    stage: 'OPEN',
    profile: 'PA',
    nextAction: 'REMINDER',
    nextIn: 3 * DAY,
    openedDaysAgo: 2,
  },
  {
    account: 'K3',
    episode: 1,
    stage: 'DISCONNECTED',
    profile: 'CA_WATER',
    nextAction: 'RECONNECT',
    nextIn: -1 * DAY,
    openedDaysAgo: 70,
  },
  {
    account: 'K4',
    episode: 1,
    stage: 'NOTICED',
    profile: 'PA',
    nextAction: 'CONTACT',
    nextIn: -2 * DAY,
    openedDaysAgo: 12,
  },
  {
    account: 'K5',
    episode: 1,
    stage: 'ARRANGEMENT',
    profile: 'PA',
    nextAction: null,
    nextIn: null,
    openedDaysAgo: 45,
  },
  {
    account: 'K6',
    episode: 1,
    stage: 'OPEN',
    profile: 'PA',
    nextAction: null,
    nextIn: null,
    openedDaysAgo: 1,
  },
  {
    account: 'K7',
    episode: 1,
    stage: 'CONTACTED',
    profile: 'IL',
    nextAction: 'POSTED_NOTICE',
    nextIn: HOUR,
    openedDaysAgo: 20,
  },
  {
    account: 'K8',
    episode: 3,
    stage: 'CLOSED',
    profile: 'PA',
    nextAction: 'DISCONNECT',
    nextIn: -5 * DAY,
    openedDaysAgo: 90,
    closed: true,
  },
];
// prettier-ignore
const PAST_DUE: Record<string, number> = { K1: 12345, K2: 5000, K3: 0, K4: 700, K5: 2500, K6: 100, K7: 9999, K8: 0 };

let app: TestApp;
const at = (e: Ep) => (e.nextIn === null ? null : new Date(NOW + e.nextIn));

beforeAll(async () => {
  app = await startTestApp();
  const db = app.t.db;
  for (const id of ['K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7', 'K8']) {
    await db.customer.create({
      data: { id: `CU-${id}`, name: `Case Customer ${id}`, mailingAddress: `${id} Case St` },
    });
    await db.premise.create({
      data: {
        id: `PR-${id}`,
        serviceAddress: `${id} Case St`,
        zip: '16801',
        serviceArea: 'North',
        state: 'PA',
        jurisdictionProfile: 'PA',
        premiseType: 'RESIDENTIAL',
      },
    });
    await db.account.create({
      data: {
        id,
        customerId: `CU-${id}`,
        premiseId: `PR-${id}`,
        class: 'RES',
        billCycle: 1,
        startDate: new Date('2020-01-01'),
      },
    });
    if (PAST_DUE[id])
      await db.ledgerEntry.create({
        data: {
          accountId: id,
          kind: 'CHARGE',
          amountCents: BigInt(PAST_DUE[id]!),
          effectiveDate: new Date('2025-12-01'),
          dueDate: new Date('2025-12-21'),
          idempotencyKey: `cases-test:${id}:past`,
          memo: 'Old bill',
        },
      });
    // A bill not yet due adds to the balance, not to what is past due.
    await db.ledgerEntry.create({
      data: {
        accountId: id,
        kind: 'CHARGE',
        amountCents: 4000n,
        effectiveDate: new Date(isoDay(NOW - 3 * DAY)),
        dueDate: new Date(isoDay(NOW + 17 * DAY)),
        idempotencyKey: `cases-test:${id}:current`,
        memo: 'Current bill',
      },
    });
  }
  for (const e of EPISODES)
    await db.collectionsEpisode.create({
      data: {
        accountId: e.account,
        episode: e.episode,
        workflowId: `collections:${e.account}:${e.episode}`,
        pastDueCents: 1000n,
        openedAt: new Date(NOW - e.openedDaysAgo * DAY - HOUR),
        closedAt: e.closed ? new Date(NOW - DAY) : null,
        closeReason: e.closed ? 'CURED' : null,
        profile: e.profile,
        stage: e.stage,
        nextAction: e.nextAction,
        nextActionAt: at(e),
        ...(e.account === 'K4'
          ? {
              holdSince: new Date(NOW - DAY),
              holdReason: 'Customer visiting the office',
              holdBy: 'supervisor',
            }
          : {}),
      },
    });
  // Protections: K1 an open dispute; K2 a medical certificate in force (and an expired one);
  // K3 a current arrangement; K4 a hold (above); K5 only ended ones.
  await db.dispute.create({
    data: {
      accountId: 'K1',
      openedAt: new Date(NOW - 3 * DAY),
      summary: 'Disputes the November bill',
      openedBy: 'csr',
    },
  });
  await db.dispute.create({
    data: {
      accountId: 'K5',
      openedAt: new Date(NOW - 30 * DAY),
      summary: 'Old dispute',
      openedBy: 'csr',
      resolvedAt: new Date(NOW - 20 * DAY),
      resolution: 'Bill upheld',
      resolvedBy: 'supervisor',
    },
  });
  for (const [accountId, until] of [
    ['K2', NOW + 10 * DAY],
    ['K2', NOW - 40 * DAY],
    ['K5', NOW - 5 * DAY],
  ] as const)
    await db.medicalCertificate.create({
      data: {
        accountId,
        receivedAt: new Date(NOW - 50 * DAY),
        validUntil: new Date(isoDay(until)),
        kind: 'WRITTEN',
        arrearsCents: 5000n,
        certifiedBy: 'Dr. Rivera',
        recordedBy: 'csr',
      },
    });
  for (const [accountId, status] of [
    ['K3', 'CURRENT'],
    ['K5', 'DEFAULTED'],
  ] as const)
    await db.paymentArrangement.create({
      data: {
        accountId,
        episode: 1,
        status,
        arrearsCents: 5000n,
        downPaymentCents: 500n,
        terms: {},
        reasons: [],
        createdBy: 'csr',
        ...(status === 'DEFAULTED' ? { defaultedOn: new Date(isoDay(NOW - 10 * DAY)) } : {}),
      },
    });
  // K1's actions and notices, in both of its episodes, and a bill notice with no episode.
  let k = 0;
  for (const [episode, kind, ago] of [
    [1, 'DISCONNECT_NOTICE', 20],
    [1, 'HANDOFF', 30],
    [2, 'HANDOFF', 400],
  ] as const)
    await db.collectionsAction.create({
      data: {
        accountId: 'K1',
        episode,
        kind,
        occurredAt: new Date(NOW - ago * DAY),
        profile: 'PA',
        service: 'WATER',
        customerClass: 'RES',
        heating: false,
        zip: '16801',
        idempotencyKey: `cases-test-action:${++k}`,
        ...(kind === 'DISCONNECT_NOTICE' ? { method: 'MAIL', data: { recipientRole: 'CUSTOMER' } } : {}),
      },
    });
  for (const [episode, type, ago] of [
    [1, 'DISCONNECT_NOTICE', 20],
    [1, 'REMINDER', 25],
    [2, 'REMINDER', 395],
    [null, 'BILL', 33],
  ] as const)
    await db.notice.create({
      data: {
        accountId: 'K1',
        episode,
        type,
        channel: 'EMAIL',
        language: 'en',
        recipient: 'k1@example.org',
        contentHash: `hash-${type}-${episode}`,
        idempotencyKey: `cases-test-notice:${type}:${episode}`,
        sentAt: new Date(NOW - ago * DAY),
      },
    });
});
afterAll(() => app?.close());

// ---- expectations --------------------------------------------------------------------------------

/** The list's order, by plain comparison: next action soonest first, none last, then account, episode. */
function ordered(filter: (e: Ep) => boolean): string[] {
  return EPISODES.filter(filter)
    .sort((a, b) => {
      const [x, y] = [a.nextIn ?? Infinity, b.nextIn ?? Infinity];
      return x !== y
        ? x - y
        : a.account !== b.account
          ? a.account < b.account
            ? -1
            : 1
          : a.episode - b.episode;
    })
    .map((e) => `${e.account}/${e.episode}`);
}
const ids = (body: any) => body.items.map((c: any) => `${c.accountId}/${c.episode}`);
const open = (e: Ep) => !e.closed;
const overdue = (e: Ep) => !e.closed && e.nextIn !== null && e.nextIn < 0;

/** Every page of a listing, following nextCursor. */
async function walk(query: string, limit: number): Promise<{ all: string[]; pages: number }> {
  const all: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = query ? '&' : '';
    const res = await app.call(
      'supervisor',
      'GET',
      `/cases?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    all.push(...ids(res.body));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  return { all, pages };
}

// ---- the list ------------------------------------------------------------------------------------

describe('GET /cases', () => {
  test('open cases, soonest next action first (ties by account, none last), with what a supervisor needs', async () => {
    const res = await app.call('supervisor', 'GET', '/cases');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(ordered(open));
    expect(ids(res.body)).toEqual(['K1/1', 'K4/1', 'K3/1', 'K7/1', 'K2/1', 'K5/1', 'K6/1']);
    expect(res.body.nextCursor).toBeNull();

    const byId = new Map<string, any>(res.body.items.map((c: any) => [`${c.accountId}/${c.episode}`, c]));
    for (const e of EPISODES.filter(open)) {
      const c = byId.get(`${e.account}/${e.episode}`);
      expect(c).toMatchObject({
        workflowId: `collections:${e.account}:${e.episode}`,
        customerName: `Case Customer ${e.account}`,
        profile: e.profile,
        stage: e.stage,
        nextAction: e.nextAction,
        nextActionAt: at(e)?.toISOString() ?? null,
        overdue: overdue(e),
        ageDays: e.openedDaysAgo,
        pastDueCents: PAST_DUE[e.account],
        closedAt: null,
      });
    }
    expect(byId.get('K1/1').protections).toEqual({
      openDispute: true,
      medicalCertificateUntil: null,
      currentArrangement: false,
      hold: null,
    });
    expect(byId.get('K2/1').protections.medicalCertificateUntil).toBe(isoDay(NOW + 10 * DAY));
    expect(byId.get('K3/1').protections.currentArrangement).toBe(true);
    expect(byId.get('K4/1').protections.hold).toEqual({
      since: new Date(NOW - DAY).toISOString(),
      reason: 'Customer visiting the office',
      by: 'supervisor',
    });
    // Ended protections protect nothing.
    expect(byId.get('K5/1').protections).toEqual({
      openDispute: false,
      medicalCertificateUntil: null,
      currentArrangement: false,
      hold: null,
    });
    expect(byId.get('K5/1').protected).toBe(false);
    expect(byId.get('K1/1').protected).toBe(true);
  });

  test.each<[string, (e: Ep) => boolean]>([
    ['stage=NOTICED', (e) => open(e) && e.stage === 'NOTICED'],
    ['stage=NOTICED,DISCONNECTED', (e) => open(e) && ['NOTICED', 'DISCONNECTED'].includes(e.stage)],
    ['overdue=true', overdue],
    ['overdue=false', (e) => open(e) && !overdue(e)],
    ['profile=PA', (e) => open(e) && e.profile === 'PA'],
    ['profile=PA&overdue=true', (e) => overdue(e) && e.profile === 'PA'],
    ['includeClosed=true', () => true],
    ['includeClosed=true&overdue=false', (e) => !overdue(e)],
    ['includeClosed=true&stage=CLOSED', (e) => e.stage === 'CLOSED'],
    ['stage=RECONNECT_ORDERED', () => false],
  ])('?%s', async (query, filter) => {
    const res = await app.call('csr', 'GET', `/cases?${query}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(ordered(filter));
  });

  test('overdue means the next action time has passed', async () => {
    const res = await app.call('auditor', 'GET', '/cases?overdue=true');
    expect(ids(res.body)).toEqual(['K1/1', 'K4/1', 'K3/1']);
    for (const c of res.body.items) expect(Date.parse(c.nextActionAt)).toBeLessThan(Date.now());
    // A closed case is never overdue, even with a stale next action time.
    const closed = await app.call('auditor', 'GET', '/cases?includeClosed=true&stage=CLOSED');
    expect(closed.body.items.find((c: any) => c.accountId === 'K8')).toMatchObject({ overdue: false });
  });

  test.each([1, 2, 3, 5])(
    'cursor pages of %i neither repeat nor skip, across ties and cases with no next action',
    async (limit) => {
      const every = await walk('', limit);
      expect(every.all).toEqual(ordered(open));
      expect(every.pages).toBe(Math.ceil(ordered(open).length / limit));
      const closedToo = await walk('includeClosed=true', limit);
      expect(closedToo.all).toEqual(ordered(() => true));
      const filtered = await walk('profile=PA&overdue=false', limit);
      expect(filtered.all).toEqual(ordered((e) => open(e) && e.profile === 'PA' && !overdue(e)));
    },
  );

  test.each([
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('["2026-13-01",1,2]').toString('base64url')}`, 'cursor'],
    ['overdue=yes', 'overdue'],
    ['stage=noticed', 'stage'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['sort=age', 'sort'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectError(await app.call('supervisor', 'GET', `/cases?${query}`), 400, 'validation_failed', field);
  });
});

// ---- one case ------------------------------------------------------------------------------------

describe('GET /cases/:accountId/:episode', () => {
  test('the episode with its own actions and notices, in order', async () => {
    const res = await app.call('csr', 'GET', '/cases/K1/1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: 'K1',
      episode: 1,
      stage: 'NOTICED',
      customerName: 'Case Customer K1',
      pastDueCents: 12345,
      pastDueAtHandoffCents: 1000,
      overdue: true,
      protections: { openDispute: true },
    });
    expect(res.body.actions.map((a: any) => a.kind)).toEqual(['HANDOFF', 'DISCONNECT_NOTICE']);
    expect(res.body.actions[1]).toMatchObject({
      method: 'MAIL',
      data: { recipientRole: 'CUSTOMER' },
      zip: '16801',
    });
    expect(res.body.notices.map((n: any) => n.type)).toEqual(['REMINDER', 'DISCONNECT_NOTICE']);

    const closed = await app.call('auditor', 'GET', '/cases/K1/2');
    expect(closed.body).toMatchObject({ stage: 'CLOSED', closeReason: 'CURED', overdue: false });
    expect(closed.body.actions.map((a: any) => a.kind)).toEqual(['HANDOFF']);
    expect(closed.body.notices.map((n: any) => n.type)).toEqual(['REMINDER']);
  });

  test('an unknown case → 404; a malformed one → 400', async () => {
    expectError(await app.call('csr', 'GET', '/cases/K1/9'), 404, 'not_found');
    expectError(await app.call('csr', 'GET', '/cases/NOPE/1'), 404, 'not_found');
    expectError(await app.call('csr', 'GET', '/cases/K1/first'), 400, 'validation_failed', 'episode');
  });
});

describe('who may look', () => {
  test('csr, supervisor, auditor and admin may; field crews may not; no key → 401', async () => {
    for (const role of ['csr', 'supervisor', 'auditor', 'admin']) {
      expect((await app.call(role, 'GET', '/cases')).status).toBe(200);
      expect((await app.call(role, 'GET', '/cases/K1/1')).status).toBe(200);
    }
    expectError(await app.call('crew-a', 'GET', '/cases'), 403, 'forbidden');
    expectError(await app.call('crew-a', 'GET', '/cases/K1/1'), 403, 'forbidden');
    expectError(await app.call(null, 'GET', '/cases'), 401, 'unauthenticated');
  });
});
