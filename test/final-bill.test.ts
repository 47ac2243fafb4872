// Move-out through Temporal: the crew's final read → the final bill, prorated per the ordinance →
// the deposit applied → a credit refunded (account closed), or a debit left to its due date and,
// unpaid the day after, handed to collections through the bill cycle's hand-off.
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
import { collectionsWorkflowId } from '../workflows/collections-case';

jest.setTimeout(120_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

/** The ledger on a day (workflow time runs ahead of the wall clock once a test skips time). */
const ledger = (accountId: string, asOf: string) =>
  ok(app.call('csr', 'GET', `/accounts/${accountId}/ledger?asOf=${asOf}`));

/**
 * Hand calculation (Ordinance 2026-14, W-1, 5/8"): service 2026-11-02 → 2026-11-20 is 18 days of
 * the regular 30-day period 11-02 → 12-02 (cycle 1 reads on the 2nd). 444 counts × 10 = 4,440 gal.
 *   Base 18.50 × 18/30                                    = 11.10
 *   First block 3,000 × 18/30 = 1,800 gal × 4.10/1000     =  7.38
 *   Next block: the other 2,640 gal × 5.25/1000           = 13.86
 *   Sewer 4,440 × 6.20/1000 = 27.528                      = 27.53   (cap 12,000 × 18/30 not reached)
 *   Final bill                                            = 59.87
 */
const FINAL_CENTS = 5987;

async function moveOut(tag: string, depositOnCents?: number) {
  const c = await customerAt(app, tag, depositOnCents !== undefined ? { depositOnCents } : {});
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1000);
  const o = await openOrder(app, {
    accountId: c.accountId,
    type: 'STOP_SERVICE',
    reason: 'Customer moving out',
  });
  await assign(app, o.id);
  const done = await complete(app, o.id, {
    outcome: 'COMPLETED_OK',
    readValue: 1444,
    readAt: '2026-11-20T10:00:00',
    notes: 'Final read, meter left on for the owner',
  });
  expect(done.status).toBe(200);
  return { ...c, orderId: o.id };
}

test('move-out → final bill (prorated) → deposit applied → credit refunded → account closed', async () => {
  // A $60.00 deposit (1/6 of $360.00 estimated annual billing), billed and paid: HELD.
  const c = await customerAt(app, 'FB1', { depositOnCents: 36_000 });
  expect(c.deposit).toMatchObject({ required: true, amountCents: 6000 });
  await pay(app, c.accountId, 6000);
  const dep = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/deposit`));
  expect(dep.deposits[0]).toMatchObject({ status: 'HELD', amountCents: 6000 });
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1000);

  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  // The crew is told which meters to read, nothing of the customer's account.
  await assign(app, o.id);
  const view = await ok(app.call('crew-a', 'GET', `/field/orders/${o.id}`));
  expect(view.read.map((m: { id: string }) => m.id)).toEqual([c.meterId]);
  expect(JSON.stringify(view)).not.toMatch(/Customer FB1|fb1@example|814-555|deposit|balance/i);
  expect(
    (await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1444, readAt: '2026-11-20T10:00:00' }))
      .status,
  ).toBe(200);

  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.effects.settlement).toMatchObject({
    outcome: 'REFUNDED',
    depositAppliedCents: '6000',
    refundCents: String(6000 - FINAL_CENTS),
  });

  const bill = await ok(app.call('csr', 'GET', `/bills/BF-${o.id}`));
  expect(bill).toMatchObject({
    kind: 'FINAL',
    status: 'ISSUED',
    totalCents: FINAL_CENTS,
    periodFrom: '2026-11-02',
    periodTo: '2026-11-20',
  });
  expect(bill.lines.map((l: { amountCents: number }) => l.amountCents)).toEqual([1110, 738, 1386, 2753]);
  expect(bill.lines[0].description).toMatch(/18 of 30 days/);
  // Its account summary shows what the final bill settled: the deposit applied, the credit refunded.
  expect(bill.statement).toEqual({
    previousBalanceCents: 0,
    activityCents: 6000 - 6000 - 6000 + (6000 - FINAL_CENTS),
    balanceForwardCents: -FINAL_CENTS,
    currentChargesCents: FINAL_CENTS,
    totalDueCents: 0,
    amountDueCents: 0,
    creditCents: 0,
    pastDueCents: 0,
    activity: [
      expect.objectContaining({ label: 'deposit', amountCents: 6000 }),
      expect.objectContaining({ label: 'payment', amountCents: -6000 }),
      expect.objectContaining({ label: 'depositApplied', amountCents: -6000 }),
      expect.objectContaining({ label: 'refund', amountCents: 6000 - FINAL_CENTS }),
    ],
  });

  // Deposit billed, paid, final charge, deposit applied, refund: nothing left either way.
  const l = await ledger(c.accountId, bill.billDate);
  expect(l.balanceCents).toBe(0);
  expect(l.entries.map((e: { kind: string; amountCents: number }) => [e.kind, e.amountCents])).toEqual([
    ['DEPOSIT_BILLED', 6000],
    ['PAYMENT', -6000],
    ['CHARGE', FINAL_CENTS],
    ['DEPOSIT_APPLIED', -6000],
    ['ADJUSTMENT', 6000 - FINAL_CENTS],
  ]);
  const account = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`));
  expect(account).toMatchObject({ status: 'CLOSED', endDate: expect.any(String) });
  // Delivered as any bill is (this customer takes paper: the print batch), once.
  const delivered = await app.t.db.notice.findMany({ where: { billId: `BF-${o.id}` } });
  expect(delivered.map((n) => [n.type, n.channel])).toEqual([['BILL', 'PRINT']]);
  expect((await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/deposit`))).deposits[0].status).toBe(
    'APPLIED',
  );

  // The final read is a read of the meter, and a boundary of service.
  const reads = await app.t.db.meterRead.findMany({
    where: { meterId: c.meterId! },
    orderBy: { readAt: 'asc' },
  });
  expect(reads.map((r) => [r.source, Number(r.value)])).toEqual([
    ['API', 1000],
    ['FIELD', 1444],
  ]);

  const tl = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?limit=50`));
  const kinds = tl.items.map((e: { kind: string }) => e.kind);
  for (const k of [
    'service-order.completed',
    'bill.issued',
    'deposit.applied',
    'ledger.refund',
    'account.closed',
  ])
    expect(kinds).toContain(k);
  expect((await ok(app.call('auditor', 'GET', '/audit/verify'))).ok).toBe(true);
});

test('move-out with a debit: unpaid the day after the due date, handed to collections', async () => {
  const c = await moveOut('FB2');
  const pending = await orderUntil(app, c.orderId, (x) => x.phase === 'AWAITING_FINAL_PAYMENT');
  expect(pending.effects.settlement).toMatchObject({ outcome: 'PENDING', balanceCents: String(FINAL_CENTS) });
  const account = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`));
  expect(account.status).toBe('FINAL');

  // Three weeks on (due date + 1): still unpaid.
  await app.env.sleep('22 days');
  const settled = await orderUntil(app, c.orderId, (x) => x.phase === 'DONE');
  expect(settled.effects.settlement).toMatchObject({
    outcome: 'COLLECTIONS',
    collectionsWorkflowId: collectionsWorkflowId(c.accountId, 1),
  });
  const episode = await app.t.db.collectionsEpisode.findFirstOrThrow({ where: { accountId: c.accountId } });
  expect(episode).toMatchObject({ episode: 1, openedByRun: `final:BF-${c.orderId}` });
  expect(Number(episode.pastDueCents)).toBe(FINAL_CENTS);
  // The late payment charge, as on any bill: 1.5% of $59.87 is $0.90, so the $1.00 minimum; once.
  const fees = await app.t.db.ledgerEntry.findMany({ where: { accountId: c.accountId, kind: 'LATE_FEE' } });
  expect(fees.map((f) => [f.amountCents, f.idempotencyKey])).toEqual([
    [100n, `bill:BF-${c.orderId}:late-fee`],
  ]);
  const desc = await app.env.client.workflow.getHandle(collectionsWorkflowId(c.accountId, 1)).describe();
  expect(desc.type).toBe('collectionsCase');
  const tl = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?kind=final-bill.*`));
  expect(tl.items).toHaveLength(1);
});

test('move-out with a debit paid before the due date: closed, nothing handed off', async () => {
  const c = await moveOut('FB3');
  await orderUntil(app, c.orderId, (x) => x.phase === 'AWAITING_FINAL_PAYMENT');
  await pay(app, c.accountId, FINAL_CENTS);
  await app.env.sleep('22 days');
  const settled = await orderUntil(app, c.orderId, (x) => x.phase === 'DONE');
  expect(settled.effects.settlement.outcome).toBe('PAID');
  expect((await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`))).status).toBe('CLOSED');
  expect(await app.t.db.collectionsEpisode.count({ where: { accountId: c.accountId } })).toBe(0);
});

test('a stop with no read to start from is completed, and the problem is put in front of a person', async () => {
  const c = await customerAt(app, 'FB4');
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id);
  expect((await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 20 })).status).toBe(200);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.status).toBe('COMPLETED');
  expect(done.effects.problem).toMatch(/no read before/);
  const tl = await eventually(
    () => ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?kind=service-order.*`)),
    (x) => x.items.some((e: { kind: string }) => e.kind === 'service-order.effects-problem'),
  );
  expect(tl.items[0].summary).toMatch(/need attention/);
  // Nothing half-done: no bill, no final read stored, the account still active.
  expect(await app.t.db.bill.count({ where: { accountId: c.accountId } })).toBe(0);
  expect(await app.t.db.meterRead.count({ where: { meterId: c.meterId! } })).toBe(0);
  expect((await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`))).status).toBe('ACTIVE');
});

test('a deposit billed and only partly paid is settled on the final bill: the unpaid part is not owed', async () => {
  // $100.00 deposit (1/6 of $600.00), $40.00 of it paid: REQUIRED, not held.
  const c = await customerAt(app, 'FB7', { depositOnCents: 60_000 });
  expect(c.deposit).toMatchObject({ required: true, amountCents: 10_000 });
  await pay(app, c.accountId, 4000);
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1000);
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id);
  expect(
    (await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1444, readAt: '2026-11-20T10:00:00' }))
      .status,
  ).toBe(200);
  const pending = await orderUntil(app, o.id, (x) => x.phase === 'AWAITING_FINAL_PAYMENT');
  // The final charges less the $40.00 paid toward the deposit; the unpaid $60.00 is reversed.
  expect(pending.effects.settlement).toMatchObject({
    outcome: 'PENDING',
    balanceCents: String(FINAL_CENTS - 4000),
    depositAppliedCents: '4000',
  });
  const l = await ledger(c.accountId, pending.effects.bill.billDate);
  expect(l.entries.map((e: { kind: string; amountCents: number }) => [e.kind, e.amountCents])).toEqual([
    ['DEPOSIT_BILLED', 10_000],
    ['PAYMENT', -4000],
    ['CHARGE', FINAL_CENTS],
    ['ADJUSTMENT', -6000],
    ['DEPOSIT_APPLIED', -4000],
  ]);
  const deposit = async () =>
    (await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/deposit`))).deposits[0].status;
  expect(await deposit()).toBe('APPLIED');
  // Paying the rest closes the account; the deposit stays settled (not held on a closed account).
  await pay(app, c.accountId, FINAL_CENTS - 4000);
  await app.env.sleep('22 days');
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.effects.settlement.outcome).toBe('PAID');
  expect(await deposit()).toBe('APPLIED');
  const account = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`));
  expect(account).toMatchObject({ status: 'CLOSED', depositHeldCents: 0 });
  expect(await app.t.db.ledgerEntry.count({ where: { accountId: c.accountId, kind: 'LATE_FEE' } })).toBe(0);
});

test('a final read lower than the last read that cannot be a rollover is put in front of a person, not billed', async () => {
  const c = await customerAt(app, 'FB6');
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 123_456);
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id);
  // Mistyped: six dials, 123456 → 123450 would be a rollover of 999,994 counts.
  expect(
    (
      await complete(app, o.id, {
        outcome: 'COMPLETED_OK',
        readValue: 123_450,
        readAt: '2026-11-20T10:00:00',
      })
    ).status,
  ).toBe(200);
  const done = await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  expect(done.effects.problem).toMatch(
    new RegExp(`Meter ${c.meterId}: read 123450 on 2026-11-20 after 123456 on 2026-11-02: .*check the read`),
  );
  expect(await app.t.db.bill.count({ where: { accountId: c.accountId } })).toBe(0);
  expect((await ok(app.call('csr', 'GET', `/accounts/${c.accountId}`))).status).toBe('ACTIVE');
});

test('a stop order with its final bill and settlement replays deterministically', async () => {
  const c = await moveOut('FB5');
  await orderUntil(app, c.orderId, (x) => x.phase === 'AWAITING_FINAL_PAYMENT');
  await app.env.sleep('22 days');
  await orderUntil(app, c.orderId, (x) => x.phase === 'DONE');
  const id = `service-order:${c.orderId}`;
  const history = await app.env.client.workflow.getHandle(id).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, id);
});

test('a stop while the cycle is held for review: the final bill covers the period, the draft is not issued', async () => {
  const c = await customerAt(app, 'FB8', { startDate: '2026-10-01' });
  await postRead(app, c.meterId!, '2026-10-02T08:00:00', 1000);
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1300);
  const run = (path = '') => `/bill-cycles/1/runs/2026-11${path}`;
  expect(
    (
      await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
        period: '2026-11',
        keepPlannedDates: true,
      })
    ).status,
  ).toBe(202);
  await ok(app.call('supervisor', 'POST', run('/hold'), { reason: 'Checking the rates' }));
  await eventually(
    () => app.call('supervisor', 'GET', run()),
    (r) => r.status === 200 && r.body.stage === 'held-for-review',
    120_000,
    'cycle held',
  );
  const draftId = `B-1-2026-11-${c.accountId}`;
  expect(await app.t.db.bill.findUniqueOrThrow({ where: { id: draftId } })).toMatchObject({
    status: 'DRAFT',
  });

  // The customer moves out meanwhile: the final bill runs from the last billed read (10-02).
  const o = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, o.id);
  expect(
    (await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: 1500, readAt: '2026-11-20T10:00:00' }))
      .status,
  ).toBe(200);
  const stopped = await orderUntil(app, o.id, (x) => !!x.effects?.bill);
  expect(stopped.effects.bill).toMatchObject({ periodFrom: '2026-10-02', periodTo: '2026-11-20' });

  await ok(app.call('supervisor', 'POST', run('/release'), {}));
  await ok(app.call('supervisor', 'POST', run('/approve'), {}));
  const p = (
    await eventually(
      () => app.call('supervisor', 'GET', run()),
      (r) =>
        r.status === 200 &&
        ['waiting-for-due-date', 'late-charges', 'handing-off', 'closed'].includes(r.body.stage),
      120_000,
      'cycle issued',
    )
  ).body;
  expect(await app.t.db.bill.findUniqueOrThrow({ where: { id: draftId } })).toMatchObject({
    status: 'CANCELLED',
  });
  // The run's counts: the discarded draft was drafted, not issued.
  const issued = await app.t.db.bill.findMany({
    where: { cycleRunId: '1:2026-11', kind: 'REGULAR', status: 'ISSUED' },
  });
  expect(p.issued).toBe(issued.length);
  expect(p.issuedCents).toBe(String(issued.reduce((s, b) => s + b.totalCents, 0n)));
  expect(await app.t.db.ledgerEntry.count({ where: { accountId: c.accountId, kind: 'CHARGE' } })).toBe(1);
  const tl = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?kind=bill.*`));
  const kinds = tl.items.map((e: { kind: string }) => e.kind);
  expect(kinds).toContain('bill.discarded');
  expect(kinds.filter((k: string) => k === 'bill.issued')).toHaveLength(1); // the final bill's
});
