// Meter exchange through Temporal: the crew reads the old meter, sets the new one and reads it; the
// old meter leaves the cycle (removed_on), the two reads are joined by a meter_exchange row, and the
// use on both registers is billed exactly once — by a final bill, and by the next bill cycle.
//
// Hand calculation used below (Ordinance 2026-14, W-1, 5/8"), service 2026-10-02 → 2026-11-02
// (31 days, a full period): old meter 1000 → 1300 (300 counts × 10 = 3,000 gal) until the exchange
// on 10-20, new meter 50 → 400 (350 × 10 = 3,500 gal) after it: 6,500 gal.
//   Base 18.50; 3,000 × 4.10/1000 = 12.30; 3,500 × 5.25/1000 = 18.375 → 18.38;
//   sewer 6,500 × 6.20/1000 = 40.30. Total 89.48.
import { startTestApp, type TestApp } from './helpers/app';
import {
  assign,
  complete,
  customerAt,
  eventually,
  ok,
  openOrder,
  orderUntil,
  postRead,
} from './helpers/service-order-fixtures';
import { Client } from 'pg';
import { meterExchangeFolds } from '../services/meter-exchange-billing';

jest.setTimeout(180_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function exchange(
  c: { accountId: string; meterId: string | null },
  newId: string,
  reads: { old: number; new: number; at: string },
) {
  const o = await openOrder(app, {
    accountId: c.accountId,
    type: 'METER_EXCHANGE',
    meterId: c.meterId,
    reason: 'Failed the accuracy test',
    details: { newMeter: { id: newId, dials: 6, multiplier: 10 } },
  });
  await assign(app, o.id);
  const view = await ok(app.call('crew-a', 'GET', `/field/orders/${o.id}`));
  expect(view).toMatchObject({ newMeter: { id: newId }, read: [{ id: c.meterId }] });
  // Both registers must be read.
  const half = await complete(app, o.id, { outcome: 'COMPLETED_OK', readValue: reads.old, readAt: reads.at });
  expect(half.status).toBe(400);
  expect(half.body.error.message).toMatch(newId);
  const body = {
    outcome: 'COMPLETED_OK',
    readValue: reads.old,
    reads: [{ meterId: newId, value: reads.new }],
    readAt: reads.at,
    photoRefs: [`photos/${newId}.jpg`],
  };
  expect((await complete(app, o.id, body)).status).toBe(200);
  // An offline tablet sending it again is answered the same, and nothing is recorded twice.
  const again = await complete(app, o.id, body);
  expect(again.status).toBe(200);
  expect(again.body.replayed).toBe(true);
  await orderUntil(app, o.id, (x) => x.phase === 'DONE');
  return o.id;
}

let cycleAccount: Awaited<ReturnType<typeof customerAt>>;

test('the exchange: old meter read and removed, new meter set and read, joined for billing', async () => {
  cycleAccount = await customerAt(app, 'MX1', { startDate: '2026-10-01' });
  const c = cycleAccount;
  await postRead(app, c.meterId!, '2026-10-02T08:00:00', 1000);
  const orderId = await exchange(c, 'W-MX1-NEW', { old: 1300, new: 50, at: '2026-10-20T10:00:00' });

  const old = await ok(app.call('csr', 'GET', `/meters/${c.meterId}`));
  expect(old.removedOn).toBe('2026-10-20');
  const set = await ok(app.call('csr', 'GET', '/meters/W-MX1-NEW'));
  expect(set).toMatchObject({ installedOn: '2026-10-20', removedOn: null, size: '5/8"', dials: 6 });
  const x = await app.t.db.meterExchange.findUniqueOrThrow({ where: { orderId } });
  expect(x).toMatchObject({ oldMeterId: c.meterId, newMeterId: 'W-MX1-NEW' });
  expect(await app.t.db.serviceOrderRead.count({ where: { orderId } })).toBe(2);
  expect(
    await app.t.db.meterRead.count({
      where: { source: 'FIELD', meterId: { in: [c.meterId!, 'W-MX1-NEW'] } },
    }),
  ).toBe(2);

  // The new meter's first period carries the old meter's last stretch: 3,000 gal from 10-02.
  const folds = await meterExchangeFolds(app.t.db, [
    { meterId: 'W-MX1-NEW', previousReadAt: new Date('2026-10-20T10:00:00Z') },
  ]);
  const fold = folds.get('W-MX1-NEW')!;
  expect(fold).toMatchObject({
    oldMeterId: c.meterId,
    from: new Date('2026-10-02T08:00:00Z'),
    to: new Date('2026-10-20T10:00:00Z'),
    registerDelta: 300n,
  });
  expect(fold.units.toString()).toBe('3000');
  // A later period of the new meter carries nothing: the stretch is billed once.
  const later = await meterExchangeFolds(app.t.db, [
    { meterId: 'W-MX1-NEW', previousReadAt: new Date('2026-11-02T08:00:00Z') },
  ]);
  expect(later.size).toBe(0);

  const tl = await ok(app.call('csr', 'GET', `/accounts/${c.accountId}/timeline?kind=meter.*`));
  expect(tl.items.map((e: { kind: string }) => e.kind)).toEqual(['meter.exchanged']);
});

test('a move-out after an exchange bills both meters exactly once, on one prorated final bill', async () => {
  // 11-02 start read 1000; exchange 11-10: old 1100 (1,000 gal), new 0; move-out 11-20: new 344
  // (3,440 gal). 4,440 gal over 11-02 → 11-20 (18 of 30 days): the same 59.87 as one meter would be.
  const c = await customerAt(app, 'MX2');
  await postRead(app, c.meterId!, '2026-11-02T08:00:00', 1000);
  await exchange(c, 'W-MX2-NEW', { old: 1100, new: 0, at: '2026-11-10T09:00:00' });
  const stop = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, stop.id);
  const view = await ok(app.call('crew-a', 'GET', `/field/orders/${stop.id}`));
  expect(view.read.map((m: { id: string }) => m.id)).toEqual(['W-MX2-NEW']);
  expect(
    (await complete(app, stop.id, { outcome: 'COMPLETED_OK', readValue: 344, readAt: '2026-11-20T10:00:00' }))
      .status,
  ).toBe(200);
  await orderUntil(app, stop.id, (x) => !!x.effects?.bill);
  const bill = await ok(app.call('csr', 'GET', `/bills/BF-${stop.id}`));
  expect(bill).toMatchObject({
    kind: 'FINAL',
    totalCents: 5987,
    periodFrom: '2026-11-02',
    periodTo: '2026-11-20',
  });
  expect(bill.lines[0]).toMatchObject({ component: 'METER_EXCHANGE', amountCents: 0 });
  expect(bill.lines[0].description).toMatch(/1000 on W-MX2 .* \+ 3440 on W-MX2-NEW = 4440/);
  expect(bill.lines.slice(1).map((l: { amountCents: number }) => l.amountCents)).toEqual([
    1110, 738, 1386, 2753,
  ]);
});

/**
 * The old meter stopped registering and its October bill (09-02 → 10-02) was estimated at 2,000
 * gal, as the cycle writes it (an ESTIMATED result and an ISSUED regular bill); then it was
 * exchanged on 10-20.
 */
async function estimatedThenExchanged(tag: string, oldFinal = 1300) {
  const c = await customerAt(app, tag, { startDate: '2026-09-01' });
  await postRead(app, c.meterId!, '2026-09-02T08:00:00', 1000);
  const db = new Client({ connectionString: app.t.adminUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO bill_cycle_run (id, cycle_id, period, workflow_id, status, read_window_from, read_window_to,
         bill_date, due_date)
       VALUES ('1:2026-10', 1, '2026-10', 'bill-cycle:1:2026-10', 'CLOSED', '2026-09-30', '2026-10-06',
         '2026-10-06', '2026-10-26')
       ON CONFLICT (id) DO NOTHING`,
    );
    await db.query(
      `INSERT INTO cycle_meter_result (cycle_run_id, meter_id, account_id, status, previous_read_at, read_at,
         estimated_usage, basis)
       VALUES ('1:2026-10', $1, $2, 'ESTIMATED', '2026-09-02T08:00:00Z', '2026-10-02T08:00:00Z', 2000,
         'ESTIMATED: class average')`,
      [c.meterId, c.accountId],
    );
    await db.query(
      `INSERT INTO bill (id, account_id, cycle_run_id, kind, status, period_from, period_to, bill_date, due_date,
         estimated, total_cents, language, issued_at)
       VALUES ($1, $2, '1:2026-10', 'REGULAR', 'ISSUED', '2026-09-02', '2026-10-02', '2026-10-06', '2026-10-26',
         true, 4510, 'en', now())`,
      [`B-1-2026-10-${c.accountId}`, c.accountId],
    );
  } finally {
    await db.end();
  }
  await exchange(c, `W-${tag}-NEW`, { old: oldFinal, new: 0, at: '2026-10-20T10:00:00' });
  return c;
}

// A move-out after an over-estimated old meter was exchanged: 1000 → 1100 is 1,000 gal where the
// October estimate billed 2,000, so nothing is left on it and October is credited −10.30 (as on
// the cycle bill below). The new meter 0 → 100 = 1,000 gal over 10-02 → 11-20, 49 days: a whole
// month and 18 days of the next, the use split by days. 10-02 → 11-02 (31 days): 632.653… gal,
// 18.50 + 2.59 + sewer 3.92 = 25.01; 11-02 → 11-20 (18 of 30 days): 367.347… gal, base 18.50 ×
// 18/30 = 11.10 + 1.51 + sewer 2.28 = 14.89. Final bill 39.90 − 10.30 = 29.60.
test('a move-out after an over-estimated meter was exchanged credits the excess on the final bill', async () => {
  const c = await estimatedThenExchanged('MX7', 1100);
  const stop = await openOrder(app, { accountId: c.accountId, type: 'STOP_SERVICE', reason: 'Moving out' });
  await assign(app, stop.id);
  expect(
    (await complete(app, stop.id, { outcome: 'COMPLETED_OK', readValue: 100, readAt: '2026-11-20T10:00:00' }))
      .status,
  ).toBe(200);
  await orderUntil(app, stop.id, (x) => !!x.effects?.bill || !!x.effects?.problem);
  const bill = await ok(app.call('csr', 'GET', `/bills/BF-${stop.id}`));
  expect(bill).toMatchObject({ totalCents: 2960, periodFrom: '2026-10-02', periodTo: '2026-11-20' });
  const credits = bill.lines.filter((l: { component: string }) => l.component.startsWith('ESTIMATE_CREDIT:'));
  expect(
    credits.map((l: { amountCents: number; meterId: string }) => [l.amountCents, l.meterId]).sort(),
  ).toEqual([
    [-410, c.meterId],
    [-620, c.meterId],
  ]);
});

describe('the bill cycle after an exchange', () => {
  let billCents: number;
  let inWindow: Awaited<ReturnType<typeof customerAt>>;
  let estimated: Awaited<ReturnType<typeof customerAt>>;
  let mistyped: Awaited<ReturnType<typeof customerAt>>;
  let overEstimated: Awaited<ReturnType<typeof customerAt>>;

  beforeAll(async () => {
    estimated = await estimatedThenExchanged('MX4');
    await postRead(app, 'W-MX4-NEW', '2026-11-02T08:00:00', 150);
    overEstimated = await estimatedThenExchanged('MX6', 1100);
    await postRead(app, 'W-MX6-NEW', '2026-11-02T08:00:00', 150);
    // The old meter's final read typed lower than its last read, too far to be a rollover.
    mistyped = await customerAt(app, 'MX5', { startDate: '2026-10-01' });
    await postRead(app, mistyped.meterId!, '2026-10-02T08:00:00', 1000);
    await exchange(mistyped, 'W-MX5-NEW', { old: 990, new: 0, at: '2026-10-20T10:00:00' });
    await postRead(app, 'W-MX5-NEW', '2026-11-02T08:00:00', 100);
    await postRead(app, 'W-MX1-NEW', '2026-11-02T08:00:00', 400);
    // An exchange inside November's read window (10-31 → 11-05), the day before the billing read:
    // its two reads start the new meter's period; they are not the period's read.
    inWindow = await customerAt(app, 'MX3', { startDate: '2026-10-01' });
    await postRead(app, inWindow.meterId!, '2026-10-02T08:00:00', 1000);
    await exchange(inWindow, 'W-MX3-NEW', { old: 1290, new: 0, at: '2026-11-01T09:00:00' });
    await postRead(app, 'W-MX3-NEW', '2026-11-02T08:00:00', 10);
    const start = await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
      period: '2026-11',
      keepPlannedDates: true,
      autoApprove: true,
    });
    expect(start.status).toBe(202);
    await eventually(
      () => app.call('supervisor', 'GET', '/bill-cycles/1/runs/2026-11'),
      (r) =>
        r.status === 200 &&
        ['waiting-for-due-date', 'late-charges', 'handing-off', 'closed'].includes(r.body.stage),
      120_000,
      'cycle issued',
    );
    const bill = await app.t.db.bill.findFirstOrThrow({
      where: { accountId: cycleAccount.accountId, cycleRunId: '1:2026-11' },
      include: { lines: true },
    });
    billCents = Number(bill.totalCents);
  });

  test('the removed meter is out of the cycle, the new one is billed from its initial read', async () => {
    const results = await app.t.db.cycleMeterResult.findMany({ where: { cycleRunId: '1:2026-11' } });
    const mine = results.filter((r) => [cycleAccount.meterId, 'W-MX1-NEW'].includes(r.meterId));
    expect(mine.map((r) => r.meterId)).toEqual(['W-MX1-NEW']);
    expect(mine[0]).toMatchObject({ status: 'VALID', previousReadAt: new Date('2026-10-20T10:00:00Z') });
    expect(Number(mine[0]!.registerDelta)).toBe(350);
  });

  // The cycle's rating folds the old meter's last stretch into the new meter's first period
  // (services/meter-exchange-billing.ts): the 3,000 gal on the old meter and the new meter's use
  // are billed once, over the whole period, with one base charge.
  test('both meters billed exactly once: 6,500 gal over 10-02 → 11-02, one base charge (89.48)', () => {
    expect(billCents).toBe(8948);
  });

  // 2,900 gal on the old meter (10-02 → 11-01) and 100 gal on the new one (11-01 → 11-02): 3,000
  // gal over the full period 10-02 → 11-02. 18.50 + 3,000 × 4.10/1000 = 12.30 + sewer 3,000 ×
  // 6.20/1000 = 18.60. Total 49.40.
  test("an exchange inside the read window starts the new meter's period: no exception, billed once", async () => {
    const r = await app.t.db.cycleMeterResult.findUniqueOrThrow({
      where: { cycleRunId_meterId: { cycleRunId: '1:2026-11', meterId: 'W-MX3-NEW' } },
    });
    expect(r).toMatchObject({ status: 'VALID', previousReadAt: new Date('2026-11-01T09:00:00Z') });
    expect(Number(r.registerDelta)).toBe(10);
    expect(
      await app.t.db.readException.count({
        where: { cycleRunId: '1:2026-11', meterId: { in: [inWindow.meterId!, 'W-MX3-NEW'] } },
      }),
    ).toBe(0);
    const bill = await app.t.db.bill.findFirstOrThrow({
      where: { accountId: inWindow.accountId, cycleRunId: '1:2026-11' },
    });
    expect(bill.totalCents).toBe(4940n);
    expect(bill.periodFrom.toISOString().slice(0, 10)).toBe('2026-10-02');
  });

  // The old meter: 1000 → 1300 = 3,000 gal actual since 09-02, of which the estimate billed 2,000
  // to 10-02: 1,000 gal left, from 10-02. The new meter: 0 → 150 = 1,500 gal. 2,500 gal over
  // 10-02 → 11-02, a full period: 18.50 + 2,500 × 4.10/1000 = 10.25 + sewer 2,500 × 6.20/1000 =
  // 15.50. Total 44.25.
  test('an old meter last billed on an estimate is trued up at the exchange, and the cycle issues', async () => {
    const fold = (
      await meterExchangeFolds(app.t.db, [
        { meterId: 'W-MX4-NEW', previousReadAt: new Date('2026-10-20T10:00:00Z') },
      ])
    ).get('W-MX4-NEW')!;
    expect(fold).toMatchObject({ from: new Date('2026-10-02T08:00:00Z'), registerDelta: 300n });
    expect(fold.units.toString()).toBe('1000');
    const bill = await app.t.db.bill.findFirstOrThrow({
      where: { accountId: estimated.accountId, cycleRunId: '1:2026-11' },
      include: { lines: { orderBy: { lineNo: 'asc' } } },
    });
    expect(bill).toMatchObject({ status: 'ISSUED', totalCents: 4425n });
    expect(bill.periodFrom.toISOString().slice(0, 10)).toBe('2026-10-02');
    expect(bill.lines[0]!.component).toBe('METER_EXCHANGE');
    expect(bill.lines[0]!.description).toMatch(/1000 on W-MX4 .*True-up.* \+ 1500 on W-MX4-NEW = 2500/);
    expect(
      await app.t.db.readException.count({
        where: { cycleRunId: '1:2026-11', accountId: estimated.accountId },
      }),
    ).toBe(0);
  });

  test('an exchange whose old meter cannot be billed fails its own account, not the cycle', async () => {
    const [x] = await app.t.db.readException.findMany({
      where: { cycleRunId: '1:2026-11', accountId: mistyped.accountId },
    });
    expect(x).toMatchObject({ code: 'RATING_FAILED', meterId: 'W-MX5-NEW' });
    expect(x!.message).toMatch(/Meter exchange: Meter W-MX5: read 990 .* after 1000 .*check the read/);
    expect(await app.t.db.bill.count({ where: { accountId: mistyped.accountId } })).toBe(0);
    // In the queue as any read exception is: on the account's timeline.
    const tl = await app.t.db.timelineEvent.findMany({
      where: { accountId: mistyped.accountId, kind: 'read.exception' },
    });
    expect(tl.map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Read exception RATING_FAILED on meter W-MX5-NEW/),
    ]);
  });

  // The old meter: 1000 → 1100 = 1,000 gal actual since 09-02, but the estimate billed 2,000 to
  // 10-02: nothing left on it, and October is credited at 1,000 gal as it was billed: volume
  // 2,000 × 4.10 = 8.20 → 4.10 (−4.10), sewer 12.40 → 6.20 (−6.20). The new meter's 1,500 gal over
  // 10-02 → 11-02: 18.50 + 6.15 + sewer 9.30 = 33.95. Total 33.95 − 10.30 = 23.65.
  test("an over-estimated old meter: the excess is credited on the new meter's first bill", async () => {
    const bill = await app.t.db.bill.findFirstOrThrow({
      where: { accountId: overEstimated.accountId, cycleRunId: '1:2026-11' },
      include: { lines: { orderBy: { lineNo: 'asc' } } },
    });
    expect(bill).toMatchObject({ status: 'ISSUED', totalCents: 2365n });
    const credits = bill.lines.filter((l) => l.component.startsWith('ESTIMATE_CREDIT:'));
    expect(credits.map((l) => [l.component, l.amountCents, l.meterId]).sort()).toEqual([
      ['ESTIMATE_CREDIT:SEWER', -620n, overEstimated.meterId],
      ['ESTIMATE_CREDIT:VOLUME', -410n, overEstimated.meterId],
    ]);
  });
});
