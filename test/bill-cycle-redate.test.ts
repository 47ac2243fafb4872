// A cycle held for review past its bill date: when it is approved the run's bill date moves to the
// day of approval, and the due date with it, so the customer still has the ordinance's 20 days to
// pay ("Due date: 20 days after the bill date"). The drafts carry the new dates into their issued
// bills and ledger charges; the change is audited; asking again changes nothing.
import { startTestApp, type TestApp } from './helpers/app';
import { ledgerFixtures } from './helpers/ledger-fixtures';
import { draftBill } from './helpers/draft-bill';
import { createBillingActivities } from '../activities/billing';
import { issueBills } from '../activities/bill-cycle/issue-bills';
import { cycleCalendar } from '../domain/billing/cycle-calendar';

jest.setTimeout(120_000);

let app: TestApp;
const { newAccount } = ledgerFixtures(() => app, {
  customer: 'Redate',
  street: 'Review Rd',
  chargeKeyPrefix: 'redate-charge',
});

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const day = (d: Date | null) => d?.toISOString().slice(0, 10);

test('held from the day before the bill date until three days after it: bill and due dates move three days', async () => {
  const planned = cycleCalendar('2027-02', 2); // cycle 1 reads on the 2nd: bill date 02-06, due 02-26
  expect([planned.billDate, planned.dueDate]).toEqual(['2027-02-06', '2027-02-26']);
  const acct = await newAccount();
  const { id, runId } = await draftBill(app, acct, {
    period: '2027-02',
    cents: 5000,
    billDate: planned.billDate,
    dueDate: planned.dueDate,
    idPrefix: 'RD',
  });
  const activities = createBillingActivities({ db: app.t.db });
  const hold = { runId, heldAt: '2027-02-05T15:00:00Z', approvedAt: '2027-02-09T15:00:00Z' };
  const calendar = await activities.redateAfterHold(hold);
  expect(calendar).toMatchObject({
    billDate: '2027-02-09',
    dueDate: '2027-03-01',
    lateChargeDate: '2027-03-02',
  });
  const run = await app.t.db.billCycleRun.findUniqueOrThrow({ where: { id: runId } });
  expect([day(run.billDate), day(run.dueDate)]).toEqual(['2027-02-09', '2027-03-01']);
  const audit = await app.t.db.auditEvent.findMany({
    where: { action: 'bill-cycle.redate', entityId: runId },
  });
  expect(audit).toHaveLength(1);
  expect(audit[0]!.reason).toMatch(/held for review .* 3 day\(s\) after their planned date/);
  // Asked again (a retried activity): nothing more.
  expect(await activities.redateAfterHold(hold)).toEqual(calendar);
  expect(await app.t.db.auditEvent.count({ where: { action: 'bill-cycle.redate', entityId: runId } })).toBe(
    1,
  );

  await issueBills(app.t.db, { runId, afterAccountId: null, limit: 10 });
  const bill = await app.t.db.bill.findUniqueOrThrow({ where: { id } });
  expect([bill.status, day(bill.billDate), day(bill.dueDate)]).toEqual([
    'ISSUED',
    '2027-02-09',
    '2027-03-01',
  ]);
  const charge = await app.t.db.ledgerEntry.findFirstOrThrow({ where: { billId: id, kind: 'CHARGE' } });
  expect([day(charge.effectiveDate), day(charge.dueDate)]).toEqual(['2027-02-09', '2027-03-01']);
});

test("the read window closes at midnight on the utility's clock, not at midnight UTC", async () => {
  const activities = createBillingActivities({ db: app.t.db });
  const cycle = await app.t.db.billCycle.findFirstOrThrow({ where: { readDay: 2 } });
  // Window to 11-06 00:00 local: Eastern Standard Time, five hours behind UTC.
  const november = await activities.openCycleRun({
    cycleId: cycle.id,
    period: '2026-11',
    workflowId: 'w-nov',
  });
  expect(november.calendar.readWindowTo).toBe('2026-11-06T00:00:00.000Z');
  expect(november.readWindowClosesAt).toBe('2026-11-06T05:00:00.000Z');
  // In July, daylight time: four hours.
  const july = await activities.openCycleRun({ cycleId: cycle.id, period: '2027-07', workflowId: 'w-jul' });
  expect(july.readWindowClosesAt).toBe('2027-07-06T04:00:00.000Z');
});
