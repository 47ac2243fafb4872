// serviceOrder: one durable workflow per field order, `service-order:<orderId>`. It records the
// order, waits for dispatch and for the crew's completion (or a cancellation), and writes every
// step through activities. Transitions are decided by the pure rules in domain/service-order.ts;
// update validators refuse a bad transition before it enters history, so callers get a clear
// answer and history stays clean. (Types, SLA timers and effects per type come with the service
// order capability.)
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  allHandlersFinished,
  ApplicationFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { ServiceOrderActivities } from '../activities/service-orders';
import {
  canAssign,
  canCancel,
  canComplete,
  type Completion,
  type Decision,
  type OrderStatus,
  type Priority,
  type ServiceOrderType,
} from '../domain/service-order';

export interface ActorRef {
  id: string;
  role: string;
  requestId?: string;
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
  event: 'created' | 'assigned' | 'completed' | 'cancelled';
  by: string;
  detail?: Record<string, unknown>;
}

export interface ServiceOrderStatus {
  orderId: string;
  type: ServiceOrderType;
  priority: Priority;
  status: OrderStatus;
  crewId: string | null;
  history: HistoryEntry[];
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

export const statusQuery = defineQuery<ServiceOrderStatus>('status');
export const assignUpdate = defineUpdate<ServiceOrderStatus, [AssignInput]>('assign');
export const completeUpdate = defineUpdate<ServiceOrderStatus, [CompleteInput]>('complete');
export const cancelUpdate = defineUpdate<ServiceOrderStatus, [CancelInput]>('cancel');

export const serviceOrderWorkflowId = (orderId: string) => `service-order:${orderId}`;

const db = proxyActivities<ServiceOrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['not_found'] },
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
  const state: ServiceOrderStatus = {
    orderId: input.orderId,
    type: input.type,
    priority: input.priority,
    status: 'OPEN',
    crewId: null,
    history: [],
  };
  const stepKey = (step: string) => `${workflowId}:${step}:${state.history.length}`;
  const now = () => new Date().toISOString(); // workflow time: deterministic on replay

  let opened = false;
  setHandler(statusQuery, () => state);

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

  const created: HistoryEntry = { at: now(), event: 'created', by: input.createdBy.id };
  state.history.push(created);
  await db.openOrder({ ...input, workflowId, at: created.at });
  opened = true;

  await condition(() => state.status === 'COMPLETED' || state.status === 'CANCELLED');
  await condition(allHandlersFinished);
  if (input.notifyWorkflowId) {
    const last = state.history[state.history.length - 1]!;
    await getExternalWorkflowHandle(input.notifyWorkflowId).signal(orderFinishedSignal, {
      orderId: input.orderId,
      type: input.type,
      status: state.status as 'COMPLETED' | 'CANCELLED',
      at: last.at,
      completion: state.status === 'COMPLETED' ? (last.detail ?? null) : null,
    });
  }
  return state;
}
