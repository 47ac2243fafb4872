// Service orders from the API side: open one (starts its workflow), dispatch, cancel, read, and
// the field crews' view. Every transition is a workflow update, so the workflow's validator is the
// single judge of what is allowed; its refusal comes back here as an AppError.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { Db } from '../lib/db/prisma';
import { AppError, invalid, notFound } from '../lib/errors';
import type { Actor } from '../lib/audit';
import type { ZFieldComplete, ZServiceOrderCreate, ZServiceOrderList } from '../api/schemas';
import {
  assignUpdate,
  cancelUpdate,
  completeUpdate,
  serviceOrder,
  serviceOrderWorkflowId,
  statusQuery,
  type ActorRef,
  type ServiceOrderStatus,
} from '../workflows/service-order';
import { nextNumber } from './records';
import { canComplete } from '../domain/service-order';

export interface OrderDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

const ref = (a: Actor): ActorRef => ({
  id: a.id,
  role: a.role,
  ...(a.requestId ? { requestId: a.requestId } : {}),
});

export interface OpenOrderOptions {
  /** A number drawn earlier (a retried step that must not open a second order). */
  orderId?: string;
  /** A workflow to signal when the order is completed or cancelled (a collections case). */
  notifyWorkflowId?: string;
  /** When the work must be done by (a reconnection deadline). */
  dueBy?: string;
}

/** Draws the next order number. */
export async function newOrderId(db: Db): Promise<string> {
  const n = await db.$transaction((tx) => nextNumber(tx, 'service_order'));
  return `SO-${String(n).padStart(7, '0')}`;
}

export async function openServiceOrder(
  d: OrderDeps,
  actor: Actor,
  input: z.infer<typeof ZServiceOrderCreate>,
  options: OpenOrderOptions = {},
) {
  const account = await d.db.account.findUnique({
    where: { id: input.accountId },
    select: { id: true, premiseId: true },
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
          createdBy: ref(actor),
          ...(options.notifyWorkflowId ? { notifyWorkflowId: options.notifyWorkflowId } : {}),
          ...(options.dueBy ? { dueBy: options.dueBy } : {}),
        },
      ],
    });
  } catch (err) {
    // The same order opened again by a retried step: it is already running.
    if (!(options.orderId && err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { id: orderId, workflowId, status: 'OPEN' as const };
}

/** Runs a workflow update and turns its refusal into the matching AppError. */
async function update<A>(
  d: OrderDeps,
  orderId: string,
  def: typeof assignUpdate | typeof completeUpdate | typeof cancelUpdate,
  arg: A,
): Promise<ServiceOrderStatus> {
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
  return update(d, orderId, assignUpdate, { crewId, by: ref(actor) });
}

export async function cancelServiceOrder(d: OrderDeps, actor: Actor, orderId: string, reason: string) {
  await mustExist(d, orderId);
  return update(d, orderId, cancelUpdate, { reason, by: ref(actor) });
}

async function mustExist(d: OrderDeps, orderId: string) {
  const row = await d.db.serviceOrder.findUnique({ where: { id: orderId }, select: { id: true } });
  if (!row) throw notFound('Service order', orderId);
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
    priority: row.priority,
    reason: row.reason,
    workflowId: row.workflowId,
    status: live?.status ?? row.status,
    crewId: live?.crewId ?? row.crewId,
    history: live?.history ?? null,
    createdAt: row.createdAt,
    assignedAt: row.assignedAt,
    completedAt: row.completedAt,
    cancelledAt: row.cancelledAt,
    completion: row.completion,
    source: live ? 'workflow' : 'database',
  };
}

export async function listServiceOrders(db: Db, q: z.infer<typeof ZServiceOrderList>) {
  const where = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.accountId ? { accountId: q.accountId } : {}),
    ...(q.crewId ? { crewId: q.crewId } : {}),
  };
  const [items, total] = await Promise.all([
    db.serviceOrder.findMany({ where, orderBy: { createdAt: 'desc' }, take: q.limit, skip: q.offset }),
    db.serviceOrder.count({ where }),
  ]);
  return { items, total, limit: q.limit, offset: q.offset };
}

// ---- field crews -------------------------------------------------------------------------------

/** What a crew needs to do the job — location, meter, reason — and nothing of the customer's account. */
async function fieldView(
  db: Db,
  o: {
    id: string;
    type: string;
    priority: string;
    status: string;
    reason: string;
    premiseId: string;
    meterId: string | null;
    assignedAt: Date | null;
    completedAt: Date | null;
  },
) {
  const premise = await db.premise.findUnique({
    where: { id: o.premiseId },
    select: { serviceAddress: true, zip: true, serviceArea: true },
  });
  const meter = o.meterId
    ? await db.meter.findUnique({
        where: { id: o.meterId },
        select: { id: true, service: true, size: true, amiEndpoint: true, dials: true, readUnit: true },
      })
    : null;
  return {
    id: o.id,
    type: o.type,
    priority: o.priority,
    status: o.status,
    reason: o.reason,
    assignedAt: o.assignedAt,
    completedAt: o.completedAt,
    premise,
    meter,
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
    orderBy: [{ priority: 'asc' }, { assignedAt: 'asc' }],
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

export async function getCrewOrder(db: Db, actor: Actor, orderId: string) {
  return fieldView(db, await crewOrder(db, actor, orderId));
}

export async function completeCrewOrder(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: z.infer<typeof ZFieldComplete>,
) {
  const order = await crewOrder(d.db, actor, orderId);
  const completion = {
    crewId: crewOf(actor),
    outcome: input.outcome,
    readValue: input.readValue ?? null,
    notes: input.notes ?? null,
    photoRefs: input.photoRefs ?? [],
  };
  // An offline crew retrying the completion it already made gets the same answer, not an error.
  if (order.status === 'COMPLETED' && sameCompletion(order.completion, completion)) {
    return { ...(await getCrewOrder(d.db, actor, orderId)), replayed: true };
  }
  // A closed order's workflow has finished and takes no more updates: judge from the record.
  if (order.status === 'COMPLETED' || order.status === 'CANCELLED') {
    const d0 = canComplete(order.type, { status: order.status, crewId: order.crewId }, completion);
    if (!d0.ok) throw new AppError(d0.code, d0.message, d0.field);
  }
  await update(d, orderId, completeUpdate, { ...completion, by: ref(actor) });
  return { ...(await getCrewOrder(d.db, actor, orderId)), replayed: false };
}

function sameCompletion(stored: unknown, c: Record<string, unknown>): boolean {
  if (!stored || typeof stored !== 'object') return false;
  const s = stored as Record<string, unknown>;
  return (
    ['crewId', 'outcome', 'readValue', 'notes'].every(
      (k) => JSON.stringify(s[k] ?? null) === JSON.stringify(c[k] ?? null),
    ) && JSON.stringify(s.photoRefs ?? []) === JSON.stringify(c.photoRefs ?? [])
  );
}
