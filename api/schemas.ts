// Request schemas for the API (zod, strict: unknown fields are refused). Named ZXxx as in the
// codebases we learn from; response shapes are plain objects built in services/.
import { z } from 'zod';
import { ROLES } from '../domain/authorization';
import { PRIORITIES, SERVICE_ORDER_TYPES } from '../domain/service-order';
import { RETURN_CODES } from '../domain/ledger/returns';
import { accountNumberProblem, BANK_ACCOUNT_TYPES, routingNumberProblem } from '../domain/bank-account';
import { PROFILE_CODES, type ProfileCode } from '../domain/collections';
import { WATER_NOTICE_KINDS } from '../domain/water-notices';
import { SERVICE_LINE_SOURCES } from '../domain/service-line';

const text = (max = 200) => z.string().trim().min(1).max(max);
// Dates a utility's records can hold. Outside this window a date is a typo or a placeholder
// (9999-12-31), and some (year 0000) are not dates Postgres can store at all: refuse them here,
// naming the field, instead of storing nonsense or failing with a 500.
const MIN_YEAR = 1800;
const MAX_YEAR = 2100;
const inYearRange = (s: string) => {
  const year = Number(s.slice(0, 4));
  return year >= MIN_YEAR && year <= MAX_YEAR;
};
const yearRange = { message: `must be between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31` };
export const isoDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' }).refine(inYearRange, yearRange);
export const isoDateTime = z.iso.datetime({ offset: true }).refine(inYearRange, yearRange);
const id = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, . _ -');
export const ZPhone = z
  .string()
  .trim()
  .regex(
    /^\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}$/,
    'must be a 10-digit North American phone number',
  );
const language = z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code such as en or es');
const cents = z.number().int('must be whole cents').min(0).max(100_000_000);
const serviceLine = z.enum(['LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD', 'LEAD_STATUS_UNKNOWN']);

export const ZIdParams = z.object({ id }).strict();
export const ZPage = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    q: z.string().trim().max(100).optional(),
  })
  .strict();

export const ZCustomerCreate = z
  .object({
    id: id.optional(),
    name: text(),
    mailingAddress: text(300),
    email: z.email().max(254).nullable().optional(),
    phone: ZPhone.nullable().optional(),
    language: language.default('en'),
    paperless: z.boolean().default(false),
    dateOfBirth: isoDate.nullable().optional(),
    /** 65 or older, or a dependent adult: some profiles send a third party a copy (CA energy). */
    age65OrDependent: z.boolean().default(false),
    reason: text(500).optional(),
  })
  .strict();
export const ZCustomerUpdate = ZCustomerCreate.omit({ id: true })
  .partial()
  .extend({
    language: language.optional(),
    paperless: z.boolean().optional(),
    age65OrDependent: z.boolean().optional(),
  })
  .strict();

export const ZPremiseCreate = z
  .object({
    id: id.optional(),
    serviceAddress: text(300),
    zip: z.string().regex(/^\d{5}(-\d{4})?$/, 'must be a 5- or 9-digit ZIP code'),
    serviceArea: text(60),
    state: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter state code'),
    /** The collections policy profile; default: the utility's in its own state, else the state's preset. */
    jurisdictionProfile: z.enum(PROFILE_CODES as [ProfileCode, ...ProfileCode[]]).optional(),
    premiseType: z.enum(['RESIDENTIAL', 'COMMERCIAL']),
    heating: z.enum(['GAS', 'ELECTRIC', 'OIL', 'PROPANE', 'OTHER', 'NONE']).nullable().optional(),
    serviceLinePublic: serviceLine.default('LEAD_STATUS_UNKNOWN'),
    serviceLinePrivate: serviceLine.default('LEAD_STATUS_UNKNOWN'),
    /** How each side's material is known and the day it was verified (the service-line inventory). */
    serviceLinePublicSource: z.enum(SERVICE_LINE_SOURCES).optional(),
    serviceLinePublicVerifiedOn: isoDate.optional(),
    serviceLinePrivateSource: z.enum(SERVICE_LINE_SOURCES).optional(),
    serviceLinePrivateVerifiedOn: isoDate.optional(),
    /** Occupied by tenants who are not the customer: notices go to the occupants too. */
    tenantOccupied: z.boolean().default(false),
    reason: text(500).optional(),
  })
  .strict();
export const ZPremiseUpdate = ZPremiseCreate.omit({ id: true })
  .partial()
  .extend({
    serviceLinePublic: serviceLine.optional(),
    serviceLinePrivate: serviceLine.optional(),
    // null clears a verification; a side whose material changes keeps none from before.
    serviceLinePublicSource: z.enum(SERVICE_LINE_SOURCES).nullable().optional(),
    serviceLinePublicVerifiedOn: isoDate.nullable().optional(),
    serviceLinePrivateSource: z.enum(SERVICE_LINE_SOURCES).nullable().optional(),
    serviceLinePrivateVerifiedOn: isoDate.nullable().optional(),
    tenantOccupied: z.boolean().optional(),
  })
  .strict();

export const ZAccountCreate = z
  .object({
    id: id.optional(),
    customerId: id,
    premiseId: id,
    class: z.enum(['RES', 'COM']),
    billCycle: z.number().int().min(1).max(31),
    status: z.enum(['PENDING', 'ACTIVE', 'FINAL', 'CLOSED']).default('ACTIVE'),
    startDate: isoDate,
    endDate: isoDate.nullable().optional(),
    depositHeldCents: cents.default(0),
    autopay: z.boolean().default(false),
    /**
     * Decide the deposit at account start by the rule (Ordinance: up to 1/6 of the estimated
     * annual billing for a new residential customer with no satisfactory payment history): given,
     * the deposit is required (and billed) or waived in the same transaction. Without an
     * estimate, twelve times the median bill of the class over the last year is used; with no
     * bills to take it from, the deposit is waived (NO_ESTIMATED_BILLING). Omitted:
     * no decision yet (a conversion, or a clerk who decides later).
     */
    deposit: z
      .object({
        estimatedAnnualBillingCents: cents.optional(),
        satisfactoryHistory: z.boolean().default(false),
      })
      .strict()
      .optional(),
    reason: text(500).optional(),
  })
  .strict();
export const ZAccountUpdate = z
  .object({
    class: z.enum(['RES', 'COM']),
    billCycle: z.number().int().min(1).max(31),
    status: z.enum(['PENDING', 'ACTIVE', 'FINAL', 'CLOSED']),
    endDate: isoDate.nullable(),
    autopay: z.boolean(),
    /**
     * The third party the customer designates to receive copies of collections notices (NY PSL
     * §33, CA, TX, ...); null removes the designation.
     */
    thirdParty: z
      .object({
        name: text(200),
        email: z.email().max(254).nullable().optional(),
        address: text(300).nullable().optional(),
      })
      .strict()
      .refine((t) => Boolean(t.email || t.address), {
        message: 'give an email or a mailing address to send the copies to',
      })
      .nullable(),
    reason: text(500),
  })
  .partial()
  .strict();

export const ZMeterCreate = z
  .object({
    id,
    premiseId: id,
    service: z.enum(['WATER', 'ELECTRIC', 'GAS', 'SEWER']),
    readUnit: z.enum(['GAL', 'CUBIC_FEET', 'KWH', 'THERM']),
    dials: z.number().int().min(1).max(12),
    multiplier: z.number().int().min(1).max(100_000),
    size: z.string().trim().max(10).nullable().optional(),
    amiEndpoint: z.string().trim().max(40).nullable().optional(),
    installedOn: isoDate.nullable().optional(),
    reason: text(500).optional(),
  })
  .strict()
  .refine((m) => m.service !== 'WATER' || !!m.size, {
    message: 'a water meter needs its size',
    path: ['size'],
  });
export const ZMeterUpdate = z
  .object({
    dials: z.number().int().min(1).max(12),
    multiplier: z.number().int().min(1).max(100_000),
    size: z.string().trim().max(10).nullable(),
    amiEndpoint: z.string().trim().max(40).nullable(),
    removedOn: isoDate.nullable(),
    reason: text(500),
  })
  .partial()
  .strict();

export const ZCrewCreate = z.object({ id, name: text(100) }).strict();

export const ZUserCreate = z
  .object({
    id,
    name: text(100),
    email: z.email().max(254).optional(),
    role: z.enum(ROLES),
    crewId: id.optional(),
  })
  .strict()
  .refine((u) => u.role !== 'field' || !!u.crewId, {
    message: 'a field user belongs to a crew',
    path: ['crewId'],
  });
export const ZApiKeyCreate = z.object({ label: text(100).optional() }).strict();

export const ZInteractionCreate = z
  .object({
    channel: z.enum(['CALL', 'VISIT', 'EMAIL', 'LETTER']),
    direction: z.enum(['INBOUND', 'OUTBOUND']).default('INBOUND'),
    subject: text(200),
    notes: z.string().max(10_000).optional(),
    occurredAt: isoDateTime.optional(),
  })
  .strict();

export const ZTimelineQuery = z
  .object({
    kind: z.string().max(500).optional(),
    from: isoDateTime.or(isoDate).optional(),
    to: isoDateTime.or(isoDate).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const ZServiceOrderCreate = z
  .object({
    accountId: id,
    type: z.enum(SERVICE_ORDER_TYPES),
    priority: z.enum(PRIORITIES).default('NORMAL'),
    meterId: id.optional(),
    reason: text(500),
  })
  .strict();
export const ZServiceOrderList = z
  .object({
    status: z.enum(['OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED']).optional(),
    accountId: id.optional(),
    crewId: id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export const ZAssign = z.object({ crewId: id }).strict();
export const ZCancel = z.object({ reason: text(500) }).strict();

export const ZAuditQuery = z
  .object({
    entity: z.string().max(40).optional(),
    entityId: z.string().max(60).optional(),
    accountId: z.string().max(40).optional(),
    from: isoDateTime.or(isoDate).optional(),
    to: isoDateTime.or(isoDate).optional(),
    format: z.enum(['json', 'csv']).default('json'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    afterSeq: z.coerce.number().int().min(0).optional(),
  })
  .strict();

/** A head published earlier: both its seq and its hash, or neither. */
export const ZAuditVerify = z
  .object({
    seq: z
      .string()
      .regex(/^[1-9]\d{0,18}$/, 'must be an audit row sequence number')
      .optional(),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lowercase hex')
      .optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.seq !== undefined && q.hash === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['hash'],
        message: 'is required with seq (the head published with it)',
      });
    if (q.hash !== undefined && q.seq === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['seq'],
        message: 'is required with hash (the row it was published for)',
      });
  });

export const ZLegacyImport = z
  .object({
    files: z
      .object({
        customers: z.string().max(50_000_000),
        premises: z.string().max(50_000_000),
        accounts: z.string().max(50_000_000),
        meters: z.string().max(50_000_000),
      })
      .strict(),
    validOnly: z.boolean().default(false),
  })
  .strict();

// ---- payments, ledger, deposits, bank files ----------------------------------------------------

// Bank account numbers (domain/bank-account.ts): the ABA check digit and 4-17 digits. A refusal
// names the field and never repeats the number.
const routingNumber = z
  .string()
  .trim()
  .regex(/^\d{9}$/, 'must be exactly 9 digits')
  .superRefine((v, ctx) => {
    const problem = routingNumberProblem(v);
    if (problem && /^\d{9}$/.test(v)) ctx.addIssue({ code: 'custom', message: problem });
  });
const bankAccountNumber = z
  .string()
  .trim()
  .regex(/^\d{4,17}$/, 'must be 4 to 17 digits')
  .superRefine((v, ctx) => {
    const problem = accountNumberProblem(v);
    if (problem && /^\d{4,17}$/.test(v)) ctx.addIssue({ code: 'custom', message: problem });
  });
const bankAccountType = z.enum(BANK_ACCOUNT_TYPES);
/** The payer's bank account an ACH payment was drawn on. */
export const ZAchPayer = z
  .object({
    routingNumber,
    accountNumber: bankAccountNumber,
    accountType: bankAccountType.default('CHECKING'),
  })
  .strict();
export const ZBankAccountPut = z
  .object({
    routingNumber,
    accountNumber: bankAccountNumber,
    accountType: bankAccountType,
    holderName: text(100),
    reason: text(500).optional(),
  })
  .strict();
export const ZBankAccountDelete = z.object({ reason: text(500).optional() }).strict();
/** Personal data in clear is shown only with a reason, which the audit trail keeps. */
export const ZReveal = z.object({ reason: text(500) }).strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ZPaymentParams = z
  .object({ id: z.string().regex(UUID, 'must be a payment id (a UUID)') })
  .strict();
export const ZPaymentCreate = z
  .object({
    accountId: id,
    amountCents: z
      .number({ message: 'must be a whole number of cents' })
      .int('must be whole cents')
      .positive('must be more than zero')
      .max(100_000_000, 'must be at most 100000000 ($1,000,000.00)'),
    channel: z.enum(['CASH', 'CHECK', 'CARD', 'ACH', 'LOCKBOX']),
    externalRef: text(100).optional(),
    receivedAt: isoDateTime.optional(),
    /** ACH only: stored encrypted, shown as its last four digits. */
    bankAccount: ZAchPayer.optional(),
  })
  .strict();
export const ZPaymentReturn = z
  .object({
    code: z.enum(RETURN_CODES),
    reason: text(500).optional(),
  })
  .strict();
export const ZLedgerQuery = z.object({ asOf: isoDate.optional() }).strict();
export const ZBankFile = z
  .object({
    content: z.string().min(1, 'the file is empty').max(20_000_000),
    fileName: text(200).optional(),
  })
  .strict();

// ---- drinking-water notices --------------------------------------------------------------------

export const ZWaterNoticeCreate = z
  .object({
    kind: z.enum(WATER_NOTICE_KINDS),
    title: text(200),
    serviceAreas: z.array(text(60)).min(1).max(200).optional(),
    learnedAt: isoDateTime.optional(),
    year: z.number().int().min(2000).max(2100).optional(),
    edition: z.union([z.literal(1), z.literal(2)]).optional(),
    url: z
      .string()
      .trim()
      .max(500)
      .regex(/^https?:\/\/[^\s<>"]+$/, 'must be an http(s) address with no spaces')
      .optional(),
    bodyEn: text(20_000),
    bodyEs: text(20_000).optional(),
  })
  .strict();
export const ZWaterNoticeId = z
  .object({ id: z.uuid({ message: 'must be a water notice id (a UUID)' }) })
  .strict();
export const ZWaterNoticeResolve = z.object({ reason: text(500) }).strict();
