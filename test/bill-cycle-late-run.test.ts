// A run that issues after its bill date dates its bills the day they are issued: Millbrook's cycle 1
// for November 2026 (planned bill date 2026-11-06, due 2026-11-26) started today, as a clerk would
// after an outage or a late go-live. Without this the bills went out already past due, and the same
// minute brought a late payment charge and a disconnection notice. The planned dates are kept only
// for a rehearsal of a past period, which supervisors may ask for and CSRs may not.
import { startTestApp, type TestApp } from './helpers/app';
import { millbrookWithReads } from './helpers/millbrook';
import { billCycleWorkflowId, type CycleProgress } from '../workflows/bill-cycle';
import { utilityDate } from '../services/ledger';

jest.setTimeout(240_000);

let app: TestApp;

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const day = (d: Date) => d.toISOString().slice(0, 10);

async function progress(): Promise<CycleProgress> {
  return (await app.call('csr', 'GET', '/bill-cycles/1/runs/2026-11')).body as CycleProgress;
}

beforeAll(async () => {
  app = await startTestApp();
  await millbrookWithReads(app);
});
afterAll(() => app?.close());

test('a CSR may not ask for the planned dates of a past period: refused and audited, no run started', async () => {
  const r = await app.call('csr', 'POST', '/bill-cycles/1/runs', {
    period: '2026-11',
    keepPlannedDates: true,
  });
  expect(r.status).toBe(403);
  expect(r.body.error).toMatchObject({
    code: 'forbidden',
    field: 'keepPlannedDates',
    message: 'keepPlannedDates: the csr role may not bill-cycle approve',
  });
  expect(
    await app.t.db.auditEvent.count({
      where: { action: 'authorization.refused', reason: 'the csr role lacks bill-cycle:approve' },
    }),
  ).toBe(1);
  expect(await app.t.db.billCycleRun.count({ where: { id: '1:2026-11' } })).toBe(0);
});

test('started after its bill date: bills dated the day they are issued, due 20 days later, no late charge until then', async () => {
  const start = await app.call('csr', 'POST', '/bill-cycles/1/runs', {
    period: '2026-11',
    autoApprove: true,
  });
  expect(start.status).toBe(202);
  let p = await progress();
  for (let i = 0; p.stage !== 'waiting-for-due-date'; i++) {
    if (i > 600) throw new Error(`the run never waited for its due date: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 200));
    p = await progress();
  }
  // The day of issue, whatever day the suite runs on (the test server's clock starts at the real one).
  const today = utilityDate();
  expect(p.calendar!.billDate >= today && p.calendar!.billDate <= addDays(today, 1)).toBe(true);
  expect(p.calendar).toMatchObject({
    readDay: '2026-11-02',
    dueDate: addDays(p.calendar!.billDate, 20),
    lateChargeDate: addDays(p.calendar!.billDate, 21),
  });
  expect(p.issued).toBeGreaterThan(100);

  const bills = await app.t.db.bill.findMany({ where: { cycleRunId: '1:2026-11', status: 'ISSUED' } });
  expect(bills).toHaveLength(p.issued);
  expect(new Set(bills.map((b) => `${day(b.billDate)} ${day(b.dueDate)}`))).toEqual(
    new Set([`${p.calendar!.billDate} ${p.calendar!.dueDate}`]),
  );
  const charges = await app.t.db.ledgerEntry.findMany({
    where: { kind: 'CHARGE', billId: { in: bills.map((b) => b.id) } },
  });
  expect(charges).toHaveLength(bills.filter((b) => b.totalCents !== 0n).length);
  expect(charges.every((c) => day(c.dueDate!) === p.calendar!.dueDate)).toBe(true);
  // Nothing past due yet: no late charge, no collections case.
  expect(await app.t.db.ledgerEntry.count({ where: { kind: 'LATE_FEE' } })).toBe(0);
  expect(await app.t.db.collectionsEpisode.count()).toBe(0);
  const redate = await app.t.db.auditEvent.findMany({
    where: { action: 'bill-cycle.redate', entityId: '1:2026-11' },
  });
  expect(redate).toHaveLength(1);
  expect(redate[0]!.before).toEqual({ billDate: '2026-11-06', dueDate: '2026-11-26' });
  expect(redate[0]!.reason).toMatch(
    /after the bill date 2026-11-06: the bills are dated the day they are issued/,
  );

  // The day after the new due date: the late charges, dated then, and the hand-off.
  const done = await app.env.client.workflow.getHandle(billCycleWorkflowId(1, '2026-11')).result();
  expect(done.stage).toBe('closed');
  expect(done.lateFees).toBeGreaterThan(0);
  const fees = await app.t.db.ledgerEntry.findMany({ where: { kind: 'LATE_FEE' } });
  expect(fees).toHaveLength(done.lateFees);
  expect(new Set(fees.map((f) => day(f.effectiveDate)))).toEqual(new Set([p.calendar!.lateChargeDate]));
  expect(done.handedOff).toBe(done.lateFees);
});
