// The collections case end to end through Temporal's time-skipping server, under Pennsylvania's
// rules (Millbrook's premises): hand-off → reminder → 10-day notice → contact attempts on two
// separate days → 48-hour posted notice (December) → disconnection on a lawful day → payment →
// reconnection within the deadline → closed. And the protections that stop a disconnection that
// is otherwise due, including one that arrives while the disconnect order is with the crew.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { startTestApp, seedAccount, type TestApp } from './helpers/app';
import { eventually } from './helpers/service-order-fixtures';
import { workflowBundle } from './helpers/temporal';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import {
  caseStateQuery,
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
  type CaseState,
} from '../workflows/collections-case';
import { evaluate, getProfile, holidayName, isAfterHours } from '../domain/collections';
import { loadCaseContext } from '../services/collections-snapshot';
import { localDate, wallClock } from '../domain/collections/calendar';
import { addDays } from '../domain/ledger/dates';

jest.setTimeout(300_000);

let app: TestApp;
const fx = ledgerFixtures(() => app, {
  customer: 'Case',
  street: 'Walnut St',
  chargeKeyPrefix: 'case-charge',
});
const PA = getProfile('PA', '2026-12-01');
const TZ = 'America/New_York';

beforeAll(async () => {
  // Every case starts at the real time of day, and a notice decided after the day's print close is
  // counted from the next batch: a close at 23:59 runs these cases the same way whenever the suite
  // runs (the close itself has tests of its own).
  app = await startTestApp({ noticePrintTime: '23:59' });
});
afterAll(() => app?.close());

/** An account with a past-due bill, income above the winter protection, handed to collections. */
async function delinquentCase(n: number) {
  const { accountId } = await seedAccount(app, 100 + n);
  await app.call('csr', 'PUT', `/accounts/${accountId}/income`, {
    incomePctFpl: 400,
    verifiedOn: '2026-10-01',
  });
  const now = new Date(await app.env.currentTimeMs());
  const due = new Date(now.getTime() - 20 * 86_400_000).toISOString().slice(0, 10);
  const billed = new Date(now.getTime() - 40 * 86_400_000).toISOString().slice(0, 10);
  await fx.charge(accountId, 12_345, billed, due);
  await app.t.db.collectionsEpisode.create({
    data: { accountId, episode: 1, workflowId: collectionsWorkflowId(accountId, 1), pastDueCents: 12_345n },
  });
  await app.env.client.workflow.signalWithStart(collectionsCase, {
    taskQueue: app.taskQueue,
    workflowId: collectionsWorkflowId(accountId, 1),
    args: [{ accountId, episode: 1 }],
    signal: collectionsHandoffSignal,
    signalArgs: [{ runId: 'test-run', asOf: now.toISOString().slice(0, 10), pastDueCents: '12345' }],
  });
  return accountId;
}

const handle = (accountId: string) => app.env.client.workflow.getHandle(collectionsWorkflowId(accountId, 1));
const state = (accountId: string): Promise<CaseState> => handle(accountId).query(caseStateQuery);

/** Advances the skipping clock step by step until the case reaches a stage (or an order opens). */
async function advanceUntil(
  accountId: string,
  done: (s: CaseState) => boolean,
  maxDays = 60,
): Promise<CaseState> {
  const start = await app.env.currentTimeMs();
  for (;;) {
    const s = await state(accountId);
    if (done(s)) return s;
    if ((await app.env.currentTimeMs()) - start > maxDays * 86_400_000)
      throw new Error(`case never got there: ${JSON.stringify(s)}`);
    const next = s.nextActionAt ? Date.parse(s.nextActionAt) - (await app.env.currentTimeMs()) : 3_600_000;
    await app.env.sleep(Math.max(60_000, Math.min(next + 1_000, 86_400_000)));
  }
}

async function completeOrder(orderId: string, body: object) {
  const a = await app.call('supervisor', 'POST', `/service-orders/${orderId}/assign`, { crewId: 'CREW-A' });
  expect(a.status).toBe(200);
  return app.call('crew-a', 'POST', `/field/orders/${orderId}/complete`, body);
}

/** The customer pays the whole past-due balance in cash at the counter. */
async function payInFull(accountId: string) {
  const pay = await app.call(
    'csr',
    'POST',
    '/payments',
    { accountId, amountCents: 12_345, channel: 'CASH' },
    { 'idempotency-key': `case-pay-${accountId}` },
  );
  expect(pay.status).toBe(201);
}

async function actions(accountId: string) {
  return app.t.db.collectionsAction.findMany({ where: { accountId }, orderBy: { occurredAt: 'asc' } });
}

test('PA: notice, contacts, posted notice, disconnection on a lawful day, payment, reconnection', async () => {
  const accountId = await delinquentCase(1);
  // The notice goes out first, once; the reminder before it.
  const noticed = await advanceUntil(accountId, (s) => ['NOTICED', 'CONTACTED', 'POSTING'].includes(s.stage));
  expect(noticed.pastDueCents).toBe('12345');
  const posting = await advanceUntil(
    accountId,
    (s) => s.stage === 'POSTING' || s.stage === 'DISCONNECT_ORDERED',
  );
  const acts = await actions(accountId);
  const notice = acts.find((a) => a.kind === 'DISCONNECT_NOTICE' && a.method === 'MAIL')!;
  expect(notice).toBeDefined();
  expect(acts.filter((a) => a.kind === 'DISCONNECT_NOTICE' && a.method === 'MAIL')).toHaveLength(1);
  // Contact attempts by phone on two separate days (66 Pa.C.S. §1406).
  const contacts = acts.filter((a) => a.kind === 'CONTACT_ATTEMPT');
  expect(new Set(contacts.map((c) => localDate(c.occurredAt.getTime(), TZ))).size).toBeGreaterThanOrEqual(2);

  // In December a 48-hour notice is posted at the premises: a door-hanger order for the crew.
  let s = posting;
  const month = Number(localDate(await app.env.currentTimeMs(), TZ).slice(5, 7));
  if (month === 12 || month <= 3) {
    expect(s.stage).toBe('POSTING');
    const hanger = s.orders.find((o) => o.type === 'DOOR_HANGER')!;
    expect(
      (await completeOrder(hanger.orderId, { outcome: 'COMPLETED_OK', notes: 'Posted on the front door' }))
        .status,
    ).toBe(200);
    s = await advanceUntil(accountId, (x) => x.stage === 'DISCONNECT_ORDERED');
  }
  expect(s.stage).toBe('DISCONNECT_ORDERED');
  const disconnect = s.orders.find((o) => o.type === 'DISCONNECT')!;
  const order = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: disconnect.orderId } });
  // The order went out on a lawful day: Monday–Thursday, not a bank holiday or the day before one,
  // at least 10 days after the notice, 3 days after the contact.
  const at = order.createdAt.getTime();
  const day = localDate(at, TZ);
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
  expect([1, 2, 3, 4]).toContain(weekday);
  expect(holidayName(PA, day)).toBeNull();
  expect(holidayName(PA, localDate(at + 86_400_000, TZ))).toBeNull();
  // Days are counted as calendar dates in the utility's zone (§56.91: at least 10 days).
  const dateNo = (ms: number) => Date.parse(`${localDate(ms, TZ)}T00:00:00Z`) / 86_400_000;
  expect(dateNo(at) - dateNo(notice.occurredAt.getTime())).toBeGreaterThanOrEqual(10);
  const lastContact = Math.max(...contacts.map((c) => c.occurredAt.getTime()));
  expect(dateNo(at) - dateNo(lastContact)).toBeGreaterThanOrEqual(3);
  const hour = wallClock(at, TZ).minutes / 60;
  expect(hour).toBeGreaterThanOrEqual(8);
  expect(hour).toBeLessThan(17);

  // The crew disconnects; the customer pays; a reconnect order is due within the deadline.
  expect(
    (
      await completeOrder(disconnect.orderId, {
        outcome: 'COMPLETED_OK',
        readValue: 1234,
        notes: 'Valve off',
      })
    ).status,
  ).toBe(200);
  await advanceUntil(accountId, (x) => x.stage === 'DISCONNECTED');
  await payInFull(accountId);
  s = await advanceUntil(accountId, (x) => x.stage === 'RECONNECT_ORDERED');
  const reconnect = s.orders.find((o) => o.type === 'RECONNECT')!;
  const ro = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: reconnect.orderId } });
  expect(ro.dueBy).not.toBeNull();
  // Pennsylvania: within 24 hours in December–March, 3 days otherwise (§56.191).
  expect(ro.dueBy!.getTime() - ro.createdAt.getTime()).toBeLessThanOrEqual(3 * 86_400_000 + 3_600_000);
  expect((await completeOrder(reconnect.orderId, { outcome: 'COMPLETED_OK', readValue: 1234 })).status).toBe(
    200,
  );
  // (Polled, not awaited with result(): waiting on a result lets the test server skip time freely.)
  const closed = await advanceUntil(accountId, (x) => x.stage === 'CLOSED');
  expect(closed.closedReason).toMatch(/reconnected/);
  // Millbrook's tariff charges for the reconnection: $50.00 in business hours, $150.00 after (by
  // when the crew restored service), once, due 20 days later.
  const restored = (await actions(accountId)).find((a) => a.kind === 'RECONNECT')!;
  const municipal = getProfile('MUNICIPAL', '2026-12-01');
  const fees = await app.t.db.ledgerEntry.findMany({ where: { accountId, kind: 'RECONNECTION_FEE' } });
  expect(fees.map((f) => f.amountCents)).toEqual([
    isAfterHours(municipal, restored.occurredAt.toISOString()) ? 15_000n : 5_000n,
  ]);
  expect(fees[0]!.memo).toContain(reconnect.orderId);
  expect((fees[0]!.dueDate!.getTime() - fees[0]!.effectiveDate.getTime()) / 86_400_000).toBe(20);

  // Each compliance action exactly once, and the whole story on the timeline.
  const kinds = (await actions(accountId)).map((a) => a.kind);
  for (const k of ['HANDOFF', 'REMINDER', 'DISCONNECT_NOTICE', 'DISCONNECT', 'RECONNECT', 'CLOSED'])
    expect(kinds).toContain(k);
  expect(kinds.filter((k) => k === 'DISCONNECT')).toHaveLength(1);
  const tl = await app.call('csr', 'GET', `/accounts/${accountId}/timeline?kind=collections.*&limit=100`);
  expect(tl.body.items.length).toBeGreaterThan(5);
  const notices = await app.t.db.notice.findMany({ where: { accountId } });
  expect(new Set(notices.map((n) => n.idempotencyKey)).size).toBe(notices.length);
  // A change to the workflow that would break running cases fails here (DeterminismViolationError);
  // the history covers every stage from hand-off to reconnection.
  const history = await handle(accountId).fetchHistory();
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    history,
    collectionsWorkflowId(accountId, 1),
  );
});

test('a case recorded before its stage and plan steps were local replays unchanged', async () => {
  const file = path.join(__dirname, 'fixtures', 'collections-case-v1', 'handoff-to-reconnection.pb');
  const history = temporal.api.history.v1.History.decode(readFileSync(file));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'collections-case-v1');
});

/** A case taken through every notice (the door hanger completed) to its open disconnect order. */
async function disconnectOrdered(n: number): Promise<{ accountId: string; orderId: string }> {
  const accountId = await delinquentCase(n);
  let s = await advanceUntil(accountId, (x) => x.stage === 'POSTING' || x.stage === 'DISCONNECT_ORDERED');
  if (s.stage === 'POSTING') {
    const hanger = s.orders.find((o) => o.type === 'DOOR_HANGER')!;
    await completeOrder(hanger.orderId, { outcome: 'COMPLETED_OK', notes: 'Posted' });
    s = await advanceUntil(accountId, (x) => x.stage === 'DISCONNECT_ORDERED');
  }
  return { accountId, orderId: s.orders.find((o) => o.type === 'DISCONNECT')!.orderId };
}

/** Waits (up to 10 s) for the case to cancel the order; fails the test if it does not. */
async function untilCancelled(orderId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const o = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: orderId } });
    if (o.status === 'CANCELLED') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} was not cancelled`);
}

test('a dispute that arrives while the disconnect order is with the crew cancels it; the completion is refused', async () => {
  const { accountId, orderId } = await disconnectOrdered(2);
  const disconnect = { orderId };
  const assign = await app.call('supervisor', 'POST', `/service-orders/${disconnect.orderId}/assign`, {
    crewId: 'CREW-A',
  });
  expect(assign.status).toBe(200);
  const d = await app.call('csr', 'POST', `/accounts/${accountId}/disputes`, {
    summary: 'Customer disputes the meter reading',
  });
  expect(d.status).toBe(201);
  await untilCancelled(disconnect.orderId);
  const done = await app.call('crew-a', 'POST', `/field/orders/${disconnect.orderId}/complete`, {
    outcome: 'COMPLETED_OK',
    readValue: 99,
  });
  expect(done.status).toBe(409);
  const s = await state(accountId);
  expect(s.stage).not.toBe('DISCONNECTED');
  expect(s.protections.join(' ')).toMatch(/dispute/i);
  expect((await actions(accountId)).some((a) => a.kind === 'DISCONNECT')).toBe(false);
});

test('the crew sees the rules for this moment; a disconnection reported when they no longer allow it is refused', async () => {
  const { accountId, orderId } = await disconnectOrdered(3);
  expect(
    (await app.call('supervisor', 'POST', `/service-orders/${orderId}/assign`, { crewId: 'CREW-A' })).status,
  ).toBe(200);
  // Opened at a lawful moment, and the crew's view says so.
  const before = await app.call('crew-a', 'GET', `/field/orders/${orderId}`);
  expect(before.status).toBe(200);
  expect(before.body.disconnectCheck).toMatchObject({ permitted: true, blocking: [] });

  // Nothing about the account changes; only time passes, to a weekend (Pennsylvania disconnects
  // Monday to Thursday only: §56.82 and the day before a weekend).
  const weekday = async () =>
    new Date(`${localDate(await app.env.currentTimeMs(), TZ)}T12:00:00Z`).getUTCDay();
  while (![0, 6].includes(await weekday())) await app.env.sleep(12 * 3_600_000);
  const order = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: orderId } });
  expect(order.status).toBe('ASSIGNED'); // the case had no reason to look again
  const view = await app.call('crew-a', 'GET', `/field/orders/${orderId}`);
  expect(view.body.disconnectCheck.permitted).toBe(false);
  expect(view.body.disconnectCheck.blocking.length).toBeGreaterThan(0);
  for (const b of view.body.disconnectCheck.blocking as string[]) expect(b).toMatch(/\(.+\)$/); // with its rule

  const done = await app.call('crew-a', 'POST', `/field/orders/${orderId}/complete`, {
    outcome: 'COMPLETED_OK',
    readValue: 4321,
    notes: 'Valve off',
  });
  expect(done.status).toBe(409);
  expect(done.body.error.message).toMatch(/^Do not disconnect/);
  expect(done.body.error.field).toBe('outcome');
  const refused = await app.t.db.auditEvent.findMany({
    where: { action: 'service-order.disconnect.refused', entityId: orderId },
  });
  expect(refused).toHaveLength(1);
  expect(refused[0]!.actor).toBeTruthy();
  // The refusal woke the case, which cancels the order; the act was never recorded.
  await untilCancelled(orderId);
  expect((await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: orderId } })).status).toBe(
    'CANCELLED',
  );
  expect((await actions(accountId)).some((a) => a.kind === 'DISCONNECT')).toBe(false);
  const tl = await app.call('csr', 'GET', `/accounts/${accountId}/timeline?kind=service-order.*&limit=50`);
  expect(tl.body.items.some((i: { kind: string }) => i.kind === 'service-order.disconnect-refused')).toBe(
    true,
  );
});

/** A 30-day written certificate received now (the workflows' clock), as Pennsylvania allows. */
async function certificate() {
  const now = await app.env.currentTimeMs();
  return {
    kind: 'WRITTEN',
    receivedAt: new Date(now).toISOString(),
    validUntil: new Date(now + 30 * 86_400_000).toISOString().slice(0, 10),
    certifiedBy: 'Dr. A. Patel, physician',
  };
}

/** A case brought to the point where the disconnection is next (every notice done). */
async function caseDueForDisconnection(n: number) {
  const accountId = await delinquentCase(n);
  const s = await advanceUntil(accountId, (x) =>
    ['POSTING', 'POSTED', 'DISCONNECT_ORDERED'].includes(x.stage),
  );
  if (s.stage === 'POSTING') {
    const hanger = s.orders.find((o) => o.type === 'DOOR_HANGER')!;
    await completeOrder(hanger.orderId, { outcome: 'COMPLETED_OK', notes: 'Posted' });
    await advanceUntil(accountId, (x) => x.stage !== 'POSTING');
  }
  return accountId;
}

/** Lets 10 days pass and checks no disconnect order was ever opened. */
async function expectNoDisconnection(accountId: string, protection: RegExp) {
  const until = (await app.env.currentTimeMs()) + 10 * 86_400_000;
  while ((await app.env.currentTimeMs()) < until) await app.env.sleep(12 * 3_600_000);
  const s = await state(accountId);
  expect(s.orders.filter((o) => o.type === 'DISCONNECT' && o.status !== 'CANCELLED')).toEqual([]);
  expect(s.stage).not.toBe('DISCONNECTED');
  expect(s.protections.join(' ')).toMatch(protection);
  return s;
}

test.each([
  [
    'a medical certificate',
    async (id: string) =>
      app.call('csr', 'POST', `/accounts/${id}/medical-certificates`, await certificate()),
    /medical/i,
  ],
  [
    'a supervisor hold',
    (id: string) =>
      app.call('supervisor', 'POST', `/accounts/${id}/collections-hold`, {
        hold: true,
        reason: 'Council inquiry',
      }),
    /hold/i,
  ],
])('%s stops a disconnection that was due', async (_name, protect, text) => {
  const accountId = await caseDueForDisconnection(10 + _name.length);
  const r = await protect(accountId);
  expect([200, 201]).toContain(r.status);
  await expectNoDisconnection(accountId, text);
});

/** A case whose crew has turned the service off. */
async function disconnectedCase(n: number) {
  const { accountId, orderId } = await disconnectOrdered(n);
  const done = await completeOrder(orderId, { outcome: 'COMPLETED_OK', readValue: 1000, notes: 'Valve off' });
  expect(done.status).toBe(200);
  await advanceUntil(accountId, (x) => x.stage === 'DISCONNECTED');
  return accountId;
}

/** The reconnect order the case opens next, with its deadline in hours from its opening. */
async function reconnectOrdered(accountId: string) {
  const s = await advanceUntil(accountId, (x) => x.stage === 'RECONNECT_ORDERED', 5);
  const { orderId } = s.orders.find((o) => o.type === 'RECONNECT' && o.status === 'OPEN')!;
  const order = await app.t.db.serviceOrder.findUniqueOrThrow({ where: { id: orderId } });
  return { orderId, order, hours: (order.dueBy!.getTime() - order.createdAt.getTime()) / 3_600_000 };
}

test('a medical certificate for a household already off brings service back within 24 hours; the debt stays', async () => {
  const accountId = await disconnectedCase(60);
  const cert = await app.call(
    'csr',
    'POST',
    `/accounts/${accountId}/medical-certificates`,
    await certificate(),
  );
  expect(cert.status).toBe(201);
  const r = await reconnectOrdered(accountId);
  // 66 Pa.C.S. §1407(b)(1): on receipt of a valid medical certificate, within 24 hours.
  expect(r.hours).toBeLessThanOrEqual(24);
  expect(r.order.reason).toMatch(/medical certificate/);
  expect((await completeOrder(r.orderId, { outcome: 'COMPLETED_OK', readValue: 1000 })).status).toBe(200);
  const s = await advanceUntil(accountId, (x) => x.stage === 'RECONNECTED', 5);
  expect(s.pastDueCents).toBe('12345'); // nothing was paid: the case goes on, protected
  expect(s.protections.join(' ')).toMatch(/medical/i);
  const acts = await actions(accountId);
  expect(acts.filter((a) => a.kind === 'RECONNECT').map((a) => a.cause)).toEqual(['MEDICAL']);
  const confirmations = await app.t.db.notice.findMany({
    where: { accountId, idempotencyKey: { contains: 'RECONNECTION_CONFIRMATION' } },
  });
  expect(confirmations.length).toBeGreaterThan(0);
});

test('a reconnection ordered by hand ends the case disconnection: no second crew, no charge; paid later, the case closes', async () => {
  const accountId = await disconnectedCase(64);
  const opened = await app.call('supervisor', 'POST', '/service-orders', {
    accountId,
    type: 'RECONNECT',
    priority: 'HIGH',
    reason: 'Disconnected in error: the payment was posted to another account',
  });
  expect(opened.status).toBe(202);
  const orderId = (opened.body as { id: string }).id;
  await eventually(
    () => app.t.db.serviceOrder.findUnique({ where: { id: orderId } }),
    (o) => o !== null,
    15_000,
    `order ${orderId} recorded`,
  );
  expect((await completeOrder(orderId, { outcome: 'COMPLETED_OK', readValue: 1000 })).status).toBe(200);
  // The case hears of it and stops waiting as if service were off.
  const s = await advanceUntil(accountId, (x) => x.stage === 'RECONNECTED', 5);
  expect(s.orders.filter((o) => o.type === 'RECONNECT')).toEqual([]);
  const episode = await app.t.db.collectionsEpisode.findFirstOrThrow({ where: { accountId } });
  expect(episode.reconnectedAt).not.toBeNull();
  expect(episode.reconnectedAt!.getTime()).toBeGreaterThan(episode.disconnectedAt!.getTime());
  const restored = (await actions(accountId)).filter((a) => a.kind === 'RECONNECT');
  expect(restored.map((a) => [a.episode, a.cause])).toEqual([[0, 'OTHER']]);
  const said = await app.t.db.timelineEvent.findMany({ where: { accountId, kind: 'collections.reconnect' } });
  expect(said).toHaveLength(1);
  expect(said[0]!.summary).toMatch(new RegExp(`order ${orderId} \\(opened by hand\\)`));
  // Whoever ordered it by hand decides on a charge: none is added.
  expect(await app.t.db.ledgerEntry.count({ where: { accountId, kind: 'RECONNECTION_FEE' } })).toBe(0);

  // Paid: the case closes without sending a crew to restore service already on.
  await payInFull(accountId);
  const closed = await advanceUntil(accountId, (x) => x.stage === 'CLOSED', 5);
  expect(closed.closedReason).toBe('past-due balance paid');
  expect(closed.orders.filter((o) => o.type === 'RECONNECT')).toEqual([]);
  expect(
    await app.t.db.serviceOrder.count({
      where: { accountId, type: 'RECONNECT', collectionsWorkflowId: { not: null } },
    }),
  ).toBe(0);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle(accountId).fetchHistory(),
    collectionsWorkflowId(accountId, 1),
  );
});

test('an arrangement accepted while service is off brings it back before the first installment', async () => {
  const accountId = await disconnectedCase(61);
  const first = new Date((await app.env.currentTimeMs()) + 10 * 86_400_000).toISOString().slice(0, 10);
  const accepted = await app.call(
    'csr',
    'POST',
    `/accounts/${accountId}/arrangements`,
    { downPaymentCents: 2_345, installments: 5, firstDueDate: first },
    { 'idempotency-key': `arr-off-${accountId}` },
  );
  expect(accepted.body.accepted).toBe(true);
  const first0 = await reconnectOrdered(accountId);
  expect(first0.order.reason).toMatch(/arrangement/);
  // The crew cannot get to the meter: service is still off, and the reconnection is ordered again.
  expect((await completeOrder(first0.orderId, { outcome: 'NO_ACCESS', notes: 'Gate locked' })).status).toBe(
    200,
  );
  const r = await reconnectOrdered(accountId);
  expect(r.orderId).not.toBe(first0.orderId);
  expect(r.order.dueBy).toEqual(first0.order.dueBy);
  expect((await actions(accountId)).some((a) => a.kind === 'RECONNECT')).toBe(false);
  expect((await completeOrder(r.orderId, { outcome: 'COMPLETED_OK', readValue: 1000 })).status).toBe(200);
  const s = await advanceUntil(accountId, (x) => x.stage === 'ARRANGEMENT', 5);
  expect(s.arrangement).toMatchObject({ installments: 5, installmentsPaid: 0 });
  const acts = await actions(accountId);
  expect(acts.filter((a) => a.kind === 'RECONNECT').map((a) => a.cause)).toEqual(['ARRANGEMENT']);
  // A change to the workflow that would break running cases fails here.
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle(accountId).fetchHistory(),
    collectionsWorkflowId(accountId, 1),
  );
});

test('Pennsylvania: while current bills go unpaid, a third renewal of a medical certificate no longer protects', async () => {
  const accountId = await delinquentCase(70);
  const now = await app.env.currentTimeMs();
  const day = (offset: number) => new Date(now + offset * 86_400_000);
  await app.t.db.collectionsEpisode.updateMany({ where: { accountId }, data: { openedAt: day(-120) } });
  // The arrears the first certificate finds: a $100.00 bill due four months ago.
  await fx.charge(
    accountId,
    10_000,
    day(-140).toISOString().slice(0, 10),
    day(-120).toISOString().slice(0, 10),
  );
  // A 30-day certificate, renewed as each runs out; between them the current bills go unpaid.
  for (const [k, start] of [-90, -60, -30, 0].entries()) {
    if (k > 0) {
      const billed = day(start - 25)
        .toISOString()
        .slice(0, 10);
      await fx.charge(
        accountId,
        5_000,
        billed,
        day(start - 5)
          .toISOString()
          .slice(0, 10),
      );
    }
    const r = await app.call('csr', 'POST', `/accounts/${accountId}/medical-certificates`, {
      kind: 'WRITTEN',
      receivedAt: day(start).toISOString(),
      validUntil: day(start + 29)
        .toISOString()
        .slice(0, 10),
      certifiedBy: 'Dr. A. Patel, physician',
    });
    expect(r.status).toBe(201);
  }
  const certs = await app.t.db.medicalCertificate.findMany({
    where: { accountId },
    orderBy: { receivedAt: 'asc' },
  });
  // Each renews the first, for the arrears it froze ($100.00), though more went unpaid since.
  expect(certs.map((c) => [c.renewalNumber, c.arrearsCents])).toEqual([
    [0, 10_000n],
    [1, 10_000n],
    [2, 10_000n],
    [3, 10_000n],
  ]);
  const at = day(1);
  const ctx = await loadCaseContext(app.t.db, accountId, 1, at);
  const d = evaluate(ctx.profile, ctx.snapshot, 'DISCONNECT', at.toISOString());
  expect(d.protections.some((c) => c.code === 'PA_MEDICAL_CERTIFICATE')).toBe(false);
  expect(d.reasons.find((c) => c.code === 'PA_MEDICAL_CERTIFICATE_RENEWAL_LIMIT')?.text).toMatch(
    /renewal 3 for the same arrears \(\$100\.00\)/,
  );
});

test('a certificate from someone the rule does not name is on record, says why, and does not stop the disconnection (52 Pa. Code §56.111)', async () => {
  const accountId = await caseDueForDisconnection(71);
  const r = await app.call('csr', 'POST', `/accounts/${accountId}/medical-certificates`, {
    ...(await certificate()),
    certifier: 'OTHER',
    certifiedBy: 'J. Doe, pharmacist',
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({
    protects: false,
    certifier: 'OTHER',
    rule: { code: 'PA_MEDICAL_CERTIFICATE', cite: '52 Pa. Code §§56.111–56.114' },
  });
  expect(r.body.unmet).toEqual([
    'certified by someone the rule does not name; the rule accepts a physician, a physician assistant or a nurse practitioner',
  ]);
  const s = await advanceUntil(accountId, (x) => x.stage === 'DISCONNECT_ORDERED', 10);
  expect(s.protections.join(' ')).not.toMatch(/medical/i);
  const timeline = await app.call('auditor', 'GET', `/accounts/${accountId}/timeline?limit=50`);
  expect(JSON.stringify(timeline.body)).toMatch(
    /does not protect \(certified by someone the rule does not name/,
  );
  // A nurse practitioner's certificate does protect, and the order is cancelled. The one that fell
  // short is not in the chain of renewals: this is the first certificate.
  const np = await app.call('csr', 'POST', `/accounts/${accountId}/medical-certificates`, {
    ...(await certificate()),
    certifier: 'NURSE_PRACTITIONER',
    certifiedBy: 'R. Lee, CRNP',
  });
  expect(np.body).toMatchObject({ protects: true, unmet: [], renewalNumber: 0 });
  await expectNoDisconnection(accountId, /medical/i);
});

test('the winter moratorium protects a household at or below 250% of the poverty level', async () => {
  const accountId = await delinquentCase(30);
  await app.call('csr', 'PUT', `/accounts/${accountId}/income`, {
    incomePctFpl: 180,
    verifiedOn: '2026-11-01',
  });
  await advanceUntil(accountId, (x) => ['POSTED', 'POSTING', 'NOTICED', 'CONTACTED'].includes(x.stage));
  const s = await expectNoDisconnection(accountId, /moratorium/i);
  expect(s.protections.join(' ')).toMatch(/56\.100/);
});

test('arrangements: refused with reasons, accepted, a missed installment defaults and collections resumes', async () => {
  const accountId = await delinquentCase(40);
  await advanceUntil(accountId, (x) => x.stage !== 'OPEN' && x.stage !== 'REMINDED');
  const first = new Date((await app.env.currentTimeMs()) + 10 * 86_400_000).toISOString().slice(0, 10);
  // 400% of the poverty level: Pennsylvania allows at most 6 months (66 Pa.C.S. §1405(b)).
  const refused = await app.call(
    'csr',
    'POST',
    `/accounts/${accountId}/arrangements`,
    { downPaymentCents: 0, installments: 24, firstDueDate: first },
    { 'idempotency-key': 'arr-refused' },
  );
  expect(refused.status).toBe(200);
  expect(refused.body.accepted).toBe(false);
  expect(refused.body.reasons.join(' ')).toMatch(/1405/);
  const accepted = await app.call(
    'csr',
    'POST',
    `/accounts/${accountId}/arrangements`,
    { downPaymentCents: 2_345, installments: 5, firstDueDate: first },
    { 'idempotency-key': 'arr-accepted' },
  );
  expect(accepted.body.accepted).toBe(true);
  const schedule = accepted.body.schedule as { amountCents: string }[];
  expect(schedule.reduce((s, x) => s + BigInt(x.amountCents), 0n)).toBe(12_345n - 2_345n);
  // Each installment is checked when its due day and a day's grace are over in Millbrook, at local
  // midnight (05:00 UTC in winter, 04:00 in summer), not at a UTC midnight.
  const checks = accepted.body.schedule as { dueDate: string; checkAt: string }[];
  for (const c of checks) {
    expect(localDate(Date.parse(c.checkAt), TZ)).toBe(addDays(c.dueDate, 2));
    expect(wallClock(Date.parse(c.checkAt), TZ)).toMatchObject({ minutes: 0, seconds: 0 });
  }
  let s = await advanceUntil(accountId, (x) => x.stage === 'ARRANGEMENT');
  expect(s.arrangement).toMatchObject({ installments: 5, installmentsPaid: 0 });
  expect(s.nextActionAt).toBe(checks[0]!.checkAt);
  // Nothing is paid: the first installment is missed, the arrangement defaults, a notice follows.
  s = await advanceUntil(accountId, (x) => x.stage === 'NOTICED' || x.stage === 'CONTACTED', 30);
  const kinds = (await actions(accountId)).map((a) => a.kind);
  expect(kinds).toEqual(
    expect.arrayContaining(['ARRANGEMENT_REJECTED', 'ARRANGEMENT_ACCEPTED', 'ARRANGEMENT_DEFAULTED']),
  );
  const arrangement = await app.t.db.paymentArrangement.findFirstOrThrow({ where: { accountId } });
  expect(arrangement.status).toBe('DEFAULTED');
  // The missed installment is on the record, and the default is dated by the utility's day.
  const missed = await app.t.db.auditEvent.findMany({
    where: { accountId, action: 'collections.arrangement.installment.missed' },
  });
  expect(missed).toHaveLength(1);
  const defaulted = (await actions(accountId)).find((a) => a.kind === 'ARRANGEMENT_DEFAULTED')!;
  expect(arrangement.defaultedOn!.toISOString().slice(0, 10)).toBe(
    localDate(defaulted.occurredAt.getTime(), TZ),
  );
  const notices = await app.t.db.notice.findMany({ where: { accountId, type: 'DEFAULT_NOTICE' } });
  expect(notices.length).toBeGreaterThan(0);

  // No second agreement after a default (66 Pa.C.S. §1405(d))…
  await app.env.sleep(86_400_000);
  const today = localDate(await app.env.currentTimeMs(), TZ);
  const ask = (key: string) =>
    app.call(
      'csr',
      'POST',
      `/accounts/${accountId}/arrangements`,
      { downPaymentCents: 0, installments: 3, firstDueDate: addDays(today, 10) },
      { 'idempotency-key': key },
    );
  const again = await ask('arr-again');
  expect(again.body.accepted).toBe(false);
  expect(again.body.reasons.join(' ')).toMatch(/has not changed since: no second agreement/);
  // …unless household income has changed (§1403): verified at half what it was, a new one is allowed.
  const fell = await app.call('csr', 'PUT', `/accounts/${accountId}/income`, {
    incomePctFpl: 200,
    verifiedOn: today,
  });
  expect(fell.status).toBe(200);
  const afterChange = await ask('arr-after-change');
  expect(afterChange.body.accepted).toBe(true);
  expect(afterChange.body.reasons.join(' ')).toMatch(
    new RegExp(`household income changed on ${today}: a new agreement is allowed`),
  );
});

test('an arrangement kept to the last installment closes the episode', async () => {
  const accountId = await delinquentCase(50);
  await advanceUntil(accountId, (x) => x.stage !== 'OPEN' && x.stage !== 'REMINDED');
  const first = new Date((await app.env.currentTimeMs()) + 5 * 86_400_000).toISOString().slice(0, 10);
  const accepted = await app.call(
    'csr',
    'POST',
    `/accounts/${accountId}/arrangements`,
    { downPaymentCents: 2_345, installments: 2, firstDueDate: first },
    { 'idempotency-key': 'arr-kept' },
  );
  expect(accepted.body.accepted).toBe(true);
  await advanceUntil(accountId, (x) => x.stage === 'ARRANGEMENT');
  // The customer pays the down payment and both installments at once, before the first is due.
  const pay = await app.call(
    'csr',
    'POST',
    '/payments',
    { accountId, amountCents: 12_345, channel: 'CHECK' },
    { 'idempotency-key': `arr-kept-pay-${accountId}` },
  );
  expect(pay.status).toBe(201);
  const closed = await advanceUntil(accountId, (x) => x.stage === 'CLOSED', 90);
  expect(closed.closedReason).toMatch(/arrangement completed/);
  expect((await app.t.db.paymentArrangement.findFirstOrThrow({ where: { accountId } })).status).toBe(
    'COMPLETED',
  );
  const installments = await app.t.db.arrangementInstallment.findMany({
    orderBy: { n: 'asc' },
    where: { arrangement: { accountId } },
  });
  expect(installments.map((i) => i.status)).toEqual(['PAID', 'PAID']);
  expect((await actions(accountId)).map((a) => a.kind)).toContain('ARRANGEMENT_COMPLETED');
  // Settled on the utility's day: each check runs at Millbrook's midnight once the due day and a
  // day's grace are over.
  const kept = await app.t.db.timelineEvent.findMany({
    where: { accountId, kind: 'collections.arrangement.installment' },
    orderBy: { occurredAt: 'asc' },
  });
  expect(kept.map((t) => t.summary)).toEqual([
    expect.stringMatching(/^Arrangement installment 1 of 2 kept/),
    expect.stringMatching(/^Arrangement installment 2 of 2 kept/),
  ]);
  expect(installments.map((i) => i.settledOn!.toISOString().slice(0, 10))).toEqual(
    kept.map((t) => localDate(t.occurredAt.getTime(), TZ)),
  );
  const audits = await app.t.db.auditEvent.findMany({
    where: { accountId, action: 'collections.arrangement.installment.paid' },
  });
  expect(audits).toHaveLength(2);
  const completed = (await actions(accountId)).find((a) => a.kind === 'ARRANGEMENT_COMPLETED')!;
  const arrangementRow = await app.t.db.paymentArrangement.findFirstOrThrow({ where: { accountId } });
  expect(arrangementRow.completedOn!.toISOString().slice(0, 10)).toBe(
    localDate(completed.occurredAt.getTime(), TZ),
  );
  const last = (accepted.body.schedule as { dueDate: string }[])[1]!;
  expect(localDate(completed.occurredAt.getTime(), TZ)).toBe(addDays(last.dueDate, 2));
});

test('paid while off, the crew cannot get to the meter: not reconnected, no charge, ordered again by the same deadline', async () => {
  const accountId = await disconnectedCase(62);
  await payInFull(accountId);
  const first = await reconnectOrdered(accountId);
  expect(
    (await completeOrder(first.orderId, { outcome: 'NO_ACCESS', notes: 'Dog in the yard' })).status,
  ).toBe(200);
  const again = await reconnectOrdered(accountId);
  expect(again.orderId).not.toBe(first.orderId);
  // The deadline runs from the payment, not from the second order.
  expect(again.order.dueBy).toEqual(first.order.dueBy);
  expect((await state(accountId)).stage).toBe('RECONNECT_ORDERED');
  expect((await actions(accountId)).some((a) => a.kind === 'RECONNECT')).toBe(false);
  expect(await app.t.db.ledgerEntry.count({ where: { accountId, kind: 'RECONNECTION_FEE' } })).toBe(0);
  expect(
    await app.t.db.notice.count({
      where: { accountId, idempotencyKey: { contains: 'RECONNECTION_CONFIRMATION' } },
    }),
  ).toBe(0);
  const episode = await app.t.db.collectionsEpisode.findFirstOrThrow({ where: { accountId } });
  expect(episode.reconnectedAt).toBeNull();

  expect((await completeOrder(again.orderId, { outcome: 'COMPLETED_OK', readValue: 1000 })).status).toBe(200);
  const closed = await advanceUntil(accountId, (x) => x.stage === 'CLOSED', 5);
  expect(closed.closedReason).toMatch(/reconnected/);
  const restored = (await actions(accountId)).filter((a) => a.kind === 'RECONNECT');
  expect(restored.map((a) => (a.data as { orderId: string }).orderId)).toEqual([again.orderId]);
  expect(await app.t.db.ledgerEntry.count({ where: { accountId, kind: 'RECONNECTION_FEE' } })).toBe(1);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle(accountId).fetchHistory(),
    collectionsWorkflowId(accountId, 1),
  );
});

test('a door hanger the crew could not post is not a posted notice: no disconnection follows it; it is ordered again', async () => {
  const accountId = await delinquentCase(63);
  const s = await advanceUntil(accountId, (x) => x.stage === 'POSTING' || x.stage === 'DISCONNECT_ORDERED');
  // Pennsylvania posts a 48-hour notice from December to March only (§56.93).
  const month = Number(localDate(await app.env.currentTimeMs(), TZ).slice(5, 7));
  if (!(month === 12 || month <= 3)) return;
  expect(s.stage).toBe('POSTING');
  const hanger = s.orders.find((o) => o.type === 'DOOR_HANGER')!;
  expect(
    (await completeOrder(hanger.orderId, { outcome: 'NO_ACCESS', notes: 'No safe way to the door' })).status,
  ).toBe(200);
  const again = await advanceUntil(
    accountId,
    (x) => x.orders.some((o) => o.type === 'DOOR_HANGER' && o.status === 'OPEN'),
    5,
  );
  expect(again.stage).toBe('POSTING');
  expect(again.orders.some((o) => o.type === 'DISCONNECT')).toBe(false);
  expect((await actions(accountId)).some((a) => a.kind === 'POSTED_NOTICE')).toBe(false);
  expect(await app.t.db.notice.count({ where: { accountId, type: 'POSTED_NOTICE' } })).toBe(0);
  // Posted the second time: the case goes on to the disconnection.
  const second = again.orders.find((o) => o.type === 'DOOR_HANGER' && o.status === 'OPEN')!;
  await completeOrder(second.orderId, { outcome: 'COMPLETED_OK', notes: 'Posted' });
  await advanceUntil(accountId, (x) => x.stage === 'DISCONNECT_ORDERED', 10);
  const posted = (await actions(accountId)).filter((a) => a.kind === 'POSTED_NOTICE');
  expect(posted.map((a) => (a.data as { orderId: string }).orderId)).toEqual([second.orderId]);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle(accountId).fetchHistory(),
    collectionsWorkflowId(accountId, 1),
  );
});
