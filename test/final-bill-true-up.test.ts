// The final bill after an estimated bill: the use is measured from the last ACTUAL read and trued
// up against what the estimate charged (Ordinance 2026-14, "The next actual read trues it up"),
// both ways, instead of stopping for a person.
//
// The account's November bill (cycle 1, 10-02 → 11-02) was estimated at 4,000 gal; it is written
// here as the cycle writes it (an ESTIMATED meter result and an ISSUED regular bill). The crew's
// final read on 11-20 ends service.
//
// Under-estimate: 1000 → 1700 = 700 counts × 10 = 7,000 gal actual since 10-02; billable now
// 7,000 − 4,000 = 3,000 gal over 11-02 → 11-20, 18 days of the regular 30-day period 11-02 → 12-02:
//   Base 18.50 × 18/30                                  = 11.10
//   First block 3,000 × 18/30 = 1,800 gal × 4.10/1000   =  7.38
//   Next block: the other 1,200 gal × 5.25/1000         =  6.30
//   Sewer 3,000 × 6.20/1000                             = 18.60
//   Final bill                                          = 43.38
// Over-estimate: 1000 → 1300 = 3,000 gal actual, 1,000 gal less than the estimate. Nothing is
// billable after 11-02, and November is re-rated at 3,000 gal:
//   November as billed (4,000): 3,000 × 4.10 = 12.30; 1,000 × 5.25 = 5.25; sewer 4,000 × 6.20 = 24.80
//   November corrected (3,000): 12.30; sewer 18.60        → credits −5.25 and −6.20 = −11.45
//   11-02 → 11-20 with no use: base 18.50 × 18/30        = 11.10
//   Final bill                                           = −0.35
import { Client } from 'pg';
import { startTestApp, type TestApp } from './helpers/app';
import { customerAt, postRead } from './helpers/service-order-fixtures';
import { issueFinalBill } from '../services/final-bill';
import { MILLBROOK_TARIFF } from '../domain/rating/millbrook';

jest.setTimeout(120_000);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  const c = new Client({ connectionString: app.t.adminUrl });
  await c.connect();
  try {
    await c.query(
      `INSERT INTO bill_cycle_run (id, cycle_id, period, workflow_id, status, read_window_from, read_window_to,
         bill_date, due_date)
       VALUES ('1:2026-11', 1, '2026-11', 'bill-cycle:1:2026-11', 'CLOSED', '2026-10-31', '2026-11-06',
         '2026-11-06', '2026-11-26')`,
    );
  } finally {
    await c.end();
  }
});
afterAll(() => app?.close());

/**
 * An account whose November bill was estimated (4,000 gal from 10-02 by default), as the cycle
 * writes it.
 */
async function estimatedInNovember(
  tag: string,
  { startDate = '2026-10-01', from = '2026-10-02', gallons = 4000 } = {},
) {
  const acct = await customerAt(app, tag, { startDate });
  await postRead(app, acct.meterId!, `${from}T08:00:00`, 1000);
  const c = new Client({ connectionString: app.t.adminUrl });
  await c.connect();
  try {
    await c.query(
      `INSERT INTO cycle_meter_result (cycle_run_id, meter_id, account_id, status, previous_read_at, read_at,
         estimated_usage, basis)
       VALUES ('1:2026-11', $1, $2, 'ESTIMATED', $3, '2026-11-02T08:00:00Z', $4, 'ESTIMATED: class average')`,
      [acct.meterId, acct.accountId, `${from}T08:00:00Z`, String(gallons)],
    );
    await c.query(
      `INSERT INTO bill (id, account_id, cycle_run_id, kind, status, period_from, period_to, bill_date, due_date,
         estimated, total_cents, language, issued_at)
       VALUES ($1, $2, '1:2026-11', 'REGULAR', 'ISSUED', $3, '2026-11-02', '2026-11-06', '2026-11-26',
         true, 7085, 'en', now())`,
      [`B-1-2026-11-${acct.accountId}`, acct.accountId, from],
    );
  } finally {
    await c.end();
  }
  return acct;
}

const finalBill = (
  acct: { accountId: string; meterId: string | null },
  orderId: string,
  value: number,
  readAt = '2026-11-20T10:00:00Z',
) =>
  app.t.db.$transaction((tx) =>
    issueFinalBill(tx, {
      orderId,
      accountId: acct.accountId,
      readings: [{ meterId: acct.meterId!, readAt: new Date(readAt), value: BigInt(value) }],
      at: new Date('2026-11-20T15:00:00Z'),
      actor: { id: 'test:final-bill', role: 'system' },
      tariff: MILLBROOK_TARIFF,
    }),
  );

const linesOf = (billId: string) =>
  app.t.db.billLine.findMany({ where: { billId }, orderBy: { lineNo: 'asc' } });

test('under-estimate: the final bill charges actual use less what the estimate billed (43.38)', async () => {
  const acct = await estimatedInNovember('TU1');
  const bill = await finalBill(acct, 'SO-TU1', 1700);
  expect(bill.totalCents).toBe('4338');
  expect(bill.periodFrom).toBe('2026-11-02');
  expect(bill.meters[0]).toMatchObject({ from: '2026-11-02', to: '2026-11-20', usage: '3000' });
  expect(bill.meters[0]!.trueUp).toContain('less 4000 GAL billed as ESTIMATED');
  const lines = await linesOf(bill.billId!);
  expect(lines[0]).toMatchObject({ component: 'TRUE_UP', amountCents: 0n });
  expect(lines.slice(1).map((l) => l.amountCents)).toEqual([1110n, 738n, 630n, 1860n]);
});

test('over-estimate: nothing billable after the estimate, the excess credited at the rates billed (−0.35)', async () => {
  const acct = await estimatedInNovember('TU2');
  const bill = await finalBill(acct, 'SO-TU2', 1300);
  expect(bill.totalCents).toBe('-35');
  const lines = await linesOf(bill.billId!);
  const credits = lines.filter((l) => l.component.startsWith('ESTIMATE_CREDIT:'));
  expect(credits.map((l) => [l.component, l.amountCents]).sort()).toEqual([
    ['ESTIMATE_CREDIT:SEWER', -620n],
    ['ESTIMATE_CREDIT:VOLUME', -525n],
  ]);
  expect(credits.every((l) => l.periodFrom.toISOString().startsWith('2026-10-02'))).toBe(true);
  const current = lines.filter(
    (l) => !l.component.startsWith('ESTIMATE_CREDIT:') && l.component !== 'TRUE_UP',
  );
  expect(current.reduce((s, l) => s + l.amountCents, 0n)).toBe(1110n);
});

// A move-in on 10-17: November's estimate (3,000 gal) was the first, partial period, 16 of the 31
// days 10-02 → 11-02, blocks prorated: first block 3,000 × 16/31 = 1,548.387 gal.
//   As billed (3,000): 1,548.387 × 4.10 = 6.35; 1,451.613 × 5.25 = 7.62; sewer 3,000 × 6.20 = 18.60
//   Corrected (1,000): 1,000 × 4.10 = 4.10; sewer 1,000 × 6.20 = 6.20
//   Credits: volume 4.10 − 13.97 = −9.87; sewer −12.40 (unprorated blocks would credit only −8.20)
test('over-estimate of a first, partial period: the credit re-rates it prorated, as it was billed', async () => {
  const acct = await estimatedInNovember('TU3', {
    startDate: '2026-10-17',
    from: '2026-10-17',
    gallons: 3000,
  });
  const bill = await finalBill(acct, 'SO-TU3', 1100);
  const lines = await linesOf(bill.billId!);
  const credits = lines.filter((l) => l.component.startsWith('ESTIMATE_CREDIT:'));
  const sum = (component: string) =>
    credits.filter((l) => l.component === component).reduce((t, l) => t + l.amountCents, 0n);
  // Per block: −2.25 on the first (6.35 → 4.10), −7.62 on the second (7.62 → 0).
  expect(credits.filter((l) => l.component === 'ESTIMATE_CREDIT:VOLUME').map((l) => l.amountCents)).toEqual([
    -225n,
    -762n,
  ]);
  expect([sum('ESTIMATE_CREDIT:VOLUME'), sum('ESTIMATE_CREDIT:SEWER')]).toEqual([-987n, -1240n]);
});

test('a final read dated before the read that ended the last bill is refused: that service is billed', async () => {
  // November's bill runs to the 11-02 read; a stop read reported as taken 10-25 would bill
  // 10-02 → 10-25 again.
  const acct = await estimatedInNovember('TU9');
  await expect(finalBill(acct, 'SO-TU9', 1200, '2026-10-25T10:00:00Z')).rejects.toThrow(
    `Meter ${acct.meterId}: the final read is dated 2026-10-25, not after the read of 2026-11-02 that ended bill B-1-2026-11-${acct.accountId}`,
  );
  await expect(finalBill(acct, 'SO-TU9', 1200, '2026-11-02T08:00:00Z')).rejects.toThrow(/not after the read/);
  expect(await app.t.db.bill.count({ where: { id: 'BF-SO-TU9' } })).toBe(0);
});
