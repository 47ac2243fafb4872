// Each order type through Temporal with its steps, required completion data and effects: a start
// of service held for its deposit (released by payment, or by a supervisor's waiver), billing from
// the initial read and the lead service-line notice; a transfer that keeps one customer balance;
// the types whose completion only records what the crew found; and a replay guard for a held start.
import { Worker } from '@temporalio/worker';
import { startTestApp, type TestApp } from './helpers/app';
import { workflowBundle } from './helpers/temporal';
import {
  assign,
  complete,
  customerAt,
  eventually,
  ok,
  openOrder,
  orderUntil,
  pay,
  postRead,
} from './helpers/service-order-fixtures';
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { DEPOSIT_RECHECK_MS } from '../workflows/service-order';

jest.setTimeout(120_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const mailTo = async (address: string) =>
  (await listCaughtMail(app.mailDir, 500)).filter((m) => m.to.includes(address));

describe('start service', () => {
  test('held for the deposit, released by payment; billing starts at the initial read; lead notice sent', async () => {
    const c = await customerAt(app, 'ST1', {
      paperless: true,
      depositOnCents: 36_000,
      status: 'PENDING',
      startDate: '2026-11-25',
    });
    expect(c.deposit).toMatchObject({ required: true, amountCents: 6000 });
    const o = await openOrder(app, { accountId: c.accountId, type: 'START_SERVICE', reason: 'Move-in' });
    expect(o.hold).toBe('DEPOSIT');
    const held = await orderUntil(app, o.id, (x) => x.hold === 'DEPOSIT');
    expect(held).toMatchObject({ phase: 'HELD', slaDueAt: null });
    const list = await ok(app.call('supervisor', 'GET', '/service-orders?held=true'));
    expect(list.items.map((x: { id: string }) => x.id)).toContain(o.id);
    // Not dispatchable while held.
    const refused = await app.call('supervisor', 'POST', `/service-orders/${o.id}/assign`, {
      crewId: 'CREW-A',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/deposit/);

    // The deposit is paid; the order looks again at its next check.
    await pay(app, c.accountId, 6000);
    await app.env.sleep(DEPOSIT_RECHECK_MS);
    const released = await orderUntil(app, o.id, (x) => x.hold === null && x.phase === 'DISPATCH');
    expect(released.slaDueAt).not.toBeNull();
    expect(released.history.map((h: { event: string }) => h.event)).toEqual(['created', 'released']);

    await assign(app, o.id);
    const missing = await complete(app, o.id, { outcome: 'COMPLETED_OK' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('readValue');
    expect((await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 500 })).status).toBe(200);
    const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
    expect(done.effects).toMatchObject({
      account: { id: c.accountId, status: 'ACTIVE' },
      reads: [{ meterId: c.meterId, role: 'INITIAL', value: '500' }],
      notice: { required: true, channel: 'EMAIL', sent: true },
    });

    const account = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`));
    expect(account).toMatchObject({ status: 'ACTIVE', startDate: done.effects.account.startDate });
    // The initial read is the meter's latest good read: the cycle measures the first bill from it.
    const read = await app.t.db.meterRead.findFirstOrThrow({ where: { meterId: c.meterId! } });
    expect(read).toMatchObject({ source: 'FIELD', quality: 'ACTUAL', accountId: c.accountId });
    expect(Number(read.value)).toBe(500);

    // The lead service-line notice (the line is of unknown material): emailed to this paperless
    // customer once, registered.
    const mail = await eventually(
      () => mailTo('st1@example.org'),
      (m) => m.length > 0,
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toMatch(/lead and the water service line/);
    expect(mail[0]!.text).toMatch(/may be lead/);
    const notice = await app.t.db.notice.findFirstOrThrow({
      where: { accountId: c.accountId, type: 'LEAD_SERVICE_LINE' },
    });
    expect(notice).toMatchObject({ channel: 'EMAIL', language: 'en', recipient: 'st1@example.org' });
    expect(notice.messageId).toBeTruthy();
    const tl = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?limit=50`));
    const kinds = tl.items.map((e: { kind: string }) => e.kind);
    for (const k of ['service-order.released', 'account.started', 'notice.lead-service-line'])
      expect(kinds).toContain(k);
  });

  test('held for the deposit, released by a supervisor’s waiver (its charge reversed)', async () => {
    const c = await customerAt(app, 'ST2', {
      depositOnCents: 36_000,
      status: 'PENDING',
      language: 'es',
      paperless: true,
    });
    const o = await openOrder(app, { accountId: c.accountId, type: 'START_SERVICE', reason: 'Move-in' });
    expect(o.hold).toBe('DEPOSIT');
    const body = { reason: 'Twelve months of good history with the gas utility' };
    expect((await app.call('csr', 'POST', `/service-orders/${o.id}/deposit-waiver`, body)).status).toBe(403);
    const w = await ok(app.call('supervisor', 'POST', `/service-orders/${o.id}/deposit-waiver`, body));
    expect(w.waived).toHaveLength(1);
    await orderUntil(app, o.id, (x) => x.hold === null);
    const dep = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/deposit`));
    expect(dep.deposits[0]).toMatchObject({
      status: 'WAIVED',
      reason: expect.stringMatching(/good history/),
    });
    const l = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/ledger`));
    expect(l.balanceCents).toBe(0);
    expect(l.entries.every((e: { reversed: boolean }) => e.reversed)).toBe(true);
    // Once released, a second waiver has nothing to do.
    expect(
      (await app.call('supervisor', 'POST', `/service-orders/${o.id}/deposit-waiver`, body)).status,
    ).toBe(409);

    await assign(app, o.id, 'CREW-B');
    expect((await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 77 }, 'crew-b')).status).toBe(
      200,
    );
    await orderUntil(app, o.id, (x) => x.phase === 'DONE');
    const mail = await eventually(
      () => mailTo('st2@example.org'),
      (m) => m.length > 0,
    );
    expect(mail[0]!.subject).toMatch(/plomo/); // in the customer's language
  });

  test('no notice where both sides of the line are known not to be lead; no hold without a deposit', async () => {
    const c = await customerAt(app, 'ST3', { lines: ['NON_LEAD', 'NON_LEAD'], status: 'PENDING' });
    const o = await openOrder(app, { accountId: c.accountId, type: 'START_SERVICE', reason: 'Move-in' });
    expect(o.hold).toBeUndefined();
    await assign(app, o.id);
    expect((await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 10 })).status).toBe(200);
    const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
    expect(done.effects.notice).toMatchObject({ required: false, sent: false });
    expect(await app.t.db.notice.count({ where: { accountId: c.accountId } })).toBe(0);
  });

  test('no access: the order closes, service does not start, nothing is sent', async () => {
    const c = await customerAt(app, 'ST4', { status: 'PENDING' });
    const o = await openOrder(app, { accountId: c.accountId, type: 'START_SERVICE', reason: 'Move-in' });
    await assign(app, o.id);
    expect(
      (await complete(app, o.id, { outcome: 'NO_ACCESS', notes: 'Gate locked, nobody home' })).status,
    ).toBe(200);
    const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
    expect(done.effects).toBeNull();
    expect((await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`))).status).toBe('PENDING');
  });

  test('a held start, paid and completed, replays deterministically', async () => {
    const c = await customerAt(app, 'ST5', { depositOnCents: 36_000, status: 'PENDING' });
    const o = await openOrder(app, { accountId: c.accountId, type: 'START_SERVICE', reason: 'Move-in' });
    await pay(app, c.accountId, 6000);
    await app.env.sleep(DEPOSIT_RECHECK_MS);
    await orderUntil(app, o.id, (x) => x.hold === null);
    await assign(app, o.id);
    await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1 });
    await orderUntil(app, o.id, (x) => x.phase === 'DONE');
    const id = `service-order:${o.id}`;
    const history = await app.env.client.workflow.getHandle(id).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, id);
  });
});

test('transfer of service: one customer balance, moved with its due dates; the deposit moves; lead notice at the new premise', async () => {
  const a = await customerAt(app, 'TR1', { depositOnCents: 36_000, paperless: true });
  await pay(app, a.accountId, 6000); // the deposit, now HELD
  // An older bill, past due.
  await app.t.db.ledgerEntry.create({
    data: {
      accountId: a.accountId,
      kind: 'CHARGE',
      amountCents: 2500n,
      effectiveDate: new Date('2026-10-05T00:00:00Z'),
      dueDate: new Date('2026-10-25T00:00:00Z'),
      idempotencyKey: `test:${a.accountId}:october`,
      memo: 'October bill',
    },
  });
  await postRead(app, a.meterId!, '2026-11-02T08:00:00', 1000);
  const b = await customerAt(app, 'TR2', {
    lines: ['LEAD', 'NON_LEAD'],
    customerId: a.customerId,
    meterId: 'W-TR2',
    noAccount: true,
  });
  const before = await ok(app.call('csr', 'GET', `/accounts/${a.accountId}/ledger?asOf=2026-12-31`));
  expect(before.balanceCents).toBe(2500);

  const bad = await app.call('csr', 'POST', '/service-orders', {
    accountId: a.accountId,
    type: 'TRANSFER_SERVICE',
    reason: 'Moving across town',
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.field).toBe('details.toPremiseId');
  const o = await openOrder(app, {
    accountId: a.accountId,
    type: 'TRANSFER_SERVICE',
    reason: 'Moving across town',
    details: { toPremiseId: b.premiseId },
  });
  await assign(app, o.id);
  const view = await ok(app.call('crew-a', 'GET', `/field/orders/${o.id}`));
  expect(view.read.map((m: { id: string }) => m.id).sort()).toEqual([a.meterId, 'W-TR2'].sort());
  expect(view.toPremise.serviceAddress).toMatch(/TR2 Elm St/);
  // Both premises must be read.
  const half = await complete(app, o.id, {
    outcome: 'COMPLETED_OK',
    readValue: 1444,
    readAt: '2026-11-20T10:00:00',
  });
  expect(half.status).toBe(400);
  expect(half.body.error.message).toMatch(/W-TR2/);
  expect(
    (
      await complete(app, o.id, {
        outcome: 'COMPLETED_OK',
        readValue: 1444,
        reads: [{ meterId: 'W-TR2', value: 300 }],
        readAt: '2026-11-20T10:00:00',
      })
    ).status,
  ).toBe(200);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  const toAccountId = done.effects.toAccountId as string;
  expect(toAccountId).toBeTruthy();
  expect(done.effects.moved).toEqual({ chargesCents: String(2500 + 5987), creditCents: '0', deposits: 1 });

  // The old account: final bill, nothing left, closed.
  const finalBill = await ok(app.call('csr', 'GET', `/bills/BF-${o.id}`));
  expect(finalBill).toMatchObject({ kind: 'FINAL', totalCents: 5987, accountId: a.accountId });
  const asOf = `?asOf=${finalBill.billDate}`;
  const oldLedger = await ok(app.call('csr', 'GET', `/accounts/${a.accountId}/ledger${asOf}`));
  expect(oldLedger.balanceCents).toBe(0);
  expect((await ok(app.call('csr', 'GET', `/accounts/${a.accountId}`))).status).toBe('CLOSED');
  // The new one carries the same balance, and what was past due is still past due.
  const newLedger = await ok(app.call('csr', 'GET', `/accounts/${toAccountId}/ledger${asOf}`));
  expect(newLedger.balanceCents).toBe(2500 + 5987);
  expect(newLedger.pastDueCents).toBe(2500);
  const newAccount = await ok(app.call('csr', 'GET', `/accounts/${toAccountId}`));
  expect(newAccount).toMatchObject({
    status: 'ACTIVE',
    customerId: a.customerId,
    premiseId: b.premiseId,
    startDate: '2026-11-20',
    depositHeldCents: 6000,
  });
  const dep = await ok(app.call('csr', 'GET', `/accounts/${toAccountId}/deposit`));
  expect(dep.deposits[0]).toMatchObject({ status: 'HELD', amountCents: 6000 });
  expect((await ok(app.call('csr', 'GET', `/accounts/${a.accountId}`))).depositHeldCents).toBe(0);
  // The new premise's initial read belongs to the new account.
  const initial = await app.t.db.meterRead.findFirstOrThrow({ where: { meterId: 'W-TR2' } });
  expect(initial.accountId).toBe(toAccountId);
  expect(done.effects.notice).toMatchObject({ required: true, sent: true });
  const mail = await eventually(
    () => mailTo('tr1@example.org'),
    (m) => m.length > 0,
  );
  expect(mail[0]!.text).toMatch(/Part of this service line is made of lead/);
});

test('transfer with a deposit billed but not yet paid: it moves, and paying on the new account holds it there', async () => {
  const a = await customerAt(app, 'TR3', { depositOnCents: 36_000 }); // 6,000 billed, unpaid
  await postRead(app, a.meterId!, '2026-11-02T08:00:00', 1000);
  const b = await customerAt(app, 'TR4', { customerId: a.customerId, meterId: 'W-TR4', noAccount: true });
  const o = await openOrder(app, {
    accountId: a.accountId,
    type: 'TRANSFER_SERVICE',
    reason: 'Moving across town',
    details: { toPremiseId: b.premiseId },
  });
  await assign(app, o.id);
  const body = {
    outcome: 'COMPLETED_OK',
    readValue: 1444,
    reads: [{ meterId: 'W-TR4', value: 300 }],
    readAt: '2026-11-20T10:00:00',
  };
  expect((await complete(app, o.id, body)).status).toBe(200);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  const toAccountId = done.effects.toAccountId as string;
  // The deposit's charge moved with the balance (the final bill, 59.87, too); the deposit with it.
  expect(done.effects.moved).toEqual({ chargesCents: String(6000 + 5987), creditCents: '0', deposits: 1 });
  const moved = await ok(app.call('csr', 'GET', `/accounts/${toAccountId}/deposit`));
  expect(moved.deposits).toEqual([expect.objectContaining({ status: 'REQUIRED', amountCents: 6000 })]);
  expect((await ok(app.call('csr', 'GET', `/accounts/${a.accountId}/deposit`))).deposits).toEqual([]);

  await pay(app, toAccountId, 6000 + 5987);
  const paid = await ok(app.call('csr', 'GET', `/accounts/${toAccountId}/deposit`));
  expect(paid.deposits).toEqual([expect.objectContaining({ status: 'HELD', amountCents: 6000 })]);
  expect((await ok(app.call('csr', 'GET', `/accounts/${toAccountId}`))).depositHeldCents).toBe(6000);
});

test('types that record what the crew found: their own outcome codes, notes where something was found', async () => {
  const c = await customerAt(app, 'LK1');
  const leak = await openOrder(app, {
    accountId: c.accountId,
    type: 'LEAK_CHECK',
    reason: 'Wet spot in the yard',
  });
  await assign(app, leak.id);
  const wrong = await complete(app, leak.id, { outcome: 'READ_VERIFIED', readValue: 5 });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.field).toBe('outcome');
  const silent = await complete(app, leak.id, { outcome: 'LEAK_FOUND' });
  expect(silent.status).toBe(400);
  expect(silent.body.error.field).toBe('notes');
  const found = await complete(app, leak.id, {
    outcome: 'LEAK_FOUND',
    notes: 'Service line leaking at the curb stop',
    photoRefs: ['photos/lk1-curb.jpg'],
  });
  expect(found.status).toBe(200);
  const done = await orderUntil(app, leak.id, (x) => x.phase === 'DONE');
  expect(done.completion).toMatchObject({ outcome: 'LEAK_FOUND', photoRefs: ['photos/lk1-curb.jpg'] });
  expect(done.effects).toBeNull();

  const hanger = await openOrder(app, {
    accountId: c.accountId,
    type: 'DOOR_HANGER',
    reason: 'Planned outage',
  });
  await assign(app, hanger.id, 'CREW-B');
  expect((await complete(app, hanger.id, { outcome: 'COMPLETED_OK' }, 'crew-b')).status).toBe(200);

  const inv = await openOrder(app, {
    accountId: c.accountId,
    type: 'METER_INVESTIGATION',
    meterId: c.meterId,
    reason: 'Customer reports the register is not moving',
  });
  await assign(app, inv.id);
  const defective = await complete(app, inv.id, { outcome: 'METER_DEFECTIVE', readValue: 42 });
  expect(defective.body.error.field).toBe('notes');
  expect(
    (await complete(app, inv.id, { outcome: 'METER_DEFECTIVE', readValue: 42, notes: 'Register stuck' }))
      .status,
  ).toBe(200);
});

test('opening an order checks what its type needs', async () => {
  const c = await customerAt(app, 'OP1');
  const exchange = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'METER_EXCHANGE',
    reason: 'Failed the accuracy test',
  });
  expect(exchange.status).toBe(400);
  expect(exchange.body.error.field).toBe('meterId');
  const noMeter = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'METER_EXCHANGE',
    meterId: c.meterId,
    reason: 'Failed the accuracy test',
  });
  expect(noMeter.body.error.field).toBe('details.newMeter');
  const taken = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'METER_EXCHANGE',
    meterId: c.meterId,
    reason: 'Failed the accuracy test',
    details: { newMeter: { id: c.meterId, dials: 6, multiplier: 10 } },
  });
  expect(taken.body.error.field).toBe('details.newMeter.id');
  const stray = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'LEAK_CHECK',
    reason: 'x',
    details: { toPremiseId: c.premiseId },
  });
  expect(stray.status).toBe(400);
  expect(stray.body.error.field).toBe('details.toPremiseId');
  const window = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'LEAK_CHECK',
    reason: 'x',
    windowStart: '2026-12-01T13:00:00Z',
  });
  expect(window.body.error.field).toBe('windowEnd');
  // A stop on an account that is not active is a conflict, not a bad request.
  await ok(
    app.call('csr', 'PATCH', `/accounts/${c.accountId}`, {
      status: 'CLOSED',
      reason: 'Closed at the owner’s request',
    }),
  );
  const stop = await app.call('csr', 'POST', '/service-orders', {
    accountId: c.accountId,
    type: 'STOP_SERVICE',
    reason: 'x',
  });
  expect(stop.status).toBe(409);
});
