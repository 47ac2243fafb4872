// Service orders from the API side: open one (starts its workflow), dispatch (assign, reassign,
// schedule, priority), cancel, waive a held start's deposit, read and list (the supervisors'
// dashboard lists SLA breaches), and the field crews' view. Every transition is a workflow update,
// so the workflow's validator is the single judge of what is allowed; its refusal comes back here
// as an AppError. What an order type needs (its meters, its destination, its new meter, whether it
// is held for a deposit) is decided here when it is opened, and handed to the workflow.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Prisma } from '@prisma/client';
import type { z } from 'zod';
import type { Db, Tx } from '../lib/db/prisma';
import { AppError, conflict, invalid, notFound } from '../lib/errors';
import { actorRef, recordChange, type Actor } from '../lib/audit';
import { once } from '../lib/idempotency';
import type {
  ZFieldCompletion,
  ZScheduleOrder,
  ZServiceOrderOpen,
  ZServiceOrderQuery,
} from './service-orders.types';
import {
  assignUpdate,
  cancelUpdate,
  completeUpdate,
  depositChangedSignal,
  scheduleUpdate,
  serviceOrder,
  serviceOrderWorkflowId,
  statusQuery,
  type OrderDetails,
  type PostedNoticeCopy,
  type ServiceOrderStatus,
} from '../workflows/service-order';
import { nextNumber } from './records';
import { postedNoticePdf } from './posted-notice';
import { canComplete, TYPE_SPECS, type ReadMeter } from '../domain/service-order';
import { formatCents } from '../domain/ledger';
import { postEntry, utilityDate, wallClockInstant } from './ledger';
import { localWallClock } from './service-order-effects';
import { confirmDisconnect, disconnectCheck } from './disconnect-check';

export interface OrderDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export interface OpenOrderOptions {
  /** A number drawn earlier (a retried step that must not open a second order). */
  orderId?: string;
  /** A workflow to signal when the order is completed or cancelled (a collections case). */
  notifyWorkflowId?: string;
  /** When the work must be done by (a reconnection deadline). */
  dueBy?: string;
  /** A door hanger's notice (a collections case renders it; the API cannot set it). */
  postedNotice?: PostedNoticeCopy;
}

/**
 * Draws the next order number. Inside a caller's transaction, pass the transaction: a second
 * transaction opened from within one needs a second pooled connection, and enough callers doing
 * that at once hold every connection while each waits for another.
 */
export async function newOrderId(db: Db | Tx): Promise<string> {
  const n =
    '$transaction' in db
      ? await db.$transaction((tx) => nextNumber(tx, 'service_order'))
      : await nextNumber(db, 'service_order');
  return `SO-${String(n).padStart(7, '0')}`;
}

type OpenInput = Omit<z.input<typeof ZServiceOrderOpen>, 'priority'> &
  Pick<z.infer<typeof ZServiceOrderOpen>, 'priority'>;

/** The active meters at a premise, in a stable order (service, then meter). */
async function premiseMeters(db: Db, premiseId: string) {
  return db.meter.findMany({
    where: { removedOn: null, servicePoint: { premiseId, active: true } },
    orderBy: [{ service: 'asc' }, { id: 'asc' }],
  });
}

/**
 * What the order type needs, checked against the record (400 naming the field, 409 when the
 * account's state forbids it): the meters the crew must read, the transfer's destination, the
 * exchange's new meter, and whether a start of service waits for its deposit.
 */
async function planOrder(
  db: Db,
  account: { id: string; premiseId: string; status: string; customerId: string },
  input: OpenInput,
  byCase: boolean,
): Promise<{ meters?: ReadMeter[]; details?: OrderDetails; hold?: 'DEPOSIT' }> {
  const spec = TYPE_SPECS[input.type];
  const details = input.details ?? {};
  const extra = Object.keys(details).filter(
    (k) =>
      !((k === 'toPremiseId' || k === 'toAccountId') && input.type === 'TRANSFER_SERVICE') &&
      !(k === 'newMeter' && input.type === 'METER_EXCHANGE') &&
      !(k === 'disconnectCause' && input.type === 'DISCONNECT' && !byCase),
  );
  if (extra.length > 0)
    throw invalid(`details.${extra[0]}`, `details.${extra[0]}: not used by a ${input.type} order`);
  if (spec.needsMeter && !input.meterId)
    throw invalid('meterId', `meterId: a ${input.type} order names the meter it is about`);
  const reading = (
    m: { id: string; dials: number },
    role: ReadMeter['role'],
    premiseId: string,
  ): ReadMeter => ({
    meterId: m.id,
    dials: m.dials,
    role,
    premiseId,
  });
  switch (input.type) {
    case 'START_SERVICE': {
      if (account.status === 'FINAL' || account.status === 'CLOSED')
        throw conflict(
          `Account ${account.id} is ${account.status.toLowerCase()}: open a new account to start service`,
        );
      const meters = (await premiseMeters(db, account.premiseId)).map((m) =>
        reading(m, 'INITIAL', account.premiseId),
      );
      const owed = await db.deposit.count({ where: { accountId: account.id, status: 'REQUIRED' } });
      return { meters, ...(owed > 0 ? { hold: 'DEPOSIT' as const } : {}) };
    }
    case 'STOP_SERVICE': {
      if (account.status !== 'ACTIVE')
        throw conflict(
          `Account ${account.id} is ${account.status.toLowerCase()}: only active service can be stopped`,
        );
      const meters = (await premiseMeters(db, account.premiseId)).map((m) =>
        reading(m, 'FINAL', account.premiseId),
      );
      return { meters };
    }
    case 'TRANSFER_SERVICE': {
      if (account.status !== 'ACTIVE')
        throw conflict(
          `Account ${account.id} is ${account.status.toLowerCase()}: only active service can be transferred`,
        );
      const to = details.toPremiseId;
      if (!to)
        throw invalid('details.toPremiseId', 'details.toPremiseId: a transfer names the premise it moves to');
      if (to === account.premiseId)
        throw invalid('details.toPremiseId', 'details.toPremiseId: service is already at this premise');
      if (!(await db.premise.findUnique({ where: { id: to }, select: { id: true } })))
        throw invalid('details.toPremiseId', `details.toPremiseId: Premise ${to} does not exist`);
      if (details.toAccountId) {
        const target = await db.account.findUnique({ where: { id: details.toAccountId } });
        if (!target || target.customerId !== account.customerId || target.premiseId !== to)
          throw invalid(
            'details.toAccountId',
            `details.toAccountId: Account ${details.toAccountId} is not this customer's account at premise ${to}`,
          );
        if (target.status !== 'PENDING' && target.status !== 'ACTIVE')
          throw invalid(
            'details.toAccountId',
            `details.toAccountId: Account ${details.toAccountId} is ${target.status.toLowerCase()}`,
          );
      }
      const meters = [
        ...(await premiseMeters(db, account.premiseId)).map((m) => reading(m, 'FINAL', account.premiseId)),
        ...(await premiseMeters(db, to)).map((m) => reading(m, 'INITIAL', to)),
      ];
      return {
        meters,
        details: { toPremiseId: to, ...(details.toAccountId ? { toAccountId: details.toAccountId } : {}) },
      };
    }
    case 'METER_EXCHANGE': {
      const old = await db.meter.findUniqueOrThrow({ where: { id: input.meterId! } });
      if (old.removedOn)
        throw invalid(
          'meterId',
          `meterId: Meter ${old.id} was removed on ${old.removedOn.toISOString().slice(0, 10)}`,
        );
      const nm = details.newMeter;
      if (!nm)
        throw invalid('details.newMeter', 'details.newMeter: an exchange names the meter the crew sets');
      if (nm.id === old.id || (await db.meter.findUnique({ where: { id: nm.id }, select: { id: true } })))
        throw invalid('details.newMeter.id', `details.newMeter.id: Meter ${nm.id} already exists`);
      if (old.service === 'WATER' && !(nm.size ?? old.size))
        throw invalid('details.newMeter.size', 'details.newMeter.size: a water meter needs its size');
      if (nm.amiEndpoint) {
        const holder = await db.meter.findFirst({
          where: { amiEndpoint: nm.amiEndpoint },
          select: { id: true },
        });
        if (holder && holder.id !== old.id)
          throw invalid(
            'details.newMeter.amiEndpoint',
            `details.newMeter.amiEndpoint: in use by meter ${holder.id}`,
          );
      }
      const open = await db.serviceOrder.findFirst({
        where: { type: 'METER_EXCHANGE', meterId: old.id, status: { in: ['OPEN', 'ASSIGNED'] } },
        select: { id: true },
      });
      if (open) throw conflict(`Meter ${old.id} already has an open exchange order (${open.id})`);
      return {
        meters: [
          reading(old, 'EXCHANGE_FINAL', account.premiseId),
          reading({ id: nm.id, dials: nm.dials }, 'EXCHANGE_INITIAL', account.premiseId),
        ],
        details: { newMeter: nm },
      };
    }
    case 'DISCONNECT': {
      if (byCase) return {};
      // By hand, service goes off only for what needs no collections notice; a disconnection for
      // nonpayment is the case's, which the rules judge (notices, protections, protected days)
      // when it orders it and again when the crew reports it done.
      const cause = details.disconnectCause;
      if (!cause || cause === 'NONPAYMENT')
        throw invalid(
          'details.disconnectCause',
          `details.disconnectCause: ${cause ? 'a disconnection for nonpayment is ordered by the account’s collections case, under the state’s rules, not by hand' : 'a disconnection opened by hand says why'}: SAFETY (a hazard at the premises), TAMPERING (tampering or theft of service) or CUSTOMER_REQUEST`,
        );
      return { details: { disconnectCause: cause } };
    }
    default:
      return {};
  }
}

export async function openServiceOrder(
  d: OrderDeps,
  actor: Actor,
  input: OpenInput,
  options: OpenOrderOptions = {},
) {
  const account = await d.db.account.findUnique({
    where: { id: input.accountId },
    select: { id: true, premiseId: true, status: true, customerId: true },
  });
  if (!account) throw invalid('accountId', `accountId: Account ${input.accountId} does not exist`);
  if (input.meterId) {
    const meter = await d.db.meter.findUnique({
      where: { id: input.meterId },
      include: { servicePoint: true },
    });
    if (!meter || meter.servicePoint.premiseId !== account.premiseId) {
      throw invalid('meterId', `meterId: Meter ${input.meterId} is not at this account's premise`);
    }
  }
  if ((input.windowStart === undefined) !== (input.windowEnd === undefined))
    throw invalid(
      input.windowStart === undefined ? 'windowStart' : 'windowEnd',
      'A scheduling window needs both windowStart and windowEnd',
    );
  if (input.windowStart && input.windowEnd && Date.parse(input.windowEnd) <= Date.parse(input.windowStart))
    throw invalid('windowEnd', 'windowEnd: the window must end after it starts');
  const plan = await planOrder(d.db, account, input, Boolean(options.notifyWorkflowId));
  if (options.postedNotice) plan.details = { ...plan.details, postedNotice: options.postedNotice };
  const orderId = options.orderId ?? (await newOrderId(d.db));
  const workflowId = serviceOrderWorkflowId(orderId);
  try {
    await d.temporal.workflow.start(serviceOrder, {
      taskQueue: d.taskQueue,
      workflowId,
      args: [
        {
          orderId,
          accountId: account.id,
          premiseId: account.premiseId,
          meterId: input.meterId ?? null,
          type: input.type,
          priority: input.priority,
          reason: input.reason,
          createdBy: actorRef(actor),
          ...(options.notifyWorkflowId ? { notifyWorkflowId: options.notifyWorkflowId } : {}),
          ...(options.dueBy ? { dueBy: options.dueBy } : {}),
          ...(plan.meters ? { meters: plan.meters } : {}),
          ...(plan.details ? { details: plan.details } : {}),
          ...(plan.hold ? { hold: plan.hold } : {}),
          ...(input.windowStart && input.windowEnd
            ? { window: { start: input.windowStart, end: input.windowEnd } }
            : {}),
        },
      ],
    });
  } catch (err) {
    // The same order opened again by a retried step: it is already running.
    if (!(options.orderId && err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { id: orderId, workflowId, status: 'OPEN' as const, ...(plan.hold ? { hold: plan.hold } : {}) };
}

type AnyUpdate = typeof assignUpdate | typeof completeUpdate | typeof cancelUpdate | typeof scheduleUpdate;

/** Runs a workflow update and turns its refusal into the matching AppError. */
async function update<A>(d: OrderDeps, orderId: string, def: AnyUpdate, arg: A): Promise<ServiceOrderStatus> {
  const handle = d.temporal.workflow.getHandle(serviceOrderWorkflowId(orderId));
  try {
    return await handle.executeUpdate(def as typeof assignUpdate, { args: [arg as never] });
  } catch (err) {
    throw toAppError(err, orderId);
  }
}

function toAppError(err: unknown, orderId: string): Error {
  if (err instanceof WorkflowNotFoundError) return notFound('Service order', orderId);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = err.cause.type as 'conflict' | 'not_found' | 'validation_failed';
    const field = (err.cause.details?.[0] as string | undefined) ?? undefined;
    const message = err.cause.message;
    return new AppError(code ?? 'conflict', field ? `${field}: ${message}` : message, field);
  }
  const name = (err as Error)?.name;
  if (
    name === 'WorkflowUpdateFailedError' ||
    /workflow execution already completed/i.test(String((err as Error)?.message))
  ) {
    return new AppError('conflict', `Service order ${orderId} is closed`);
  }
  return err as Error;
}

export async function assignServiceOrder(d: OrderDeps, actor: Actor, orderId: string, crewId: string) {
  const crew = await d.db.crew.findUnique({ where: { id: crewId } });
  if (!crew || !crew.active) throw invalid('crewId', `crewId: Crew ${crewId} does not exist or is inactive`);
  await mustExist(d, orderId);
  return update(d, orderId, assignUpdate, { crewId, by: actorRef(actor) });
}

export async function cancelServiceOrder(d: OrderDeps, actor: Actor, orderId: string, reason: string) {
  await mustExist(d, orderId);
  return update(d, orderId, cancelUpdate, { reason, by: actorRef(actor) });
}

/** A new priority (the SLA moves with it) and/or scheduling window. */
export async function scheduleServiceOrder(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: z.infer<typeof ZScheduleOrder>,
) {
  await mustExist(d, orderId);
  return update(d, orderId, scheduleUpdate, { ...input, by: actorRef(actor) });
}

async function mustExist(d: OrderDeps, orderId: string) {
  const row = await d.db.serviceOrder.findUnique({ where: { id: orderId }, select: { id: true } });
  if (!row) throw notFound('Service order', orderId);
  return row;
}

/** Tells the account's held starts of service to look at their deposit again (a payment, a waiver). */
export async function notifyDepositChanged(d: OrderDeps, accountId: string): Promise<number> {
  const held = await d.db.serviceOrder.findMany({
    where: { accountId, holdReason: 'DEPOSIT', status: { in: ['OPEN', 'ASSIGNED'] } },
    select: { workflowId: true },
  });
  for (const o of held) {
    try {
      await d.temporal.workflow.getHandle(o.workflowId).signal(depositChangedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return held.length;
}

/**
 * A supervisor waives the deposit a start of service is held for: the deposit is WAIVED with the
 * reason, its billed charge reversed, and the order released. Safe to repeat.
 */
export async function waiveDepositForOrder(d: OrderDeps, actor: Actor, orderId: string, reason: string) {
  const order = await d.db.serviceOrder.findUnique({ where: { id: orderId } });
  if (!order) throw notFound('Service order', orderId);
  if (order.type !== 'START_SERVICE')
    throw conflict(`Order ${orderId} is a ${order.type} order: only a start of service waits for a deposit`);
  if (order.holdReason !== 'DEPOSIT') throw conflict(`Order ${orderId} is not held for a deposit`);
  const today = utilityDate();
  const waived = await d.db.$transaction(async (tx) => {
    const owed = await tx.deposit.findMany({ where: { accountId: order.accountId, status: 'REQUIRED' } });
    const out: { depositId: string; amountCents: number }[] = [];
    for (const dep of owed) {
      await once(tx, `deposit:${dep.id}:waiver`, 'deposit', async () => {
        const billed = await tx.ledgerEntry.findUnique({
          where: { idempotencyKey: `deposit:${dep.id}:billed` },
        });
        if (billed)
          await postEntry(
            tx,
            {
              accountId: order.accountId,
              kind: 'ADJUSTMENT',
              amountCents: -billed.amountCents,
              effectiveDate: today,
              reversesEntryId: billed.id,
              idempotencyKey: `deposit:${dep.id}:waived`,
              memo: 'Security deposit waived',
            },
            { actor, audit: false },
          );
        const after = await tx.deposit.update({
          where: { id: dep.id },
          data: { status: 'WAIVED', closedAt: new Date(), reason: `Waived by ${actor.id}: ${reason}` },
        });
        await recordChange(
          tx,
          actor,
          {
            action: 'deposit.waive',
            entityType: 'deposit',
            entityId: dep.id,
            accountId: order.accountId,
            before: { status: dep.status, amountCents: Number(dep.amountCents) },
            after: {
              status: after.status,
              reason: after.reason,
              reversedEntryId: billed?.id.toString() ?? null,
            },
            reason,
          },
          {
            kind: 'deposit.waived',
            summary: `Deposit of ${formatCents(dep.amountCents)} waived for order ${orderId}: ${reason}`,
            data: { depositId: dep.id, orderId },
          },
        );
      });
      out.push({ depositId: dep.id, amountCents: Number(dep.amountCents) });
    }
    return out;
  });
  await notifyDepositChanged(d, order.accountId);
  return { orderId, waived };
}

/** The order as the workflow knows it now (its query), with the stored record beside it. */
export async function getServiceOrder(d: OrderDeps, orderId: string) {
  const row = await d.db.serviceOrder.findUnique({ where: { id: orderId } });
  if (!row) throw notFound('Service order', orderId);
  let live: ServiceOrderStatus | null = null;
  try {
    live = await d.temporal.workflow.getHandle(row.workflowId).query(statusQuery);
  } catch {
    live = null; // history beyond retention: the stored record still answers
  }
  return {
    id: row.id,
    accountId: row.accountId,
    premiseId: row.premiseId,
    meterId: row.meterId,
    type: row.type,
    priority: live?.priority ?? row.priority,
    reason: row.reason,
    workflowId: row.workflowId,
    status: live?.status ?? row.status,
    phase: live?.phase ?? null,
    crewId: live?.crewId ?? row.crewId,
    hold: live ? (live.hold ?? null) : row.holdReason,
    details: row.details,
    meters: live?.meters ?? null,
    window: row.windowStart && row.windowEnd ? { start: row.windowStart, end: row.windowEnd } : null,
    dueBy: row.dueBy,
    slaDueAt: row.slaDueAt,
    slaBreachedAt: row.slaBreachedAt,
    escalatedAt: row.escalatedAt,
    history: live?.history ?? null,
    createdAt: row.createdAt,
    assignedAt: row.assignedAt,
    completedAt: row.completedAt,
    cancelledAt: row.cancelledAt,
    cancelReason: row.cancelReason,
    completion: row.completion,
    effects: live?.effects ?? row.effects,
    source: live ? 'workflow' : 'database',
  };
}

export async function listServiceOrders(db: Db, q: z.infer<typeof ZServiceOrderQuery>) {
  const where: Prisma.ServiceOrderWhereInput = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.priority ? { priority: q.priority } : {}),
    ...(q.accountId ? { accountId: q.accountId } : {}),
    ...(q.crewId ? { crewId: q.crewId } : {}),
    ...(q.slaBreached === 'true' ? { slaBreachedAt: { not: null } } : {}),
    ...(q.slaBreached === 'false' ? { slaBreachedAt: null } : {}),
    ...(q.held === 'true' ? { holdReason: { not: null } } : {}),
    ...(q.held === 'false' ? { holdReason: null } : {}),
  };
  const orderBy: Prisma.ServiceOrderOrderByWithRelationInput[] =
    q.slaBreached === 'true'
      ? [{ slaBreachedAt: 'desc' }, { id: 'asc' }]
      : [{ createdAt: 'desc' }, { id: 'desc' }];
  const [items, total] = await Promise.all([
    db.serviceOrder.findMany({ where, orderBy, take: q.limit, skip: q.offset }),
    db.serviceOrder.count({ where }),
  ]);
  return { items, total, limit: q.limit, offset: q.offset };
}

// ---- field crews -------------------------------------------------------------------------------

/**
 * What a crew needs to do the job — the type and what it does, the location, the meters to read
 * (and, for a transfer, the second premise; for an exchange, the meter to set), the window — and
 * nothing of the customer: no name, contact, balance or payment history.
 */
async function fieldView(
  db: Db,
  o: {
    id: string;
    type: keyof typeof TYPE_SPECS;
    priority: string;
    status: string;
    reason: string;
    premiseId: string;
    meterId: string | null;
    details: Prisma.JsonValue;
    windowStart: Date | null;
    windowEnd: Date | null;
    slaDueAt: Date | null;
    assignedAt: Date | null;
    completedAt: Date | null;
  },
) {
  const premise = await db.premise.findUnique({
    where: { id: o.premiseId },
    select: { serviceAddress: true, zip: true, serviceArea: true },
  });
  const meterSelect = {
    id: true,
    service: true,
    size: true,
    amiEndpoint: true,
    dials: true,
    readUnit: true,
  } as const;
  const meter = o.meterId
    ? await db.meter.findUnique({ where: { id: o.meterId }, select: meterSelect })
    : null;
  const details = (o.details ?? {}) as OrderDetails;
  const toPremise = details.toPremiseId
    ? await db.premise.findUnique({
        where: { id: details.toPremiseId },
        select: { serviceAddress: true, zip: true, serviceArea: true },
      })
    : null;
  const spec = TYPE_SPECS[o.type];
  const readMeters =
    spec.reads === 'METERS'
      ? await db.meter.findMany({
          where: {
            removedOn: null,
            servicePoint: {
              active: true,
              premiseId: { in: [o.premiseId, ...(details.toPremiseId ? [details.toPremiseId] : [])] },
            },
            ...(o.type === 'METER_EXCHANGE' && o.meterId ? { id: o.meterId } : {}),
          },
          select: meterSelect,
          orderBy: [{ service: 'asc' }, { id: 'asc' }],
        })
      : [];
  return {
    id: o.id,
    type: o.type,
    priority: o.priority,
    status: o.status,
    reason: o.reason,
    task: spec.task,
    outcomes: spec.outcomes,
    window: o.windowStart && o.windowEnd ? { start: o.windowStart, end: o.windowEnd } : null,
    dueBy: o.slaDueAt,
    assignedAt: o.assignedAt,
    completedAt: o.completedAt,
    premise,
    meter,
    ...(spec.reads === 'METERS' ? { read: readMeters } : {}),
    ...(toPremise ? { toPremise } : {}),
    ...(details.newMeter ? { newMeter: details.newMeter } : {}),
  };
}

function crewOf(actor: Actor): string {
  if (!actor.crewId) throw new AppError('forbidden', 'This key is not bound to a crew');
  return actor.crewId;
}

export async function listCrewOrders(db: Db, actor: Actor) {
  const crewId = crewOf(actor);
  const orders = await db.serviceOrder.findMany({
    where: { crewId, status: 'ASSIGNED' },
    orderBy: [{ priority: 'asc' }, { windowStart: 'asc' }, { assignedAt: 'asc' }],
  });
  return { crewId, items: await Promise.all(orders.map((o) => fieldView(db, o))) };
}

/** A crew sees an order only while it is, or was when completed, that crew's; otherwise 404. */
async function crewOrder(db: Db, actor: Actor, orderId: string) {
  const crewId = crewOf(actor);
  const o = await db.serviceOrder.findUnique({ where: { id: orderId } });
  if (!o || o.crewId !== crewId) throw notFound('Service order', orderId);
  return o;
}

/** The crew's own door hanger, as the notice it posts (404 for another crew's order). */
export async function crewPostedNotice(db: Db, actor: Actor, orderId: string) {
  await crewOrder(db, actor, orderId);
  return postedNoticePdf(db, orderId);
}

/**
 * One order as the crew sees it. An open disconnect order also carries the rules' answer for this
 * moment (disconnectCheck): the crew looks before turning anything off.
 */
export async function getCrewOrder(db: Db, actor: Actor, orderId: string, at = new Date()) {
  const order = await crewOrder(db, actor, orderId);
  const view = await fieldView(db, order);
  if (order.type !== 'DISCONNECT' || order.status !== 'ASSIGNED') return view;
  const check = await disconnectCheck(db, order, at);
  return check ? { ...view, disconnectCheck: check } : view;
}

/** Readings may be taken before the completion reaches us (an offline crew), never after it. */
const READ_AT_MAX_AGE_DAYS = 62;

export async function completeCrewOrder(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: z.infer<typeof ZFieldCompletion>,
  /** When the crew reports it: the moment a disconnection is judged at. */
  at = new Date(),
) {
  const order = await crewOrder(d.db, actor, orderId);
  const completion = {
    crewId: crewOf(actor),
    outcome: input.outcome,
    readValue: input.readValue ?? null,
    ...(input.reads ? { reads: input.reads } : {}),
    ...(input.readAt ? { readAt: input.readAt } : {}),
    notes: input.notes ?? null,
    photoRefs: input.photoRefs ?? [],
    ...(input.conditionsMet?.length ? { conditionsMet: [...new Set(input.conditionsMet)].sort() } : {}),
  };
  // An offline crew retrying the completion it already made gets the same answer, not an error.
  if (order.status === 'COMPLETED' && sameCompletion(order.completion, completion)) {
    return { ...(await getCrewOrder(d.db, actor, orderId)), replayed: true };
  }
  // A closed order's workflow has finished (or has moved on to its effects) and takes no more
  // completions: judge from the record.
  if (order.status === 'COMPLETED' || order.status === 'CANCELLED') {
    const d0 = canComplete(order.type, { status: order.status, crewId: order.crewId }, completion);
    if (!d0.ok) throw new AppError(d0.code, d0.message, d0.field);
  }
  if (input.readAt) {
    const now = localWallClock(new Date()).getTime();
    const at = Date.parse(`${input.readAt}Z`);
    if (at > now + 5 * 60_000) throw invalid('readAt', 'readAt: readings cannot be taken in the future');
    if (at < now - READ_AT_MAX_AGE_DAYS * 86_400_000)
      throw invalid(
        'readAt',
        `readAt: readings more than ${READ_AT_MAX_AGE_DAYS} days old need a correction, not a completion`,
      );
  }
  // "Service turned off" is judged against the rules at the moment of the act (the reading's
  // time, for a crew that reports later; else now), not as they stood when the order was opened.
  if (order.type === 'DISCONNECT' && order.status === 'ASSIGNED' && completion.outcome !== 'NO_ACCESS')
    await confirmDisconnect(
      d,
      actor,
      order,
      input.conditionsMet ?? [],
      input.readAt ? wallClockInstant(input.readAt) : at,
    );
  try {
    await update(d, orderId, completeUpdate, { ...completion, by: actorRef(actor) });
  } catch (err) {
    // The same completion sent twice at once (a tablet resending before the first answer): the
    // second finds the order completed by the first, not yet on the record. Same answer for both.
    if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    const live = await d.temporal.workflow.getHandle(order.workflowId).query(statusQuery);
    const done = live.history.find((h) => h.event === 'completed');
    if (live.status !== 'COMPLETED' || !done || !sameCompletion(done.detail, completion)) throw err;
    return { ...(await getCrewOrder(d.db, actor, orderId)), status: 'COMPLETED', replayed: true };
  }
  return { ...(await getCrewOrder(d.db, actor, orderId)), replayed: false };
}

/**
 * When the crew did a finished order's work: the local wall-clock time of its reading, for a crew
 * that reports later (offline), else when the completion was reported — never after the report.
 */
export function crewActedAt(completion: { readAt?: string | null } | null, reportedAt: Date): Date {
  if (!completion?.readAt) return reportedAt;
  const acted = wallClockInstant(completion.readAt);
  return acted < reportedAt ? acted : reportedAt;
}

function sameCompletion(stored: unknown, c: Record<string, unknown>): boolean {
  if (!stored || typeof stored !== 'object') return false;
  const s = stored as Record<string, unknown>;
  return (
    ['crewId', 'outcome', 'readValue', 'notes', 'readAt'].every(
      (k) => JSON.stringify(s[k] ?? null) === JSON.stringify(c[k] ?? null),
    ) &&
    JSON.stringify(s.photoRefs ?? []) === JSON.stringify(c.photoRefs ?? []) &&
    JSON.stringify(s.conditionsMet ?? []) === JSON.stringify(c.conditionsMet ?? []) &&
    // jsonb keeps object keys in its own order: compare the readings, not their spelling.
    JSON.stringify(readingPairs(s.reads)) === JSON.stringify(readingPairs(c.reads))
  );
}

function readingPairs(reads: unknown): [unknown, unknown][] {
  return Array.isArray(reads)
    ? (reads as { meterId?: unknown; value?: unknown }[]).map((r) => [r.meterId ?? null, r.value ?? null])
    : [];
}
