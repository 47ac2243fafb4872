// A draft regular bill of one line in a cycle run of its own, made as the rating stage would:
// for suites that test what happens to bills after rating (issuing, summaries, late charges)
// without running a cycle.
import type { TestApp } from './app';

const date = (iso: string) => new Date(`${iso}T00:00:00Z`);

export async function draftBill(
  app: TestApp,
  accountId: string,
  bill: { period: string; cents: number; billDate: string; dueDate: string; idPrefix: string },
): Promise<{ id: string; runId: string }> {
  const { period, cents, billDate, dueDate } = bill;
  const runId = `1:${period}`;
  await app.t.db.billCycleRun.upsert({
    where: { id: runId },
    update: {},
    create: {
      id: runId,
      cycleId: 1,
      period,
      workflowId: `${bill.idPrefix}-test:${runId}`,
      readWindowFrom: date(billDate),
      readWindowTo: date(billDate),
      billDate: date(billDate),
      dueDate: date(dueDate),
    },
  });
  const id = `${bill.idPrefix}-${accountId}-${period}`;
  await app.t.db.bill.create({
    data: {
      id,
      accountId,
      cycleRunId: runId,
      periodFrom: date(billDate),
      periodTo: date(billDate),
      billDate: date(billDate),
      dueDate: date(dueDate),
      totalCents: BigInt(cents),
      lines: {
        create: [
          {
            lineNo: 1,
            service: 'WATER',
            component: 'CUSTOMER',
            description: 'Customer charge',
            quantity: 1,
            unit: 'period',
            rate: cents / 100,
            amountCents: BigInt(cents),
            periodFrom: date(billDate),
            periodTo: date(billDate),
          },
        ],
      },
    },
  });
  return { id, runId };
}
