// Dispatch under SLA timers through Temporal (time-skipping): each order is due by its type's and
// priority's SLA (or its given deadline, when sooner); when the SLA runs out before the crew
// finishes, supervisors are emailed and the breach is on the dashboard — exactly once, whatever
// happens to the order afterwards. A new priority moves the SLA; cancelling stops it.
import { startTestApp, type TestApp } from './helpers/app';
import {
  assign,
  complete,
  customerAt,
  eventually,
  ok,
  openOrder,
  order,
  orderUntil,
} from './helpers/service-order-fixtures';
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { openServiceOrder } from '../services/service-orders';
import { SYSTEM_ACTOR } from '../lib/audit';

jest.setTimeout(120_000);

const SUPERVISOR = 'supervisor@millbrook.example';
const HOUR = 3_600_000;

let app: TestApp;
let accountId: string;
beforeAll(async () => {
  app = await startTestApp();
  accountId = (await customerAt(app, 'SLA1')).accountId;
});
afterAll(() => app?.close());

const escalationMail = async (orderId: string) =>
  (await listCaughtMail(app.mailDir, 500)).filter(
    (m) => m.to.includes(SUPERVISOR) && m.subject.includes(orderId),
  );

async function counts(orderId: string) {
  return {
    mail: (await escalationMail(orderId)).length,
    claims: await app.t.db.serviceOrderEscalation.count({ where: { orderId } }),
    audit: await app.t.db.auditEvent.count({
      where: { entityId: orderId, action: 'service-order.sla-breach' },
    }),
    timeline: await app.t.db.timelineEvent.count({
      where: { entityId: orderId, kind: 'service-order.sla-breached' },
    }),
  };
}

test('an SLA breach escalates exactly once: dashboard and one email per supervisor, whatever follows', async () => {
  const o = await openOrder(app, {
    accountId,
    type: 'LEAK_CHECK',
    priority: 'EMERGENCY',
    reason: 'Water running down the street',
  });
  const opened = await order(app, o.id);
  const created = Date.parse(opened.body.createdAt);
  expect(Date.parse(opened.body.slaDueAt) - created).toBe(2 * HOUR); // EMERGENCY leak check: 2 hours
  await assign(app, o.id);

  await app.env.sleep(3 * HOUR);
  const breached = await orderUntil(app, o.id, (x) => x.slaBreachedAt !== null);
  expect(breached.escalatedAt).not.toBeNull();
  const dashboard = await ok(app.call('supervisor', 'GET', '/service-orders?slaBreached=true'));
  expect(dashboard.items.map((x: { id: string }) => x.id)).toContain(o.id);
  const notBreached = await ok(app.call('supervisor', 'GET', '/service-orders?slaBreached=false'));
  expect(notBreached.items.map((x: { id: string }) => x.id)).not.toContain(o.id);
  const mail = await eventually(
    () => escalationMail(o.id),
    (m) => m.length > 0,
  );
  expect(mail[0]!.subject).toMatch(/SLA breached: leak check order/);
  expect(mail[0]!.text).toMatch(/still assigned with crew CREW-A/);
  await eventually(
    () => counts(o.id),
    (c) => c.claims === 1,
  );
  const claim = await app.t.db.serviceOrderEscalation.findFirstOrThrow({ where: { orderId: o.id } });
  expect(claim).toMatchObject({ recipient: SUPERVISOR, userId: 'supervisor' });
  expect(claim.messageId).toBeTruthy();

  // Reassigned, re-prioritised, left for days: still the one escalation.
  await assign(app, o.id, 'CREW-B');
  await ok(app.call('supervisor', 'POST', `/service-orders/${o.id}/schedule`, { priority: 'LOW' }));
  await app.env.sleep(10 * 24 * HOUR);
  expect((await complete(app, o.id, { outcome: 'NO_LEAK_FOUND' }, 'crew-b')).status).toBe(200);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.history.filter((h: { event: string }) => h.event === 'sla-breached')).toHaveLength(1);
  expect(await counts(o.id)).toEqual({ mail: 1, claims: 1, audit: 1, timeline: 1 });
  expect(done.slaBreachedAt).toBe(breached.slaBreachedAt); // the dashboard keeps the breach
});

test('finished in time, or cancelled: no breach, no email', async () => {
  const fast = await openOrder(app, { accountId, type: 'LEAK_CHECK', priority: 'EMERGENCY', reason: 'Leak' });
  await assign(app, fast.id);
  expect((await complete(app, fast.id, { outcome: 'NO_LEAK_FOUND' })).status).toBe(200);
  const cancelled = await openOrder(app, {
    accountId,
    type: 'DOOR_HANGER',
    priority: 'EMERGENCY',
    reason: 'x',
  });
  const c = await ok(
    app.call('supervisor', 'POST', `/service-orders/${cancelled.id}/cancel`, { reason: 'Outage called off' }),
  );
  expect(c.status).toBe('CANCELLED');
  await app.env.sleep(6 * HOUR);
  for (const id of [fast.id, cancelled.id]) {
    const x = await orderUntil(app, id, (o) => o.phase === 'DONE');
    expect(x.slaBreachedAt).toBeNull();
    expect(await counts(id)).toEqual({ mail: 0, claims: 0, audit: 0, timeline: 0 });
  }
  expect((await order(app, cancelled.id)).body.cancelReason).toBe('Outage called off');
});

test('a new priority moves the SLA from when its clock started; the window is the crew’s to see', async () => {
  const o = await openOrder(app, { accountId, type: 'LEAK_CHECK', reason: 'Damp basement' }); // NORMAL: 24 h
  const created = Date.parse((await order(app, o.id)).body.createdAt);
  await app.env.sleep(HOUR);
  const window = { windowStart: '2027-03-01T13:00:00.000Z', windowEnd: '2027-03-01T17:00:00.000Z' };
  const s = await ok(
    app.call('supervisor', 'POST', `/service-orders/${o.id}/schedule`, { priority: 'LOW', ...window }),
  );
  expect(s).toMatchObject({ priority: 'LOW', window: { start: window.windowStart, end: window.windowEnd } });
  expect(Date.parse(s.slaDueAt) - created).toBe(72 * HOUR);
  const bad = await app.call('supervisor', 'POST', `/service-orders/${o.id}/schedule`, {
    windowStart: window.windowEnd,
    windowEnd: window.windowStart,
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.field).toBe('windowEnd');
  expect(
    (await app.call('csr', 'POST', `/service-orders/${o.id}/schedule`, { priority: 'HIGH' })).status,
  ).toBe(403);

  await app.env.sleep(30 * HOUR); // past the NORMAL SLA, inside the LOW one
  const row = await orderUntil(app, o.id, (x) => x.priority === 'LOW');
  expect(row.slaBreachedAt).toBeNull();
  await assign(app, o.id);
  const view = await ok(app.call('crew-a', 'GET', `/field/orders/${o.id}`));
  expect(view).toMatchObject({
    priority: 'LOW',
    window: { start: window.windowStart, end: window.windowEnd },
  });
  expect(Date.parse(view.dueBy) - created).toBe(72 * HOUR);
});

test('a deadline given with the order (a reconnection) is its SLA when sooner', async () => {
  const dueBy = new Date((await app.env.currentTimeMs()) + 6 * HOUR).toISOString();
  const opened = await openServiceOrder(
    { db: app.t.db, temporal: app.env.client, taskQueue: app.taskQueue },
    SYSTEM_ACTOR,
    { accountId, type: 'RECONNECT', priority: 'NORMAL', reason: 'Paid in full' },
    { dueBy },
  );
  const x = await orderUntil(app, opened.id, (o) => o.slaDueAt !== null);
  expect(x.slaDueAt).toBe(dueBy); // sooner than the 24 hours of a NORMAL reconnect
  expect(x.dueBy).toBe(dueBy);
});
