// The field API for the order types: a crew sees only its own orders, with what it needs to do the
// job (the meters to read, the second premise, the meter to set) and nothing of the customer's
// account; it completes them with readings, outcome codes, notes and photo references; completing
// another crew's, a reassigned, a cancelled or an already completed order is refused; an offline
// retry of the same completion is answered the same and recorded once; required data is enforced.
import { startTestApp, type TestApp } from './helpers/app';
import {
  assign,
  complete,
  customerAt,
  ok,
  openOrder,
  orderUntil,
  postRead,
} from './helpers/service-order-fixtures';

jest.setTimeout(120_000);

let app: TestApp;
let c: Awaited<ReturnType<typeof customerAt>>;
beforeAll(async () => {
  app = await startTestApp();
  c = await customerAt(app, 'FLD1', { depositOnCents: 48_000 });
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1000);
});
afterAll(() => app?.close());

const ACCOUNT_DATA = /Customer FLD1|fld1@example|814-555-0142|deposit|balance|ledger|payment|8000/i;

test('crew isolation: another crew cannot list, read or complete; the office routes are closed to crews', async () => {
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id, 'CREW-A');
  const mine = await ok(app.call('crew-a', 'GET', '/field/orders'));
  const item = mine.items.find((x: { id: string }) => x.id === o.id);
  expect(item).toMatchObject({
    type: 'STOP_SERVICE',
    task: expect.stringMatching(/final read/),
    read: [{ id: c.meterId }],
  });
  expect(JSON.stringify(mine)).not.toMatch(ACCOUNT_DATA);
  const theirs = await ok(app.call('crew-b', 'GET', '/field/orders'));
  expect(theirs.items.map((x: { id: string }) => x.id)).not.toContain(o.id);
  expect((await app.call('crew-b', 'GET', `/field/orders/${o.id}`)).status).toBe(404);
  expect((await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1100 }, 'crew-b')).status).toBe(
    404,
  );
  for (const [method, path] of [
    ['GET', `/service-orders/${o.id}`],
    ['GET', '/service-orders?slaBreached=true'],
    ['POST', `/service-orders/${o.id}/assign`],
    ['POST', `/service-orders/${o.id}/schedule`],
    ['POST', `/service-orders/${o.id}/cancel`],
    ['POST', `/service-orders/${o.id}/deposit-waiver`],
    ['GET', `/accounts/${c.accountId}/ledger`],
  ] as const)
    expect({
      path,
      status: (await app.call('crew-a', method, path, method === 'POST' ? {} : undefined)).status,
    }).toEqual({
      path,
      status: 403,
    });
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('ASSIGNED');
});

test('required completion data: the named meters, their dials, a time not in the future, notes on no access', async () => {
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id, 'CREW-A');
  const cases: [Record<string, unknown>, string][] = [
    [{ outcome: 'COMPLETED_OK' }, 'readValue'],
    [{ outcome: 'COMPLETED_OK', readValue: 1_000_000 }, 'readValue'],
    [{ outcome: 'COMPLETED_OK', reads: [{ meterId: 'W-ELSEWHERE', value: 5 }] }, 'reads.0.meterId'],
    [{ outcome: 'COMPLETED_OK', readValue: 1100, readAt: '2099-01-01T00:00:00' }, 'readAt'],
    [{ outcome: 'COMPLETED_OK', readValue: 1100, readAt: '2026-02-30T00:00:00' }, 'readAt'],
    [{ outcome: 'LEAK_FOUND', readValue: 1100, notes: 'x' }, 'outcome'],
    [{ outcome: 'NO_ACCESS' }, 'notes'],
    [{ outcome: 'COMPLETED_OK', readValue: 1100, photoRefs: [''] }, 'photoRefs.0'],
  ];
  for (const [body, field] of cases) {
    const r = await complete(app, o.id, body);
    expect({ body, status: r.status, field: r.body.error?.field }).toEqual({ body, status: 400, field });
  }
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('ASSIGNED');
  // Cancel it (the customer stays): the crew's completion is refused with the reason.
  await ok(app.call('supervisor', 'POST', `/service-orders/${o.id}/cancel`, { reason: 'Lease renewed' }));
  const late = await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1100 });
  expect(late.status).toBe(409);
  expect(late.body.error.message).toMatch(/cancelled/);
});

test('an offline retry is answered the same and recorded once; a different second completion is refused', async () => {
  const o = await openOrder(app, {
    accountId: c.accountId,
    type: 'METER_INVESTIGATION',
    meterId: c.meterId,
    reason: 'High bill',
  });
  await assign(app, o.id, 'CREW-A');
  await assign(app, o.id, 'CREW-B');
  // Reassigned: the first crew no longer has it.
  expect((await complete(app, o.id, { outcome: 'READ_VERIFIED', readValue: 1010 })).status).toBe(404);
  const body = {
    outcome: 'READ_VERIFIED',
    readValue: 1010,
    readAt: '2026-11-25T09:30:00',
    notes: 'Register matches',
    photoRefs: ['photos/fld1-register.jpg'],
  };
  const [first, second] = await Promise.all([
    complete(app, o.id, body, 'crew-b'),
    // The tablet resends before the first answer arrives.
    new Promise((r) => setTimeout(r, 50)).then(() => complete(app, o.id, body, 'crew-b')),
  ]);
  expect([first.status, second.status].sort()).toEqual([200, 200].sort());
  const third = await complete(app, o.id, body, 'crew-b');
  expect(third.body).toMatchObject({ status: 'COMPLETED', replayed: true });
  expect(
    await app.t.db.auditEvent.count({ where: { entityId: o.id, action: 'service-order.complete' } }),
  ).toBe(1);
  const other = await complete(app, o.id, { ...body, readValue: 1011 }, 'crew-b');
  expect(other.status).toBe(409);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.completion).toMatchObject({ readValue: 1010, photoRefs: ['photos/fld1-register.jpg'] });
});
