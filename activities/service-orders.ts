// Activities of the serviceOrder workflow. Each writes the order row, its audit event and its
// timeline entry in one transaction, under an idempotency key from the workflow id and step, so a
// retried activity never records a step twice.
import type { Prisma, ServiceOrder } from '@prisma/client';
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

/** What every workflow step hands its activity: the idempotency key, the order, when and who. */
interface Step {
  key: string;
  orderId: string;
  accountId: string;
  at: string;
  by: ActorRef;
}

const PAST_TENSE = { assign: 'assigned', complete: 'completed', cancel: 'cancelled' } as const;

export function createServiceOrderActivities({ db }: ServiceOrderActivityDeps) {
  /** One status change of an order: the row, its audit event and its timeline entry, once. */
  async function transition(
    step: Step,
    verb: keyof typeof PAST_TENSE,
    change: Prisma.ServiceOrderUncheckedUpdateInput,
    describe: (before: ServiceOrder) => { summary: string; data: unknown; reason?: string },
  ): Promise<void> {
    await db.$transaction(async (tx) => {
      await once(tx, step.key, 'service-order', async () => {
        const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id: step.orderId } });
        const after = await tx.serviceOrder.update({ where: { id: step.orderId }, data: change });
        const d = describe(before);
        await recordChange(
          tx,
          asActor(step.by),
          {
            action: `service-order.${verb}`,
            entityType: 'service_order',
            entityId: step.orderId,
            accountId: step.accountId,
            before: pick(before),
            after: pick(after),
            reason: d.reason ?? null,
          },
          {
            kind: `service-order.${PAST_TENSE[verb]}`,
            occurredAt: new Date(step.at),
            summary: d.summary,
            data: d.data,
          },
        );
      });
    });
  }

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
              dueBy: input.dueBy ? new Date(input.dueBy) : null,
              collectionsWorkflowId: input.notifyWorkflowId ?? null,
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

    async recordAssignment(a: Step & { crewId: string }): Promise<void> {
      await transition(
        a,
        'assign',
        { status: 'ASSIGNED', crewId: a.crewId, assignedAt: new Date(a.at) },
        (before) => ({
          summary: `Order ${a.orderId} assigned to crew ${a.crewId}`,
          data: { orderId: a.orderId, crewId: a.crewId, previousCrewId: before.crewId },
        }),
      );
    },

    async recordCompletion(c: Step & { completion: Completion }): Promise<void> {
      const { completion } = c;
      const read = completion.readValue != null ? `, read ${completion.readValue}` : '';
      await transition(
        c,
        'complete',
        { status: 'COMPLETED', completedAt: new Date(c.at), completion: toJson(completion) },
        () => ({
          summary: `Order ${c.orderId} completed by crew ${completion.crewId}: ${completion.outcome}${read}`,
          data: { orderId: c.orderId, ...completion },
        }),
      );
    },

    async recordCancellation(c: Step & { reason: string }): Promise<void> {
      await transition(c, 'cancel', { status: 'CANCELLED', cancelledAt: new Date(c.at) }, () => ({
        summary: `Order ${c.orderId} cancelled: ${c.reason}`,
        data: { orderId: c.orderId, reason: c.reason },
        reason: c.reason,
      }));
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
