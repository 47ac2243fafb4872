// What finishing a service order does, per type (the serviceOrder workflow's effects step):
//   START_SERVICE     the initial read of each meter (billing starts there); the account ACTIVE from
//                     that day; the lead service-line notice when the premise's line requires it
//   STOP_SERVICE      the final read of each meter; the prorated final bill; the deposit applied;
//                     a credit refunded (closed), nothing owed (closed), or a debit left to its due
//                     date (FINAL) — the workflow settles it the day after
//   TRANSFER_SERVICE  final reads and the final bill at the old premise, initial reads at the new
//                     one; the new account (or the one opened for it); the balance — each open
//                     charge with its own due date, or the credit — and any held deposit move with
//                     the customer, so there is one balance; the old account closed; the lead notice
//   METER_EXCHANGE    the old meter's final read and removal, the new meter set at the same service
//                     point with its initial read, and the exchange that joins them for billing
// The database work of each runs in one transaction under the order's key (a retried step finds it
// done and returns the same summary); the final bill's delivery and the notice happen after commit,
// each claimed in the notice register, so a retry sends nothing twice.
import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { recordChange, toJson, type Actor } from '../lib/audit';
import { AppError } from '../lib/errors';
import { once } from '../lib/idempotency';
import { readingsOf, type Completion, type ReadMeter, type ServiceOrderType } from '../domain/service-order';
import { allocate, formatCents } from '../domain/ledger';
import type { Tariff } from '../domain/rating/tariff';
import { MILLBROOK_TARIFF } from '../domain/rating/millbrook';
import { effectiveTariff } from './tariffs';
import {
  dbDate,
  isoDay,
  jsonCents,
  loadEntries,
  postEntry,
  toDomainEntry,
  UTILITY_TIME_ZONE,
} from './ledger';
import { nextNumber } from './records';
import {
  issueFinalBill,
  recordFinalBillStatement,
  settleAtFinalBill,
  settleFinalBalance,
  type FinalBillResult,
  type Settlement,
} from './final-bill';
import { lockStatementAccounts, onTransaction } from './statements';
import { sendLeadNoticeAtStart, type LeadNoticeResult } from './lead-notice';
import { deliverBills, markInterruptedEmails } from './bill-delivery';
import type { OrderDetails } from '../workflows/service-order';

export interface EffectsDeps {
  db: Db;
  mailer?: Mailer | undefined;
  /** Where a final bill's print batch is written (as the cycle's are). */
  outDir?: string | undefined;
  temporal?: Client | undefined;
  taskQueue?: string | undefined;
  tariff?: Tariff | undefined;
}

export interface RecordedRead {
  meterId: string;
  role: ReadMeter['role'];
  value: string;
  readAt: string;
  readId: string;
}

/** What finishing an order did (JSON: kept on the order and in the workflow's state). */
export interface OrderEffects {
  summary: string;
  reads: RecordedRead[];
  account?: { id: string; status: string; startDate?: string };
  bill?: FinalBillResult;
  settlement?: Settlement;
  toAccountId?: string;
  moved?: { chargesCents: string; creditCents: string; deposits: number };
  exchange?: { oldMeterId: string; newMeterId: string; exchangedAt: string };
  notice?: LeadNoticeResult;
}

/** The utility's local wall clock at an instant, stored as that reading in UTC (as reads are). */
export function localWallClock(at: Date, timeZone = UTILITY_TIME_ZONE): Date {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return new Date(`${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}Z`);
}

export interface EffectsInput {
  key: string;
  orderId: string;
  accountId: string;
  type: ServiceOrderType;
  /** When the crew completed the order (workflow time). */
  at: string;
  completion: Completion;
  meters: ReadMeter[];
  details: OrderDetails | null;
  actor: Actor;
}

/** Records the order's readings as meter reads (source FIELD) and as the order's boundary reads. */
async function recordReads(
  tx: Tx,
  i: EffectsInput,
  readAt: Date,
  accountOf: (m: ReadMeter) => string | null,
): Promise<RecordedRead[]> {
  const readings = readingsOf(i.meters, i.completion);
  const out: RecordedRead[] = [];
  for (const m of i.meters) {
    const value = readings.get(m.meterId);
    if (value === undefined)
      throw new AppError('validation_failed', `No reading of meter ${m.meterId}`, 'reads');
    const meter = await tx.meter.findUniqueOrThrow({ where: { id: m.meterId } });
    const accountId = accountOf(m);
    const read = await tx.meterRead.create({
      data: {
        meterId: m.meterId,
        accountId,
        readAt,
        value: BigInt(value),
        rawValue: String(value),
        unit: meter.readUnit,
        source: 'FIELD',
        quality: 'ACTUAL',
        reason: `Service order ${i.orderId}: ${m.role.toLowerCase().replace('_', ' ')} read`,
      },
    });
    await tx.serviceOrderRead.create({
      data: {
        orderId: i.orderId,
        meterId: m.meterId,
        accountId,
        role: m.role,
        readId: read.id,
        readAt,
        value: BigInt(value),
      },
    });
    out.push({
      meterId: m.meterId,
      role: m.role,
      value: String(value),
      readAt: readAt.toISOString().slice(0, 19),
      readId: read.id.toString(),
    });
  }
  return out;
}

async function startAccount(tx: Tx, actor: Actor, accountId: string, day: string, at: Date, orderId: string) {
  const before = await tx.account.findUniqueOrThrow({ where: { id: accountId } });
  if (before.status === 'FINAL' || before.status === 'CLOSED')
    throw new AppError(
      'conflict',
      `Account ${accountId} is ${before.status.toLowerCase()}: service cannot start on it`,
    );
  const after = await tx.account.update({
    where: { id: accountId },
    data: { status: 'ACTIVE', startDate: dbDate(day) },
  });
  await recordChange(
    tx,
    actor,
    {
      action: 'account.update',
      entityType: 'account',
      entityId: accountId,
      accountId,
      before: { status: before.status, startDate: isoDay(before.startDate) },
      after: { status: after.status, startDate: isoDay(after.startDate) },
      reason: `Service started by order ${orderId}`,
    },
    {
      kind: 'account.started',
      occurredAt: at,
      summary: `Service started on ${day}: billing starts from the initial read`,
      data: { orderId },
    },
  );
  return { id: accountId, status: after.status, startDate: day };
}

/** Writes what the order did onto the order row, with its audit event. */
async function recordEffects(tx: Tx, i: EffectsInput, effects: OrderEffects) {
  await tx.serviceOrder.update({ where: { id: i.orderId }, data: { effects: toJson(effects) } });
  await recordChange(tx, i.actor, {
    action: 'service-order.effects',
    entityType: 'service_order',
    entityId: i.orderId,
    accountId: i.accountId,
    after: effects,
  });
}

export async function applyOrderEffects(deps: EffectsDeps, i: EffectsInput): Promise<OrderEffects> {
  const { db } = deps;
  const at = new Date(i.at);
  const readAt = i.completion.readAt ? new Date(`${i.completion.readAt}Z`) : localWallClock(at);
  const day = isoDay(readAt);
  const tariff =
    i.type === 'STOP_SERVICE' || i.type === 'TRANSFER_SERVICE'
      ? await effectiveTariff(db, deps.tariff ?? MILLBROOK_TARIFF)
      : null;

  const { result } = await db.$transaction(
    (tx) =>
      once(tx, i.key, 'service-order', async (): Promise<OrderEffects> => {
        let effects: OrderEffects;
        switch (i.type) {
          case 'START_SERVICE': {
            const reads = await recordReads(tx, i, readAt, () => i.accountId);
            const account = await startAccount(tx, i.actor, i.accountId, day, at, i.orderId);
            effects = { summary: `Service started ${day}; ${reads.length} initial read(s)`, reads, account };
            break;
          }
          case 'STOP_SERVICE': {
            // Before any audit row: the final bill's summary takes its turn (services/statements.ts).
            await lockStatementAccounts(onTransaction(tx), [i.accountId]);
            const reads = await recordReads(tx, i, readAt, () => i.accountId);
            const bill = await issueFinalBill(tx, {
              orderId: i.orderId,
              accountId: i.accountId,
              readings: reads.map((r) => ({ meterId: r.meterId, readAt, value: BigInt(r.value) })),
              at,
              actor: i.actor,
              tariff: tariff!,
            });
            const settlement = await settleAtFinalBill(tx, {
              orderId: i.orderId,
              accountId: i.accountId,
              bill,
              applyDeposit: true,
              at,
              actor: i.actor,
            });
            await recordFinalBillStatement(tx, i.accountId, bill);
            effects = {
              summary:
                `Service stopped ${day}; final bill ${bill.billId ?? '(nothing to bill)'} ` +
                `${formatCents(BigInt(bill.totalCents))}; ${settlement.outcome.toLowerCase()}`,
              reads,
              bill,
              settlement,
            };
            break;
          }
          case 'TRANSFER_SERVICE':
            await lockStatementAccounts(onTransaction(tx), [i.accountId]);
            effects = await transfer(tx, i, { at, readAt, day, tariff: tariff! });
            break;
          case 'METER_EXCHANGE':
            effects = await exchange(tx, i, { at, readAt, day });
            break;
          default:
            effects = { summary: 'Recorded', reads: [] };
        }
        await recordEffects(tx, i, effects);
        return effects;
      }),
    { maxWait: 10_000, timeout: 60_000 },
  );
  let effects = result;
  // The final bill goes to the customer as any bill does: email or print, once (the notice register).
  // An earlier attempt stopped between claiming its email and recording it is marked once this
  // one's delivery has finished (at most once: it is not resent).
  if (effects.bill?.billId && deps.mailer && deps.outDir) {
    const billIds = [effects.bill.billId];
    await deliverBills({ db, mailer: deps.mailer, outDir: deps.outDir }, { billIds, actor: i.actor });
    await markInterruptedEmails(db, i.actor, { billIds });
  }
  // The notice goes out after the service start is committed; the register keeps it to one.
  if ((i.type === 'START_SERVICE' || i.type === 'TRANSFER_SERVICE') && !effects.notice) {
    const notice = await sendLeadNoticeAtStart(
      { db, mailer: deps.mailer },
      {
        accountId: effects.toAccountId ?? i.accountId,
        startDate: day,
        at,
        actor: i.actor,
        orderId: i.orderId,
      },
    );
    effects = { ...effects, notice };
    await db.serviceOrder.update({ where: { id: i.orderId }, data: { effects: toJson(effects) } });
  }
  return effects;
}

/** Transfer: stop at the old premise, start at the new one; one balance, moved with the customer. */
async function transfer(
  tx: Tx,
  i: EffectsInput,
  c: { at: Date; readAt: Date; day: string; tariff: Tariff },
): Promise<OrderEffects> {
  const from = await tx.account.findUniqueOrThrow({ where: { id: i.accountId } });
  const toPremiseId = i.details?.toPremiseId;
  if (!toPremiseId)
    throw new AppError(
      'validation_failed',
      'A transfer names the premise it moves to',
      'details.toPremiseId',
    );
  // The account at the new premise: the one opened for it, or a new one for the same customer.
  let toId = i.details?.toAccountId ?? null;
  if (toId) {
    const to = await tx.account.findUniqueOrThrow({ where: { id: toId } });
    if (to.customerId !== from.customerId || to.premiseId !== toPremiseId)
      throw new AppError('conflict', `Account ${toId} is not this customer's at premise ${toPremiseId}`);
  } else {
    toId = String(await nextNumber(tx, 'account'));
    const created = await tx.account.create({
      data: {
        id: toId,
        customerId: from.customerId,
        premiseId: toPremiseId,
        class: from.class,
        billCycle: from.billCycle,
        status: 'PENDING',
        startDate: dbDate(c.day),
        autopay: from.autopay,
      },
    });
    await recordChange(
      tx,
      i.actor,
      {
        action: 'account.create',
        entityType: 'account',
        entityId: toId,
        accountId: toId,
        after: { ...created, startDate: c.day },
        reason: `Transfer of service from account ${from.id} (order ${i.orderId})`,
      },
      {
        kind: 'account.created',
        occurredAt: c.at,
        summary: `Account opened by transfer of service from account ${from.id}`,
        data: { orderId: i.orderId, fromAccountId: from.id },
      },
    );
  }
  const toAccountId = toId;
  const reads = await recordReads(tx, i, c.readAt, (m) => (m.role === 'FINAL' ? from.id : toAccountId));
  const finals = reads.filter((r) => r.role === 'FINAL');
  const bill = await issueFinalBill(tx, {
    orderId: i.orderId,
    accountId: from.id,
    readings: finals.map((r) => ({ meterId: r.meterId, readAt: c.readAt, value: BigInt(r.value) })),
    at: c.at,
    actor: i.actor,
    tariff: c.tariff,
  });
  const account = await startAccount(tx, i.actor, toAccountId, c.day, c.at, i.orderId);

  // The deposit goes with the customer, still held (it is not applied: service continues). One
  // billed but not yet paid goes too, still REQUIRED: its charge moves with the balance below, and
  // paying that charge on the new account holds it there (deposits.syncDepositStatus follows the
  // transfer).
  const moving = await tx.deposit.findMany({
    where: { accountId: from.id, status: { in: ['HELD', 'REQUIRED'] } },
  });
  const held = moving.filter((d) => d.status === 'HELD');
  for (const d of moving) {
    await tx.deposit.update({ where: { id: d.id }, data: { accountId: toAccountId } });
    await recordChange(
      tx,
      i.actor,
      {
        action: 'deposit.transfer',
        entityType: 'deposit',
        entityId: d.id,
        accountId: toAccountId,
        before: { accountId: from.id },
        after: { accountId: toAccountId, amountCents: jsonCents(d.amountCents), status: d.status },
        reason: `Transfer of service (order ${i.orderId})`,
      },
      {
        kind: 'deposit.transferred',
        occurredAt: c.at,
        summary: `Deposit of ${formatCents(d.amountCents)} (${d.status === 'HELD' ? 'held' : 'billed, not yet paid'}) moved from account ${from.id}`,
        data: { depositId: d.id, fromAccountId: from.id },
      },
    );
  }
  const heldCents = held.reduce((s, d) => s + d.amountCents, 0n);
  if (heldCents > 0n) {
    await tx.account.update({
      where: { id: from.id },
      data: { depositHeldCents: { decrement: Number(heldCents) } },
    });
    await tx.account.update({
      where: { id: toAccountId },
      data: { depositHeldCents: { increment: Number(heldCents) } },
    });
  }

  // The balance moves: each open charge to the new account with its own due date (so nothing past
  // due becomes current), or the unapplied credit; the old account is left at zero.
  const a = allocate((await loadEntries(tx, from.id)).map(toDomainEntry));
  let moved = 0n;
  for (const ch of a.charges) {
    if (ch.openCents <= 0n) continue;
    const id = ch.entry.id.toString();
    const memoIn = `Balance transferred from account ${from.id} (was due ${ch.dueDate})`;
    await postEntry(
      tx,
      {
        accountId: from.id,
        kind: 'ADJUSTMENT',
        amountCents: -ch.openCents,
        effectiveDate: bill.billDate,
        idempotencyKey: `transfer:${i.orderId}:out:${id}`,
        memo: `Balance transferred to account ${toAccountId}`,
      },
      { actor: i.actor, audit: true },
    );
    await postEntry(
      tx,
      {
        accountId: toAccountId,
        kind: 'ADJUSTMENT',
        amountCents: ch.openCents,
        effectiveDate: bill.billDate,
        dueDate: ch.dueDate,
        idempotencyKey: `transfer:${i.orderId}:in:${id}`,
        memo: memoIn,
      },
      { actor: i.actor, audit: true },
    );
    moved += ch.openCents;
  }
  const credit = a.credits.reduce((s, x) => s + x.unappliedCents, 0n);
  if (credit > 0n) {
    await postEntry(
      tx,
      {
        accountId: from.id,
        kind: 'ADJUSTMENT',
        amountCents: credit,
        effectiveDate: bill.billDate,
        dueDate: bill.billDate,
        idempotencyKey: `transfer:${i.orderId}:credit-out`,
        memo: `Credit balance transferred to account ${toAccountId}`,
      },
      { actor: i.actor, audit: true },
    );
    await postEntry(
      tx,
      {
        accountId: toAccountId,
        kind: 'ADJUSTMENT',
        amountCents: -credit,
        effectiveDate: bill.billDate,
        idempotencyKey: `transfer:${i.orderId}:credit-in`,
        memo: `Credit balance transferred from account ${from.id}`,
      },
      { actor: i.actor, audit: true },
    );
  }
  await recordChange(
    tx,
    i.actor,
    {
      action: 'account.transfer-balance',
      entityType: 'account',
      entityId: from.id,
      accountId: from.id,
      after: {
        toAccountId,
        chargesCents: jsonCents(moved),
        creditCents: jsonCents(credit),
        deposits: moving.length,
      },
      reason: `Transfer of service (order ${i.orderId})`,
    },
    {
      kind: 'account.transferred',
      occurredAt: c.at,
      summary:
        `Service transferred to account ${toAccountId}: ${formatCents(moved)} owed and ` +
        `${formatCents(credit)} credit moved${held.length ? `, deposit of ${formatCents(heldCents)} moved` : ''}`,
      data: { orderId: i.orderId, toAccountId },
    },
  );
  await recordChange(
    tx,
    i.actor,
    {
      action: 'account.transfer-balance',
      entityType: 'account',
      entityId: toAccountId,
      accountId: toAccountId,
      after: { fromAccountId: from.id, chargesCents: jsonCents(moved), creditCents: jsonCents(credit) },
      reason: `Transfer of service (order ${i.orderId})`,
    },
    {
      kind: 'account.transferred',
      occurredAt: c.at,
      summary: `Service transferred from account ${from.id}: ${formatCents(moved - credit)} balance carried over`,
      data: { orderId: i.orderId, fromAccountId: from.id },
    },
  );
  await recordFinalBillStatement(tx, from.id, bill);
  const before = await tx.account.findUniqueOrThrow({ where: { id: from.id } });
  await tx.account.update({ where: { id: from.id }, data: { status: 'CLOSED', endDate: dbDate(c.day) } });
  await recordChange(
    tx,
    i.actor,
    {
      action: 'account.update',
      entityType: 'account',
      entityId: from.id,
      accountId: from.id,
      before: { status: before.status, endDate: before.endDate ? isoDay(before.endDate) : null },
      after: { status: 'CLOSED', endDate: c.day },
      reason: `Service transferred to account ${toAccountId}`,
    },
    {
      kind: 'account.closed',
      occurredAt: c.at,
      summary: `Account closed: service transferred to account ${toAccountId}`,
    },
  );
  await tx.finalSettlement.create({
    data: {
      orderId: i.orderId,
      accountId: from.id,
      billId: bill.billId,
      balanceCents: 0n,
      outcome: 'TRANSFERRED',
      toAccountId,
      settledAt: c.at,
    },
  });
  return {
    summary: `Service moved to account ${toAccountId} on ${c.day}; final bill ${bill.billId ?? '(nothing to bill)'}; balance carried over`,
    reads,
    account,
    bill,
    settlement: {
      outcome: 'TRANSFERRED',
      balanceCents: '0',
      depositAppliedCents: '0',
      refundCents: null,
      dueDate: null,
    },
    toAccountId,
    moved: { chargesCents: moved.toString(), creditCents: credit.toString(), deposits: moving.length },
  };
}

/** Exchange: the old meter out with its final read, the new one in with its initial read. */
async function exchange(
  tx: Tx,
  i: EffectsInput,
  c: { at: Date; readAt: Date; day: string },
): Promise<OrderEffects> {
  const oldRef = i.meters.find((m) => m.role === 'EXCHANGE_FINAL');
  const newRef = i.meters.find((m) => m.role === 'EXCHANGE_INITIAL');
  const spec = i.details?.newMeter;
  if (!oldRef || !newRef || !spec)
    throw new AppError(
      'validation_failed',
      'An exchange names the old and the new meter',
      'details.newMeter',
    );
  const old = await tx.meter.findUniqueOrThrow({ where: { id: oldRef.meterId } });
  if (old.removedOn)
    throw new AppError('conflict', `Meter ${old.id} was already removed on ${isoDay(old.removedOn)}`);
  if (await tx.meter.findUnique({ where: { id: spec.id } }))
    throw new AppError('conflict', `Meter ${spec.id} already exists`, 'details.newMeter.id');
  // An endpoint moves to the new meter only when the office says so; the old meter lets go of it.
  const removed = await tx.meter.update({
    where: { id: old.id },
    data: {
      removedOn: dbDate(c.day),
      ...(spec.amiEndpoint && spec.amiEndpoint === old.amiEndpoint ? { amiEndpoint: null } : {}),
    },
  });
  const set = await tx.meter.create({
    data: {
      id: spec.id,
      servicePointId: old.servicePointId,
      service: old.service,
      readUnit: spec.readUnit ?? old.readUnit,
      dials: spec.dials,
      multiplier: spec.multiplier,
      size: spec.size ?? old.size,
      amiEndpoint: spec.amiEndpoint ?? null,
      installedOn: dbDate(c.day),
    },
  });
  const reads = await recordReads(tx, i, c.readAt, () => null);
  const finalRead = reads.find((r) => r.role === 'EXCHANGE_FINAL')!;
  const initialRead = reads.find((r) => r.role === 'EXCHANGE_INITIAL')!;
  const premise = await tx.servicePoint.findUniqueOrThrow({ where: { id: old.servicePointId } });
  await tx.meterExchange.create({
    data: {
      orderId: i.orderId,
      premiseId: premise.premiseId,
      accountId: i.accountId,
      oldMeterId: old.id,
      newMeterId: set.id,
      finalReadId: BigInt(finalRead.readId),
      initialReadId: BigInt(initialRead.readId),
      exchangedAt: c.readAt,
    },
  });
  await recordChange(tx, i.actor, {
    action: 'meter.update',
    entityType: 'meter',
    entityId: old.id,
    accountId: i.accountId,
    before: { removedOn: null, amiEndpoint: old.amiEndpoint },
    after: { removedOn: c.day, amiEndpoint: removed.amiEndpoint },
    reason: `Exchanged for meter ${set.id} (order ${i.orderId})`,
  });
  await recordChange(
    tx,
    i.actor,
    {
      action: 'meter.create',
      entityType: 'meter',
      entityId: set.id,
      accountId: i.accountId,
      after: { ...set, installedOn: c.day },
      reason: `Set in place of meter ${old.id} (order ${i.orderId})`,
    },
    {
      kind: 'meter.exchanged',
      occurredAt: c.at,
      summary:
        `Meter ${old.id} (final read ${finalRead.value}) exchanged for ${set.id} ` +
        `(initial read ${initialRead.value}) on ${c.day}`,
      data: { orderId: i.orderId, oldMeterId: old.id, newMeterId: set.id },
    },
  );
  return {
    summary: `Meter ${old.id} exchanged for ${set.id} on ${c.day}`,
    reads,
    exchange: { oldMeterId: old.id, newMeterId: set.id, exchangedAt: c.readAt.toISOString().slice(0, 19) },
  };
}

export { settleFinalBalance };
