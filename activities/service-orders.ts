// Activities of the serviceOrder workflow. Each writes the order row, its audit event and its
// timeline entry in one transaction, under an idempotency key from the workflow id and step, so a
// retried activity never records a step twice.
import type { Db } from '../lib/db/prisma';
import { recordChange, toJson, type Actor } from '../lib/audit';
import { once } from '../lib/idempotency';
import type { Completion } from '../domain/service-order';
import type { ActorRef, ServiceOrderInput } from '../workflows/service-order';

export interface ServiceOrderActivityDeps {
  db: Db;
}

const asActor = (by: ActorRef): Actor => ({ id: by.id, role: by.role, requestId: by.requestId });
const TYPE_LABEL = (t: string) => t.toLowerCase().replace(/_/g, ' ');

export function createServiceOrderActivities({ db }: ServiceOrderActivityDeps) {
  return {
    async openOrder(input: ServiceOrderInput & { workflowId: string; at: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        await once(tx, `${input.workflowId}:open`, 'service-order', async () => {
          const row = await tx.serviceOrder.create({
            data: {
              id: input.orderId,
              accountId: input.accountId,
              premiseId: input.premiseId,
              meterId: input.meterId,
              type: input.type,
              priority: input.priority,
              reason: input.reason,
              workflowId: input.workflowId,
              createdBy: input.createdBy.id,
              createdAt: new Date(input.at),
            },
          });
          await recordChange(
            tx,
            asActor(input.createdBy),
            {
              action: 'service-order.create',
              entityType: 'service_order',
              entityId: row.id,
              accountId: row.accountId,
              after: row,
              reason: input.reason,
            },
            {
              kind: 'service-order.created',
              occurredAt: row.createdAt,
              summary: `${TYPE_LABEL(row.type)} order ${row.id} opened: ${input.reason}`,
              data: { orderId: row.id, type: row.type, priority: row.priority },
            },
          );
        });
      });
    },

    async recordAssignment(a: {
      key: string;
      orderId: string;
      accountId: string;
      crewId: string;
      at: string;
      by: ActorRef;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        await once(tx, a.key, 'service-order', async () => {
          const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id: a.orderId } });
          const after = await tx.serviceOrder.update({
            where: { id: a.orderId },
            data: { status: 'ASSIGNED', crewId: a.crewId, assignedAt: new Date(a.at) },
          });
          await recordChange(
            tx,
            asActor(a.by),
            {
              action: 'service-order.assign',
              entityType: 'service_order',
              entityId: a.orderId,
              accountId: a.accountId,
              before: pick(before),
              after: pick(after),
            },
            {
              kind: 'service-order.assigned',
              occurredAt: new Date(a.at),
              summary: `Order ${a.orderId} assigned to crew ${a.crewId}`,
              data: { orderId: a.orderId, crewId: a.crewId, previousCrewId: before.crewId },
            },
          );
        });
      });
    },

    async recordCompletion(c: {
      key: string;
      orderId: string;
      accountId: string;
      completion: Completion;
      at: string;
      by: ActorRef;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        await once(tx, c.key, 'service-order', async () => {
          const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id: c.orderId } });
          const after = await tx.serviceOrder.update({
            where: { id: c.orderId },
            data: { status: 'COMPLETED', completedAt: new Date(c.at), completion: toJson(c.completion) },
          });
          const read = c.completion.readValue != null ? `, read ${c.completion.readValue}` : '';
          await recordChange(
            tx,
            asActor(c.by),
            {
              action: 'service-order.complete',
              entityType: 'service_order',
              entityId: c.orderId,
              accountId: c.accountId,
              before: pick(before),
              after: pick(after),
            },
            {
              kind: 'service-order.completed',
              occurredAt: new Date(c.at),
              summary: `Order ${c.orderId} completed by crew ${c.completion.crewId}: ${c.completion.outcome}${read}`,
              data: { orderId: c.orderId, ...c.completion },
            },
          );
        });
      });
    },

    async recordCancellation(c: {
      key: string;
      orderId: string;
      accountId: string;
      reason: string;
      at: string;
      by: ActorRef;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        await once(tx, c.key, 'service-order', async () => {
          const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id: c.orderId } });
          const after = await tx.serviceOrder.update({
            where: { id: c.orderId },
            data: { status: 'CANCELLED', cancelledAt: new Date(c.at) },
          });
          await recordChange(
            tx,
            asActor(c.by),
            {
              action: 'service-order.cancel',
              entityType: 'service_order',
              entityId: c.orderId,
              accountId: c.accountId,
              before: pick(before),
              after: pick(after),
              reason: c.reason,
            },
            {
              kind: 'service-order.cancelled',
              occurredAt: new Date(c.at),
              summary: `Order ${c.orderId} cancelled: ${c.reason}`,
              data: { orderId: c.orderId, reason: c.reason },
            },
          );
        });
      });
    },
  };
}

export type ServiceOrderActivities = ReturnType<typeof createServiceOrderActivities>;

/** The fields an order's audit before/after shows. */
function pick(o: {
  status: string;
  crewId: string | null;
  assignedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  completion: unknown;
}) {
  return {
    status: o.status,
    crewId: o.crewId,
    assignedAt: o.assignedAt,
    completedAt: o.completedAt,
    cancelledAt: o.cancelledAt,
    completion: o.completion,
  };
}
