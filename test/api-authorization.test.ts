// The authorization matrix, generated from the route table and domain/authorization.ts, so a new
// route or a new role is covered without touching this file: every role lacking a route's
// permission is refused with 403 (before validation, before the object is loaded) and nothing is
// written; every role holding it gets past authorization; every protected route refuses missing,
// malformed, unknown and revoked keys with 401.
import { generateApiKey } from '../api/auth';
import type { RegisteredRoute } from '../api/route';
import { ROLES, can, type RoleName } from '../domain/authorization';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import {
  auditCount,
  concretePath,
  describeRoute,
  expectError,
  isErrorShape,
  rowCounts,
  type ApiResponse,
} from './helpers/api-checks';

jest.setTimeout(120_000);

type KeyedRole = Exclude<RoleName, 'system'>;
/** The demo key (test/helpers/app.ts) that holds each role; `system` acts only in the worker. */
const KEY_FOR_ROLE: Record<KeyedRole, string> = {
  admin: 'admin',
  csr: 'csr',
  supervisor: 'supervisor',
  auditor: 'auditor',
  field: 'crew-a',
};
const KEYED_ROLES = ROLES.filter((r): r is KeyedRole => r !== 'system');

/** A query parameter no route accepts: a request carrying it must fail validation, never run. */
const PROBE = 'authz_probe';

let app: TestApp;
let protectedRoutes: RegisteredRoute[];
/** An existing object for each path segment that takes an `:id`. */
let existing: Record<string, string>;

async function ok(res: Promise<ApiResponse>, status: number) {
  const r = await res;
  if (r.status !== status)
    throw new Error(`fixture: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The order's workflow records it (row, audit, timeline) after the 202; wait for that write. */
async function settled(orderId: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (
    !(await app.t.db.auditEvent.count({ where: { entityId: orderId, action: 'service-order.create' } }))
  ) {
    if (Date.now() > until) throw new Error(`service order ${orderId} was never recorded`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  app = await startTestApp();
  protectedRoutes = app.routes.filter((r) => r.permission);
  const acct = await seedAccount(app);
  const order = await ok(
    app.call('csr', 'POST', '/service-orders', {
      accountId: acct.accountId,
      type: 'METER_INVESTIGATION',
      meterId: acct.meterId,
      reason: 'Authorization matrix fixture',
    }),
    202,
  );
  await settled(order.id);
  await ok(app.call('admin', 'POST', '/crews', { id: 'CREW-M', name: 'Matrix crew' }), 201);
  await ok(
    app.call('admin', 'POST', '/users', {
      id: 'matrix-user',
      name: 'Matrix user',
      role: 'field',
      crewId: 'CREW-M',
    }),
    201,
  );
  const key = await ok(app.call('admin', 'POST', '/users/matrix-user/api-keys', { label: 'matrix' }), 201);
  const payment = await ok(
    app.call(
      'csr',
      'POST',
      '/payments',
      { accountId: acct.accountId, amountCents: 100, channel: 'CHECK' },
      { 'idempotency-key': 'matrix-payment' },
    ),
    201,
  );
  existing = {
    customers: acct.customerId,
    premises: acct.premiseId,
    accounts: acct.accountId,
    meters: acct.meterId,
    'service-orders': order.id,
    field: order.id,
    users: 'matrix-user',
    'api-keys': key.id,
    payments: payment.payment.id,
    bills: 'B-1-2026-11-none',
    // Authorization is decided before any lookup, so a well-formed id is enough here.
    'read-exceptions': '00000000-0000-4000-8000-000000000000',
    cycleId: '1',
    period: '2026-11',
    rider: 'PCA',
    disputeId: '00000000-0000-4000-8000-000000000000',
    month: '2026-12',
    // Collections cases: /cases/:accountId/:episode (authorization comes before the lookup).
    accountId: acct.accountId,
    episode: '1',
    // A notice print batch's file: /print-batches/notices/:id/:file.
    'print-batches': 'notices-2026-12-07T1600',
    file: 'pdf',
    // A year's lead service-line notice: /lead-notices/annual/:year.
    year: '2027',
    // Authorization is decided before the lookup: a well-formed water notice id is enough.
    'water-notices': '00000000-0000-4000-8000-000000000000',
  };
});
afterAll(() => app?.close());

/** The route called on an existing object, with `{}` as the body of a write. */
function callRoute(
  route: RegisteredRoute,
  key: string | null,
  opts: { probe?: boolean; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const path = concretePath(route, existing) + (opts.probe ? `?${PROBE}=1` : '');
  return app.call(
    key,
    route.method.toUpperCase(),
    path,
    route.method === 'get' ? undefined : {},
    opts.headers,
  );
}

const isWrite = (r: RegisteredRoute) => r.method !== 'get';

test('each role that has a key is the role its demo user holds', async () => {
  for (const role of KEYED_ROLES) {
    const keyName = KEY_FOR_ROLE[role];
    const user = await app.t.db.appUser.findUniqueOrThrow({ where: { id: keyName } });
    expect({ keyName, role: user.role }).toEqual({ keyName, role });
  }
});

test('role × route matrix: lacking the permission → 403 and nothing written; holding it → past authorization', async () => {
  const countsBefore = await rowCounts(app.t.db);
  const mismatches: string[] = [];
  let refused = 0;
  let admitted = 0;

  for (const route of protectedRoutes) {
    const auditBefore = await auditCount(app.t.db);
    for (const role of KEYED_ROLES) {
      // Lacking the permission: refused, on an existing object, with an empty body. Holding it:
      // the request gets past authorization to validation, where the probe parameter stops it.
      const allowed = can(role, route.permission!);
      const res = await callRoute(route, KEY_FOR_ROLE[role], { probe: allowed });
      const [status, code] = allowed ? [400, 'validation_failed'] : [403, 'forbidden'];
      if (allowed) admitted++;
      else refused++;
      if (res.status !== status || !isErrorShape(res.body, code))
        mismatches.push(
          `${describeRoute(route)} as ${role}: expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`,
        );
    }
    if (isWrite(route)) {
      const written = (await auditCount(app.t.db)) - auditBefore;
      if (written !== 0)
        mismatches.push(`${describeRoute(route)}: refused requests wrote ${written} audit rows`);
    }
  }

  expect(mismatches).toEqual([]);
  expect(await rowCounts(app.t.db)).toEqual(countsBefore);
  // ...but every refusal itself is on the audit trail.
  expect(
    await app.t.db.auditEvent.count({ where: { action: 'authorization.refused' } }),
  ).toBeGreaterThanOrEqual(refused);
  // The matrix really ran: every protected route against every role, both outcomes seen.
  expect(refused + admitted).toBe(protectedRoutes.length * KEYED_ROLES.length);
  expect(refused + admitted).toBeGreaterThan(100);
  expect(refused).toBeGreaterThan(0);
  expect(admitted).toBeGreaterThan(0);
});

test('the 403 body names the role and the permission it lacks', async () => {
  const res = await app.call('csr', 'POST', '/users', {});
  expectError(res, 403, 'forbidden');
  expect(res.body.error.message).toMatch(/csr/);
  expect(res.body.error.message).toMatch(/user admin/);
});

describe('authentication: every protected route refuses a request without a valid key (401)', () => {
  /** Ways to present no valid key; `key` goes through call() as a bearer token. */
  const badCredentials: { name: string; key: string | null; headers?: Record<string, string> }[] = [
    { name: 'no key', key: null },
    { name: 'a malformed bearer token', key: 'not-an-opencis-key' },
    {
      name: 'a non-bearer Authorization header',
      key: null,
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    },
    { name: 'a well-formed but unknown key', key: generateApiKey().key },
  ];

  async function expectAll401(key: string | null, headers?: Record<string, string>): Promise<number> {
    const mismatches: string[] = [];
    for (const route of protectedRoutes) {
      const res = await callRoute(route, key, headers ? { headers } : {});
      if (res.status !== 401 || !isErrorShape(res.body, 'unauthenticated'))
        mismatches.push(`${describeRoute(route)}: got ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(mismatches).toEqual([]);
    return protectedRoutes.length;
  }

  test.each(badCredentials)(
    '$name → 401 unauthenticated on every protected route, nothing written',
    async (c) => {
      const before = await rowCounts(app.t.db);
      expect(await expectAll401(c.key, c.headers)).toBeGreaterThan(30);
      expect(await rowCounts(app.t.db)).toEqual(before);
    },
  );

  test('a revoked key → 401 on every protected route (the same key worked before revocation)', async () => {
    const issued = await app.call('admin', 'POST', '/users/csr/api-keys', { label: 'to be revoked' });
    expect(issued.status).toBe(201);
    const key = issued.body.key as string;
    expect((await app.call(key, 'GET', '/customers')).status).toBe(200);

    const revoked = await app.call('admin', 'POST', `/api-keys/${issued.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));

    const before = await rowCounts(app.t.db);
    expect(await expectAll401(key)).toBeGreaterThan(30);
    expect(await rowCounts(app.t.db)).toEqual(before);
  });
});

test('an auditor cannot write anything: every non-GET route → 403', async () => {
  const writes = app.routes.filter(isWrite);
  expect(writes.length).toBeGreaterThan(10);
  const before = await rowCounts(app.t.db);
  const got: string[] = [];
  for (const route of writes) {
    const res = await callRoute(route, KEY_FOR_ROLE.auditor);
    got.push(`${describeRoute(route)} → ${res.status} ${res.body?.error?.code}`);
  }
  expect(got).toEqual(writes.map((r) => `${describeRoute(r)} → 403 forbidden`));
  expect(await rowCounts(app.t.db)).toEqual(before);
});

test('the public routes are exactly /health, /api/openapi.json and /api/docs, and need no key', async () => {
  const publicRoutes = app.routes.filter((r) => !r.permission);
  expect(publicRoutes.map(describeRoute).sort()).toEqual(
    ['GET /api/docs', 'GET /api/openapi.json', 'GET /health'].sort(),
  );
  for (const route of publicRoutes) {
    const res = await callRoute(route, null);
    expect({ route: describeRoute(route), status: res.status }).toEqual({
      route: describeRoute(route),
      status: 200,
    });
  }
});
