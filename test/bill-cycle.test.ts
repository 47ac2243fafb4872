// Millbrook, November 2026, cycle 1, end to end through Temporal: the legacy export, October's and
// November's AMI reads and the Green Button feed are imported; the billCycle workflow validates,
// holds for review, is approved, rates, issues and delivers; bills are checked to the cent
// against hand calculations, the November anomalies against the exception queue, and the ledger
// against the bills.
import { startTestApp, type TestApp } from './helpers/app';
import { convertMillbrook, importMillbrookReads } from './helpers/millbrook';
import { billCycleWorkflowId, type CycleProgress } from '../workflows/bill-cycle';
import { verifyAuditChain } from '../lib/audit-verify';
import { lastGoodReads } from '../services/read-history';

jest.setTimeout(240_000);

let app: TestApp;

const importReads = (format: 'ami-csv' | 'green-button', file: string) =>
  importMillbrookReads(app, file, format);

async function waitForStage(
  cycleId: number,
  period: string,
  stages: string[],
  ms = 120_000,
): Promise<CycleProgress> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await app.call('supervisor', 'GET', `/bill-cycles/${cycleId}/runs/${period}`);
    if (r.status === 200 && stages.includes(r.body.stage)) return r.body;
    if (Date.now() > end)
      throw new Error(`cycle never reached ${stages.join('/')}: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Sum of a bill's lines for one service, in cents. */
async function serviceCents(accountId: string, service: string): Promise<number> {
  const bill = await app.t.db.bill.findFirstOrThrow({
    where: { accountId, cycleRunId: '1:2026-11' },
    include: { lines: true },
  });
  return bill.lines.filter((l) => l.service === service).reduce((s, l) => s + Number(l.amountCents), 0);
}

beforeAll(async () => {
  app = await startTestApp();
  await convertMillbrook(app);
  const oct = await importReads('ami-csv', 'reads/billing-reads-2026-10.csv');
  expect(oct.status).toBe('completed');
  const nov = await importReads('ami-csv', 'reads/billing-reads-2026-11.csv');
  expect(nov.status).toBe('completed');
  const gb = await importReads('green-button', 'greenbutton/usage-E000001-2026-11.xml');
  expect(gb.counts.stored).toBeGreaterThan(0);
});
afterAll(() => app?.close());

test('re-importing a read file is a no-op', async () => {
  const again = await importReads('ami-csv', 'reads/billing-reads-2026-11.csv');
  expect(again.status).toBe('unchanged');
});

test('cycle 1, November 2026: held for review, approved, billed to the cent, delivered, on the ledger', async () => {
  // Hold when more than 2 % of meters still have open exceptions after estimation.
  const start = await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
    period: '2026-11',
    keepPlannedDates: true,
    reviewThreshold: 0.02,
  });
  expect(start.status).toBe(202);
  expect(start.body.workflowId).toBe(billCycleWorkflowId(1, '2026-11'));
  expect((await app.call('csr', 'POST', '/bill-cycles/1/runs', { period: '2026-11' })).status).toBe(409);

  const held = await waitForStage(1, '2026-11', [
    'held-for-review',
    'issuing',
    'delivering',
    'waiting-for-due-date',
    'closed',
  ]);
  expect(held.exceptions).toBeGreaterThan(0);
  expect(held.stage).toBe('held-for-review');
  // Every anomaly of the November file is in the work queue under its own name.
  const queue = await app.call('csr', 'GET', '/read-exceptions?cycleRunId=1:2026-11&limit=100');
  const found = new Set(
    queue.body.items.map((e: { meterId: string; code: string }) => `${e.meterId} ${e.code}`),
  );
  for (const expected of [
    'W000008 NO_READ', // flagged NO_READ, empty value
    'E000029 NO_READ',
    'E000083 NO_READ',
    'W000077 NON_NUMERIC', // "ERR"
    'W000065 TAMPER', // head-end tamper flag
    'E000089 OUTSIDE_WINDOW', // dated 2026-12-12
    'W999999 UNKNOWN_METER', // not in the meter master
    'W000039 NEGATIVE_CONSUMPTION', // 794970 → 793236, not a plausible rollover
    'E000051 HIGH_USE', // 6,205 kWh in 31 days
    'W000096 HIGH_USE', // 38,745 ft³ in 31 days
    'W000061 ZERO_USE_ACTIVE', // no use on an active account
  ]) {
    expect(found).toContain(expected);
  }
  expect(found.size).toBe(11); // and nothing else: rollovers and the identical duplicate are valid
  // Meters that simply had no read were estimated by the cycle itself, per the ordinance.
  for (const e of queue.body.items.filter((x: { code: string }) => x.code === 'NO_READ')) {
    expect(e).toMatchObject({ status: 'ESTIMATED', resolvedBy: 'system' });
  }
  expect(held.estimated).toBe(3);

  // The clerk works the queue: estimate, correct, accept, send a crew.
  const byMeter = (m: string) =>
    queue.body.items.find((e: { meterId: string }) => e.meterId === m).id as string;
  const resolve = (m: string, body: object) =>
    app.call('csr', 'POST', `/read-exceptions/${byMeter(m)}/resolve`, body);
  const est = await resolve('E000089', { action: 'estimate', reason: 'The only read is dated December' });
  expect(est.body).toMatchObject({
    status: 'ESTIMATED',
    basis: expect.stringMatching(/ESTIMATED: .*class RES-ELECTRIC-KWH/),
  });
  expect(
    (await resolve('W000077', { action: 'correct', value: 346863, reason: 'Read at the premise by phone' }))
      .body.status,
  ).toBe('CORRECTED');
  expect(
    (await resolve('W000061', { action: 'accept', reason: 'Premise vacant for the month, owner confirmed' }))
      .body.status,
  ).toBe('ACCEPTED');
  const crew = await resolve('W000065', { action: 'send-crew', reason: 'Tamper flag' });
  expect(crew.body).toMatchObject({ status: 'CREW_SENT' });
  // The order's record is written by its workflow's first step.
  let order = await app.call('supervisor', 'GET', `/service-orders/${crew.body.serviceOrderId}`);
  for (let i = 0; i < 50 && order.status === 404; i++) {
    await new Promise((r) => setTimeout(r, 100));
    order = await app.call('supervisor', 'GET', `/service-orders/${crew.body.serviceOrderId}`);
  }
  expect(order.body.type).toBe('METER_INVESTIGATION');
  expect((await resolve('W000061', { action: 'accept', reason: 'again' })).status).toBe(409);
  const bad = await resolve('W000039', { action: 'correct', value: -5, reason: 'x' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.field).toBe('value');

  // A CSR may not approve; a supervisor may.
  expect((await app.call('csr', 'POST', '/bill-cycles/1/runs/2026-11/approve', {})).status).toBe(403);
  expect((await app.call('supervisor', 'POST', '/bill-cycles/1/runs/2026-11/approve', {})).status).toBe(200);

  const result: CycleProgress = await app.env.client.workflow
    .getHandle(billCycleWorkflowId(1, '2026-11'))
    .result();
  expect(result.stage).toBe('closed');
  expect(result.issued).toBe(result.drafted);
  expect(result.issued + result.skipped).toBe(120);

  // Hand calculations (Ordinance 2026-14, November 2026, 31 days 10-02 → 11-02):
  // 100002 W-1 5/8": 444 counts × 10 = 4,440 gal. Base 18.50; 3,000 × 4.10/1000 = 12.30;
  //   1,440 × 5.25/1000 = 7.56; sewer 4,440 × 6.20/1000 = 27.528 → 27.53. Total 65.89.
  expect(await serviceCents('100002', 'WATER')).toBe(6589);
  // 100097 W-1 5/8": 947 × 10 = 9,470 gal. 18.50 + 12.30 + 6,470 × 5.25/1000 = 33.9675 → 33.97
  //   + sewer 9,470 × 6.20/1000 = 58.714 → 58.71. Total 123.48.
  expect(await serviceCents('100097', 'WATER')).toBe(12348);
  // 100001 E-1: 1,130 kWh. 12.00 + 1,000 × 0.1125 = 112.50 + 130 × 0.1310 = 17.03
  //   + PCA 1,130 × 0.0123 = 13.899 → 13.90; tax 6% × 155.43 = 9.3258 → 9.33. Total 164.76.
  expect(await serviceCents('100001', 'ELECTRIC')).toBe(16476);
  // 100012 E-2 with a 40× CT: 449 × 40 = 17,960 kWh. 25.00 + 17,960 × 0.1190 = 2,137.24
  //   + PCA 17,960 × 0.0123 = 220.908 → 220.91; tax 6% × 2,383.15 = 142.989 → 142.99. Total 2,526.14.
  expect(await serviceCents('100012', 'ELECTRIC')).toBe(252614);
  // 100024 W-2 1", a cubic-foot meter: 2,318 ft³ × 7.48052 = 17,339.84536 gal. Base 31.00;
  //   17,339.84536 × 5.60/1000 = 97.1031 → 97.10; sewer × 6.20/1000 = 107.5070 → 107.51. Total 235.61.
  expect(await serviceCents('100024', 'WATER')).toBe(23561);

  // The resolved exceptions were billed after approval: corrected, accepted and estimated.
  // 100077 corrected to 346863: 600 counts × 10 = 6,000 gal. 18.50 + 12.30 + 3,000 × 5.25/1000
  //   = 15.75 + sewer 6,000 × 6.20/1000 = 37.20. Total 83.75.
  expect(await serviceCents('100077', 'WATER')).toBe(8375);
  // 100061 accepted at zero use: the base charge only.
  expect(await serviceCents('100061', 'WATER')).toBe(1850);
  const estimated = await app.t.db.bill.findFirstOrThrow({
    where: { accountId: '100008', cycleRunId: '1:2026-11' },
  });
  expect(estimated.estimated).toBe(true);
  // The crew is out on 100065: no bill until the meter is investigated.
  expect(await app.t.db.bill.count({ where: { accountId: '100065', cycleRunId: '1:2026-11' } })).toBe(0);
  const tl77 = await app.call('csr', 'GET', '/accounts/100077/timeline?kind=read.*');
  expect(tl77.body.items.map((e: { kind: string }) => e.kind).sort()).toEqual([
    'read.exception',
    'read.exception.resolved',
  ]);

  // Exactly one bill per billed account; each bill's charge is on the ledger.
  const bills = await app.t.db.bill.findMany({ where: { cycleRunId: '1:2026-11' } });
  expect(new Set(bills.map((b) => b.accountId)).size).toBe(bills.length);
  expect(bills.every((b) => b.status === 'ISSUED')).toBe(true);
  const charges = await app.t.db.ledgerEntry.findMany({
    where: { kind: 'CHARGE', billId: { in: bills.map((b) => b.id) } },
  });
  expect(charges).toHaveLength(bills.length);
  const byBill = new Map(charges.map((c) => [c.billId, c.amountCents]));
  for (const b of bills) expect(byBill.get(b.id)).toBe(b.totalCents);

  // The bill is on the account timeline, and the audit chain still verifies.
  const tl = await app.call('csr', 'GET', '/accounts/100002/timeline?kind=bill.*');
  expect(tl.body.items.map((e: { kind: string }) => e.kind)).toContain('bill.issued');
  expect((await verifyAuditChain(app.t.db)).ok).toBe(true);
});

test('cycle 1, December 2026: the first actual read after an estimate trues it up, both ways', async () => {
  // November estimated W000008 (100008, water) and E000029 (100029, electric). December's actual
  // reads span October → December; the bill must charge only what November's estimate did not.
  const novResult = (meterId: string) =>
    app.t.db.cycleMeterResult.findUniqueOrThrow({
      where: { cycleRunId_meterId: { cycleRunId: '1:2026-11', meterId } },
    });
  const w8 = await novResult('W000008');
  const e29 = await novResult('E000029');
  expect([w8.status, e29.status]).toEqual(['ESTIMATED', 'ESTIMATED']);
  const w8Est = BigInt(w8.estimatedUsage!); // gallons (register counts × 10)
  const e29Est = BigInt(e29.estimatedUsage!); // kWh
  expect(e29Est).toBeGreaterThan(700n);

  // Every other meter of the cycle uses what it used in November (300 counts if it had no bill).
  const meters = await app.t.db.meter.findMany({
    where: { removedOn: null, servicePoint: { premise: { accounts: { some: { billCycle: 1 } } } } },
  });
  const last = await app.t.db.$queryRaw<{ meter_id: string; value: bigint }[]>`
    SELECT DISTINCT ON (meter_id) meter_id, value FROM meter_read
    WHERE value IS NOT NULL AND NOT ('TAMPER' = ANY(flags)) AND read_at < '2026-12-01'
    ORDER BY meter_id, read_at DESC, quality DESC, id DESC`;
  const lastValue = new Map(last.map((r) => [r.meter_id, r.value]));
  const novDelta = new Map(
    (await app.t.db.cycleMeterResult.findMany({ where: { cycleRunId: '1:2026-11', status: 'VALID' } })).map(
      (r) => [r.meterId, r.registerDelta ?? 300n],
    ),
  );
  // W000008: October 703366; December so that actual use = the estimate + 4,000..4,009 gal.
  const w8Counts = 703366n + (w8Est + 9n) / 10n + 400n;
  // E000083 (100083) had no read in November either: December is estimated again.
  const reads = meters
    .filter((m) => m.id !== 'E000083')
    .map((m) => ({
      meterId: m.id,
      readAt: '2026-12-02T07:00:00',
      value:
        m.id === 'W000008'
          ? Number(w8Counts)
          : m.id === 'E000029'
            ? 34105 + 700 // October 34105: 700 kWh in two months, below November's estimate alone
            : m.id === 'E000051'
              ? 86552 + 1800 // November's read (6,205 kWh) stays held: 1,800 kWh since October's
              : m.id === 'W000003'
                ? Number((lastValue.get(m.id)! + 1500n) % 10n ** BigInt(m.dials)) // 15,000 gal: over the sewer cap
                : Number((lastValue.get(m.id)! + (novDelta.get(m.id) ?? 300n)) % 10n ** BigInt(m.dials)),
    }));
  // In two batches through the JSON API: each numbers its reads from 1, as the results must not
  // take for one read's identity.
  const half = reads.length >> 1;
  for (const batch of [reads.slice(0, half), reads.slice(half)])
    expect((await app.call('csr', 'POST', '/reads', { reads: batch })).status).toBe(200);

  // The board sets December's power cost adjustment (the ordinance only states November's).
  const pca = { rate: '0.0131', reason: 'Board resolution 2026-40' };
  expect((await app.call('csr', 'PUT', '/tariff/riders/PCA/rates/2026-12', pca)).status).toBe(403);
  const badMonth = await app.call('supervisor', 'PUT', '/tariff/riders/PCA/rates/2026-13', pca);
  expect([badMonth.status, badMonth.body.error.field]).toEqual([400, 'month']);
  const set = await app.call('supervisor', 'PUT', '/tariff/riders/PCA/rates/2026-12', pca);
  expect(set.body).toMatchObject({ rate: '0.0131', changed: true });
  // November has billed at the ordinance's 0.0123: changing it now is refused.
  const nov = await app.call('supervisor', 'PUT', '/tariff/riders/PCA/rates/2026-11', pca);
  expect(nov.status).toBe(409);

  const start = await app.call('supervisor', 'POST', '/bill-cycles/1/runs', {
    period: '2026-12',
    keepPlannedDates: true,
    autoApprove: true,
    reviewThreshold: 1,
  });
  expect(start.status).toBe(202);
  const done: CycleProgress = await app.env.client.workflow
    .getHandle(billCycleWorkflowId(1, '2026-12'))
    .result();
  expect(done.stage).toBe('closed');

  const dec = async (accountId: string) =>
    app.t.db.bill.findFirstOrThrow({
      where: { accountId, cycleRunId: '1:2026-12' },
      include: { lines: { orderBy: { lineNo: 'asc' } } },
    });

  // Two months on one bill, 100051: November's read was never billed (its exception still open),
  // so December's period runs from October's read. Priced as the two monthly periods it covers,
  // 1,800 kWh split by days (31 + 30 of 61), each with its customer charge, blocks and PCA month:
  // Oct 2 → Nov 2: 914.754… kWh: 12.00 + 102.91 + PCA 0.0123 11.25, tax 6 % of 126.16 = 7.57;
  // Nov 2 → Dec 2: 885.245… kWh: 12.00 + 99.59 + PCA 0.0131 11.60, tax 6 % of 123.19 = 7.39.
  const b51 = await dec('100051');
  const electric51 = b51.lines.filter((l) => l.service === 'ELECTRIC');
  expect(b51.periodFrom.toISOString().slice(0, 10)).toBe('2026-10-02');
  expect(
    electric51.filter((l) => l.component === 'CUSTOMER').map((l) => l.periodFrom.toISOString().slice(0, 10)),
  ).toEqual(['2026-10-02', '2026-11-02']);
  expect(electric51.reduce((sum, l) => sum + l.amountCents, 0n)).toBe(13373n + 13058n);

  // Under-estimate, 100008: billable = actual − estimated; the period starts where the estimate ended.
  const b8 = await dec('100008');
  const billable = (w8Counts - 703366n) * 10n - w8Est;
  expect(billable >= 4000n && billable <= 4009n).toBe(true);
  const note = b8.lines.find((l) => l.component === 'TRUE_UP')!;
  expect(note.description).toContain(`less ${w8Est} GAL billed as ESTIMATED`);
  expect(note.amountCents).toBe(0n);
  expect(b8.periodFrom.toISOString().slice(0, 10)).toBe('2026-11-02');
  expect(b8.estimated).toBe(false);
  // Hand calculation, W-1 5/8", 30 days 11-02 → 12-02: 18.50 + 3,000 × 4.10/1000 = 12.30
  //   + (billable − 3,000) × 5.25/1000 + sewer billable × 6.20/1000, each line half-up.
  const halfUp = (tenthsOfMills: bigint) => (tenthsOfMills + 5n) / 10n; // amount in 1/1000 $ → cents
  const expected8 =
    1850n + 1230n + halfUp(((billable - 3000n) * 525n) / 100n) + halfUp((billable * 620n) / 100n);
  const water8 = b8.lines.filter((l) => l.service === 'WATER').reduce((s, l) => s + l.amountCents, 0n);
  expect(water8).toBe(expected8);

  // Over-estimate, 100029: no use billed now, November re-rated at 700 kWh and the excess credited.
  const b29 = await dec('100029');
  const nov29 = await app.t.db.bill.findFirstOrThrow({
    where: { accountId: '100029', cycleRunId: '1:2026-11' },
    include: { lines: true },
  });
  const credits = b29.lines.filter((l) => l.component.startsWith('ESTIMATE_CREDIT:'));
  expect(credits.length).toBeGreaterThan(0);
  expect(credits.every((l) => l.amountCents < 0n && l.periodFrom.toISOString().startsWith('2026-10'))).toBe(
    true,
  );
  // November at 700 kWh: 12.00 + 700 × 0.1125 = 78.75 + PCA 700 × 0.0123 = 8.61; tax 6% × 99.36
  //   = 5.9616 → 5.96. Total 105.32; the credit is what November charged above that.
  const creditTotal = credits.reduce((s, l) => s + l.amountCents, 0n);
  const novElectric = nov29.lines
    .filter((l) => l.service === 'ELECTRIC')
    .reduce((s, l) => s + l.amountCents, 0n);
  expect(creditTotal).toBe(10532n - novElectric);
  // December itself: no kWh (the estimates already covered more), customer charge 12.00 + tax 0.72.
  const current = b29.lines
    .filter((l) => l.service === 'ELECTRIC' && !l.component.startsWith('ESTIMATE_CREDIT:'))
    .reduce((s, l) => s + l.amountCents, 0n);
  expect(current).toBe(1272n);
  const water29 = b29.lines.filter((l) => l.service === 'WATER').reduce((s, l) => s + l.amountCents, 0n);
  expect(b29.totalCents).toBe(1272n + creditTotal + water29);

  // A residential meter over the sewer cap, 100003 W-1 5/8": 1,500 counts × 10 = 15,000 gal in a
  //   full period. 18.50 + 3,000 × 4.10/1000 = 12.30 + 7,000 × 5.25/1000 = 36.75 + 5,000 × 7.40/1000
  //   = 37.00 (December: not the summer rate); sewer on the capped 12,000 gal × 6.20/1000 = 74.40.
  //   Total 178.95.
  const b3 = await dec('100003');
  const sewer3 = b3.lines.filter((l) => l.service === 'WATER' && l.component === 'SEWER');
  expect(sewer3.map((l) => [Number(l.quantity), l.amountCents])).toEqual([[12000, 7440n]]);
  expect(b3.lines.filter((l) => l.service === 'WATER').reduce((s, l) => s + l.amountCents, 0n)).toBe(17895n);

  // A meter with no estimate in between bills its plain use: 100002 used 4,440 gal again, the
  //   same 65.89 as November (a full period: fixed charges are not prorated by its 30 days).
  const b2 = await dec('100002');
  expect(b2.lines.some((l) => l.component === 'TRUE_UP')).toBe(false);
  expect(b2.lines.filter((l) => l.service === 'WATER').reduce((s, l) => s + l.amountCents, 0n)).toBe(6589n);

  // Each December bill's account summary brings forward exactly what November's said was due, and
  // shows what happened since: November's late payment charges, each on this bill and no other.
  const chain = await app.t.db.$queryRaw<
    { account_id: string; previous: bigint; nov_due: bigint; activity: bigint; late: bigint }[]
  >`
    SELECT d.account_id, ds.previous_balance_cents AS previous, ns.total_due_cents AS nov_due,
      ds.activity_cents AS activity,
      (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entry e
        WHERE e.account_id = d.account_id AND e.kind = 'LATE_FEE' AND e.effective_date < d.bill_date)::bigint AS late
    FROM bill d JOIN bill_statement ds ON ds.bill_id = d.id
    JOIN bill n ON n.account_id = d.account_id AND n.cycle_run_id = '1:2026-11' AND n.kind = 'REGULAR'
    JOIN bill_statement ns ON ns.bill_id = n.id
    WHERE d.cycle_run_id = '1:2026-12' AND d.kind = 'REGULAR'`;
  // Every December bill but 100051's, which November did not bill (held back).
  expect(chain.length).toBe((await app.t.db.bill.count({ where: { cycleRunId: '1:2026-12' } })) - 1);
  expect(chain.map((c) => c.account_id)).not.toContain('100051');
  expect(chain.filter((c) => c.previous !== c.nov_due || c.activity !== c.late)).toEqual([]);
  expect(chain.filter((c) => c.late > 0n).length).toBeGreaterThan(0);
  const stated = await app.t.db.$queryRaw<{ waiting: boolean; kind: string; n: bigint }[]>`
    SELECT s.bill_id IS NULL AS waiting, e.kind, count(*) AS n
    FROM statement_entry s JOIN ledger_entry e ON e.id = s.entry_id
    JOIN bill d ON d.account_id = s.account_id AND d.cycle_run_id = '1:2026-12'
    WHERE s.bill_id IS NULL AND e.created_at < d.issued_at
    GROUP BY 1, 2`;
  expect(stated).toEqual([]);

  // Every December result names a read of its own meter.
  const mismatched = await app.t.db.$queryRaw<{ meter_id: string }[]>`
    SELECT r.meter_id FROM cycle_meter_result r JOIN meter_read m ON m.id = r.read_id
    WHERE r.cycle_run_id = '1:2026-12' AND m.meter_id <> r.meter_id`;
  expect(mismatched).toEqual([]);
  expect(
    await app.t.db.cycleMeterResult.count({ where: { cycleRunId: '1:2026-12', readId: { not: null } } }),
  ).toBeGreaterThan(100);

  // Two estimates in a row (E000083, no read in November or December): December's estimate starts
  // where November's ended, so no day is billed twice; the next actual read trues up both.
  const e83 = async (runId: string) =>
    app.t.db.cycleMeterResult.findUniqueOrThrow({
      where: { cycleRunId_meterId: { cycleRunId: runId, meterId: 'E000083' } },
    });
  const [nov83, dec83] = [await e83('1:2026-11'), await e83('1:2026-12')];
  expect([nov83.status, dec83.status]).toEqual(['ESTIMATED', 'ESTIMATED']);
  expect(dec83.previousReadAt).toEqual(nov83.readAt);
  const days = (r: typeof nov83) => (r.readAt!.getTime() - r.previousReadAt!.getTime()) / 86_400_000;
  expect(days(dec83)).toBeGreaterThanOrEqual(28);
  expect(days(dec83)).toBeLessThanOrEqual(31);
  // The same average daily use over each month's own days.
  const perDay = (r: typeof nov83) => Number(r.estimatedUsage) / days(r);
  expect(Math.abs(perDay(dec83) - perDay(nov83))).toBeLessThan(1);
  const bill83 = await app.t.db.bill.findFirstOrThrow({
    where: { accountId: '100083', cycleRunId: '1:2026-12' },
  });
  expect(bill83.estimated).toBe(true);
  expect(bill83.periodFrom.getTime()).toBeGreaterThanOrEqual(nov83.readAt!.getTime() - 86_400_000);

  // January's period for E000089 never starts at the read dated 2026-12-12 in November's file
  // (turned away as outside its window, and estimated instead), though it is the latest: it starts
  // at December's read if December accepted it, else at October's, the last read a bill used.
  const prev = await lastGoodReads(app.t.db, ['E000089'], new Date('2027-01-01T00:00:00Z'));
  const dec89 = await app.t.db.cycleMeterResult.findUniqueOrThrow({
    where: { cycleRunId_meterId: { cycleRunId: '1:2026-12', meterId: 'E000089' } },
  });
  expect(prev.E000089?.readTime.slice(0, 10)).toBe(dec89.status === 'VALID' ? '2026-12-02' : '2026-10-02');
});

test('single reads and batches through the JSON API: stored once, bad ones refused by field', async () => {
  const batch = { reads: [{ meterId: 'W000002', readAt: '2026-09-15T09:30:00', value: 470000 }] };
  const first = await app.call('csr', 'POST', '/reads', batch);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ status: 'completed', counts: { stored: 1 } });
  expect((await app.call('csr', 'POST', '/reads', batch)).body.status).toBe('unchanged');
  const unknown = await app.call('csr', 'POST', '/reads', {
    reads: [{ meterId: 'NOPE1', readAt: '2026-09-15T09:30:00', value: 1 }],
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.field).toBe('reads.0.meterId');
  const tooWide = await app.call('csr', 'POST', '/reads', {
    reads: [{ meterId: 'W000002', readAt: '2026-09-15T09:30:00', value: 1_000_000 }],
  });
  expect(tooWide.body.error.field).toBe('reads.0.value');
  expect((await app.call('auditor', 'POST', '/reads', batch)).status).toBe(403);
  expect(
    await app.t.db.meterRead.count({
      where: { meterId: 'W000002', readAt: new Date('2026-09-15T09:30:00Z') },
    }),
  ).toBe(1);
});
