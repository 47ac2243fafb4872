// California water (H&S Code §116914(a)(2)): a household that shows income below 200% of the
// federal poverty level has interest on a delinquent bill — the late payment charge — waived once
// every 12 months. The bill cycle's late-charge stage waives it instead of posting it, says why on
// the timeline and in the audit trail, never twice for one bill, and charges the next one inside
// the 12 months. Other households and other profiles are charged as before.
import { startTestApp, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import { draftBill } from './helpers/draft-bill';
import { issueBills } from '../activities/bill-cycle/issue-bills';
import { assessRunLateCharges } from '../activities/bill-cycle/late-charges';

jest.setTimeout(120_000);

let app: TestApp;
const { newAccount } = ledgerFixtures(() => app, {
  customer: 'Waiver',
  street: 'Canal St',
  chargeKeyPrefix: 'waiver-charge',
});

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const date = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** An account whose premise is under `profile`, with household income verified on 2026-09-01. */
async function household(profile: 'CA_WATER' | 'PA', incomePctFpl: number) {
  const accountId = await newAccount();
  const account = await app.t.db.account.findUniqueOrThrow({ where: { id: accountId } });
  await app.t.db.premise.update({
    where: { id: account.premiseId },
    data: { jurisdictionProfile: profile, state: profile === 'PA' ? 'PA' : 'CA' },
  });
  const r = await app.call('csr', 'PUT', `/accounts/${accountId}/income`, {
    incomePctFpl,
    verifiedOn: '2026-09-01',
  });
  expect(r.status).toBe(200);
  return accountId;
}

/** A $100.00 regular bill in the run of `period` for each account, issued. */
async function billed(accountIds: string[], period: string, billDate: string, dueDate: string) {
  let runId = '';
  for (const accountId of accountIds)
    ({ runId } = await draftBill(app, accountId, {
      period,
      cents: 10_000,
      billDate,
      dueDate,
      idPrefix: 'LW',
    }));
  await issueBills(app.t.db, { runId, afterAccountId: null, limit: 100 });
  return runId;
}

const assess = (runId: string, asOf: string) =>
  assessRunLateCharges(app.t.db, { runId, asOf, heartbeat: () => undefined });
const lateFees = (accountId: string) =>
  app.t.db.ledgerEntry.findMany({ where: { accountId, kind: 'LATE_FEE' }, orderBy: { id: 'asc' } });

test('waived once in 12 months below 200% FPL under CA water; charged otherwise; never twice', async () => {
  const low = await household('CA_WATER', 150);
  const notLow = await household('CA_WATER', 200);
  const pa = await household('PA', 150);
  const september = await billed([low, notLow, pa], '2026-09', '2026-09-02', '2026-09-22');

  const first = await assess(september, '2026-09-23');
  expect(first.assessed).toBe(2);
  expect(first.pastDueAccounts.sort()).toEqual([low, notLow, pa].sort());
  expect(await lateFees(low)).toEqual([]);
  expect((await lateFees(notLow)).map((f) => f.amountCents)).toEqual([150n]);
  expect((await lateFees(pa)).map((f) => f.amountCents)).toEqual([150n]);
  const waivers = await app.t.db.lateChargeWaiver.findMany({ where: { accountId: low } });
  expect(waivers).toEqual([
    expect.objectContaining({
      billId: `LW-${low}-2026-09`,
      waivedOn: date('2026-09-23'),
      amountCents: 150n,
      code: 'CA_WATER_LATE_CHARGE_WAIVER',
      cite: 'Cal. Health & Safety Code §116914(a)(2)',
    }),
  ]);
  expect(waivers[0]!.reason).toMatch(
    /household income 150% FPL, verified on 2026-09-01: late payment charge waived/,
  );
  const timeline = await app.call('csr', 'GET', `/accounts/${low}/timeline?kind=ledger.*&limit=50`);
  const item = timeline.body.items.find((i: { kind: string }) => i.kind === 'ledger.fee-waived');
  expect(item.summary).toBe(
    `Late payment charge on bill LW-${low}-2026-09 of $1.50 waived: ${waivers[0]!.reason} (Cal. Health & Safety Code §116914(a)(2))`,
  );
  const audits = await app.t.db.auditEvent.findMany({
    where: { action: 'late-charge.waive', accountId: low },
  });
  expect(audits).toHaveLength(1);
  expect(audits[0]!.reason).toContain('§116914(a)(2)');

  // The stage retried: nothing charged, nothing waived twice.
  expect((await assess(september, '2026-09-23')).assessed).toBe(2);
  expect(await lateFees(low)).toEqual([]);
  expect(await app.t.db.lateChargeWaiver.count({ where: { accountId: low } })).toBe(1);
  expect((await lateFees(notLow)).length).toBe(1);

  // October, still unpaid: inside the 12 months, so this one is charged — on both bills' $200.00.
  const october = await billed([low], '2026-10', '2026-10-02', '2026-10-22');
  await assess(october, '2026-10-23');
  expect((await lateFees(low)).map((f) => f.amountCents)).toEqual([300n]);
  expect(await app.t.db.lateChargeWaiver.count({ where: { accountId: low } })).toBe(1);
});
