// Reading bills. A bill's total is the sum of its lines; what is still owed on it comes from the
// ledger (never stored on the bill).
import type { Bill, BillLine } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { notFound } from '../lib/errors';

const day = (d: Date) => d.toISOString().slice(0, 10);

export function billView(b: Bill & { lines?: BillLine[] }) {
  return {
    ...b,
    totalCents: Number(b.totalCents),
    periodFrom: day(b.periodFrom),
    periodTo: day(b.periodTo),
    billDate: day(b.billDate),
    dueDate: day(b.dueDate),
    ...(b.lines
      ? {
          lines: b.lines.map((l) => ({
            ...l,
            id: l.id.toString(),
            correctsLineId: l.correctsLineId?.toString() ?? null,
            amountCents: Number(l.amountCents),
            quantity: l.quantity.toString(),
            rate: l.rate.toString(),
            periodFrom: day(l.periodFrom),
            periodTo: day(l.periodTo),
          })),
        }
      : {}),
  };
}

export async function getBill(db: Db, id: string) {
  const b = await db.bill.findUnique({ where: { id }, include: { lines: { orderBy: { lineNo: 'asc' } } } });
  if (!b) throw notFound('Bill', id);
  const next = await db.bill.findFirst({ where: { replacesId: id, kind: 'REBILL' }, select: { id: true } });
  return { ...billView(b), replacedBy: next?.id ?? null };
}

export async function listAccountBills(db: Db, accountId: string) {
  if (!(await db.account.findUnique({ where: { id: accountId }, select: { id: true } })))
    throw notFound('Account', accountId);
  const bills = await db.bill.findMany({
    where: { accountId },
    orderBy: [{ billDate: 'desc' }, { createdAt: 'desc' }],
    take: 100,
  });
  return { accountId, items: bills.map((b) => billView(b)) };
}
