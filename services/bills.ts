// Reading bills. A bill's total is the sum of its lines; what is still owed on it comes from the
// ledger (never stored on the bill).
import type { Bill, BillLine } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { notFound } from '../lib/errors';
import { activityLabel, amountDueAndCredit } from '../domain/billing/statement';
import { jsonCents } from './ledger';
import { loadStatements, type StoredStatement } from './statements';

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
  const stored = (await loadStatements(db, [id])).get(id);
  return { ...billView(b), replacedBy: next?.id ?? null, statement: stored ? statementJson(stored) : null };
}

/**
 * A bill's account summary for the API (null for bills issued before bills had one): the figures it
 * printed, and each entry it showed with the wording's key (labels.json `activity`).
 */
function statementJson(s: StoredStatement) {
  const { amountDueCents, creditCents } = amountDueAndCredit(s.totalDueCents);
  return {
    previousBalanceCents: jsonCents(s.previousBalanceCents),
    activityCents: jsonCents(s.activityCents),
    balanceForwardCents: jsonCents(s.balanceForwardCents),
    currentChargesCents: jsonCents(s.currentChargesCents),
    totalDueCents: jsonCents(s.totalDueCents),
    amountDueCents: jsonCents(amountDueCents),
    creditCents: jsonCents(creditCents),
    pastDueCents: jsonCents(s.pastDueCents),
    activity: s.activity.map((a) => ({
      label: activityLabel(a),
      kind: a.kind,
      effectiveDate: a.effectiveDate,
      billId: a.billId,
      amountCents: jsonCents(a.amountCents),
    })),
  };
}

export async function listAccountBills(db: Db, accountId: string) {
  if (!(await db.account.findUnique({ where: { id: accountId }, select: { id: true } })))
    throw notFound('Account', accountId);
  const bills = await db.bill.findMany({
    where: { accountId },
    orderBy: [{ billDate: 'desc' }, { createdAt: 'desc' }],
    take: 100,
  });
  const statements = await db.billStatement.findMany({
    where: { billId: { in: bills.map((b) => b.id) } },
    select: { billId: true, totalDueCents: true },
  });
  const totalDue = new Map(statements.map((s) => [s.billId, jsonCents(s.totalDueCents)]));
  // totalDueCents: the account's balance the bill's summary printed (null: issued without one).
  return {
    accountId,
    items: bills.map((b) => ({ ...billView(b), totalDueCents: totalDue.get(b.id) ?? null })),
  };
}
