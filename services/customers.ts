// Customers, premises, accounts and meters: the customer record. Personal data (date of birth)
// is encrypted at rest and masked in every response and audit row; only a role with pii:read sees
// it in clear, through an audited reveal.
import type { Account, Customer, Meter, Premise } from '@prisma/client';
import type { z } from 'zod';
import type { Db, Tx } from '../lib/db/prisma';
import { assessDeposit, type DepositAssessmentResult } from './deposits';
import type { Actor } from '../lib/audit';
import { encryptField, decryptField, maskLast } from '../lib/field-crypto';
import { invalid, notFound } from '../lib/errors';
import { isSeniorOn } from '../domain/collections/age';
import { utilityDate } from './ledger';
import { sendLeadNotice } from './lead-notice';
import { verificationProblem } from '../domain/service-line';
import { defaultPolicyProfile } from './premise-profile';
import { PROFILE_CODES } from '../domain/collections';
import type {
  ZAccountCreate,
  ZAccountUpdate,
  ZCustomerCreate,
  ZCustomerUpdate,
  ZMeterCreate,
  ZMeterUpdate,
  ZPremiseCreate,
  ZPremiseUpdate,
} from '../api/schemas';
import { createRecord, nextNumber, updateRecord, type RecordKind } from './records';
import { recordReveal } from './reveal';

const day = (d: string | null | undefined) =>
  d ? new Date(`${d}T00:00:00Z`) : d === null ? null : undefined;
const isoDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

// ---- customers -------------------------------------------------------------------------------

export function customerView(c: Customer, key: Buffer) {
  const { dateOfBirthEnc, ...rest } = c;
  return { ...rest, dateOfBirth: dateOfBirthEnc ? maskLast(decryptField(dateOfBirthEnc, key), 2) : null };
}

const customerKind = (key: Buffer): RecordKind<Customer> => ({
  entityType: 'customer',
  label: 'Customer',
  auditView: (c) => customerView(c, key),
  // Masked, two dates of birth ending in the same digits look alike: compare the clear dates.
  diffView: ({ dateOfBirthEnc, ...rest }) => ({
    ...rest,
    dateOfBirth: dateOfBirthEnc ? decryptField(dateOfBirthEnc, key) : null,
  }),
});

export async function createCustomer(
  db: Db,
  actor: Actor,
  key: Buffer,
  input: z.infer<typeof ZCustomerCreate>,
) {
  const { reason, dateOfBirth, ...fields } = input;
  const row = await createRecord(
    db,
    actor,
    customerKind(key),
    async (tx) =>
      tx.customer.create({
        data: {
          ...fields,
          id: fields.id ?? `C${await nextNumber(tx, 'customer')}`,
          dateOfBirthEnc: dateOfBirth ? encryptField(dateOfBirth, key) : null,
          // 65 or older by the date of birth, or as the clerk says (a dependent adult).
          age65OrDependent:
            fields.age65OrDependent || (dateOfBirth ? isSeniorOn(dateOfBirth, utilityDate()) : false),
        },
      }),
    reason,
  );
  return customerView(row, key);
}

export async function updateCustomer(
  db: Db,
  actor: Actor,
  key: Buffer,
  id: string,
  input: z.infer<typeof ZCustomerUpdate>,
) {
  const { reason, dateOfBirth, ...fields } = input;
  const row = await updateRecord(
    db,
    actor,
    customerKind(key),
    id,
    (tx) => tx.customer.findUnique({ where: { id } }),
    (tx) =>
      tx.customer.update({
        where: { id },
        data: {
          ...fields,
          ...(dateOfBirth !== undefined
            ? { dateOfBirthEnc: dateOfBirth ? encryptField(dateOfBirth, key) : null }
            : {}),
          // A date of birth that makes the customer 65 or older sets the flag; it never clears it
          // (the customer may be a dependent adult).
          ...(dateOfBirth && isSeniorOn(dateOfBirth, utilityDate()) ? { age65OrDependent: true } : {}),
        },
      }),
    reason,
  );
  return customerView(row, key);
}

export async function getCustomer(db: Db, key: Buffer, id: string) {
  const c = await db.customer.findUnique({
    where: { id },
    include: { accounts: { select: { id: true, status: true, premiseId: true } } },
  });
  if (!c) throw notFound('Customer', id);
  const { accounts, ...rest } = c;
  return { ...customerView(rest, key), accounts };
}

export async function listCustomers(
  db: Db,
  key: Buffer,
  p: { limit: number; offset: number; q?: string | undefined },
) {
  const where = p.q
    ? {
        OR: [
          { name: { contains: p.q, mode: 'insensitive' as const } },
          { id: p.q },
          { email: { contains: p.q, mode: 'insensitive' as const } },
        ],
      }
    : {};
  const [items, total] = await Promise.all([
    db.customer.findMany({ where, orderBy: { id: 'asc' }, take: p.limit, skip: p.offset }),
    db.customer.count({ where }),
  ]);
  return { items: items.map((c) => customerView(c, key)), total, limit: p.limit, offset: p.offset };
}

/**
 * POST /customers/:id/date-of-birth/reveal (pii:read): the date of birth in clear, for a person
 * who must verify it. The reveal and its reason are audited in the same transaction; the audit
 * row names the field, never the date.
 */
export async function revealDateOfBirth(db: Db, actor: Actor, key: Buffer, id: string, reason: string) {
  return db.$transaction(async (tx) => {
    const c = await tx.customer.findUnique({ where: { id }, select: { id: true, dateOfBirthEnc: true } });
    if (!c) throw notFound('Customer', id);
    const dateOfBirth = c.dateOfBirthEnc ? decryptField(c.dateOfBirthEnc, key) : null;
    await recordReveal(tx, actor, { entityType: 'customer', entityId: id, field: 'dateOfBirth', reason });
    return { customerId: id, dateOfBirth, masked: false };
  });
}

// ---- premises --------------------------------------------------------------------------------

const premiseKind: RecordKind<Premise> = { entityType: 'premise', label: 'Premise' };

type LineSide = 'Public' | 'Private';
type LineFields = {
  serviceLinePublic?: string;
  serviceLinePrivate?: string;
  serviceLinePublicSource?: string | null;
  serviceLinePrivateSource?: string | null;
  serviceLinePublicVerifiedOn?: string | null;
  serviceLinePrivateVerifiedOn?: string | null;
};

/**
 * Each side's material with how it is known, as it will stand: what the request gives, else what
 * the premise had — except that a side whose material changes keeps no verification from before.
 * Refused (400 naming the field) when a source and its day do not go together, an unknown side
 * claims one, or the day is after today.
 */
function serviceLineVerification(
  input: LineFields,
  before: Premise | null,
): Record<string, string | Date | null> {
  const out: Record<string, string | Date | null> = {};
  for (const side of ['Public', 'Private'] as LineSide[]) {
    const materialKey = `serviceLine${side}` as const;
    const sourceKey = `serviceLine${side}Source` as const;
    const dayKey = `serviceLine${side}VerifiedOn` as const;
    const material = input[materialKey] ?? before?.[materialKey] ?? 'LEAD_STATUS_UNKNOWN';
    const changed =
      before !== null && input[materialKey] !== undefined && input[materialKey] !== before[materialKey];
    const keep = before !== null && !changed;
    const source = input[sourceKey] !== undefined ? input[sourceKey] : keep ? before[sourceKey] : null;
    const verifiedOn = input[dayKey] !== undefined ? input[dayKey] : keep ? isoDay(before[dayKey]) : null;
    const problem = verificationProblem({ material, source, verifiedOn }, utilityDate());
    if (problem) {
      const field = problem.field === 'source' ? sourceKey : dayKey;
      throw invalid(field, `${field}: ${problem.message}`);
    }
    out[sourceKey] = source;
    out[dayKey] = day(verifiedOn) ?? null;
  }
  return out;
}

/** A premise as the API shows it: verification days as YYYY-MM-DD. */
export const premiseView = <P extends Premise>(p: P) => ({
  ...p,
  serviceLinePublicVerifiedOn: isoDay(p.serviceLinePublicVerifiedOn),
  serviceLinePrivateVerifiedOn: isoDay(p.serviceLinePrivateVerifiedOn),
});

export async function createPremise(db: Db, actor: Actor, input: z.infer<typeof ZPremiseCreate>) {
  const { reason, ...given } = input;
  const fields = { ...given, ...serviceLineVerification(given, null) };
  const jurisdictionProfile = fields.jurisdictionProfile ?? defaultPolicyProfile(fields.state);
  if (!jurisdictionProfile)
    throw invalid(
      'jurisdictionProfile',
      `jurisdictionProfile: required for a premise in ${fields.state}; no preset is named for that state (${PROFILE_CODES.join(', ')})`,
    );
  return premiseView(
    await createRecord(
      db,
      actor,
      premiseKind,
      async (tx) =>
        tx.premise.create({
          data: {
            ...fields,
            id: fields.id ?? `P${await nextNumber(tx, 'premise')}`,
            jurisdictionProfile,
          },
        }),
      reason,
    ),
  );
}

export async function updatePremise(db: Db, actor: Actor, id: string, input: z.infer<typeof ZPremiseUpdate>) {
  const { reason, ...fields } = input;
  return premiseView(
    await updateRecord(
      db,
      actor,
      premiseKind,
      id,
      (tx) => tx.premise.findUnique({ where: { id } }),
      (tx, before) =>
        tx.premise.update({ where: { id }, data: { ...fields, ...serviceLineVerification(fields, before) } }),
      reason,
    ),
  );
}

export async function getPremise(db: Db, id: string) {
  const p = await db.premise.findUnique({
    where: { id },
    include: {
      servicePoints: { include: { meters: true } },
      accounts: { select: { id: true, status: true, customerId: true } },
    },
  });
  if (!p) throw notFound('Premise', id);
  return premiseView(p);
}

export async function listPremises(db: Db, p: { limit: number; offset: number; q?: string | undefined }) {
  const where = p.q
    ? { OR: [{ serviceAddress: { contains: p.q, mode: 'insensitive' as const } }, { id: p.q }, { zip: p.q }] }
    : {};
  const [items, total] = await Promise.all([
    db.premise.findMany({ where, orderBy: { id: 'asc' }, take: p.limit, skip: p.offset }),
    db.premise.count({ where }),
  ]);
  return { items: items.map(premiseView), total, limit: p.limit, offset: p.offset };
}

// ---- accounts --------------------------------------------------------------------------------

export const accountView = (a: Account) => ({
  ...a,
  startDate: isoDay(a.startDate),
  endDate: isoDay(a.endDate),
  criticalCareFrom: isoDay(a.criticalCareFrom),
  criticalCareUntil: isoDay(a.criticalCareUntil),
});

const accountKind: RecordKind<Account> = {
  entityType: 'account',
  label: 'Account',
  accountIdOf: (a) => a.id,
  auditView: accountView,
  timeline: {
    created: (a) => `Account opened for customer ${a.customerId} at premise ${a.premiseId}`,
    updated: (_a, changed) => `Account updated: ${changed.join(', ')}`,
  },
};

export async function createAccount(db: Db, actor: Actor, input: z.infer<typeof ZAccountCreate>) {
  const { reason, startDate, endDate, deposit, ...fields } = input;
  if (endDate && endDate < startDate) throw invalid('endDate', 'endDate: must not be before startDate');
  let assessment: DepositAssessmentResult | null = null;
  const row = await createRecord(
    db,
    actor,
    accountKind,
    async (tx) => {
      await mustExist(
        await tx.customer.findUnique({ where: { id: fields.customerId }, select: { id: true } }),
        'customerId',
        'Customer',
        fields.customerId,
      );
      await mustExist(
        await tx.premise.findUnique({ where: { id: fields.premiseId }, select: { id: true } }),
        'premiseId',
        'Premise',
        fields.premiseId,
      );
      const account = await tx.account.create({
        data: {
          ...fields,
          id: fields.id ?? String(await nextNumber(tx, 'account')),
          startDate: day(startDate)!,
          endDate: day(endDate) ?? null,
        },
      });
      // The deposit is decided with the account, in the same transaction: required (and billed)
      // or waived, with the rule's reason. A customer with earlier accounts is not new.
      if (deposit && (account.status === 'ACTIVE' || account.status === 'PENDING')) {
        const earlier = await tx.account.count({
          where: { customerId: account.customerId, id: { not: account.id } },
        });
        const estimate =
          deposit.estimatedAnnualBillingCents !== undefined
            ? BigInt(deposit.estimatedAnnualBillingCents)
            : await typicalAnnualBilling(tx, account.class);
        // No estimate at all (a utility with no bills of the class yet) is still a decision: the
        // rule waives it (NO_ESTIMATED_BILLING) with its reason, so every account asked about has
        // its deposit on record rather than none.
        assessment = await assessDeposit(tx, {
          accountId: account.id,
          estimatedAnnualBillingCents: estimate ?? 0n,
          newCustomer: earlier === 0,
          satisfactoryHistory: deposit.satisfactoryHistory,
          effectiveDate: startDate,
          idempotencyKey: `account:${account.id}:deposit`,
          actor,
        });
      }
      return account;
    },
    reason,
  );
  // Service starting without a work order (the meter already on) is a service start all the same:
  // the new customer gets the lead service-line notice where the line requires it (by mail: the
  // API sends no email; the register keeps it to one, whichever start sends it first).
  if (row.status === 'ACTIVE')
    await sendLeadNotice(
      { db },
      { accountId: row.id, occasion: { kind: 'START', startDate }, at: new Date(), actor },
    );
  return { ...accountView(row), deposit: assessment };
}

export async function updateAccount(db: Db, actor: Actor, id: string, input: z.infer<typeof ZAccountUpdate>) {
  const { reason, endDate, thirdParty, ...fields } = input;
  const designee =
    thirdParty === undefined
      ? {}
      : {
          thirdPartyName: thirdParty?.name ?? null,
          thirdPartyEmail: thirdParty?.email ?? null,
          thirdPartyAddress: thirdParty?.address ?? null,
        };
  const row = await updateRecord(
    db,
    actor,
    accountKind,
    id,
    (tx) => tx.account.findUnique({ where: { id } }),
    (tx, before) => {
      const end = day(endDate);
      if (end && end < before.startDate)
        throw invalid('endDate', 'endDate: must not be before the account start date');
      return tx.account.update({
        where: { id },
        data: { ...fields, ...designee, ...(end !== undefined ? { endDate: end } : {}) },
      });
    },
    reason,
  );
  return accountView(row);
}

export async function getAccount(db: Db, key: Buffer, id: string) {
  const a = await db.account.findUnique({
    where: { id },
    include: { customer: true, premise: { include: { servicePoints: { include: { meters: true } } } } },
  });
  if (!a) throw notFound('Account', id);
  const { customer, premise, ...account } = a;
  return { ...accountView(account), customer: customerView(customer, key), premise };
}

export async function listAccounts(db: Db, p: { limit: number; offset: number; q?: string | undefined }) {
  const where = p.q ? { OR: [{ id: p.q }, { customerId: p.q }, { premiseId: p.q }] } : {};
  const [items, total] = await Promise.all([
    db.account.findMany({ where, orderBy: { id: 'asc' }, take: p.limit, skip: p.offset }),
    db.account.count({ where }),
  ]);
  return { items: items.map(accountView), total, limit: p.limit, offset: p.offset };
}

// ---- meters ----------------------------------------------------------------------------------

export const meterView = (m: Meter) => ({
  ...m,
  installedOn: isoDay(m.installedOn),
  removedOn: isoDay(m.removedOn),
});
const meterKind: RecordKind<Meter> = { entityType: 'meter', label: 'Meter', auditView: meterView };

export async function createMeter(db: Db, actor: Actor, input: z.infer<typeof ZMeterCreate>) {
  const { reason, premiseId, installedOn, ...fields } = input;
  const row = await createRecord(
    db,
    actor,
    meterKind,
    async (tx) => {
      await mustExist(
        await tx.premise.findUnique({ where: { id: premiseId }, select: { id: true } }),
        'premiseId',
        'Premise',
        premiseId,
      );
      // A meter hangs off the premise's service point for its service; the first meter creates it.
      const sp = await tx.servicePoint.upsert({
        where: { premiseId_service: { premiseId, service: fields.service } },
        create: { id: `SP-${premiseId}-${fields.service}`, premiseId, service: fields.service },
        update: {},
      });
      return tx.meter.create({
        data: { ...fields, servicePointId: sp.id, installedOn: day(installedOn) ?? null },
      });
    },
    reason,
  );
  return meterView(row);
}

export async function updateMeter(db: Db, actor: Actor, id: string, input: z.infer<typeof ZMeterUpdate>) {
  const { reason, removedOn, ...fields } = input;
  const row = await updateRecord(
    db,
    actor,
    meterKind,
    id,
    (tx) => tx.meter.findUnique({ where: { id } }),
    (tx, before) => {
      if (before.service === 'WATER' && fields.size === null)
        throw invalid('size', 'size: a water meter needs its size');
      const removed = day(removedOn);
      return tx.meter.update({
        where: { id },
        data: { ...fields, ...(removed !== undefined ? { removedOn: removed } : {}) },
      });
    },
    reason,
  );
  return meterView(row);
}

export async function getMeter(db: Db, id: string) {
  const m = await db.meter.findUnique({ where: { id }, include: { servicePoint: true } });
  if (!m) throw notFound('Meter', id);
  return { ...meterView(m), premiseId: m.servicePoint.premiseId };
}

export async function listMeters(db: Db, p: { limit: number; offset: number; q?: string | undefined }) {
  const where = p.q ? { OR: [{ id: p.q }, { amiEndpoint: p.q }, { servicePoint: { premiseId: p.q } }] } : {};
  const [items, total] = await Promise.all([
    db.meter.findMany({ where, orderBy: { id: 'asc' }, take: p.limit, skip: p.offset }),
    db.meter.count({ where }),
  ]);
  return { items: items.map(meterView), total, limit: p.limit, offset: p.offset };
}

async function mustExist(row: unknown, field: string, label: string, id: string): Promise<void> {
  if (!row) throw invalid(field, `${field}: ${label} ${id} does not exist`);
}

/**
 * Twelve times the median issued bill of the class over the last year: the estimated annual
 * billing of a new account without one of its own. Null when the utility has no bills yet.
 */
async function typicalAnnualBilling(tx: Tx, accountClass: 'RES' | 'COM'): Promise<bigint | null> {
  const rows = await tx.$queryRaw<{ median: string | null }[]>`
    SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY b.total_cents)::text AS median
    FROM bill b JOIN account a ON a.id = b.account_id
    WHERE b.status = 'ISSUED' AND b.kind = 'REGULAR' AND a.class = ${accountClass}::"AccountClass"
      AND b.bill_date >= now() - interval '1 year'`;
  const median = rows[0]?.median;
  return median ? BigInt(median) * 12n : null;
}
