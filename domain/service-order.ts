// The service order life cycle as pure rules: which transitions are allowed from which status, and
// why one is refused; what each order type needs to be completed (outcome codes, readings, notes);
// and the SLA each type and priority gets. The serviceOrder workflow (its update validators) and
// the API both use these, so each rule is stated once. Pure: no I/O, no clock — safe in workflows.

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

/**
 * Why a disconnection is opened by hand, not by a collections case: a hazard at the premises
 * (SAFETY), tampering or theft of service (TAMPERING), or the customer's own request. NONPAYMENT is
 * named only to be refused with its reason: a disconnection for nonpayment is the collections
 * case's, which gives the notices and honours the protections the state's rules require.
 */
export const DISCONNECT_CAUSES = ['SAFETY', 'TAMPERING', 'CUSTOMER_REQUEST', 'NONPAYMENT'] as const;
export type DisconnectCause = (typeof DISCONNECT_CAUSES)[number];

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
  'NO_LEAK_FOUND',
] as const;
export type OutcomeCode = (typeof OUTCOME_CODES)[number];

/**
 * How a type's completion carries its readings:
 * - VALUE: one `readValue` (the order's meter, or the service the order is about);
 * - METERS: a reading of every meter the order names (`meters` in the workflow state, decided when
 *   the order is opened): a start's or stop's meters at the premise, both premises of a transfer,
 *   the old and the new meter of an exchange;
 * - NONE: no reading.
 */
export type ReadMode = 'VALUE' | 'METERS' | 'NONE';

export interface TypeSpec {
  /** Outcome codes a crew may close the order with. */
  outcomes: readonly OutcomeCode[];
  reads: ReadMode;
  /** The order is about one meter, named when it is opened. */
  needsMeter: boolean;
  /** What finishing the order does in the office (the API document). */
  effect: string;
  /** What the crew does, as the field view says it (nothing of the customer's account). */
  task: string;
}

export const TYPE_SPECS: Readonly<Record<ServiceOrderType, TypeSpec>> = {
  START_SERVICE: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS'],
    reads: 'METERS',
    needsMeter: false,
    task: 'Turn service on and take the initial read of each meter listed',
    effect:
      'Turns service on: the initial read of each meter starts billing; the lead service-line notice goes to the new customer where the line is lead, galvanized requiring replacement or unknown',
  },
  STOP_SERVICE: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS'],
    reads: 'METERS',
    needsMeter: false,
    task: 'Take the final read of each meter listed',
    effect:
      'Turns service off: the final read of each meter, the prorated final bill, the deposit applied, then a credit refunded or an unpaid balance handed to collections after the due date',
  },
  TRANSFER_SERVICE: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS'],
    reads: 'METERS',
    needsMeter: false,
    task: 'Final read of each meter at this premise; initial read of each meter at the new premise',
    effect:
      'Stops service at this premise (final reads, final bill) and starts it at the new one (initial reads); the balance and any held deposit move to the new account',
  },
  METER_INVESTIGATION: {
    outcomes: [
      'READ_VERIFIED',
      'METER_DEFECTIVE',
      'METER_REPLACED_NEEDED',
      'TAMPER_FOUND',
      'LEAK_FOUND',
      'COMPLETED_OK',
      'NO_ACCESS',
    ],
    reads: 'VALUE',
    needsMeter: false,
    task: 'Check the meter and its register, read it, and report what you find',
    effect: 'Records what the crew found at the meter',
  },
  METER_EXCHANGE: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS'],
    reads: 'METERS',
    needsMeter: true,
    task: 'Read the old meter, remove it, set the new meter and read it',
    effect:
      "The old meter's final read and removal, the new meter set with its initial read: the next bill prices the use on both, once",
  },
  DISCONNECT: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS', 'TAMPER_FOUND'],
    reads: 'VALUE',
    needsMeter: false,
    task: 'Turn service off at the meter and read it',
    effect: 'Service off for nonpayment (the collections case that ordered it is told)',
  },
  RECONNECT: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS', 'TAMPER_FOUND', 'LEAK_FOUND'],
    reads: 'VALUE',
    needsMeter: false,
    task: 'Restore service at the meter and read it',
    effect: 'Service restored (the collections case that ordered it is told)',
  },
  LEAK_CHECK: {
    outcomes: ['LEAK_FOUND', 'NO_LEAK_FOUND', 'NO_ACCESS'],
    reads: 'NONE',
    needsMeter: false,
    task: 'Check the service line and the meter for a leak; say where one is',
    effect: 'Records whether a leak was found and where',
  },
  DOOR_HANGER: {
    outcomes: ['COMPLETED_OK', 'NO_ACCESS'],
    reads: 'NONE',
    needsMeter: false,
    task: 'Post the notice at the premises',
    effect: 'A notice posted at the premises (the collections case that ordered it is told)',
  },
};

/** Types whose completion must carry a meter reading. */
export const READ_REQUIRED: ReadonlySet<ServiceOrderType> = new Set(
  SERVICE_ORDER_TYPES.filter((t) => TYPE_SPECS[t].reads !== 'NONE'),
);

/** Outcomes that must say what was found (a crew's notes), besides NO_ACCESS saying why. */
export const NOTES_REQUIRED: ReadonlySet<OutcomeCode> = new Set([
  'NO_ACCESS',
  'LEAK_FOUND',
  'TAMPER_FOUND',
  'METER_DEFECTIVE',
]);

/** A meter the completion must read, with the register width its reading must fit. */
export interface ReadMeter {
  meterId: string;
  dials: number;
  /** START: read at service start; FINAL: at stop; EXCHANGE_*: the old and the new meter. */
  role: 'INITIAL' | 'FINAL' | 'EXCHANGE_FINAL' | 'EXCHANGE_INITIAL';
  /** Which premise (transfers read at two). */
  premiseId: string;
}

export interface OrderState {
  status: OrderStatus;
  crewId: string | null;
  /** Why the order may not be dispatched yet (DEPOSIT), if it is held. */
  hold?: string | null;
  /** The meters a completion must read (METERS types); absent on orders opened before types had them. */
  meters?: readonly ReadMeter[];
}

export type Refusal = {
  ok: false;
  code: 'conflict' | 'not_found' | 'validation_failed';
  message: string;
  field?: string;
};
export type Decision = { ok: true } | Refusal;

const ok: Decision = { ok: true };
const closed = (s: OrderState) => s.status === 'COMPLETED' || s.status === 'CANCELLED';

export function canAssign(s: OrderState, crewId: string): Decision {
  if (closed(s)) {
    return {
      ok: false,
      code: 'conflict',
      message: `The order is ${s.status.toLowerCase()} and cannot be assigned`,
    };
  }
  if (s.hold)
    return {
      ok: false,
      code: 'conflict',
      message: `The order is held (${holdText(s.hold)}) and cannot be dispatched yet`,
    };
  if (s.crewId === crewId)
    return { ok: false, code: 'conflict', message: `The order is already assigned to crew ${crewId}` };
  return ok;
}

export function canCancel(s: OrderState): Decision {
  if (closed(s)) {
    return {
      ok: false,
      code: 'conflict',
      message: `The order is ${s.status.toLowerCase()} and cannot be cancelled`,
    };
  }
  return ok;
}

export interface ScheduleChange {
  priority?: Priority;
  /** ISO instants; both or neither. */
  windowStart?: string | null;
  windowEnd?: string | null;
}

/** Whether an order's priority or scheduling window may change now. */
export function canSchedule(s: OrderState, c: ScheduleChange): Decision {
  if (closed(s)) {
    return {
      ok: false,
      code: 'conflict',
      message: `The order is ${s.status.toLowerCase()} and cannot be rescheduled`,
    };
  }
  if ((c.windowStart == null) !== (c.windowEnd == null))
    return {
      ok: false,
      code: 'validation_failed',
      field: c.windowStart == null ? 'windowStart' : 'windowEnd',
      message: 'A scheduling window needs both its start and its end',
    };
  if (c.windowStart != null && c.windowEnd != null && Date.parse(c.windowEnd) <= Date.parse(c.windowStart))
    return {
      ok: false,
      code: 'validation_failed',
      field: 'windowEnd',
      message: 'The window must end after it starts',
    };
  if (c.priority === undefined && c.windowStart === undefined)
    return {
      ok: false,
      code: 'validation_failed',
      field: 'priority',
      message: 'Give a priority, a window, or both',
    };
  return ok;
}

export const holdText = (hold: string) =>
  hold === 'DEPOSIT' ? 'waiting for the security deposit to be paid or waived' : hold.toLowerCase();

export interface MeterReading {
  meterId: string;
  value: number;
}

export interface Completion {
  crewId: string;
  outcome: OutcomeCode;
  readValue?: number | null;
  /** Readings of the meters a METERS order names (readValue may stand for the only one). */
  reads?: MeterReading[];
  /** When the readings were taken (utility-local YYYY-MM-DDTHH:MM:SS); the completion time if absent. */
  readAt?: string | null;
  notes?: string | null;
  photoRefs?: string[];
  /** Act conditions of a disconnection the crew met (condition codes; services/disconnect-check.ts). */
  conditionsMet?: string[];
}

/**
 * Each named meter's reading from a completion: `reads`, and `readValue` for the only meter (or,
 * with several, for the first meter of the order's own premise when `reads` leaves it out).
 */
export function readingsOf(meters: readonly ReadMeter[], c: Completion): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of c.reads ?? []) out.set(r.meterId, r.value);
  if (c.readValue !== undefined && c.readValue !== null) {
    const primary = meters.find((m) => !out.has(m.meterId));
    if (primary && (meters.length === 1 || primary === meters[0])) out.set(primary.meterId, c.readValue);
  }
  return out;
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
  const spec = TYPE_SPECS[type];
  if (!spec.outcomes.includes(c.outcome))
    return {
      ok: false,
      code: 'validation_failed',
      field: 'outcome',
      message: `A ${type} order is closed with one of ${spec.outcomes.join(', ')}, not ${c.outcome}`,
    };
  if (NOTES_REQUIRED.has(c.outcome) && !c.notes?.trim()) {
    return {
      ok: false,
      code: 'validation_failed',
      field: 'notes',
      message:
        c.outcome === 'NO_ACCESS' ? 'Say why there was no access' : `Say what was found (${c.outcome})`,
    };
  }
  if (c.outcome === 'NO_ACCESS') return ok; // nothing was read or done
  const byMeter = spec.reads === 'METERS' && s.meters !== undefined;
  if (!byMeter) {
    if (spec.reads !== 'NONE' && (c.readValue === undefined || c.readValue === null)) {
      return {
        ok: false,
        code: 'validation_failed',
        field: 'readValue',
        message: `A ${type} order needs a meter reading to complete`,
      };
    }
    return ok;
  }
  return readsProblem(type, s.meters!, c) ?? ok;
}

function readsProblem(type: ServiceOrderType, meters: readonly ReadMeter[], c: Completion): Refusal | null {
  const seen = new Set<string>();
  for (const [i, r] of (c.reads ?? []).entries()) {
    if (seen.has(r.meterId))
      return {
        ok: false,
        code: 'validation_failed',
        field: `reads.${i}.meterId`,
        message: `Meter ${r.meterId} is read twice`,
      };
    seen.add(r.meterId);
    const m = meters.find((x) => x.meterId === r.meterId);
    if (!m)
      return {
        ok: false,
        code: 'validation_failed',
        field: `reads.${i}.meterId`,
        message: `Meter ${r.meterId} is not one this order reads (${meters.map((x) => x.meterId).join(', ') || 'none'})`,
      };
  }
  const readings = readingsOf(meters, c);
  const missing = meters.filter((m) => !readings.has(m.meterId));
  if (missing.length > 0) {
    const field = meters.length === 1 && !c.reads?.length ? 'readValue' : 'reads';
    return {
      ok: false,
      code: 'validation_failed',
      field,
      message: `A ${type} order needs a reading of ${missing.map((m) => `meter ${m.meterId}`).join(', ')} to complete`,
    };
  }
  for (const m of meters) {
    const v = readings.get(m.meterId)!;
    if (!Number.isSafeInteger(v) || v < 0 || v >= 10 ** m.dials)
      return {
        ok: false,
        code: 'validation_failed',
        field: c.reads?.some((r) => r.meterId === m.meterId) ? 'reads' : 'readValue',
        message: `The reading ${v} of meter ${m.meterId} does not fit its ${m.dials} dials`,
      };
  }
  return null;
}

// ---- SLA -----------------------------------------------------------------------------------------

/**
 * Hours from the moment an order can be worked (opened, or released from a hold) until it is due,
 * by type and priority: wall-clock hours. A deadline given with the order (a reconnection due
 * within the profile's deadline) is the SLA when it is sooner.
 */
export const SLA_HOURS: Readonly<Record<ServiceOrderType, Readonly<Record<Priority, number>>>> = {
  START_SERVICE: { EMERGENCY: 4, HIGH: 24, NORMAL: 48, LOW: 120 },
  STOP_SERVICE: { EMERGENCY: 4, HIGH: 24, NORMAL: 48, LOW: 120 },
  TRANSFER_SERVICE: { EMERGENCY: 4, HIGH: 24, NORMAL: 48, LOW: 120 },
  METER_INVESTIGATION: { EMERGENCY: 4, HIGH: 48, NORMAL: 120, LOW: 240 },
  METER_EXCHANGE: { EMERGENCY: 8, HIGH: 72, NORMAL: 240, LOW: 480 },
  DISCONNECT: { EMERGENCY: 4, HIGH: 24, NORMAL: 72, LOW: 120 },
  RECONNECT: { EMERGENCY: 2, HIGH: 24, NORMAL: 24, LOW: 48 },
  LEAK_CHECK: { EMERGENCY: 2, HIGH: 8, NORMAL: 24, LOW: 72 },
  DOOR_HANGER: { EMERGENCY: 4, HIGH: 24, NORMAL: 48, LOW: 96 },
};

/** When the order is due: `from` plus the SLA hours, or the given deadline when that is sooner. */
export function slaDueAt(
  type: ServiceOrderType,
  priority: Priority,
  from: string,
  dueBy?: string | null,
): string {
  const bySla = Date.parse(from) + SLA_HOURS[type][priority] * 3_600_000;
  const due = dueBy ? Math.min(bySla, Date.parse(dueBy)) : bySla;
  return new Date(due).toISOString();
}
