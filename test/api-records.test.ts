// The customer record through the API, and its history: create/get/patch/list of customers,
// premises, accounts and meters, each change audited once (with who, what, before/after, why and
// the request id); personal data encrypted at rest and masked everywhere it leaves; the account
// timeline paged and filtered; the audit export (JSON, CSV, filters, paging); the hash-chain check
// over the API and from the CLI; and the OpenAPI document and docs page.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { AuditEvent } from '@prisma/client';
import { parse as parseCsv } from 'csv-parse/sync';
import { Client } from 'pg';
import { decryptField } from '../lib/field-crypto';
import { utilityDate } from '../services/ledger';
import { addDays } from '../domain/ledger/dates';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { describeRoute, expectError, rowCounts, type ApiResponse } from './helpers/api-checks';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..');
const DOB = '1980-04-15';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

// ---- helpers -------------------------------------------------------------------------------------

/** Sends a request and returns it with the audit rows it wrote (in sequence order). */
async function audited(
  send: () => Promise<ApiResponse>,
): Promise<{ res: ApiResponse; events: AuditEvent[] }> {
  const head = (await app.t.db.auditEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
  const res = await send();
  const events = await app.t.db.auditEvent.findMany({
    where: { seq: { gt: head } },
    orderBy: { seq: 'asc' },
  });
  return { res, events };
}

interface ExpectedEvent {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  reason?: string;
}
/** Exactly one audit row, by the caller's role, carrying the response's request id. */
function expectOneEvent(res: ApiResponse, events: AuditEvent[], want: ExpectedEvent): AuditEvent {
  expect(events).toHaveLength(1);
  const e = events[0]!;
  expect(e).toMatchObject({
    actor: want.actor,
    actorRole: want.actor === 'crew-a' ? 'field' : want.actor,
    action: want.action,
    entityType: want.entityType,
    entityId: want.entityId,
    reason: want.reason ?? null,
  });
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(e.requestId).toBe(res.headers.get('x-request-id'));
  return e;
}

/** A change that must write no audit row (and no timeline entry). */
async function expectNoAudit(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
  const timelineBefore = await app.t.db.timelineEvent.count();
  const { res, events } = await audited(send);
  expect(res.status).toBe(200);
  expect(events).toEqual([]);
  expect(await app.t.db.timelineEvent.count()).toBe(timelineBefore);
  return res;
}

async function timeline(accountId: string, query = ''): Promise<ApiResponse> {
  const res = await app.call('csr', 'GET', `/accounts/${accountId}/timeline${query}`);
  expect(res.status).toBe(200);
  return res;
}
/** A database row as JSON text (bigints as strings), to search it for data that must not be there. */
const asJson = (row: unknown) =>
  JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

const kinds = (res: ApiResponse) => res.body.items.map((e: { kind: string }) => e.kind);

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

let customerSeq = 0;
async function createCustomer(extra: Record<string, unknown> = {}, headers?: Record<string, string>) {
  customerSeq++;
  return app.call(
    'csr',
    'POST',
    '/customers',
    {
      name: `Record Customer ${customerSeq}`,
      mailingAddress: `${customerSeq} Elm St, Millbrook, PA 16801`,
      email: `record${customerSeq}@example.org`,
      ...extra,
    },
    headers,
  );
}

async function createPremise(extra: Record<string, unknown> = {}) {
  const res = await app.call('csr', 'POST', '/premises', {
    serviceAddress: '9 Oak Ave, Millbrook, PA 16801',
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: 'RESIDENTIAL',
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

function createPremiseIn(state: string, extra: Record<string, unknown> = {}) {
  return app.call('csr', 'POST', '/premises', {
    serviceAddress: '1 State Line Rd',
    zip: '10001',
    serviceArea: 'East',
    state,
    premiseType: 'RESIDENTIAL',
    ...extra,
  });
}

// ---- customers -----------------------------------------------------------------------------------

describe('customers', () => {
  let id: string;

  test('create → 201 and exactly one audit row (actor, role, action, entity, after, reason, request id)', async () => {
    const { res, events } = await audited(() =>
      createCustomer(
        { dateOfBirth: DOB, reason: 'New service request' },
        { 'x-request-id': 'rec-create-customer' },
      ),
    );
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(id).toMatch(/^C\d+$/);
    expect(res.headers.get('x-request-id')).toBe('rec-create-customer');
    const e = expectOneEvent(res, events, {
      actor: 'csr',
      action: 'customer.create',
      entityType: 'customer',
      entityId: id,
      reason: 'New service request',
    });
    expect(e.before).toBeNull();
    expect(e.after).toMatchObject({ id, name: res.body.name, email: res.body.email, language: 'en' });
  });

  test('the date of birth is encrypted at rest and masked in every response and in the audit row', async () => {
    const raw = await app.t.db.$queryRaw<{ enc: string }[]>`
      SELECT date_of_birth_enc AS enc FROM customer WHERE id = ${id}`;
    const enc = raw[0]!.enc;
    expect(enc).not.toContain(DOB);
    expect(enc).not.toContain('1980');
    expect(decryptField(enc, app.encryptionKey)).toBe(DOB); // stored, just not in the clear

    const masked = '********15';
    const responses = [
      await app.call('csr', 'GET', `/customers/${id}`),
      await app.call('csr', 'GET', `/customers?q=${id}`),
      await app.call('auditor', 'GET', `/audit?entity=customer&entityId=${id}`),
      await app.call('auditor', 'GET', `/audit?entity=customer&entityId=${id}&format=csv`),
    ];
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain(DOB);
    }
    expect(responses[0]!.body.dateOfBirth).toBe(masked);
    expect(responses[1]!.body.items[0].dateOfBirth).toBe(masked);
    expect(responses[0]!.body).not.toHaveProperty('dateOfBirthEnc');

    const rows = await app.t.db.auditEvent.findMany({ where: { entityType: 'customer', entityId: id } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(asJson(row)).not.toContain(DOB);
    expect(rows[0]!.after).toMatchObject({ dateOfBirth: masked });
  });

  test('get and list', async () => {
    const got = await app.call('csr', 'GET', `/customers/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, accounts: [] });
    const byName = await app.call('csr', 'GET', `/customers?q=${encodeURIComponent(got.body.name)}`);
    expect(byName.body).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(byName.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const page = await app.call('csr', 'GET', '/customers?limit=1&offset=0');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(1);
  });

  test('patch → one audit row with before, after and reason', async () => {
    const before = await app.call('csr', 'GET', `/customers/${id}`);
    const { res, events } = await audited(() =>
      app.call('csr', 'PATCH', `/customers/${id}`, { email: 'new@example.org', reason: 'Customer called' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.email).toBe('new@example.org');
    const e = expectOneEvent(res, events, {
      actor: 'csr',
      action: 'customer.update',
      entityType: 'customer',
      entityId: id,
      reason: 'Customer called',
    });
    expect(e.before).toMatchObject({ email: before.body.email });
    expect(e.after).toMatchObject({ email: 'new@example.org' });
  });

  test('changing only the date of birth is audited, and the audit row stays masked', async () => {
    // Same last two digits as before: the masked values are equal although the date changed.
    const changed = '1975-09-15';
    const { res, events } = await audited(() =>
      app.call('csr', 'PATCH', `/customers/${id}`, { dateOfBirth: changed, reason: 'ID checked' }),
    );
    expect(res.status).toBe(200);
    const e = expectOneEvent(res, events, {
      actor: 'csr',
      action: 'customer.update',
      entityType: 'customer',
      entityId: id,
      reason: 'ID checked',
    });
    expect(asJson(e)).not.toContain(changed);
    expect(asJson(e)).not.toContain(DOB);
    expect(e.after).toMatchObject({ dateOfBirth: '********15' });
    const row = await app.t.db.customer.findUniqueOrThrow({ where: { id } });
    expect(decryptField(row.dateOfBirthEnc!, app.encryptionKey)).toBe(changed);
  });

  test('a patch that changes nothing writes no audit row', async () => {
    const current = (await app.call('csr', 'GET', `/customers/${id}`)).body;
    await expectNoAudit(() => app.call('csr', 'PATCH', `/customers/${id}`, {}));
    await expectNoAudit(() => app.call('csr', 'PATCH', `/customers/${id}`, { email: current.email }));
    await expectNoAudit(() => app.call('csr', 'PATCH', `/customers/${id}`, { reason: 'Just looking' }));
    // The same date again (encrypted anew, with a fresh IV) is no change either.
    await expectNoAudit(() => app.call('csr', 'PATCH', `/customers/${id}`, { dateOfBirth: '1975-09-15' }));
  });
});

// ---- premises ------------------------------------------------------------------------------------

describe('premises', () => {
  let id: string;

  test('create → 201, one audit row; the jurisdiction follows the state', async () => {
    const { res, events } = await audited(() =>
      app.call('csr', 'POST', '/premises', {
        serviceAddress: '12 Birch Rd, Millbrook, PA 16801',
        zip: '16801-1234',
        serviceArea: 'South',
        state: 'PA',
        premiseType: 'COMMERCIAL',
        reason: 'New construction',
      }),
    );
    expect(res.status).toBe(201);
    id = res.body.id;
    // In the utility's own state, the utility's profile (Millbrook's ordinance); elsewhere the
    // state's preset, and a state without one needs the profile named.
    expect(res.body).toMatchObject({
      jurisdictionProfile: 'MUNICIPAL',
      serviceLinePublic: 'LEAD_STATUS_UNKNOWN',
    });
    expect((await createPremiseIn('NY')).body.jurisdictionProfile).toBe('NY');
    const tx = await createPremiseIn('TX');
    expectError(tx, 400, 'validation_failed', 'jurisdictionProfile');
    expect(tx.body.error.message).toMatch(/TX_ELECTRIC, TX_WATER/);
    expect((await createPremiseIn('TX', { jurisdictionProfile: 'TX_WATER' })).body.jurisdictionProfile).toBe(
      'TX_WATER',
    );
    expectError(
      await createPremiseIn('PA', { jurisdictionProfile: 'XX' }),
      400,
      'validation_failed',
      'jurisdictionProfile',
    );
    const e = expectOneEvent(res, events, {
      actor: 'csr',
      action: 'premise.create',
      entityType: 'premise',
      entityId: id,
      reason: 'New construction',
    });
    expect(e.after).toMatchObject({ id, zip: '16801-1234', premiseType: 'COMMERCIAL' });
  });

  test('get, list and patch (one audit row with before/after)', async () => {
    expect((await app.call('csr', 'GET', `/premises/${id}`)).body).toMatchObject({
      id,
      servicePoints: [],
      accounts: [],
    });
    const listed = await app.call('csr', 'GET', '/premises?q=16801-1234');
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([id]);

    const { res, events } = await audited(() =>
      app.call('supervisor', 'PATCH', `/premises/${id}`, {
        serviceLinePublic: 'NON_LEAD',
        reason: 'Inspected',
      }),
    );
    expect(res.status).toBe(200);
    const e = expectOneEvent(res, events, {
      actor: 'supervisor',
      action: 'premise.update',
      entityType: 'premise',
      entityId: id,
      reason: 'Inspected',
    });
    expect(e.before).toMatchObject({ serviceLinePublic: 'LEAD_STATUS_UNKNOWN' });
    expect(e.after).toMatchObject({ serviceLinePublic: 'NON_LEAD' });
    await expectNoAudit(() => app.call('csr', 'PATCH', `/premises/${id}`, { serviceLinePublic: 'NON_LEAD' }));
  });
});

// ---- accounts ------------------------------------------------------------------------------------

describe('accounts', () => {
  let accountId: string;
  let customerId: string;

  test('create → 201, one audit row, and "account.created" on its timeline', async () => {
    customerId = (await createCustomer({ dateOfBirth: DOB })).body.id;
    const premiseId = await createPremise();
    const { res, events } = await audited(() =>
      app.call('csr', 'POST', '/accounts', {
        customerId,
        premiseId,
        class: 'RES',
        billCycle: 12,
        startDate: '2026-02-01',
        depositHeldCents: 7500,
        reason: 'Move-in',
      }),
    );
    expect(res.status).toBe(201);
    accountId = res.body.id;
    expect(res.body).toMatchObject({ status: 'ACTIVE', startDate: '2026-02-01', endDate: null });
    const e = expectOneEvent(res, events, {
      actor: 'csr',
      action: 'account.create',
      entityType: 'account',
      entityId: accountId,
      reason: 'Move-in',
    });
    expect(e.accountId).toBe(accountId);
    expect(e.after).toMatchObject({ billCycle: 12, depositHeldCents: 7500, startDate: '2026-02-01' });
    expect(kinds(await timeline(accountId))).toEqual(['account.created']);
  });

  test('get (with customer masked and premise) and list', async () => {
    const got = await app.call('csr', 'GET', `/accounts/${accountId}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: accountId,
      customer: { id: customerId, dateOfBirth: '********15' },
    });
    expect(got.body.premise.id).toBe(got.body.premiseId);
    expect(JSON.stringify(got.body)).not.toContain(DOB);
    const listed = await app.call('csr', 'GET', `/accounts?q=${customerId}`);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([accountId]);
    expect((await app.call('csr', 'GET', `/customers/${customerId}`)).body.accounts).toEqual([
      expect.objectContaining({ id: accountId, status: 'ACTIVE' }),
    ]);
  });

  test('patch → one audit row and "account.updated" on the timeline naming what changed', async () => {
    const { res, events } = await audited(() =>
      app.call('supervisor', 'PATCH', `/accounts/${accountId}`, {
        status: 'FINAL',
        endDate: '2026-06-30',
        reason: 'Move-out',
      }),
    );
    expect(res.status).toBe(200);
    const e = expectOneEvent(res, events, {
      actor: 'supervisor',
      action: 'account.update',
      entityType: 'account',
      entityId: accountId,
      reason: 'Move-out',
    });
    expect(e.before).toMatchObject({ status: 'ACTIVE', endDate: null });
    expect(e.after).toMatchObject({ status: 'FINAL', endDate: '2026-06-30' });
    const tl = await timeline(accountId);
    expect(kinds(tl)).toEqual(['account.updated', 'account.created']);
    expect(tl.body.items[0].summary).toMatch(/status/);
    expect(tl.body.items[0].summary).toMatch(/endDate/);

    await expectNoAudit(() =>
      app.call('csr', 'PATCH', `/accounts/${accountId}`, { status: 'FINAL', endDate: '2026-06-30' }),
    );
  });

  test('the facts collections notices go by: a designated third party, age 65 or dependent, tenants', async () => {
    const { res, events } = await audited(() =>
      app.call('csr', 'PATCH', `/accounts/${accountId}`, {
        thirdParty: { name: 'Dana Whitfield', address: '4 Birch Ln, Millbrook, PA 16801' },
        reason: 'Customer designated her daughter',
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      thirdPartyName: 'Dana Whitfield',
      thirdPartyEmail: null,
      thirdPartyAddress: '4 Birch Ln, Millbrook, PA 16801',
    });
    expect(events[0]!.after).toMatchObject({ thirdPartyName: 'Dana Whitfield' });
    // A designee the copies cannot reach is refused, naming the field; nothing changes.
    const refused = await app.call('csr', 'PATCH', `/accounts/${accountId}`, {
      thirdParty: { name: 'No Address' },
    });
    expectError(refused, 400, 'validation_failed', 'thirdParty');
    expect(refused.body.error.message).toMatch(/email or a mailing address/);
    expect((await app.call('csr', 'GET', `/accounts/${accountId}`)).body.thirdPartyName).toBe(
      'Dana Whitfield',
    );
    const removed = await app.call('csr', 'PATCH', `/accounts/${accountId}`, { thirdParty: null });
    expect(removed.body).toMatchObject({ thirdPartyName: null, thirdPartyAddress: null });

    const c = await app.call('csr', 'PATCH', `/customers/${customerId}`, { age65OrDependent: true });
    expect(c.body.age65OrDependent).toBe(true);
    // Born 65 or more years ago: the flag follows from the date of birth.
    expect((await createCustomer({ dateOfBirth: '1950-03-02' })).body.age65OrDependent).toBe(true);
    expect((await createCustomer({ dateOfBirth: DOB })).body.age65OrDependent).toBe(false);
    const premiseId = (await app.call('csr', 'GET', `/accounts/${accountId}`)).body.premiseId;
    const p = await app.call('csr', 'PATCH', `/premises/${premiseId}`, { tenantOccupied: true });
    expect(p.body.tenantOccupied).toBe(true);
    // A patch that does not name them leaves them alone.
    const other = await app.call('csr', 'PATCH', `/premises/${premiseId}`, { serviceArea: 'South' });
    expect(other.body).toMatchObject({ tenantOccupied: true, serviceArea: 'South' });
  });
});

// ---- meters --------------------------------------------------------------------------------------

describe('meters', () => {
  let premiseId: string;
  const water = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    premiseId,
    service: 'WATER',
    readUnit: 'GAL',
    dials: 6,
    multiplier: 1,
    size: '3/4"',
    ...extra,
  });

  beforeAll(async () => {
    premiseId = await createPremise({ serviceAddress: '40 Meter Ln, Millbrook, PA 16801' });
  });

  test('a water meter without a size is refused (400 size) and nothing is written', async () => {
    const before = await rowCounts(app.t.db);
    const { size: _size, ...sizeless } = water('WNOSIZE');
    const res = await app.call('supervisor', 'POST', '/meters', sizeless);
    expectError(res, 400, 'validation_failed', 'size');
    expect(res.body.error.message).toContain('size');
    expect(await rowCounts(app.t.db)).toEqual(before);
  });

  test('the first meter of a service creates its service point; the next one shares it', async () => {
    const { res, events } = await audited(() =>
      app.call(
        'supervisor',
        'POST',
        '/meters',
        water('WREC1', { installedOn: '2026-03-01', reason: 'New set' }),
      ),
    );
    expect(res.status).toBe(201);
    const sp = `SP-${premiseId}-WATER`;
    expect(res.body).toMatchObject({ id: 'WREC1', servicePointId: sp, installedOn: '2026-03-01' });
    const e = expectOneEvent(res, events, {
      actor: 'supervisor',
      action: 'meter.create',
      entityType: 'meter',
      entityId: 'WREC1',
      reason: 'New set',
    });
    expect(e.after).toMatchObject({ id: 'WREC1', size: '3/4"', installedOn: '2026-03-01' });

    expect((await app.call('supervisor', 'POST', '/meters', water('WREC2'))).status).toBe(201);
    const electric = await app.call('supervisor', 'POST', '/meters', {
      id: 'EREC1',
      premiseId,
      service: 'ELECTRIC',
      readUnit: 'KWH',
      dials: 5,
      multiplier: 1,
    });
    expect(electric.status).toBe(201);

    const premise = (await app.call('csr', 'GET', `/premises/${premiseId}`)).body;
    const points = Object.fromEntries(
      premise.servicePoints.map((p: { id: string; meters: { id: string }[] }) => [
        p.id,
        p.meters.map((m) => m.id).sort(),
      ]),
    );
    expect(points).toEqual({ [sp]: ['WREC1', 'WREC2'], [`SP-${premiseId}-ELECTRIC`]: ['EREC1'] });
  });

  test('get, list and patch (one audit row; a water meter keeps its size)', async () => {
    expect((await app.call('csr', 'GET', '/meters/WREC1')).body).toMatchObject({ id: 'WREC1', premiseId });
    const listed = await app.call('csr', 'GET', `/meters?q=${premiseId}`);
    expect(listed.body.items.map((m: { id: string }) => m.id).sort()).toEqual(['EREC1', 'WREC1', 'WREC2']);

    const { res, events } = await audited(() =>
      app.call('supervisor', 'PATCH', '/meters/WREC1', { dials: 7, reason: 'Register replaced' }),
    );
    expect(res.status).toBe(200);
    const e = expectOneEvent(res, events, {
      actor: 'supervisor',
      action: 'meter.update',
      entityType: 'meter',
      entityId: 'WREC1',
      reason: 'Register replaced',
    });
    expect(e.before).toMatchObject({ dials: 6 });
    expect(e.after).toMatchObject({ dials: 7 });

    const before = await rowCounts(app.t.db);
    expectError(
      await app.call('supervisor', 'PATCH', '/meters/WREC1', { size: null }),
      400,
      'validation_failed',
      'size',
    );
    expect(await rowCounts(app.t.db)).toEqual(before);
  });
});

// ---- timeline ------------------------------------------------------------------------------------

describe('account timeline', () => {
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  /** Seven interactions on seven days, in the order they were logged (not in time order). */
  const DAYS = [3, 1, 7, 5, 2, 6, 4];
  const at = (day: number) => `2026-01-0${day}T10:00:00.000Z`;
  let all: { id: string; kind: string; occurredAt: string }[];

  beforeAll(async () => {
    acct = await seedAccount(app, 7);
    for (const day of DAYS) {
      const { res, events } = await audited(() =>
        app.call('csr', 'POST', `/accounts/${acct.accountId}/interactions`, {
          channel: day % 2 ? 'CALL' : 'EMAIL',
          subject: `Contact on day ${day}`,
          occurredAt: at(day),
        }),
      );
      expect(res.status).toBe(201);
      expectOneEvent(res, events, {
        actor: 'csr',
        action: 'interaction.create',
        entityType: 'interaction',
        entityId: res.body.id,
      });
    }
    all = (await timeline(acct.accountId, '?limit=200')).body.items;
  });

  test('holds the account event and all 7 interactions, newest first', () => {
    expect(all.map((e) => e.kind)).toEqual(['account.created', ...Array(7).fill('interaction')]);
    const interactions = all.filter((e) => e.kind === 'interaction');
    expect(interactions.map((e) => e.occurredAt)).toEqual([7, 6, 5, 4, 3, 2, 1].map(at));
    const times = all.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('each event carries the timeline fields in order, its data as JSON and its id as a string', async () => {
    const res = await timeline(acct.accountId, '?kind=interaction&limit=1');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.accountId).toBe(acct.accountId);
    const [e] = res.body.items;
    expect(Object.keys(e)).toEqual([
      'id',
      'accountId',
      'occurredAt',
      'kind',
      'entityType',
      'entityId',
      'summary',
      'actor',
      'data',
    ]);
    expect(e).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      accountId: acct.accountId,
      occurredAt: at(7),
      kind: 'interaction',
      entityType: 'interaction',
      summary: 'Inbound call: Contact on day 7',
      data: { channel: 'CALL', direction: 'INBOUND', notes: null },
    });
    expect(typeof res.body.nextCursor).toBe('string');
  });

  test('the JSON stored with each event reads back exactly as the row it was written from', async () => {
    // Text that JSON must escape, characters outside the BMP, no data at all, and data with
    // nesting, written straight to the table (as every writer does) and read through the API.
    const other = await seedAccount(app, 88);
    const awkward = [
      { summary: 'Quote " backslash \\ slash / tab \t newline \n bell \u0007 </script>', data: null },
      {
        summary: 'Señora Núñez paid 💧 in full',
        data: { nested: { list: [1, 'two', null, true] }, cents: 123456 },
      },
    ];
    const written = [];
    for (const [i, a] of awkward.entries()) {
      written.push(
        await app.t.db.timelineEvent.create({
          data: {
            accountId: other.accountId,
            occurredAt: new Date(Date.UTC(2030, 0, 1 + i, 23, 59, 59, 7 + i)),
            kind: 'test.awkward',
            entityType: 'test',
            entityId: `awkward-${i}`,
            summary: a.summary,
            actor: 'tester "one"',
            data: a.data ?? undefined,
          },
        }),
      );
    }
    const res = await timeline(other.accountId, '?kind=test.awkward');
    expect(res.body.items).toEqual(
      written.reverse().map((w) => ({
        id: w.id.toString(),
        accountId: w.accountId,
        occurredAt: w.occurredAt.toISOString(),
        kind: w.kind,
        entityType: w.entityType,
        entityId: w.entityId,
        summary: w.summary,
        actor: w.actor,
        data: w.data,
      })),
    );
  });

  test('an unknown account is 404 even when events name it; a known one with no match is an empty page', async () => {
    // A read file may name an account that does not exist; its exception's event carries that id.
    await app.t.db.timelineEvent.create({
      data: {
        accountId: 'NO-SUCH-ACCT-9',
        occurredAt: new Date(),
        kind: 'read.exception',
        entityType: 'meter',
        entityId: 'M-X',
        summary: 'Read exception on an unknown account',
        actor: 'system',
      },
    });
    const unknown = await app.call('csr', 'GET', '/accounts/NO-SUCH-ACCT-9/timeline');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('NO-SUCH-ACCT-9');
    const empty = await timeline(acct.accountId, '?kind=read.exception');
    expect(empty.body).toEqual({ accountId: acct.accountId, items: [], nextCursor: null });
  });

  test('paging with limit=3 and the cursor returns everything once, in order, then stops', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const q = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await timeline(acct.accountId, q);
      pages.push(page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      expect(pages.length).toBeLessThan(10);
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all.map((e) => e.id));
  });

  test('filter by kind: exact, prefix (kind.*) and a comma list', async () => {
    expect(kinds(await timeline(acct.accountId, '?kind=interaction'))).toEqual(Array(7).fill('interaction'));
    expect(kinds(await timeline(acct.accountId, '?kind=account.*'))).toEqual(['account.created']);
    expect(kinds(await timeline(acct.accountId, '?kind=account.created,interaction&limit=2'))).toEqual([
      'account.created',
      'interaction',
    ]);
    expect(kinds(await timeline(acct.accountId, '?kind=nothing.*'))).toEqual([]);
  });

  test('filter by service-order.* once an order is open on the account', async () => {
    const order = await app.call('csr', 'POST', '/service-orders', {
      accountId: acct.accountId,
      type: 'METER_INVESTIGATION',
      meterId: acct.meterId,
      reason: 'High bill complaint',
    });
    expect(order.status).toBe(202);
    const tl = await eventually(
      () => timeline(acct.accountId, '?kind=service-order.*'),
      (r) => r.body.items.length > 0,
    );
    expect(kinds(tl)).toEqual(['service-order.created']);
    expect(tl.body.items[0].entityId).toBe(order.body.id);
  });

  test('filter by from/to, as date-times and as whole days', async () => {
    const interactionDays = (res: ApiResponse) =>
      res.body.items.map((e: { occurredAt: string }) => Number(e.occurredAt.slice(8, 10)));
    expect(
      interactionDays(
        await timeline(acct.accountId, `?from=${at(3)}&to=${encodeURIComponent('2026-01-05T23:00:00Z')}`),
      ),
    ).toEqual([5, 4, 3]);
    // A bare date as `to` means through the end of that day (as in the audit export).
    expect(interactionDays(await timeline(acct.accountId, '?from=2026-01-03&to=2026-01-05'))).toEqual([
      5, 4, 3,
    ]);
    expect(interactionDays(await timeline(acct.accountId, '?to=2026-01-02'))).toEqual([2, 1]);
    expect(interactionDays(await timeline(acct.accountId, '?from=2026-01-06&kind=interaction'))).toEqual([
      7, 6,
    ]);
  });
  test('a bare date is the utility’s day: late evening there is the next day in UTC', async () => {
    const other = await seedAccount(app, 809);
    const r = await app.call('csr', 'POST', `/accounts/${other.accountId}/interactions`, {
      channel: 'CALL',
      subject: 'Evening call',
      occurredAt: '2026-02-10T03:30:00.000Z', // 10:30 pm on February 9 in Millbrook (EST)
    });
    expect(r.status).toBe(201);
    const on = async (day: string) =>
      (await timeline(other.accountId, `?from=${day}&to=${day}&kind=interaction`)).body.items.length;
    expect(await on('2026-02-09')).toBe(1);
    expect(await on('2026-02-10')).toBe(0);
  });
});

// ---- audit export --------------------------------------------------------------------------------

describe('audit export', () => {
  let id: string;
  let events: { seq: string; action: string; occurredAt: string; reason: string | null }[];
  const FORMULA = '=HYPERLINK("http://evil.example","click")';

  beforeAll(async () => {
    id = (await createCustomer({ reason: FORMULA })).body.id;
    for (const name of ['Second Name', 'Third Name', 'Fourth Name']) {
      expect(
        (await app.call('csr', 'PATCH', `/customers/${id}`, { name, reason: `rename to ${name}` })).status,
      ).toBe(200);
    }
    const res = await app.call('auditor', 'GET', `/audit?entity=customer&entityId=${id}`);
    expect(res.status).toBe(200);
    events = res.body.items;
  });

  const seqs = (items: { seq: string }[]) => items.map((e) => e.seq);

  test('JSON: the events of one customer, in sequence order', () => {
    expect(events.map((e) => e.action)).toEqual([
      'customer.create',
      'customer.update',
      'customer.update',
      'customer.update',
    ]);
    const numbers = seqs(events).map(BigInt);
    expect([...numbers].sort((a, b) => (a < b ? -1 : 1))).toEqual(numbers);
  });

  test('CSV: text/csv, a header row and one line per event; a formula is neutralised', async () => {
    const res = await app.call('auditor', 'GET', `/audit?entity=customer&entityId=${id}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = res.body as string;
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(events.length + 1);
    const [header, ...rows] = parseCsv(text) as string[][];
    expect(header).toEqual(
      expect.arrayContaining(['seq', 'occurredAt', 'actor', 'action', 'entityId', 'reason']),
    );
    expect(rows.map((r) => r[header!.indexOf('seq')])).toEqual(seqs(events));
    const reason = rows[0]![header!.indexOf('reason')]!;
    expect(reason).toBe(`'${FORMULA}`);
    expect(text).not.toMatch(/(^|,)"=/m);
  });

  test('from/to filter by time, whole days included', async () => {
    const q = `/audit?entity=customer&entityId=${id}`;
    // Whole days are the utility's days (services/ledger.ts rangeStart).
    const day = utilityDate(new Date(events[0]!.occurredAt));
    const dayAfter = addDays(day, 1);
    const dayBefore = addDays(day, -1);
    const get = async (extra: string) => seqs((await app.call('auditor', 'GET', q + extra)).body.items);

    expect(await get(`&from=${day}&to=${day}`)).toEqual(seqs(events));
    expect(await get(`&from=${dayAfter}`)).toEqual([]);
    expect(await get(`&to=${dayBefore}`)).toEqual([]);
    const third = events[2]!.occurredAt;
    expect(await get(`&from=${encodeURIComponent(third)}`)).toEqual(seqs(events.slice(2)));
    expect(await get(`&to=${encodeURIComponent(events[1]!.occurredAt)}`)).toEqual(seqs(events.slice(0, 2)));
    const csv = await app.call('auditor', 'GET', `${q}&format=csv&from=${encodeURIComponent(third)}`);
    expect((csv.body as string).trimEnd().split('\n')).toHaveLength(1 + events.length - 2);
  });

  test('afterSeq paging returns every event once', async () => {
    const q = `/audit?entity=customer&entityId=${id}&limit=3`;
    const got: string[] = [];
    let after: string | null = null;
    do {
      const page = await app.call('auditor', 'GET', q + (after ? `&afterSeq=${after}` : ''));
      got.push(...seqs(page.body.items));
      after = page.body.nextAfterSeq;
    } while (after && got.length < 100);
    expect(got).toEqual(seqs(events));
    expect(seqs((await app.call('auditor', 'GET', `${q}&afterSeq=${events[1]!.seq}`)).body.items)).toEqual(
      seqs(events.slice(2)),
    );
  });
});

// ---- audit verification --------------------------------------------------------------------------

describe('audit verification (API and `npm run audit:verify`)', () => {
  /** The CLI as `npm run audit:verify` runs it, against the test database. */
  function auditVerifyCli(): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/audit-verify.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: app.t.appUrl,
          DATABASE_ADMIN_URL: app.t.adminUrl,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** Runs SQL as the superuser with the audit triggers off, as someone covering their tracks would. */
  async function behindTheTriggers(sql: string, params: unknown[]): Promise<void> {
    const c = new Client({ connectionString: app.t.adminUrl });
    await c.connect();
    try {
      await c.query('ALTER TABLE audit_event DISABLE TRIGGER USER');
      try {
        await c.query(sql, params);
      } finally {
        await c.query('ALTER TABLE audit_event ENABLE TRIGGER USER');
      }
    } finally {
      await c.end();
    }
  }

  test('an intact chain: the API says ok and the CLI exits 0', async () => {
    const res = await app.call('auditor', 'GET', '/audit/verify');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, rowsChecked: await app.t.db.auditEvent.count() });
    const cli = await auditVerifyCli();
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli.stdout).toMatch(/audit chain intact/);
  });

  test('a row altered behind the triggers is named by the API (kind altered) and by the CLI (exit 1)', async () => {
    const victim = await app.t.db.auditEvent.findFirstOrThrow({
      where: { action: 'customer.update' },
      orderBy: { seq: 'asc' },
    });
    const seq = victim.seq.toString();
    await behindTheTriggers('UPDATE audit_event SET reason = $1 WHERE seq = $2', [
      'nothing to see here',
      seq,
    ]);
    try {
      const res = await app.call('auditor', 'GET', '/audit/verify');
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(false);
      expect(res.body.firstBreak).toMatchObject({ kind: 'altered', seq });

      const cli = await auditVerifyCli();
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(new RegExp(`\\brow ${seq}\\b`));
      expect(cli.stdout).toMatch(/altered/);
    } finally {
      await behindTheTriggers('UPDATE audit_event SET reason = $1 WHERE seq = $2', [victim.reason, seq]);
    }
    // Put back exactly as it was, the row verifies again.
    expect((await app.call('auditor', 'GET', '/audit/verify')).body.ok).toBe(true);
  });
});

// ---- the API's own description -------------------------------------------------------------------

describe('OpenAPI document and docs page', () => {
  test('/api/openapi.json is OpenAPI 3.1 with one operation per route, protected ones declaring security', async () => {
    const res = await app.call(null, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.components.securitySchemes)).toContain('apiKey');

    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const expected = app.routes.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual([...expected].sort());

    for (const r of app.routes) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')][r.method];
      const where = describeRoute(r);
      expect({ where, security: op.security }).toEqual({
        where,
        security: r.permission ? [{ apiKey: [] }] : [],
      });
      const pathParams = op.parameters
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      expect({ where, pathParams }).toEqual({
        where,
        pathParams: (r.path.match(/:(\w+)/g) ?? []).map((s) => s.slice(1)),
      });
      if (r.body) expect(op.requestBody?.content?.['application/json']?.schema).toBeDefined();
    }
  });

  test('/api/docs is an HTML page listing every route', async () => {
    const res = await app.call(null, 'GET', '/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = res.body as string;
    for (const r of app.routes) {
      expect(html).toContain(`<code>${r.path}</code>`);
      if (r.permission) expect(html).toContain(`<code>${r.permission}</code>`);
    }
  });
});
