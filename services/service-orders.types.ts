// Request schemas of the service-order and field routes (zod, strict: unknown fields are refused).
// The shapes the rest of the system already uses (ZServiceOrderCreate in api/schemas.ts, opened by
// collections and the read-exception queue) stay valid inputs: everything added here is optional.
import { z } from 'zod';
import { DISCONNECT_CAUSES, OUTCOME_CODES, PRIORITIES, SERVICE_ORDER_TYPES } from '../domain/service-order';

const text = (max = 200) => z.string().trim().min(1).max(max);
const id = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, . _ -');
const instant = z.iso
  .datetime({ offset: true, message: 'must be a date-time with its offset, e.g. 2026-12-01T09:00:00-05:00' })
  .refine((s) => {
    const y = Number(s.slice(0, 4));
    return y >= 2000 && y <= 2100;
  }, 'must be between 2000 and 2100');
/** The utility's local wall clock, as meter reads carry it. */
export const localTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'must be a local time YYYY-MM-DDTHH:MM:SS')
  .refine((s) => !Number.isNaN(Date.parse(`${s}Z`)), 'is not a real date and time');

/** The meter a crew sets in an exchange, as the office picks it from stock. */
export const ZNewMeter = z
  .object({
    id,
    dials: z.number().int().min(1).max(12),
    multiplier: z.number().int().min(1).max(100_000),
    /** Defaults to the old meter's. */
    readUnit: z.enum(['GAL', 'CUBIC_FEET', 'KWH', 'THERM']).optional(),
    /** Defaults to the old meter's (a water meter must have one). */
    size: z.string().trim().max(10).optional(),
    amiEndpoint: z.string().trim().max(40).optional(),
  })
  .strict();

export const ZOrderDetails = z
  .object({
    /** TRANSFER_SERVICE: the premise service moves to. */
    toPremiseId: id.optional(),
    /** TRANSFER_SERVICE: an account already opened there (PENDING); otherwise one is opened. */
    toAccountId: id.optional(),
    /** METER_EXCHANGE: the meter set in place of `meterId`. */
    newMeter: ZNewMeter.optional(),
    /**
     * DISCONNECT opened by hand: why service goes off. NONPAYMENT is refused here: only the
     * account's collections case orders that, under the state's rules (services/service-orders.ts).
     */
    disconnectCause: z.enum(DISCONNECT_CAUSES).optional(),
  })
  .strict();
export type OrderDetails = z.infer<typeof ZOrderDetails>;

export const ZServiceOrderOpen = z
  .object({
    accountId: id,
    type: z.enum(SERVICE_ORDER_TYPES),
    priority: z.enum(PRIORITIES).default('NORMAL'),
    meterId: id.optional(),
    reason: text(500),
    details: ZOrderDetails.optional(),
    windowStart: instant.optional(),
    windowEnd: instant.optional(),
  })
  .strict();

export const ZServiceOrderQuery = z
  .object({
    status: z.enum(['OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED']).optional(),
    type: z.enum(SERVICE_ORDER_TYPES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    accountId: id.optional(),
    crewId: id.optional(),
    /** true: only orders whose SLA was breached (the supervisors' dashboard); false: only the others. */
    slaBreached: z.enum(['true', 'false']).optional(),
    /** true: only orders held (e.g. a start of service waiting for its deposit). */
    held: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const ZAssignOrder = z.object({ crewId: id }).strict();
export const ZCancelOrder = z.object({ reason: text(500) }).strict();
export const ZScheduleOrder = z
  .object({
    priority: z.enum(PRIORITIES).optional(),
    windowStart: instant.nullable().optional(),
    windowEnd: instant.nullable().optional(),
  })
  .strict();
export const ZDepositWaiver = z.object({ reason: text(500) }).strict();

export const ZFieldCompletion = z
  .object({
    outcome: z.enum(OUTCOME_CODES),
    readValue: z.number().int('must be a whole register reading').min(0).max(999_999_999_999).optional(),
    reads: z
      .array(
        z
          .object({
            meterId: id,
            value: z.number().int('must be a whole register reading').min(0).max(999_999_999_999),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    readAt: localTime.optional(),
    notes: z.string().trim().max(2000).optional(),
    photoRefs: z.array(z.string().trim().min(1).max(300)).max(20).optional(),
    /**
     * A disconnection's act conditions the crew met (their codes, from the order's
     * disconnectCheck.conditionCodes): a personal visit, a notice left on the day.
     */
    conditionsMet: z
      .array(
        z.string().regex(/^[A-Z][A-Z0-9_]{0,79}$/, 'must be a condition code such as NY_COLD_PERIOD_VISIT'),
      )
      .max(20)
      .optional(),
  })
  .strict();
