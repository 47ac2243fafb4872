// The final bill of a stop (move-out) or transfer of service, and what follows it:
//   issueFinalBill      each meter's use from the start of its unbilled period to its final read,
//                       rated under the tariff with base charges, blocks and caps prorated by days
//                       of service ÷ days in the regular period (domain/billing/final-bill.ts);
//                       an ISSUED bill of kind FINAL with its lines and its CHARGE on the ledger
//   settleAtFinalBill   the deposit applied (with interest) as credits on the final bill; then a
//                       credit balance refunded, a zero balance closed, a debit left to its due date
//   settleFinalBalance  the day after the due date: paid (closed), or handed to collections through
//                       the bill cycle's own hand-off (an episode and a signal-with-start of its case)
// Money is integer cents throughout; each step runs in the caller's transaction (or its own) under
// keys from the order, so a retried step changes nothing the first one did.
import type { Client } from '@temporalio/client';
import type { Prisma } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { AppError } from '../lib/errors';
import {
  meterUsage,
  rateService,
  RatingError,
  storedBillLine,
  type BillLine as RatedLine,
} from '../domain/rating/rate';
import { estimateCreditLines, planTrueUp } from '../domain/billing/true-up';
import { schedulesFor, type Tariff } from '../domain/rating/tariff';
import { firstPeriodDays, partialPeriodDays } from '../domain/billing/final-bill';
import { monthlyParts } from '../domain/billing/monthly-parts';
import { addDays, DUE_DAYS_AFTER_BILL, formatCents } from '../domain/ledger';
import { accountPosition, dbDate, isoDay, jsonCents, postCharge, postEntry, utilityDate } from './ledger';
import { applyDepositToFinalBill } from './deposits';
import { billView } from './bills';
import {
  applyExchangeFold,
  lastBilledRead,
  meterAdvance,
  meterExchangeFolds,
  periodStartRead,
  type ExchangeFold,
} from './meter-exchange-billing';
import { handOffAccounts } from '../activities/bill-cycle/hand-off';
import { lateFeesOn, type IssuedBill } from '../activities/bill-cycle/late-charges';
import { inTransaction, query } from '../lib/db/bulk';
import { onTransaction, recordStatements } from './statements';

export const finalBillId = (orderId: string) => `BF-${orderId}`;

export interface FinalReading {
  meterId: string;
  /** Utility-local wall clock as UTC, as meter reads are stored. */
  readAt: Date;
  value: bigint;
}

export interface FinalBillResult {
  billId: string | null;
  totalCents: string;
  billDate: string;
  dueDate: string;
  periodFrom: string | null;
  periodTo: string | null;
  meters: {
    meterId: string;
    from: string;
    to: string;
    usage: string;
    unit: string;
    exchange?: string;
    /** The true-up of estimated bills since the last actual read, as the bill states it. */
    trueUp?: string;
  }[];
}

type Line = Omit<Prisma.BillLineCreateManyInput, 'billId'>;

/**
 * The final bill's account summary (services/statements.ts), recorded once everything the final
 * bill settles is on the ledger — the deposit applied, a credit refunded, a balance moved to the
 * customer's new account — so the bill shows it, not a next bill that never comes.
 */
export async function recordFinalBillStatement(
  tx: Tx,
  accountId: string,
  bill: FinalBillResult,
): Promise<void> {
  if (!bill.billId) return;
  await recordStatements(onTransaction(tx), [
    { billId: bill.billId, accountId, billDate: bill.billDate, currentChargesCents: BigInt(bill.totalCents) },
  ]);
}

/** Rates and issues the final bill (in `tx`). No use and no days to bill: no bill. */
export async function issueFinalBill(
  tx: Tx,
  i: { orderId: string; accountId: string; readings: FinalReading[]; at: Date; actor: Actor; tariff: Tariff },
): Promise<FinalBillResult> {
  const account = await tx.account.findUniqueOrThrow({
    where: { id: i.accountId },
    include: { customer: { select: { language: true } } },
  });
  const cycle = await tx.billCycle.findUnique({ where: { id: account.billCycle } });
  const billDate = utilityDate(i.at);
  const dueDate = addDays(billDate, DUE_DAYS_AFTER_BILL);
  const lines: Line[] = [];
  const meters: FinalBillResult['meters'] = [];
  let total = 0n;
  let periodFrom = null as string | null;
  let periodTo = null as string | null;
  for (const r of i.readings) {
    const meter = await tx.meter.findUniqueOrThrow({ where: { id: r.meterId } });
    // A crew may report a read taken days ago: one dated on or before the read that ended the last
    // bill would bill again service already billed (the final period would start before that read).
    // A person looks at the date instead (the stop's effects problem).
    const billed = await lastBilledRead(tx, r.meterId, i.accountId);
    if (billed && billed.readAt >= r.readAt)
      throw new AppError(
        'conflict',
        `Meter ${r.meterId}: the final read is dated ${isoDay(r.readAt)}, not after the read of ` +
          `${isoDay(billed.readAt)} that ended bill ${billed.billId}; service to then is already ` +
          `billed: check the read's date`,
      );
    // After estimated bills the use is measured from the last actual read and trued up: what the
    // estimates charged is taken off, or credited back when they charged too much.
    const start = await periodStartRead(tx, r.meterId, i.accountId, r.readAt, { throughEstimates: true });
    const advance = meterAdvance(r.meterId, start, r, meter.dials);
    const to = isoDay(r.readAt);
    const plan =
      start.estimates.length > 0
        ? planTrueUp(
            { from: isoDay(start.readAt), to, units: advance * BigInt(meter.multiplier) },
            start.estimates.map((e) => ({ from: isoDay(e.from), to: isoDay(e.to), units: e.units })),
            meter.readUnit,
          )
        : null;
    const inUnits = (units: bigint) =>
      meterUsage({ registerDelta: units, multiplier: 1, readUnit: meter.readUnit });
    let usage = plan
      ? inUnits(plan.billableUnits)
      : meterUsage({ registerDelta: advance, multiplier: meter.multiplier, readUnit: meter.readUnit });
    let from = plan ? plan.from : isoDay(start.readAt);
    // Whether the stretch begins at a cycle read (the end of the last bill, actual or estimated),
    // which may have been taken a little before its read day, or at a start of service.
    let startsAtCycleRead = plan !== null || start.source === 'BILLED';
    let exchange: string | undefined;
    let exchangeTrueUp: ExchangeFold | null = null;
    if (start.source === 'EXCHANGE_INITIAL') {
      const fold = (await meterExchangeFolds(tx, [{ meterId: r.meterId, previousReadAt: start.readAt }])).get(
        r.meterId,
      );
      if (fold) {
        const joined = applyExchangeFold({ from, to }, usage, fold);
        if (joined.from !== from) startsAtCycleRead = fold.fromSource === 'BILLED';
        ({ from, usage } = joined);
        exchange = joined.note;
        if (fold.trueUp) exchangeTrueUp = fold;
      }
    }
    meters.push({
      meterId: r.meterId,
      from,
      to,
      usage: usage.toString(),
      unit: meter.readUnit,
      ...(exchange ? { exchange } : {}),
      ...(plan ? { trueUp: plan.note } : {}),
    });
    const pushLine = (l: RatedLine) => {
      lines.push({
        ...storedBillLine(l, lines.length + 1, meter.service, r.meterId),
        periodFrom: dbDate(l.periodFrom),
        periodTo: dbDate(l.periodTo),
      });
      total += BigInt(l.amountCents);
    };
    if (plan) {
      // The true-up explains itself on the bill, and over-estimated periods are credited at the
      // rates they were billed at (each re-rated at its own dates and tariff).
      const schedules = schedulesFor(i.tariff, account.class, meter.service);
      lines.push({
        lineNo: lines.length + 1,
        service: meter.service,
        component: 'TRUE_UP',
        description: plan.note,
        quantity: plan.billableUnits.toString(),
        unit: meter.readUnit,
        rate: '0',
        ratePer: '1',
        amountCents: 0n,
        tariffSchedule: schedules[0]?.code ?? '',
        tariffVersion: null,
        periodFrom: dbDate(plan.from),
        periodTo: dbDate(plan.to),
        meterId: r.meterId,
      });
      for (const schedule of schedules) {
        const base = {
          schedule,
          riders: i.tariff.riders,
          accountClass: account.class,
          meterSize: meter.size,
        };
        for (const c of plan.credits)
          for (const l of estimateCreditLines(
            // Re-rated as the cycle billed it: a first period after a move-in was prorated.
            {
              ...base,
              billingPeriodDays: cycle
                ? firstPeriodDays(cycle.readDay, isoDay(account.startDate), c.from, c.to)
                : undefined,
            },
            c,
            inUnits(c.billedUnits),
            inUnits(c.correctedUnits),
          ))
            pushLine(l);
      }
      periodFrom = !periodFrom || plan.from < periodFrom ? plan.from : periodFrom;
      periodTo = !periodTo || plan.to > periodTo ? plan.to : periodTo;
    }
    // The old meter of an exchange was last billed on estimates: the periods they over-billed are
    // credited the same way, at the old meter's size (its use is in the exchange line's note).
    if (exchangeTrueUp?.trueUp) {
      const old = exchangeTrueUp;
      const oldUnits = (units: bigint) =>
        meterUsage({ registerDelta: units, multiplier: 1, readUnit: old.readUnit });
      for (const schedule of schedulesFor(i.tariff, account.class, meter.service))
        for (const c of old.trueUp!.credits)
          for (const l of estimateCreditLines(
            {
              schedule,
              riders: i.tariff.riders,
              accountClass: account.class,
              meterSize: old.size,
              billingPeriodDays: cycle
                ? firstPeriodDays(cycle.readDay, isoDay(account.startDate), c.from, c.to)
                : undefined,
            },
            c,
            oldUnits(c.billedUnits),
            oldUnits(c.correctedUnits),
          )) {
            lines.push({
              ...storedBillLine(l, lines.length + 1, meter.service, old.oldMeterId),
              periodFrom: dbDate(l.periodFrom),
              periodTo: dbDate(l.periodTo),
            });
            total += BigInt(l.amountCents);
          }
    }
    if (from >= to) {
      if (usage.sign() > 0)
        throw new AppError(
          'conflict',
          `Meter ${r.meterId}: ${usage.toString()} of use but no days of service to bill it on (${from})`,
        );
      continue;
    }
    periodFrom = !periodFrom || from < periodFrom ? from : periodFrom;
    periodTo = !periodTo || to > periodTo ? to : periodTo;
    // A stretch covering more than one month (a cycle that could not bill the meter) is priced as
    // the months it covers, the last one prorated to the day service ends
    // (domain/billing/monthly-parts.ts); each part against the regular period it falls in.
    const parts = cycle ? monthlyParts(cycle.readDay, from, to, usage, 1) : [{ from, to, usage }];
    for (const schedule of schedulesFor(i.tariff, account.class, meter.service)) {
      const rated = parts.map((part, k) => {
        try {
          return rateService({
            schedule,
            riders: i.tariff.riders,
            accountClass: account.class,
            period: { from: part.from, to: part.to },
            billingPeriodDays: partialPeriodDays(cycle?.readDay ?? null, part.from, part.to, {
              startsAtCycleRead: k === 0 ? startsAtCycleRead : true,
            }),
            meterSize: meter.size,
            usage: part.usage,
          });
        } catch (err) {
          if (err instanceof RatingError) throw new AppError('conflict', `Final bill: ${err.message}`);
          throw err;
        }
      });
      if (exchange)
        lines.push({
          lineNo: lines.length + 1,
          service: meter.service,
          component: 'METER_EXCHANGE',
          description: exchange,
          quantity: usage.toString(),
          unit: meter.readUnit,
          rate: '0',
          ratePer: '1',
          amountCents: 0n,
          tariffSchedule: schedule.code,
          tariffVersion: null,
          periodFrom: dbDate(from),
          periodTo: dbDate(to),
          meterId: r.meterId,
        });
      for (const r of rated) for (const l of r.lines) pushLine(l);
    }
  }
  const result = {
    billDate,
    dueDate,
    periodFrom,
    periodTo,
    meters,
    totalCents: total.toString(),
  };
  if (lines.length === 0 || !periodFrom || !periodTo) return { ...result, billId: null };

  const billId = finalBillId(i.orderId);
  const bill = await tx.bill.create({
    data: {
      id: billId,
      accountId: i.accountId,
      kind: 'FINAL',
      status: 'ISSUED',
      issuedAt: i.at,
      periodFrom: dbDate(periodFrom),
      periodTo: dbDate(periodTo),
      billDate: dbDate(billDate),
      dueDate: dbDate(dueDate),
      estimated: false,
      totalCents: total,
      language: account.customer.language === 'es' ? 'es' : 'en',
      lines: { createMany: { data: lines } },
    },
    include: { lines: { orderBy: { lineNo: 'asc' } } },
  });
  if (total !== 0n)
    await postCharge(tx, {
      accountId: i.accountId,
      amountCents: total,
      billId,
      effectiveDate: billDate,
      dueDate,
      idempotencyKey: `bill:${billId}:charge`,
      memo: `Final bill ${billId} for ${periodFrom} to ${periodTo}`,
      actor: i.actor,
    });
  await recordChange(
    tx,
    i.actor,
    {
      action: 'bill.issue-final',
      entityType: 'bill',
      entityId: billId,
      accountId: i.accountId,
      after: billView(bill),
      reason: `Service order ${i.orderId}`,
    },
    {
      kind: 'bill.issued',
      occurredAt: i.at,
      summary: `Final bill ${billId} issued: ${formatCents(total)} due ${dueDate} (service ${periodFrom} to ${periodTo}, prorated)`,
      data: { billId, totalCents: jsonCents(total), dueDate, kind: 'FINAL', orderId: i.orderId },
    },
  );
  return { ...result, billId };
}

export interface Settlement {
  outcome: 'PENDING' | 'ZERO' | 'REFUNDED' | 'PAID' | 'COLLECTIONS' | 'TRANSFERRED' | 'NEEDS_REVIEW';
  balanceCents: string;
  depositAppliedCents: string;
  refundCents: string | null;
  /** When a debit is due (PENDING): the day after it, the balance is settled or handed off. */
  dueDate: string | null;
  collectionsWorkflowId?: string | null;
}

async function setAccountStatus(
  tx: Tx,
  actor: Actor,
  accountId: string,
  status: 'FINAL' | 'CLOSED',
  endDate: string,
  at: Date,
  why: string,
) {
  const before = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  if (before.status === status) return;
  const after = await tx.account.update({
    where: { id: accountId },
    data: { status, endDate: before.endDate ?? dbDate(endDate) },
  });
  await recordChange(
    tx,
    actor,
    {
      action: 'account.update',
      entityType: 'account',
      entityId: accountId,
      accountId,
      before: { status: before.status, endDate: before.endDate ? isoDay(before.endDate) : null },
      after: { status: after.status, endDate: after.endDate ? isoDay(after.endDate) : null },
      reason: why,
    },
    {
      kind: status === 'CLOSED' ? 'account.closed' : 'account.final',
      occurredAt: at,
      summary: status === 'CLOSED' ? `Account closed: ${why}` : `Account final-billed: ${why}`,
    },
  );
}

/** Refunds a credit balance (a check to the customer): an entry that brings the balance to zero. */
async function refundCredit(
  tx: Tx,
  actor: Actor,
  i: {
    orderId: string;
    accountId: string;
    creditCents: bigint;
    effectiveDate: string;
    at: Date;
    key: string;
  },
) {
  await postEntry(
    tx,
    {
      accountId: i.accountId,
      kind: 'ADJUSTMENT',
      amountCents: i.creditCents,
      effectiveDate: i.effectiveDate,
      dueDate: i.effectiveDate,
      idempotencyKey: i.key,
      memo: `Refund of the credit balance after the final bill (check to the mailing address)`,
    },
    {
      actor,
      timeline: {
        kind: 'ledger.refund',
        occurredAt: i.at,
        summary: `Credit balance of ${formatCents(i.creditCents)} refunded by check`,
        data: { orderId: i.orderId, refundCents: jsonCents(i.creditCents) },
      },
      reason: `Final bill of service order ${i.orderId}`,
    },
  );
}

/**
 * After the final bill (in `tx`): the deposit applied when asked, then the balance decides — a
 * credit is refunded and the account closed, zero closes it, a debit waits for its due date.
 */
export async function settleAtFinalBill(
  tx: Tx,
  i: {
    orderId: string;
    accountId: string;
    bill: FinalBillResult;
    applyDeposit: boolean;
    at: Date;
    actor: Actor;
  },
): Promise<Settlement> {
  const day = i.bill.billDate;
  const credits = i.applyDeposit
    ? await applyDepositToFinalBill(tx, {
        accountId: i.accountId,
        billId: i.bill.billId,
        effectiveDate: day,
        actor: i.actor,
      })
    : [];
  const applied = credits.reduce((s, c) => s + BigInt(c.creditedCents) + BigInt(c.interestCents), 0n);
  const position = await accountPosition(tx, i.accountId, day);
  const balance = position.balanceCents;
  let outcome: Settlement['outcome'];
  let refund: bigint | null = null;
  if (balance < 0n) {
    refund = -balance;
    await refundCredit(tx, i.actor, {
      orderId: i.orderId,
      accountId: i.accountId,
      creditCents: refund,
      effectiveDate: day,
      at: i.at,
      key: `final:${i.orderId}:refund`,
    });
    outcome = 'REFUNDED';
  } else outcome = balance === 0n ? 'ZERO' : 'PENDING';
  await setAccountStatus(
    tx,
    i.actor,
    i.accountId,
    outcome === 'PENDING' ? 'FINAL' : 'CLOSED',
    day,
    i.at,
    outcome === 'PENDING'
      ? `final bill ${i.bill.billId ?? '(none)'}; ${formatCents(balance)} due ${i.bill.dueDate}`
      : outcome === 'REFUNDED'
        ? `final bill settled; ${formatCents(refund!)} credit refunded`
        : 'final bill settled; nothing owed',
  );
  await tx.finalSettlement.create({
    data: {
      orderId: i.orderId,
      accountId: i.accountId,
      billId: i.bill.billId,
      dueDate: outcome === 'PENDING' ? dbDate(i.bill.dueDate) : null,
      balanceCents: balance,
      depositAppliedCents: applied,
      outcome,
      refundCents: refund,
      settledAt: outcome === 'PENDING' ? null : i.at,
    },
  });
  return {
    outcome,
    balanceCents: balance.toString(),
    depositAppliedCents: applied.toString(),
    refundCents: refund?.toString() ?? null,
    dueDate: outcome === 'PENDING' ? i.bill.dueDate : null,
  };
}

/**
 * The day after the final bill's due date: a balance paid (or overpaid: refunded) closes the
 * account; one still past due goes to collections through the bill cycle's hand-off, which opens
 * the account's delinquency episode and signal-with-starts its collectionsCase.
 */
export async function settleFinalBalance(
  deps: { db: Db; temporal?: Client | undefined; taskQueue?: string | undefined },
  i: { orderId: string; accountId: string; at: Date; actor: Actor },
): Promise<Settlement> {
  const { db } = deps;
  const s = await db.finalSettlement.findUnique({ where: { orderId: i.orderId } });
  if (!s) throw new AppError('not_found', `No final settlement for service order ${i.orderId}`);
  const view = (x: NonNullable<typeof s>): Settlement => ({
    outcome: x.outcome as Settlement['outcome'],
    balanceCents: (x.balanceCents ?? 0n).toString(),
    depositAppliedCents: x.depositAppliedCents.toString(),
    refundCents: x.refundCents?.toString() ?? null,
    dueDate: x.dueDate ? isoDay(x.dueDate) : null,
    collectionsWorkflowId: x.collectionsWorkflowId,
  });
  if (s.outcome !== 'PENDING') return view(s);
  const asOf = utilityDate(i.at);
  let position = await accountPosition(db, i.accountId, asOf);
  // The ordinance's late payment charge applies to a final bill as to any other, once: a retry
  // that finds it posted does not work it out again (a payment since would change the amount).
  const feePosted =
    !s.billId || (await db.ledgerEntry.count({ where: { idempotencyKey: `bill:${s.billId}:late-fee` } })) > 0;
  if (position.pastDueCents > 0n && s.billId && !feePosted) {
    const bills = await query<IssuedBill>(
      db,
      `SELECT id, account_id, estimated FROM bill WHERE id = $1 AND status = 'ISSUED'`,
      [s.billId],
    );
    if (bills.length > 0) {
      await inTransaction(db, (c) => lateFeesOn(c, bills, asOf));
      position = await accountPosition(db, i.accountId, asOf);
    }
  }
  if (position.pastDueCents > 0n) {
    if (!deps.temporal || !deps.taskQueue)
      throw new Error('Handing a final bill to collections needs the Temporal client');
    await handOffAccounts(
      { db, temporal: deps.temporal, taskQueue: deps.taskQueue },
      {
        runId: `final:${s.billId ?? i.orderId}`,
        accountIds: [i.accountId],
        asOf,
        heartbeat: () => undefined,
      },
    );
    const episode = await db.collectionsEpisode.findFirst({
      where: { accountId: i.accountId, closedAt: null },
      orderBy: { episode: 'desc' },
    });
    const after = await db.$transaction(async (tx) => {
      const row = await tx.finalSettlement.update({
        where: { orderId: i.orderId },
        data: {
          outcome: 'COLLECTIONS',
          balanceCents: position.balanceCents,
          collectionsWorkflowId: episode?.workflowId ?? null,
          settledAt: i.at,
        },
      });
      await recordChange(
        tx,
        i.actor,
        {
          action: 'final-bill.collections',
          entityType: 'bill',
          entityId: s.billId ?? i.orderId,
          accountId: i.accountId,
          after: { pastDueCents: jsonCents(position.pastDueCents), workflowId: episode?.workflowId ?? null },
          reason: `Final bill unpaid the day after its due date`,
        },
        {
          kind: 'final-bill.collections',
          occurredAt: i.at,
          summary: `Final bill unpaid: ${formatCents(position.pastDueCents)} past due handed to collections`,
          data: { orderId: i.orderId, workflowId: episode?.workflowId ?? null },
        },
      );
      return row;
    });
    return view(after);
  }
  const after = await db.$transaction(async (tx) => {
    if (position.balanceCents < 0n)
      await refundCredit(tx, i.actor, {
        orderId: i.orderId,
        accountId: i.accountId,
        creditCents: -position.balanceCents,
        effectiveDate: asOf,
        at: i.at,
        key: `final:${i.orderId}:refund`,
      });
    if (position.balanceCents <= 0n)
      await setAccountStatus(tx, i.actor, i.accountId, 'CLOSED', asOf, i.at, 'final bill paid');
    return tx.finalSettlement.update({
      where: { orderId: i.orderId },
      data: {
        outcome: position.balanceCents <= 0n ? 'PAID' : 'PENDING',
        refundCents: position.balanceCents < 0n ? -position.balanceCents : null,
        settledAt: position.balanceCents <= 0n ? i.at : null,
      },
    });
  });
  return view(after);
}
