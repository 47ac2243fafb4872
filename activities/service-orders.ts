// Activities of the serviceOrder workflow. Each writes the order row, its audit event and its
// timeline entry in one transaction, under an idempotency key from the workflow id and step, so a
// retried activity never records a step twice. The effects of a finished order (reads, final bill,
// deposit, refund, notices) live in services/service-order-effects.ts; the escalation of a breached
// SLA claims each supervisor's email in service_order_escalation before sending it.
import type { Client } from '@temporalio/client';
import type { Prisma, ServiceOrder } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { recordChange, SYSTEM_ACTOR, toJson, type Actor } from '../lib/audit';
import { once } from '../lib/idempotency';
import type { Tariff } from '../domain/rating/tariff';
import type { Completion, Priority, ReadMeter, ServiceOrderType } from '../domain/service-order';
import type { ActorRef, OrderDetails, ServiceOrderInput } from '../workflows/service-order';
import { applyOrderEffects, settleFinalBalance, type OrderEffects } from '../services/service-order-effects';
import type { Settlement } from '../services/final-bill';
import { classifySendError } from '../services/bill-delivery';
import { utilityInfo } from '../services/bill-render';
import { refusalsFinal } from './refusals';
import { caseReconnectedByHand, recordOrderAction, wakeCases } from '../services/collections';

export interface ServiceOrderActivityDeps {
  db: Db;
  mailer?: Mailer;
  outDir?: string;
  temporal?: Client;
  taskQueue?: string;
  tariff?: Tariff;
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

const PAST_TENSE = {
  assign: 'assigned',
  complete: 'completed',
  cancel: 'cancelled',
  schedule: 'scheduled',
  release: 'released',
  'sla-breach': 'sla-breached',
  'effects-problem': 'effects-problem',
} as const;

export function createServiceOrderActivities(deps: ServiceOrderActivityDeps) {
  const { db } = deps;

  /** One change of an order: the row, its audit event and its timeline entry, once. */
  async function transition(
    step: Omit<Step, 'by'> & { by: ActorRef | Actor },
    verb: keyof typeof PAST_TENSE,
    change: Prisma.ServiceOrderUncheckedUpdateInput,
    describe: (before: ServiceOrder) => { summary: string; data: unknown; reason?: string },
    /** What else the change records, in the same transaction. */
    also?: (tx: Tx, before: ServiceOrder) => Promise<unknown>,
  ): Promise<void> {
    await db.$transaction(async (tx) => {
      await once(tx, step.key, 'service-order', async () => {
        const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id: step.orderId } });
        const after = await tx.serviceOrder.update({ where: { id: step.orderId }, data: change });
        if (also) await also(tx, before);
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
    async openOrder(
      input: ServiceOrderInput & { workflowId: string; at: string; slaDueAt?: string | null },
    ): Promise<void> {
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
              details: input.details ? toJson(input.details) : undefined,
              windowStart: input.window ? new Date(input.window.start) : null,
              windowEnd: input.window ? new Date(input.window.end) : null,
              holdReason: input.hold ?? null,
              slaDueAt: input.slaDueAt ? new Date(input.slaDueAt) : null,
            },
          });
          const held = input.hold ? ` (held: waiting for the security deposit)` : '';
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
              summary: `${TYPE_LABEL(row.type)} order ${row.id} opened: ${input.reason}${held}`,
              data: { orderId: row.id, type: row.type, priority: row.priority, hold: input.hold ?? null },
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
      const read =
        completion.readValue != null
          ? `, read ${completion.readValue}`
          : completion.reads?.length
            ? `, reads ${completion.reads.map((r) => `${r.meterId} ${r.value}`).join(', ')}`
            : '';
      await transition(
        c,
        'complete',
        { status: 'COMPLETED', completedAt: new Date(c.at), completion: toJson(completion) },
        () => ({
          summary: `Order ${c.orderId} completed by crew ${completion.crewId}: ${completion.outcome}${read}`,
          data: { orderId: c.orderId, ...completion },
        }),
        // A disconnection or reconnection ordered by hand is one the collections reports count.
        (tx, before) => recordOrderAction(tx, before, completion, new Date(c.at)),
      );
      // Service restored by hand: a case holding the account disconnected looks again (after the
      // commit, so it sees the reconnection; on a retry too, as waking it twice is harmless).
      const order = await db.serviceOrder.findUnique({
        where: { id: c.orderId },
        select: { type: true, collectionsWorkflowId: true },
      });
      if (order && deps.temporal && caseReconnectedByHand(order, completion))
        await wakeCases({ db, temporal: deps.temporal }, c.accountId, 'reconnected by hand', c.by.id);
    },

    async recordCancellation(c: Step & { reason: string }): Promise<void> {
      await transition(
        c,
        'cancel',
        { status: 'CANCELLED', cancelledAt: new Date(c.at), cancelReason: c.reason, holdReason: null },
        () => ({
          summary: `Order ${c.orderId} cancelled: ${c.reason}`,
          data: { orderId: c.orderId, reason: c.reason },
          reason: c.reason,
        }),
      );
    },

    async recordSchedule(
      s: Step & {
        priority: Priority;
        window: { start: string; end: string } | null;
        slaDueAt: string | null;
      },
    ): Promise<void> {
      await transition(
        s,
        'schedule',
        {
          priority: s.priority,
          windowStart: s.window ? new Date(s.window.start) : null,
          windowEnd: s.window ? new Date(s.window.end) : null,
          slaDueAt: s.slaDueAt ? new Date(s.slaDueAt) : null,
        },
        (before) => ({
          summary:
            `Order ${s.orderId} scheduled: priority ${s.priority}` +
            (s.window ? `, window ${s.window.start} to ${s.window.end}` : ', no window') +
            (s.slaDueAt ? `, due by ${s.slaDueAt}` : ''),
          data: {
            orderId: s.orderId,
            priority: s.priority,
            previousPriority: before.priority,
            window: s.window,
          },
        }),
      );
    },

    /** Whether a held start of service may go ahead: no deposit is still owed (paid or waived). */
    async checkDepositHold(i: {
      orderId: string;
      accountId: string;
    }): Promise<{ released: boolean; reason: string }> {
      const deposits = await db.deposit.findMany({
        where: { accountId: i.accountId },
        orderBy: { createdAt: 'asc' },
      });
      const owed = deposits.filter((d) => d.status === 'REQUIRED');
      if (owed.length > 0)
        return {
          released: false,
          reason: `deposit of ${owed.map((d) => d.amountCents).join(', ')} cents not yet paid`,
        };
      const last = deposits[deposits.length - 1];
      if (!last) return { released: true, reason: 'no deposit is required' };
      return {
        released: true,
        reason:
          last.status === 'WAIVED'
            ? `deposit waived: ${last.reason}`
            : `deposit ${last.status.toLowerCase()}`,
      };
    },

    async recordRelease(r: {
      key: string;
      orderId: string;
      accountId: string;
      at: string;
      reason: string;
      slaDueAt: string;
    }): Promise<void> {
      await transition(
        { ...r, by: SYSTEM_ACTOR },
        'release',
        { holdReason: null, releasedAt: new Date(r.at), slaDueAt: new Date(r.slaDueAt) },
        () => ({
          summary: `Order ${r.orderId} released for dispatch: ${r.reason}`,
          data: { orderId: r.orderId, reason: r.reason, slaDueAt: r.slaDueAt },
          reason: r.reason,
        }),
      );
    },

    /**
     * The SLA ran out: the breach on the order (the supervisors' dashboard lists it) and an email to
     * each supervisor on file, each claimed before it is sent, so a retry never sends it twice.
     */
    async escalateSla(e: {
      key: string;
      orderId: string;
      accountId: string;
      at: string;
      slaDueAt: string;
      type: ServiceOrderType;
      priority: Priority;
      crewId: string | null;
      status: string;
    }): Promise<{ recipients: number; sent: number }> {
      const overdue = `${TYPE_LABEL(e.type)} order ${e.orderId} (${e.priority}) was due by ${e.slaDueAt} and is still ${e.status.toLowerCase()}${e.crewId ? ` with crew ${e.crewId}` : ', not dispatched'}`;
      await transition(
        { ...e, by: SYSTEM_ACTOR },
        'sla-breach',
        { slaBreachedAt: new Date(e.at), escalatedAt: new Date(e.at) },
        () => ({
          summary: `SLA breached: ${overdue}; supervisors told`,
          data: { orderId: e.orderId, slaDueAt: e.slaDueAt, priority: e.priority, crewId: e.crewId },
          reason: 'SLA breached',
        }),
      );
      const supervisors = await db.appUser.findMany({
        where: { role: 'supervisor', active: true, email: { not: null } },
        orderBy: { id: 'asc' },
      });
      let sent = 0;
      for (const s of supervisors) {
        const claimed = await db.serviceOrderEscalation.createMany({
          data: [{ orderId: e.orderId, recipient: s.email!, userId: s.id, sentAt: new Date(e.at) }],
          skipDuplicates: true,
        });
        if (claimed.count === 0) continue;
        if (!deps.mailer) continue; // no mail configured: the dashboard still lists the breach
        const subject = `SLA breached: ${TYPE_LABEL(e.type)} order ${e.orderId} (${e.priority})`;
        try {
          const { messageId } = await deps.mailer.send({
            to: s.email!,
            subject,
            text:
              `${s.name},\n\nThe ${overdue}.\n\nOpen the order: /service-orders/${e.orderId}\n` +
              `Breached orders: /service-orders?slaBreached=true\n\n${utilityInfo().name}\n`,
            headers: { 'X-OpenCIS-Escalation': `${e.orderId}:${s.id}` },
          });
          await db.serviceOrderEscalation.update({
            where: { orderId_recipient: { orderId: e.orderId, recipient: s.email! } },
            data: { messageId },
          });
          sent++;
        } catch (err) {
          if (classifySendError(err) === 'not-sent') {
            await db.serviceOrderEscalation.delete({
              where: { orderId_recipient: { orderId: e.orderId, recipient: s.email! } },
            });
            throw err;
          }
          // It may have gone out: kept as claimed, never sent twice; the breach is on the dashboard.
        }
      }
      return { recipients: supervisors.length, sent };
    },

    async applyOrderEffects(i: {
      key: string;
      orderId: string;
      accountId: string;
      type: ServiceOrderType;
      at: string;
      completion: Completion;
      meters: ReadMeter[];
      details: OrderDetails | null;
    }): Promise<OrderEffects> {
      return refusalsFinal(() => applyOrderEffects(deps, { ...i, actor: SYSTEM_ACTOR }));
    },

    async settleFinalBalance(i: {
      key: string;
      orderId: string;
      accountId: string;
      at: string;
    }): Promise<Settlement> {
      return refusalsFinal(() =>
        settleFinalBalance(deps, {
          orderId: i.orderId,
          accountId: i.accountId,
          at: new Date(i.at),
          actor: SYSTEM_ACTOR,
        }),
      );
    },

    async recordEffectsProblem(p: {
      key: string;
      orderId: string;
      accountId: string;
      at: string;
      problem: string;
    }): Promise<void> {
      await transition(
        { ...p, by: SYSTEM_ACTOR },
        'effects-problem',
        { effects: toJson({ problem: p.problem }) },
        () => ({
          summary: `Order ${p.orderId} completed, but its effects need attention: ${p.problem}`,
          data: { orderId: p.orderId, problem: p.problem },
          reason: p.problem,
        }),
      );
    },
  };
}

export type ServiceOrderActivities = ReturnType<typeof createServiceOrderActivities>;
export type { OrderEffects };

/** The fields an order's audit before/after shows. */
function pick(o: {
  status: string;
  crewId: string | null;
  assignedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  completion: unknown;
  priority?: string;
  holdReason?: string | null;
  slaDueAt?: Date | null;
  slaBreachedAt?: Date | null;
  windowStart?: Date | null;
  windowEnd?: Date | null;
}) {
  return {
    status: o.status,
    crewId: o.crewId,
    assignedAt: o.assignedAt,
    completedAt: o.completedAt,
    cancelledAt: o.cancelledAt,
    completion: o.completion,
    priority: o.priority,
    holdReason: o.holdReason ?? null,
    slaDueAt: o.slaDueAt ?? null,
    slaBreachedAt: o.slaBreachedAt ?? null,
    windowStart: o.windowStart ?? null,
    windowEnd: o.windowEnd ?? null,
  };
}
