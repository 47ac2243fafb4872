// The service order life cycle as a pure state machine: which transitions are allowed from which
// status, and why one is refused. The serviceOrder workflow and the field API both use it, so the
// rule is stated once.

export const SERVICE_ORDER_TYPES = [
  'START_SERVICE',
  'STOP_SERVICE',
  'TRANSFER_SERVICE',
  'METER_INVESTIGATION',
  'METER_EXCHANGE',
  'DISCONNECT',
  'RECONNECT',
  'LEAK_CHECK',
  'DOOR_HANGER',
] as const;
export type ServiceOrderType = (typeof SERVICE_ORDER_TYPES)[number];

export const PRIORITIES = ['EMERGENCY', 'HIGH', 'NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type OrderStatus = 'OPEN' | 'ASSIGNED' | 'COMPLETED' | 'CANCELLED';

export const OUTCOME_CODES = [
  'COMPLETED_OK',
  'METER_REPLACED_NEEDED',
  'METER_DEFECTIVE',
  'NO_ACCESS',
  'TAMPER_FOUND',
  'LEAK_FOUND',
  'READ_VERIFIED',
] as const;
export type OutcomeCode = (typeof OUTCOME_CODES)[number];

/** Types whose completion must carry a meter reading. */
export const READ_REQUIRED: ReadonlySet<ServiceOrderType> = new Set([
  'START_SERVICE',
  'STOP_SERVICE',
  'TRANSFER_SERVICE',
  'METER_INVESTIGATION',
  'METER_EXCHANGE',
  'DISCONNECT',
  'RECONNECT',
]);

export interface OrderState {
  status: OrderStatus;
  crewId: string | null;
}

export type Refusal = {
  ok: false;
  code: 'conflict' | 'not_found' | 'validation_failed';
  message: string;
  field?: string;
};
export type Decision = { ok: true } | Refusal;

const ok: Decision = { ok: true };

export function canAssign(s: OrderState, crewId: string): Decision {
  if (s.status === 'COMPLETED' || s.status === 'CANCELLED') {
    return {
      ok: false,
      code: 'conflict',
      message: `The order is ${s.status.toLowerCase()} and cannot be assigned`,
    };
  }
  if (s.crewId === crewId)
    return { ok: false, code: 'conflict', message: `The order is already assigned to crew ${crewId}` };
  return ok;
}

export function canCancel(s: OrderState): Decision {
  if (s.status === 'COMPLETED' || s.status === 'CANCELLED') {
    return {
      ok: false,
      code: 'conflict',
      message: `The order is ${s.status.toLowerCase()} and cannot be cancelled`,
    };
  }
  return ok;
}

export interface Completion {
  crewId: string;
  outcome: OutcomeCode;
  readValue?: number | null;
  notes?: string | null;
  photoRefs?: string[];
}

/** Whether `completion` may close an order of `type` in state `s`. */
export function canComplete(type: ServiceOrderType, s: OrderState, c: Completion): Decision {
  if (s.status === 'CANCELLED') return { ok: false, code: 'conflict', message: 'The order was cancelled' };
  if (s.status === 'COMPLETED')
    return { ok: false, code: 'conflict', message: 'The order is already completed' };
  // A crew that no longer holds the order gets the same answer as for an order it never had.
  if (s.status !== 'ASSIGNED' || s.crewId !== c.crewId) {
    return { ok: false, code: 'not_found', message: 'The order is not assigned to your crew' };
  }
  const needsRead = READ_REQUIRED.has(type) && c.outcome !== 'NO_ACCESS';
  if (needsRead && (c.readValue === undefined || c.readValue === null)) {
    return {
      ok: false,
      code: 'validation_failed',
      field: 'readValue',
      message: `A ${type} order needs a meter reading to complete`,
    };
  }
  if (c.outcome === 'NO_ACCESS' && !c.notes) {
    return { ok: false, code: 'validation_failed', field: 'notes', message: 'Say why there was no access' };
  }
  return ok;
}
