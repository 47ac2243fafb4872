// serviceOrder: one durable workflow per field order, `service-order:<orderId>`. It records the
// order, waits for dispatch and for the crew's completion (or a cancellation), and writes every
// step through activities. Transitions are decided by the pure rules in domain/service-order.ts;
// update validators refuse a bad transition before it enters history, so callers get a clear
// answer and history stays clean.
//
// Per order type (orders opened since types had steps; older histories replay the first version):
//   opened → [held for the deposit until it is paid or waived: START_SERVICE] → dispatch (assign,
//   reassign, schedule) under an SLA timer that escalates to supervisors once when it runs out →
//   completed by the crew (or cancelled) → the collections case behind it is told → the type's
//   effects (reads, account changes, final bill, deposit, refund, notices) → for a final bill left
//   unpaid, a timer to the day after its due date, then paid or handed to collections.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderEffects, ServiceOrderActivities } from '../activities/service-orders';
import {
  canAssign,
  canCancel,
  canComplete,
  canSchedule,
  slaDueAt,
  type Completion,
  type Decision,
  type DisconnectCause,
  type OrderStatus,
  type Priority,
  type ReadMeter,
  type ServiceOrderType,
} from '../domain/service-order';

export interface ActorRef {
  id: string;
  role: string;
  requestId?: string;
}

/** What an order type needs beyond the account (see services/service-orders.types.ts). */
export interface OrderDetails {
  toPremiseId?: string;
  toAccountId?: string;
  newMeter?: {
    id: string;
    dials: number;
    multiplier: number;
    readUnit?: 'GAL' | 'CUBIC_FEET' | 'KWH' | 'THERM';
    size?: string;
    amiEndpoint?: string;
  };
  /** DOOR_HANGER ordered by a collections case: the notice the crew posts. */
  postedNotice?: PostedNoticeCopy;
  /** DISCONNECT opened by hand: why service goes off (never nonpayment; see domain/service-order.ts). */
  disconnectCause?: Exclude<DisconnectCause, 'NONPAYMENT'>;
}

/**
 * The notice a door hanger posts, rendered when a collections case orders it: the crew prints it
 * (GET /service-orders/:id/posted-notice) and the register records this content, by its hash,
 * when the crew reports it posted. Set by the case, never through the API.
 */
export interface PostedNoticeCopy {
  language: string;
  subject: string;
  text: string;
  contentHash: string;
  /** YYYY-MM-DD: the date the notice states service may be disconnected on or after. */
  disconnectOnOrAfter: string;
}

export interface ServiceOrderInput {
  orderId: string;
  accountId: string;
  premiseId: string;
  meterId: string | null;
  type: ServiceOrderType;
  priority: Priority;
  reason: string;
  createdBy: ActorRef;
  /** A workflow told when the order is completed or cancelled (the collections case behind it). */
  notifyWorkflowId?: string;
  /** When the work must be done by (ISO instant). */
  dueBy?: string;
  details?: OrderDetails;
  /** The meters the completion must read (decided when the order is opened). */
  meters?: ReadMeter[];
  /** The order may not be dispatched yet: DEPOSIT (a start of service whose deposit is unpaid). */
  hold?: 'DEPOSIT';
  window?: { start: string; end: string };
}

/** What the notified workflow hears when the order is finished. */
export interface OrderFinished {
  orderId: string;
  type: ServiceOrderType;
  status: 'COMPLETED' | 'CANCELLED';
  at: string;
  completion: Record<string, unknown> | null;
}
export const orderFinishedSignal = defineSignal<[OrderFinished]>('orderFinished');

export interface HistoryEntry {
  at: string;
  event:
    | 'created'
    | 'assigned'
    | 'completed'
    | 'cancelled'
    | 'held'
    | 'released'
    | 'scheduled'
    | 'sla-breached'
    | 'effects'
    | 'settled';
  by: string;
  detail?: Record<string, unknown>;
}

/** Where an order is beyond its status: held, in dispatch, its effects, waiting on a final bill. */
export type OrderPhase = 'HELD' | 'DISPATCH' | 'EFFECTS' | 'AWAITING_FINAL_PAYMENT' | 'DONE';

export interface ServiceOrderStatus {
  orderId: string;
  type: ServiceOrderType;
  priority: Priority;
  status: OrderStatus;
  crewId: string | null;
  history: HistoryEntry[];
  // Orders opened since types had steps (absent on older ones):
  phase?: OrderPhase;
  hold?: string | null;
  meters?: ReadMeter[];
  window?: { start: string; end: string } | null;
  slaDueAt?: string | null;
  slaBreachedAt?: string | null;
  /** What finishing the order did; `problem` when a person must look at it. */
  effects?: (Partial<OrderEffects> & { problem?: string }) | null;
}

export interface AssignInput {
  crewId: string;
  by: ActorRef;
}
export interface CompleteInput extends Completion {
  by: ActorRef;
}
export interface CancelInput {
  reason: string;
  by: ActorRef;
}
export interface ScheduleInput {
  priority?: Priority;
  windowStart?: string | null;
  windowEnd?: string | null;
  by: ActorRef;
}

export const statusQuery = defineQuery<ServiceOrderStatus>('status');
export const assignUpdate = defineUpdate<ServiceOrderStatus, [AssignInput]>('assign');
export const completeUpdate = defineUpdate<ServiceOrderStatus, [CompleteInput]>('complete');
export const cancelUpdate = defineUpdate<ServiceOrderStatus, [CancelInput]>('cancel');
export const scheduleUpdate = defineUpdate<ServiceOrderStatus, [ScheduleInput]>('schedule');
/** The account's deposit changed (paid, waived): a held start of service looks again. */
export const depositChangedSignal = defineSignal('depositChanged');

export const serviceOrderWorkflowId = (orderId: string) => `service-order:${orderId}`;

/** A held order looks at its deposit this often even if nobody says it changed. */
export const DEPOSIT_RECHECK_MS = 6 * 3_600_000;
/** The day after a final bill's due date, this late (UTC) in the day: the utility's day has begun. */
const SETTLE_HOUR_UTC = 12;

/** Types whose completion does more than record it. */
const HAS_EFFECTS: ReadonlySet<ServiceOrderType> = new Set([
  'START_SERVICE',
  'STOP_SERVICE',
  'TRANSFER_SERVICE',
  'METER_EXCHANGE',
]);

const db = proxyActivities<ServiceOrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['not_found'] },
});
// Effects rate a bill, post to the ledger, send mail and may signal a collections case: more time,
// and a business refusal (bad data) is not retried — a person looks at it instead.
const effectsActs = proxyActivities<ServiceOrderActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes: ['not_found', 'validation_failed', 'conflict', 'idempotency_mismatch'],
  },
});

/** Turns a refusal into the failure an update caller receives (type = the error code). */
function refuse(d: Decision): void {
  if (!d.ok)
    throw ApplicationFailure.create({
      type: d.code,
      message: d.message,
      details: d.field ? [d.field] : [],
      nonRetryable: true,
    });
}

export async function serviceOrder(input: ServiceOrderInput): Promise<ServiceOrderStatus> {
  const { workflowId } = workflowInfo();
  // Orders opened before types had steps replay exactly as they ran: none of what follows.
  const typed = patched('service-order-types');
  const state: ServiceOrderStatus = {
    orderId: input.orderId,
    type: input.type,
    priority: input.priority,
    status: 'OPEN',
    crewId: null,
    history: [],
  };
  if (typed) {
    state.phase = input.hold ? 'HELD' : 'DISPATCH';
    state.hold = input.hold ?? null;
    if (input.meters) state.meters = input.meters;
    state.window = input.window ?? null;
    state.slaDueAt = null;
    state.slaBreachedAt = null;
    state.effects = null;
  }
  const stepKey = (step: string) => `${workflowId}:${step}:${state.history.length}`;
  const now = () => new Date().toISOString(); // workflow time: deterministic on replay
  const finished = () => state.status === 'COMPLETED' || state.status === 'CANCELLED';

  let opened = false;
  let depositChanged = false;
  let slaChanged = false;
  /** When the SLA clock started: the order's opening, or its release from a hold. */
  let slaFrom: string | null = null;
  setHandler(statusQuery, () => state);
  setHandler(depositChangedSignal, () => {
    depositChanged = true;
  });

  /**
   * Applies a transition to the workflow state at once — so a second message arriving while the
   * first is being written is validated against the new state, never the old one — then waits
   * until the order row exists and returns what the recording activity needs.
   */
  async function begin(
    event: HistoryEntry['event'],
    by: ActorRef,
    detail: Record<string, unknown>,
    apply: () => void,
  ) {
    const key = stepKey(event);
    const at = now();
    apply();
    state.history.push({ at, event, by: by.id, detail });
    await condition(() => opened);
    return { key, orderId: input.orderId, accountId: input.accountId, at, by };
  }

  setHandler(
    assignUpdate,
    async ({ crewId, by }) => {
      const step = await begin('assigned', by, { crewId, from: state.crewId }, () => {
        state.status = 'ASSIGNED';
        state.crewId = crewId;
      });
      await db.recordAssignment({ ...step, crewId });
      return state;
    },
    { validator: ({ crewId }) => refuse(canAssign(state, crewId)) },
  );

  setHandler(
    completeUpdate,
    async ({ by, ...completion }) => {
      const step = await begin('completed', by, { ...completion }, () => (state.status = 'COMPLETED'));
      await db.recordCompletion({ ...step, completion });
      return state;
    },
    { validator: (c) => refuse(canComplete(input.type, state, c)) },
  );

  setHandler(
    cancelUpdate,
    async ({ reason, by }) => {
      const step = await begin('cancelled', by, { reason }, () => (state.status = 'CANCELLED'));
      await db.recordCancellation({ ...step, reason });
      return state;
    },
    { validator: (_input: CancelInput) => refuse(canCancel(state)) },
  );

  setHandler(
    scheduleUpdate,
    async ({ by, priority, windowStart, windowEnd }) => {
      const step = await begin('scheduled', by, { priority, windowStart, windowEnd }, () => {
        if (priority) state.priority = priority;
        if (windowStart !== undefined)
          state.window = windowStart && windowEnd ? { start: windowStart, end: windowEnd } : null;
        // A new priority moves the SLA (from when its clock started), unless it has already run out.
        if (priority && slaFrom && !state.slaBreachedAt) {
          state.slaDueAt = slaDueAt(input.type, priority, slaFrom, input.dueBy);
          slaChanged = true;
        }
      });
      await db.recordSchedule({
        ...step,
        priority: state.priority,
        window: state.window ?? null,
        slaDueAt: state.slaDueAt ?? null,
      });
      return state;
    },
    { validator: (c) => refuse(canSchedule(state, c)) },
  );

  const created: HistoryEntry = { at: now(), event: 'created', by: input.createdBy.id };
  state.history.push(created);
  if (typed && !input.hold) {
    slaFrom = created.at;
    state.slaDueAt = slaDueAt(input.type, input.priority, slaFrom, input.dueBy);
  }
  await db.openOrder({
    ...input,
    workflowId,
    at: created.at,
    ...(typed ? { slaDueAt: state.slaDueAt ?? null } : {}),
  });
  opened = true;

  if (typed) {
    if (state.hold) await waitForRelease();
    await watchSla();
  } else {
    await condition(finished);
  }
  await condition(allHandlersFinished);
  if (input.notifyWorkflowId) {
    const last = [...state.history]
      .reverse()
      .find((h) => h.event === 'completed' || h.event === 'cancelled')!;
    await getExternalWorkflowHandle(input.notifyWorkflowId).signal(orderFinishedSignal, {
      orderId: input.orderId,
      type: input.type,
      status: state.status as 'COMPLETED' | 'CANCELLED',
      at: last.at,
      completion: state.status === 'COMPLETED' ? (last.detail ?? null) : null,
    });
  }
  if (typed) {
    await runEffects();
    state.phase = 'DONE';
  }
  return state;

  /** A start of service waits for its deposit: paid (seen on a signal or a periodic look) or waived. */
  async function waitForRelease() {
    for (;;) {
      depositChanged = false;
      const r = await db.checkDepositHold({ orderId: input.orderId, accountId: input.accountId });
      if (finished()) return; // cancelled while held
      if (r.released) {
        const at = now();
        state.hold = null;
        state.phase = 'DISPATCH';
        slaFrom = at;
        state.slaDueAt = slaDueAt(input.type, state.priority, at, input.dueBy);
        state.history.push({ at, event: 'released', by: 'system', detail: { reason: r.reason } });
        await db.recordRelease({
          key: stepKey('released'),
          orderId: input.orderId,
          accountId: input.accountId,
          at,
          reason: r.reason,
          slaDueAt: state.slaDueAt,
        });
        return;
      }
      await condition(() => depositChanged || finished(), DEPOSIT_RECHECK_MS);
      if (finished()) return;
    }
  }

  /** Until the order is finished: when its SLA runs out, supervisors are told — once. */
  async function watchSla() {
    while (!finished()) {
      if (!state.slaDueAt || state.slaBreachedAt) {
        await condition(finished);
        return;
      }
      const ms = Date.parse(state.slaDueAt) - Date.now();
      slaChanged = false;
      if (ms > 0 && (await condition(() => finished() || slaChanged, ms))) continue;
      if (finished()) return;
      const at = now();
      state.slaBreachedAt = at;
      state.history.push({ at, event: 'sla-breached', by: 'system', detail: { slaDueAt: state.slaDueAt } });
      await db.escalateSla({
        key: `${workflowId}:sla-breach`,
        orderId: input.orderId,
        accountId: input.accountId,
        at,
        slaDueAt: state.slaDueAt,
        type: input.type,
        priority: state.priority,
        crewId: state.crewId,
        status: state.status,
      });
    }
  }

  /** What finishing the order does, per type; a final bill left unpaid waits for its due date. */
  async function runEffects() {
    if (state.status !== 'COMPLETED' || !HAS_EFFECTS.has(input.type)) return;
    const done = [...state.history].reverse().find((h) => h.event === 'completed')!;
    const completion = done.detail as unknown as Completion;
    if (completion.outcome === 'NO_ACCESS') return;
    state.phase = 'EFFECTS';
    try {
      const effects = await effectsActs.applyOrderEffects({
        key: `${workflowId}:effects`,
        orderId: input.orderId,
        accountId: input.accountId,
        type: input.type,
        at: done.at,
        completion,
        meters: input.meters ?? [],
        details: input.details ?? null,
      });
      state.effects = effects;
      state.history.push({ at: now(), event: 'effects', by: 'system', detail: { summary: effects.summary } });
      const pending = effects.settlement?.outcome === 'PENDING' ? effects.settlement : null;
      if (!pending?.dueDate) return;
      state.phase = 'AWAITING_FINAL_PAYMENT';
      const settleAt = Date.parse(`${pending.dueDate}T00:00:00Z`) + (24 + SETTLE_HOUR_UTC) * 3_600_000;
      if (settleAt > Date.now()) await sleep(settleAt - Date.now());
      const settled = await effectsActs.settleFinalBalance({
        key: `${workflowId}:settle`,
        orderId: input.orderId,
        accountId: input.accountId,
        at: now(),
      });
      state.effects = { ...state.effects, settlement: settled };
      state.history.push({ at: now(), event: 'settled', by: 'system', detail: { outcome: settled.outcome } });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // Bad data (no read to start a final bill from, a meter id taken): the order stays completed
      // and the problem is put where a person will see it.
      const problem = (err.cause as Error | undefined)?.message ?? err.message;
      state.effects = { ...(state.effects ?? {}), problem };
      await db.recordEffectsProblem({
        key: `${workflowId}:effects-problem`,
        orderId: input.orderId,
        accountId: input.accountId,
        at: now(),
        problem,
      });
    }
  }
}
