// Bad input at the edge: every malformed, mistyped, unknown or out-of-range value is refused with a
// 400 that names the offending field, and nothing is written. Plus the other client errors (404,
// 409, unknown route), the one error shape, and the request id header.
import type { RegisteredRoute } from '../api/route';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { describeRoute, expectError, rowCounts, type ApiResponse } from './helpers/api-checks';

jest.setTimeout(120_000);

let app: TestApp;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  app = await startTestApp();
  acct = await seedAccount(app);
});
afterAll(() => app?.close());

// ---- valid bodies, each changed in one field by a case below ------------------------------------

const validCustomer = () => ({
  name: 'Ada Input',
  mailingAddress: '1 Test Way, Millbrook, PA 16801',
  email: 'ada@example.org',
  phone: '814-555-0101',
  language: 'en',
  paperless: false,
  dateOfBirth: '1980-04-15',
});
const validPremise = () => ({
  serviceAddress: '2 Test Way, Millbrook, PA 16801',
  zip: '16801',
  serviceArea: 'North',
  state: 'PA',
  premiseType: 'RESIDENTIAL',
});
const validAccount = () => ({
  customerId: acct.customerId,
  premiseId: acct.premiseId,
  class: 'RES',
  billCycle: 1,
  startDate: '2026-01-01',
  depositHeldCents: 0,
});
const validMeter = () => ({
  id: 'WINPUT1',
  premiseId: acct.premiseId,
  service: 'WATER',
  readUnit: 'GAL',
  dials: 6,
  multiplier: 1,
  size: '5/8"',
  installedOn: '2026-01-01',
});
const validInteraction = () => ({
  channel: 'CALL',
  subject: 'Billing question',
  occurredAt: '2026-01-05T10:00:00Z',
});

interface Target {
  key: string;
  method: 'POST' | 'PATCH';
  path: () => string;
  valid: () => Record<string, unknown>;
}
const T = {
  customer: { key: 'csr', method: 'POST', path: () => '/customers', valid: validCustomer },
  premise: { key: 'csr', method: 'POST', path: () => '/premises', valid: validPremise },
  account: { key: 'csr', method: 'POST', path: () => '/accounts', valid: validAccount },
  accountPatch: {
    key: 'csr',
    method: 'PATCH',
    path: () => `/accounts/${acct.accountId}`,
    valid: () => ({ billCycle: 2, reason: 'customer asked' }),
  },
  meter: { key: 'supervisor', method: 'POST', path: () => '/meters', valid: validMeter },
  interaction: {
    key: 'csr',
    method: 'POST',
    path: () => `/accounts/${acct.accountId}/interactions`,
    valid: validInteraction,
  },
} satisfies Record<string, Target>;

/** The route a target posts to, from the app's route table. */
function routeOf(t: Target): RegisteredRoute {
  const path = t.path();
  const route = app.routes.find(
    (r) =>
      r.method === t.method.toLowerCase() && new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`).test(path),
  );
  if (!route) throw new Error(`no route for ${t.method} ${path}`);
  return route;
}

const TEN_MB_STRING = 'x'.repeat(10 * 1024 * 1024 + 1);

/** One field of a valid body replaced (or added); `field` is what the 400 must name. */
interface BodyCase {
  what: string;
  target: Target;
  field: string;
  value: unknown;
}
const bodyCases: BodyCase[] = [
  // wrong types
  { what: 'a number as the customer name', target: T.customer, field: 'name', value: 123 },
  { what: 'a word as the bill cycle', target: T.account, field: 'billCycle', value: 'one' },
  { what: '"yes" as paperless', target: T.customer, field: 'paperless', value: 'yes' },
  { what: 'a string as the number of dials', target: T.meter, field: 'dials', value: '6' },
  { what: 'an object as the interaction subject', target: T.interaction, field: 'subject', value: { a: 1 } },
  // unknown fields
  { what: 'an unknown field on a customer', target: T.customer, field: 'favouriteColour', value: 'blue' },
  { what: 'an unknown field on a premise', target: T.premise, field: 'ownerName', value: 'Someone' },
  { what: 'an unknown field on an account change', target: T.accountPatch, field: 'nickname', value: 'x' },
  { what: 'a field an account change may not set', target: T.accountPatch, field: 'customerId', value: 'C1' },
  // out of range
  { what: 'bill cycle 0', target: T.account, field: 'billCycle', value: 0 },
  { what: 'bill cycle 32', target: T.account, field: 'billCycle', value: 32 },
  { what: 'bill cycle 32 on an account change', target: T.accountPatch, field: 'billCycle', value: 32 },
  { what: 'a negative deposit', target: T.account, field: 'depositHeldCents', value: -1 },
  { what: 'a deposit in fractions of a cent', target: T.account, field: 'depositHeldCents', value: 1.5 },
  { what: '13 dials', target: T.meter, field: 'dials', value: 13 },
  { what: 'multiplier 0', target: T.meter, field: 'multiplier', value: 0 },
  { what: 'February 30th as a start date', target: T.account, field: 'startDate', value: '2026-02-30' },
  { what: 'February 30th as a date of birth', target: T.customer, field: 'dateOfBirth', value: '2026-02-30' },
  { what: 'a far-future start date', target: T.account, field: 'startDate', value: '9999-12-31' },
  { what: 'year 0000 as a start date', target: T.account, field: 'startDate', value: '0000-01-01' },
  { what: 'a far-future date of birth', target: T.customer, field: 'dateOfBirth', value: '2999-01-01' },
  { what: 'a far-future install date', target: T.meter, field: 'installedOn', value: '9999-12-31' },
  { what: 'a date-time as a date', target: T.account, field: 'startDate', value: '2026-01-01T00:00:00Z' },
  {
    what: 'a far-future interaction time',
    target: T.interaction,
    field: 'occurredAt',
    value: '9999-12-31T00:00:00Z',
  },
  {
    what: 'year 0000 as an interaction time',
    target: T.interaction,
    field: 'occurredAt',
    value: '0000-01-01T00:00:00Z',
  },
  { what: 'a 4-digit ZIP', target: T.premise, field: 'zip', value: '1680' },
  { what: 'a mixed-case state', target: T.premise, field: 'state', value: 'Pa' },
  { what: 'an email without a domain', target: T.customer, field: 'email', value: 'x@' },
  { what: 'a 3-digit phone number', target: T.customer, field: 'phone', value: '555' },
  { what: 'a language that is not a code', target: T.customer, field: 'language', value: 'english' },
  { what: 'a 10 MB name', target: T.customer, field: 'name', value: TEN_MB_STRING },
  { what: 'an empty (blank) name', target: T.customer, field: 'name', value: '   ' },
  { what: 'an unknown meter service', target: T.meter, field: 'service', value: 'STEAM' },
];

/** A query that must be refused, naming `field`. */
interface QueryCase {
  what: string;
  key: string;
  path: () => string;
  field: string;
}
const queryCases: QueryCase[] = [
  { what: 'limit=0', key: 'csr', path: () => '/customers?limit=0', field: 'limit' },
  { what: 'limit=abc', key: 'csr', path: () => '/customers?limit=abc', field: 'limit' },
  { what: 'limit above the maximum', key: 'csr', path: () => '/accounts?limit=501', field: 'limit' },
  { what: 'a negative offset', key: 'csr', path: () => '/premises?offset=-1', field: 'offset' },
  { what: 'an unknown query parameter', key: 'csr', path: () => '/customers?colour=red', field: 'colour' },
  {
    what: 'a query parameter on a route that takes none',
    key: 'admin',
    path: () => '/crews?all=1',
    field: 'all',
  },
  {
    what: 'timeline limit=0',
    key: 'csr',
    path: () => `/accounts/${acct.accountId}/timeline?limit=0`,
    field: 'limit',
  },
  {
    what: 'a timeline cursor this API never returned',
    key: 'csr',
    path: () => `/accounts/${acct.accountId}/timeline?cursor=garbage`,
    field: 'cursor',
  },
  {
    what: 'a timeline from that is not a date',
    key: 'csr',
    path: () => `/accounts/${acct.accountId}/timeline?from=yesterday`,
    field: 'from',
  },
  {
    what: 'a timeline to in year 0000',
    key: 'csr',
    path: () => `/accounts/${acct.accountId}/timeline?to=0000-01-01`,
    field: 'to',
  },
  {
    what: 'an audit format that does not exist',
    key: 'auditor',
    path: () => '/audit?format=xml',
    field: 'format',
  },
  { what: 'a negative audit afterSeq', key: 'auditor', path: () => '/audit?afterSeq=-1', field: 'afterSeq' },
  {
    what: 'a service order status that does not exist',
    key: 'csr',
    path: () => '/service-orders?status=DONE',
    field: 'status',
  },
  {
    what: 'a forged timeline cursor in year 0000',
    key: 'csr',
    path: () =>
      `/accounts/${acct.accountId}/timeline?cursor=${Buffer.from('0000-01-01T00:00:00.000Z|1').toString('base64url')}`,
    field: 'cursor',
  },
  {
    what: 'a forged timeline cursor with an id beyond bigint',
    key: 'csr',
    path: () =>
      `/accounts/${acct.accountId}/timeline?cursor=${Buffer.from(`2026-01-01T00:00:00.000Z|${'9'.repeat(30)}`).toString('base64url')}`,
    field: 'cursor',
  },
  {
    what: 'an id with characters ids never hold',
    key: 'csr',
    path: () => '/customers/a%20b%3B',
    field: 'id',
  },
];

/** Sends the request, runs `check` on the response, then checks that no row changed anywhere. */
async function expectNoWrites(
  send: () => Promise<ApiResponse>,
  check: (res: ApiResponse) => void,
): Promise<ApiResponse> {
  const before = await rowCounts(app.t.db);
  const res = await send();
  check(res);
  expect(await rowCounts(app.t.db)).toEqual(before);
  return res;
}

/** 400 validation_failed whose `field` is `field` and whose message mentions it. */
const namesField = (field: string) => (res: ApiResponse) => {
  expectError(res, 400, 'validation_failed', field);
  expect(res.body.error.message).toContain(field);
};

describe('400 validation_failed naming the field, nothing written', () => {
  test('every valid body used below is accepted by its route schema (so only the changed field is wrong)', () => {
    for (const target of Object.values(T)) {
      const route = routeOf(target);
      expect({ route: describeRoute(route), ok: route.body!.safeParse(target.valid()).success }).toEqual({
        route: describeRoute(route),
        ok: true,
      });
    }
  });

  test('malformed JSON → field "body"', async () => {
    await expectNoWrites(() => app.call('csr', 'POST', '/customers', '{"name": "Ada",'), namesField('body'));
  });

  test.each(bodyCases)('$what → field $field', async ({ target, field, value }) => {
    const body = { ...target.valid(), [field]: value };
    await expectNoWrites(() => app.call(target.key, target.method, target.path(), body), namesField(field));
  });

  test('an end date before the start date → field endDate', async () => {
    await expectNoWrites(
      () => app.call('csr', 'POST', '/accounts', { ...validAccount(), endDate: '2025-12-31' }),
      namesField('endDate'),
    );
  });

  test('an account for a customer that does not exist → field customerId', async () => {
    await expectNoWrites(
      () => app.call('csr', 'POST', '/accounts', { ...validAccount(), customerId: 'C-NOBODY' }),
      namesField('customerId'),
    );
  });

  test.each(queryCases)('query: $what → field $field', async ({ key, path, field }) => {
    await expectNoWrites(() => app.call(key, 'GET', path()), namesField(field));
  });
});

describe('other client errors', () => {
  test.each([
    ['GET', () => '/accounts/NO-SUCH-ACCOUNT', 'NO-SUCH-ACCOUNT'],
    ['GET', () => '/customers/NO-SUCH-CUSTOMER', 'NO-SUCH-CUSTOMER'],
    ['GET', () => '/premises/NO-SUCH-PREMISE', 'NO-SUCH-PREMISE'],
    ['GET', () => '/meters/NO-SUCH-METER', 'NO-SUCH-METER'],
    ['GET', () => '/accounts/NO-SUCH-ACCOUNT/timeline', 'NO-SUCH-ACCOUNT'],
  ])('%s an unknown id → 404 not_found naming it', async (method, path, id) => {
    const res = await app.call('csr', method, path());
    expectError(res, 404, 'not_found');
    expect(res.body.error.message).toContain(id);
  });

  test('changing an unknown customer or logging on an unknown account → 404, nothing written', async () => {
    const notFound = (res: ApiResponse) => expectError(res, 404, 'not_found');
    await expectNoWrites(
      () => app.call('csr', 'PATCH', '/customers/NO-SUCH-CUSTOMER', { name: 'Nobody' }),
      notFound,
    );
    await expectNoWrites(
      () => app.call('csr', 'POST', '/accounts/NO-SUCH-ACCOUNT/interactions', validInteraction()),
      notFound,
    );
  });

  test('creating a customer with an id that exists → 409 conflict, nothing written', async () => {
    await expectNoWrites(
      () => app.call('csr', 'POST', '/customers', { ...validCustomer(), id: acct.customerId }),
      (res) => expectError(res, 409, 'conflict', 'id'),
    );
    const kept = await app.call('csr', 'GET', `/customers/${acct.customerId}`);
    expect(kept.body.name).toBe('Test Customer 1');
  });

  test('a legacy export with problems → 422 with its rejection report, nothing imported', async () => {
    const customers = await app.t.db.customer.count();
    const res = await app.call('admin', 'POST', '/imports/legacy', {
      files: {
        customers: 'customer_id,name,mailing_address,email,phone,language,paperless,date_of_birth\n',
        premises:
          'premise_id,service_address,zip,service_area,state,premise_type,heating,service_line_public,service_line_private\n',
        accounts:
          'account_id,customer_id,premise_id,class,bill_cycle,service_start,deposit_held,autopay\n' +
          '900001,C99999,P99999,RES,1,2019-06-01,0.00,N\n',
        meters: 'meter_id,premise_id,service,read_unit,dials,multiplier,size,endpoint_sn,installed\n',
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.status).toBe('rejected');
    expect(res.body.rejections.length).toBeGreaterThan(0);
    expect(await app.t.db.customer.count()).toBe(customers);
  });

  test.each([
    ['GET', '/no-such-route'],
    ['DELETE', '/customers'],
    ['PUT', '/accounts/1'],
  ])('%s %s (no route) → 404 not_found as JSON, without a key', async (method, path) => {
    const res = await app.call(null, method, path);
    expectError(res, 404, 'not_found');
    expect(res.body.error.message).toContain(path);
  });
});

describe('X-Request-Id', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  test('every response carries one, errors included, and each request gets its own', async () => {
    const responses = [
      await app.call('csr', 'GET', '/customers'),
      await app.call('csr', 'GET', '/customers'),
      await app.call(null, 'GET', '/customers'),
      await app.call('csr', 'POST', '/customers', '{'),
      await app.call(null, 'GET', '/no-such-route'),
    ];
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a sane incoming id is echoed', async () => {
    const res = await app.call('csr', 'GET', '/customers', undefined, { 'x-request-id': 'trace-42_abc.DEF' });
    expect(res.headers.get('x-request-id')).toBe('trace-42_abc.DEF');
  });

  test.each([
    ['too long', 'a'.repeat(65)],
    ['with spaces and markup', 'id <script>alert(1)</script>'],
    ['with a quote', `abc"def`],
  ])('an incoming id %s is replaced by a fresh one', async (_what, given) => {
    const res = await app.call('csr', 'GET', '/customers', undefined, { 'x-request-id': given });
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });
});
