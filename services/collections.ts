// The facts a collections case is judged on, recorded by representatives through the API —
// medical certificates, disputes, supervisor holds, household income, contacts — and the case's
// wake-up: every change signals the account's open case, which re-asks the policy evaluator. A
// protection that arrives while a disconnect order is out cancels the order (see the workflow).
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, SYSTEM_ACTOR, type Actor } from '../lib/audit';
import { AppError, invalid, notFound } from '../lib/errors';
import { clientKeyFor } from '../lib/idempotency';
import type { MedicalCertificate as MedicalCertificateRow, Prisma } from '@prisma/client';
import {
  medicalConditionsUnmet,
  PROFILE_CODES,
  type Certifier,
  type MedicalCertificate,
  type PolicyProfile,
  incomeChangeQualifies,
} from '../domain/collections';
import { addCountedDays } from '../domain/collections/calendar';
import { addDays, addMonths, isoDateIn } from '../domain/ledger/dates';
import { AFFIDAVIT_FILED, caseService, profileFor } from './collections-snapshot';
import { crewActedAt } from './service-orders';
import { isHeatingCustomer } from '../domain/collections/heating';
import { pastDue } from '../domain/ledger/aging';
import { loadEntries, toDomainEntry, UTILITY_TIME_ZONE } from './ledger';
import {
  caseStateQuery,
  collectionsWorkflowId,
  factsChangedSignal,
  requestArrangementUpdate,
  type ArrangementAnswer,
} from '../workflows/collections-case';

export interface CaseDeps {
  db: Db;
  temporal: Client;
  /** The clock rules are judged by (the workflows' clock); default: the system clock. */
  now?: () => Promise<Date>;
}

async function openEpisodes(db: Db, accountId: string) {
  return db.collectionsEpisode.findMany({
    where: { accountId, closedAt: null },
    orderBy: { episode: 'asc' },
  });
}

async function mustHaveAccount(db: Db, accountId: string) {
  const a = await db.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!a) throw notFound('Account', accountId);
}

/** Whether a collections action is on record under this idempotency key. */
const actionRecorded = async (db: Db, key: string) =>
  Boolean(await db.collectionsAction.findUnique({ where: { idempotencyKey: key }, select: { id: true } }));

/** Tells the account's open case(s) that the facts changed; no open case is no error. */
export async function wakeCases(
  d: CaseDeps,
  accountId: string,
  reason: string,
  by?: string,
): Promise<number> {
  let woken = 0;
  for (const e of await openEpisodes(d.db, accountId)) {
    try {
      await d.temporal.workflow
        .getHandle(e.workflowId)
        .signal(factsChangedSignal, { reason, ...(by ? { by } : {}) });
      woken++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return woken;
}

/** Wakes every open case at a premise in the given service areas (the weather there changed). */
export async function wakeCasesInAreas(d: CaseDeps, serviceAreas: string[]): Promise<number> {
  if (serviceAreas.length === 0) return 0;
  const open = await d.db.collectionsEpisode.findMany({
    where: { closedAt: null, accountId: { in: await accountsIn(d.db, serviceAreas) } },
    select: { accountId: true },
  });
  let woken = 0;
  for (const accountId of new Set(open.map((e) => e.accountId)))
    woken += await wakeCases(d, accountId, 'weather');
  return woken;
}

async function accountsIn(db: Db, serviceAreas: string[]): Promise<string[]> {
  const rows = await db.account.findMany({
    where: { premise: { serviceArea: { in: serviceAreas } } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

async function pastDueOn(db: Db, accountId: string, at: Date): Promise<bigint> {
  const today = isoDateIn(at, UTILITY_TIME_ZONE);
  const entries = (await loadEntries(db, accountId)).map(toDomainEntry);
  return pastDue(entries, today);
}

/** A stored certificate as the rules read it. */
export function certificateOf(m: MedicalCertificateRow): MedicalCertificate {
  return {
    receivedAt: m.receivedAt.toISOString(),
    validUntil: m.validUntil.toISOString().slice(0, 10),
    kind: m.kind as MedicalCertificate['kind'],
    renewalNumber: m.renewalNumber,
    arrearsCents: m.arrearsCents,
    ...(m.writtenFollowUpBy ? { writtenFollowUpBy: m.writtenFollowUpBy.toISOString().slice(0, 10) } : {}),
    certifier: m.certifier as Certifier,
    inabilityToPay: m.inabilityToPay,
    agreesToPlan: m.agreesToPlan,
  };
}

/** The last day a phone certificate's written confirmation may arrive. */
function phoneFollowUpDue(
  profile: PolicyProfile,
  phone: MedicalCertificate,
  followUp: { days: number; dayCount: 'CALENDAR' | 'BUSINESS' },
): string {
  const due = addCountedDays(
    profile,
    isoDateIn(new Date(phone.receivedAt), profile.timeZone),
    followUp.days,
    followUp.dayCount,
  );
  return phone.writtenFollowUpBy && phone.writtenFollowUpBy > due ? phone.writtenFollowUpBy : due;
}

export async function recordMedicalCertificate(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: {
    kind: 'PHONE' | 'WRITTEN';
    validUntil: string;
    certifiedBy: string;
    receivedAt?: string;
    writtenFollowUpBy?: string;
    certifier?: Certifier;
    inabilityToPay?: boolean;
    agreesToPlan?: boolean;
  },
) {
  const account = await d.db.account.findUnique({
    where: { id: accountId },
    select: { premise: { select: { jurisdictionProfile: true } } },
  });
  if (!account) throw notFound('Account', accountId);
  const receivedAt = input.receivedAt ? new Date(input.receivedAt) : new Date();
  if (input.validUntil < receivedAt.toISOString().slice(0, 10))
    throw new AppError(
      'validation_failed',
      'validUntil: must not be before the day the certificate was received',
      'validUntil',
    );
  const arrears = await pastDueOn(d.db, accountId, receivedAt); // the arrears when it came in
  // Renewals are counted within the open collections episode, the stretch of the same unpaid
  // arrearage: the first certificate in it freezes the arrears, every later one renews it and
  // keeps that figure. Unpaid current bills make the arrears grow past it, and then only
  // `maxRenewalsSameArrears` renewals protect (PA: two, 52 Pa. Code §56.114). Outside an episode
  // a certificate starts afresh.
  const episode = await d.db.collectionsEpisode.findFirst({
    where: { accountId, closedAt: null },
    orderBy: { openedAt: 'desc' },
    select: { openedAt: true, disconnectedAt: true, reconnectedAt: true },
  });
  // What the profile asks of a certificate besides its dates (the profile in force today); one
  // that falls short is still on record (and on the timeline), saying why it does not protect.
  const code = account.premise.jurisdictionProfile;
  const today = isoDateIn(d.now ? await d.now() : new Date(), UTILITY_TIME_ZONE);
  const profile = (PROFILE_CODES as readonly string[]).includes(code) ? profileFor(code, today) : null;
  const rule = profile?.medical ?? null;
  const shortfall = (c: MedicalCertificate) => (rule ? medicalConditionsUnmet(rule, c) : []);
  // Only certificates that met the rule make the chain: an entry that fell short neither freezes
  // the arrears nor uses up a renewal.
  const chain = (
    episode
      ? await d.db.medicalCertificate.findMany({
          where: { accountId, receivedAt: { gte: episode.openedAt } },
          orderBy: { receivedAt: 'asc' },
        })
      : []
  )
    .map(certificateOf)
    .filter((c) => shortfall(c).length === 0);
  // A written certificate confirms the phone one before it, when it arrives by the phone one's
  // due date where the rule sets one (NY: 5 business days, IL: 7 days): the same certification,
  // not a renewal.
  const last = chain.at(-1);
  const receivedOn = isoDateIn(receivedAt, profile?.timeZone ?? UTILITY_TIME_ZONE);
  const followUp = rule?.phoneFollowUp;
  // Where the rule sets no follow-up time, a written certificate after a phone one confirms it.
  const confirms =
    input.kind === 'WRITTEN' &&
    last?.kind === 'PHONE' &&
    (!followUp || receivedOn <= phoneFollowUpDue(profile!, last, followUp));
  const renewalNumber = !last ? 0 : confirms ? last.renewalNumber : last.renewalNumber + 1;
  const frozenArrears = chain[0]?.arrearsCents ?? arrears;
  const unmet = shortfall({
    receivedAt: receivedAt.toISOString(),
    validUntil: input.validUntil,
    kind: input.kind,
    renewalNumber,
    arrearsCents: frozenArrears,
    ...(input.certifier ? { certifier: input.certifier } : {}),
    inabilityToPay: input.inabilityToPay ?? false,
    agreesToPlan: input.agreesToPlan ?? false,
  });
  // Service already off comes back only on a certificate received within the rule's window after
  // the disconnection (IL: 14 days); a later one is on record but restores nothing.
  const window = rule?.restoresWithinDaysOfDisconnection ?? null;
  if (window !== null && episode?.disconnectedAt && !episode.reconnectedAt) {
    const offOn = isoDateIn(episode.disconnectedAt, profile!.timeZone);
    // A written certificate confirming a phone one is judged by the phone one's day.
    const certifiedOn =
      confirms && last ? isoDateIn(new Date(last.receivedAt), profile!.timeZone) : receivedOn;
    if (certifiedOn > addDays(offOn, window))
      unmet.push(
        `received more than ${window} days after the disconnection on ${offOn}: it does not restore the service`,
      );
  }
  const row = await d.db.$transaction(async (tx) => {
    const c = await tx.medicalCertificate.create({
      data: {
        accountId,
        receivedAt,
        validUntil: new Date(`${input.validUntil}T00:00:00Z`),
        kind: input.kind,
        renewalNumber,
        arrearsCents: frozenArrears,
        certifiedBy: input.certifiedBy,
        certifier: input.certifier ?? 'PHYSICIAN',
        inabilityToPay: input.inabilityToPay ?? false,
        agreesToPlan: input.agreesToPlan ?? false,
        writtenFollowUpBy: input.writtenFollowUpBy ? new Date(`${input.writtenFollowUpBy}T00:00:00Z`) : null,
        recordedBy: actor.id,
      },
    });
    await recordChange(
      tx,
      actor,
      {
        action: 'collections.medical-certificate',
        entityType: 'medical_certificate',
        entityId: c.id,
        accountId,
        after: { ...c, arrearsCents: c.arrearsCents.toString() },
      },
      {
        kind: 'collections.medical',
        summary: `Medical certificate (${input.kind.toLowerCase()}) from ${input.certifiedBy}, valid until ${input.validUntil}${renewalNumber ? `, renewal ${renewalNumber}` : ''}${unmet.length && rule ? `: does not protect (${unmet.join('; ')}; ${rule.cite})` : ''}`,
        data: { certificateId: c.id },
      },
    );
    return c;
  });
  await wakeCases(d, accountId, 'medical', actor.id);
  return {
    ...row,
    arrearsCents: row.arrearsCents.toString(),
    protects: unmet.length === 0,
    unmet,
    rule: rule ? { code: rule.code, cite: rule.cite } : null,
  };
}

export async function openDispute(d: CaseDeps, actor: Actor, accountId: string, input: { summary: string }) {
  await mustHaveAccount(d.db, accountId);
  const row = await d.db.$transaction(async (tx) => {
    const r = await tx.dispute.create({
      data: { accountId, openedAt: new Date(), summary: input.summary, openedBy: actor.id },
    });
    await recordChange(
      tx,
      actor,
      {
        action: 'collections.dispute.open',
        entityType: 'dispute',
        entityId: r.id,
        accountId,
        after: r,
        reason: input.summary,
      },
      { kind: 'collections.dispute', summary: `Dispute opened: ${input.summary}`, data: { disputeId: r.id } },
    );
    return r;
  });
  await wakeCases(d, accountId, 'dispute', actor.id);
  return row;
}

export async function resolveDispute(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  disputeId: string,
  input: { resolution: string },
) {
  const row = await d.db.$transaction(async (tx) => {
    const before = await tx.dispute.findFirst({ where: { id: disputeId, accountId } });
    if (!before) throw notFound('Dispute', disputeId);
    if (before.resolvedAt) throw new AppError('conflict', `Dispute ${disputeId} is already resolved`);
    const r = await tx.dispute.update({
      where: { id: disputeId },
      data: { resolvedAt: new Date(), resolution: input.resolution, resolvedBy: actor.id },
    });
    await recordChange(
      tx,
      actor,
      {
        action: 'collections.dispute.resolve',
        entityType: 'dispute',
        entityId: r.id,
        accountId,
        before,
        after: r,
        reason: input.resolution,
      },
      {
        kind: 'collections.dispute.resolved',
        summary: `Dispute resolved: ${input.resolution}`,
        data: { disputeId: r.id },
      },
    );
    return r;
  });
  await wakeCases(d, accountId, 'dispute', actor.id);
  return row;
}

/** A supervisor's hold on (or release of) the account's open collections episode. */
export async function setHold(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: { hold: boolean; reason: string },
) {
  await mustHaveAccount(d.db, accountId);
  const episodes = await openEpisodes(d.db, accountId);
  if (episodes.length === 0)
    throw new AppError('conflict', `Account ${accountId} has no open collections case`);
  await d.db.$transaction(async (tx) => {
    for (const e of episodes) {
      if (input.hold === Boolean(e.holdSince))
        throw new AppError(
          'conflict',
          input.hold ? 'The case is already on hold' : 'The case is not on hold',
        );
      await tx.collectionsEpisode.update({
        where: { accountId_episode: { accountId, episode: e.episode } },
        data: input.hold
          ? { holdSince: new Date(), holdReason: input.reason, holdBy: actor.id }
          : { holdSince: null, holdReason: null, holdBy: null },
      });
      await recordChange(
        tx,
        actor,
        {
          action: input.hold ? 'collections.hold' : 'collections.release',
          entityType: 'collections_episode',
          entityId: `${accountId}:${e.episode}`,
          accountId,
          reason: input.reason,
        },
        {
          kind: input.hold ? 'collections.hold' : 'collections.release',
          summary: `${input.hold ? 'Supervisor hold' : 'Hold released'}: ${input.reason}`,
          data: { episode: e.episode },
        },
      );
    }
  });
  await wakeCases(d, accountId, 'hold', actor.id);
  return { accountId, held: input.hold, episodes: episodes.map((e) => e.episode) };
}

export async function setIncome(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: { incomePctFpl: number; verifiedOn: string | null },
) {
  await mustHaveAccount(d.db, accountId);
  // Judged by the rules' clock, as the decisions the date feeds are.
  if (input.verifiedOn && input.verifiedOn > isoDateIn(d.now ? await d.now() : new Date(), UTILITY_TIME_ZONE))
    throw new AppError('validation_failed', 'verifiedOn: must not be in the future', 'verifiedOn');
  await d.db.$transaction(async (tx) => {
    const before = await tx.account.findUniqueOrThrow({
      where: { id: accountId },
      select: { incomePctFpl: true, incomeVerifiedOn: true, incomeDecreasedOn: true },
    });
    // A verified fall large enough to be a change in income (66 Pa.C.S. §1403) is dated: it lets a
    // customer who defaulted on a payment agreement have a new one (§1405(d)).
    const decreased =
      input.verifiedOn !== null &&
      incomeChangeQualifies(
        before.incomePctFpl === null ? null : Number(before.incomePctFpl),
        input.incomePctFpl,
      );
    await tx.account.update({
      where: { id: accountId },
      data: {
        incomePctFpl: input.incomePctFpl,
        incomeVerifiedOn: input.verifiedOn ? new Date(`${input.verifiedOn}T00:00:00Z`) : null,
        ...(decreased ? { incomeDecreasedOn: new Date(`${input.verifiedOn}T00:00:00Z`) } : {}),
      },
    });
    await recordChange(
      tx,
      actor,
      {
        action: 'account.income',
        entityType: 'account',
        entityId: accountId,
        accountId,
        before,
        after: { ...input, ...(decreased ? { incomeDecreasedOn: input.verifiedOn } : {}) },
      },
      {
        kind: 'collections.income',
        summary:
          `Household income recorded: ${input.incomePctFpl}% of the poverty level${input.verifiedOn ? `, verified ${input.verifiedOn}` : ' (not verified)'}` +
          (decreased ? ': a change in income (66 Pa.C.S. §1403)' : ''),
        data: input,
      },
    );
  });
  await wakeCases(d, accountId, 'income', actor.id);
  return { accountId, ...input };
}

/**
 * An account, 404 when there is none, with what each collections action row records of it: the
 * service its case is about, its class, whether it is a heating customer (the case's own rule: an
 * electric-and-gas account heated by gas is one, though its case is about electric), and its ZIP.
 */
async function actionAccount(db: Db | Tx, accountId: string) {
  const account = await db.account.findUnique({
    where: { id: accountId },
    include: {
      premise: { include: { servicePoints: { where: { active: true }, select: { service: true } } } },
    },
  });
  if (!account) throw notFound('Account', accountId);
  const services = account.premise.servicePoints.map((s) => s.service as string);
  const facets = {
    service: caseService(services),
    customerClass: account.class,
    heating: isHeatingCustomer(account.premise.heating, services),
    zip: account.premise.zip,
  };
  return { account, facets };
}

/**
 * A representative's own contact before a disconnection (phone or in person): with the customer,
 * or with the emergency contact a critical-care designation names.
 */
export async function recordContact(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: {
    method: 'PHONE' | 'IN_PERSON';
    outcome: 'REACHED' | 'NOT_REACHED';
    recipient?: 'CUSTOMER' | 'EMERGENCY_CONTACT';
    at?: string;
    note?: string;
    requestKey: string;
  },
) {
  const recipient = input.recipient ?? 'CUSTOMER';
  const [e] = await openEpisodes(d.db, accountId);
  if (!e) throw new AppError('conflict', `Account ${accountId} has no open collections case`);
  const { account, facets } = await actionAccount(d.db, accountId);
  if (recipient === 'EMERGENCY_CONTACT' && !account.emergencyContactName)
    throw invalid(
      'recipient',
      `recipient: account ${accountId} has no critical-care designation naming an emergency contact`,
    );
  const at = input.at ? new Date(input.at) : new Date();
  const key = await clientKeyFor(
    `collections:${accountId}:${e.episode}:contact:rep:${recipient === 'EMERGENCY_CONTACT' ? 'emergency:' : ''}`,
    actor.id,
    input.requestKey,
    (legacy) => actionRecorded(d.db, legacy),
  );
  await d.db.$transaction(async (tx) => {
    const r = await tx.collectionsAction.createMany({
      data: [
        {
          accountId,
          episode: e.episode,
          kind: 'CONTACT_ATTEMPT',
          method: input.method,
          occurredAt: at,
          profile: e.profile ?? account.premise.jurisdictionProfile,
          ...facets,
          idempotencyKey: key,
          data: {
            outcome: input.outcome,
            note: input.note ?? null,
            by: actor.id,
            ...(recipient === 'EMERGENCY_CONTACT' ? { recipientRole: recipient } : {}),
          },
        },
      ],
      skipDuplicates: true,
    });
    if (r.count === 0) return;
    await recordChange(
      tx,
      actor,
      {
        action: 'collections.contact',
        entityType: 'collections_episode',
        entityId: `${accountId}:${e.episode}`,
        accountId,
        after: input,
      },
      {
        kind: 'collections.contact',
        summary: `${input.method === 'PHONE' ? 'Phone call' : 'Visit'} before disconnection: ${input.outcome === 'REACHED' ? `${recipient === 'EMERGENCY_CONTACT' ? 'emergency contact' : 'customer'} reached` : `${recipient === 'EMERGENCY_CONTACT' ? 'emergency contact ' : ''}not reached`}${input.note ? ` (${input.note})` : ''}`,
        data: { method: input.method, outcome: input.outcome, recipient },
      },
    );
  });
  await wakeCases(d, accountId, 'contact', actor.id);
  return { accountId, episode: e.episode, ...input, recipient, at: at.toISOString() };
}

/**
 * An affidavit the utility filed with the regulator ahead of a termination — Maryland: with the
 * Public Service Commission at least 24 hours before a residential termination from November 1
 * through March 31 (COMAR 20.31.03.03A). It is filed outside the system and recorded here for the
 * account's open collections case, as a collections action of its own (filed at `filedAt`), audited
 * and on the timeline; the case is woken to ask the rules again. Once per Idempotency-Key: a retry
 * records nothing more and answers with the affidavit as first recorded; another affidavit under
 * the same key is a conflict. Recorded whatever the profile says; the answer names the rule that
 * asks for it, or none.
 */
export async function recordAffidavit(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: { filedAt: string; reference: string; requestKey: string },
) {
  const { account, facets } = await actionAccount(d.db, accountId);
  const now = d.now ? await d.now() : new Date();
  const filedAt = new Date(input.filedAt);
  if (filedAt.getTime() > now.getTime()) throw invalid('filedAt', 'filedAt: must not be in the future');
  const [e] = await openEpisodes(d.db, accountId);
  if (!e) throw new AppError('conflict', `Account ${accountId} has no open collections case`);
  const code = e.profile ?? account.premise.jurisdictionProfile;
  const today = isoDateIn(now, UTILITY_TIME_ZONE);
  const rule = (PROFILE_CODES as readonly string[]).includes(code)
    ? profileFor(code, today).winterAffidavit
    : null;
  const key = await clientKeyFor(
    `collections:${accountId}:${e.episode}:affidavit:`,
    actor.id,
    input.requestKey,
    (legacy) => actionRecorded(d.db, legacy),
  );
  const { row, replayed } = await d.db.$transaction(async (tx) => {
    const r = await tx.collectionsAction.createMany({
      data: [
        {
          accountId,
          episode: e.episode,
          kind: AFFIDAVIT_FILED,
          occurredAt: filedAt,
          profile: code,
          ...facets,
          idempotencyKey: key,
          data: { reference: input.reference, by: actor.id },
        },
      ],
      skipDuplicates: true,
    });
    const stored = await tx.collectionsAction.findUniqueOrThrow({ where: { idempotencyKey: key } });
    if (r.count === 0) return { row: stored, replayed: true };
    await recordChange(
      tx,
      actor,
      {
        action: 'collections.affidavit',
        entityType: 'collections_action',
        entityId: stored.id.toString(),
        accountId,
        after: { episode: e.episode, filedAt: filedAt.toISOString(), reference: input.reference },
      },
      {
        kind: 'collections.affidavit',
        summary: `Termination affidavit filed with ${rule?.filedWith ?? 'the regulator'} ${filedAt.toISOString()}: ${input.reference}${rule ? ` (${rule.cite})` : " (the account's policy profile asks for none)"}`,
        data: { episode: e.episode, filedAt: filedAt.toISOString(), reference: input.reference },
      },
    );
    return { row: stored, replayed: false };
  });
  const stored = (row.data ?? {}) as { reference?: string; by?: string };
  if (replayed && (row.occurredAt.getTime() !== filedAt.getTime() || stored.reference !== input.reference))
    throw new AppError(
      'conflict',
      `Idempotency-Key ${input.requestKey} already recorded another affidavit (filed ${row.occurredAt.toISOString()}, ${stored.reference ?? ''})`,
    );
  await wakeCases(d, accountId, 'affidavit', actor.id);
  return {
    id: row.id.toString(),
    accountId,
    episode: e.episode,
    filedAt: row.occurredAt.toISOString(),
    reference: stored.reference ?? input.reference,
    recordedBy: stored.by ?? actor.id,
    replayed,
    rule: rule ? { code: rule.code, cite: rule.cite, season: rule.season, leadHours: rule.leadHours } : null,
  };
}

/** The episode of a compliance action no collections case took (a field order opened by hand). */
export const NO_CASE_EPISODE = 0;

/**
 * A disconnection or reconnection done on an order no collections case opened (POST
 * /service-orders: a safety shut-off, a customer's request, a supervisor's decision) is still a
 * termination or a restoration the regulatory reports count — PA §56.231(a)(16) asks for
 * terminations for reasons other than nonpayment. Recorded once per order, cause OTHER (the order
 * says no more; its reason is kept), under episode 0 (no case), at the crew's act; in the caller's
 * transaction, with the order's completion. A crew that could not get to the meter did nothing.
 *
 * A reconnection by hand also ends an open case's disconnection (reconnectedAt), as the case's own
 * reconnection would: service is on, so the case must not wait as if it were off, nor send a crew
 * to restore it again once the customer pays. The case is not charged a reconnection fee for it:
 * whoever ordered it by hand decides that (a reconnection in error is free). The caller wakes the
 * case after commit (caseReconnectedByHand says whether to).
 */
export async function recordOrderAction(
  tx: Tx,
  order: {
    id: string;
    accountId: string;
    type: string;
    reason: string;
    collectionsWorkflowId: string | null;
    details?: unknown;
  },
  completion: { outcome: string; crewId?: string; readAt?: string | null },
  reportedAt: Date,
): Promise<boolean> {
  if (!actedByHand(order, completion)) return false;
  if (order.type !== 'DISCONNECT' && order.type !== 'RECONNECT') return false;
  const { account, facets } = await actionAccount(tx, order.accountId);
  const r = await tx.collectionsAction.createMany({
    data: [
      {
        accountId: order.accountId,
        episode: NO_CASE_EPISODE,
        kind: order.type,
        method: 'FIELD',
        cause: 'OTHER',
        occurredAt: crewActedAt(completion, reportedAt),
        profile: account.premise.jurisdictionProfile,
        ...facets,
        idempotencyKey: `service-order:${order.id}:action`,
        data: {
          orderId: order.id,
          reason: order.reason,
          outcome: completion.outcome,
          // Why service went off by hand (SAFETY, TAMPERING, CUSTOMER_REQUEST): never nonpayment.
          ...(order.type === 'DISCONNECT'
            ? {
                disconnectCause:
                  (order.details as { disconnectCause?: string } | null)?.disconnectCause ?? null,
              }
            : {}),
        },
      },
    ],
    skipDuplicates: true,
  });
  if (r.count === 1 && order.type === 'RECONNECT')
    await endCaseDisconnection(tx, order, crewActedAt(completion, reportedAt));
  return r.count === 1;
}

/** A manual reconnection restores service a case holds disconnected; see recordOrderAction. */
async function endCaseDisconnection(
  tx: Tx,
  order: { id: string; accountId: string; reason: string },
  actedAt: Date,
): Promise<void> {
  const held = await tx.collectionsEpisode.findMany({
    where: {
      accountId: order.accountId,
      closedAt: null,
      reconnectedAt: null,
      disconnectedAt: { not: null, lte: actedAt },
    },
    select: { episode: true, disconnectedAt: true },
  });
  for (const e of held) {
    await tx.collectionsEpisode.updateMany({
      where: { accountId: order.accountId, episode: e.episode, reconnectedAt: null },
      data: { reconnectedAt: actedAt },
    });
    await recordChange(
      tx,
      SYSTEM_ACTOR,
      {
        action: 'collections.reconnect',
        entityType: 'collections_episode',
        entityId: `${order.accountId}:${e.episode}`,
        accountId: order.accountId,
        before: { disconnectedAt: e.disconnectedAt!.toISOString(), reconnectedAt: null },
        after: { orderId: order.id, reconnectedAt: actedAt.toISOString(), orderedByHand: true },
        reason: `Reconnected on order ${order.id}, opened by hand: ${order.reason}`,
      },
      {
        kind: 'collections.reconnect',
        occurredAt: actedAt,
        summary: `Service reconnected on order ${order.id} (opened by hand): the collections case's disconnection ends; no reconnection charge is added`,
        data: { orderId: order.id, episode: e.episode, orderedByHand: true },
      },
    );
  }
}

/**
 * Whether a completed order is a reconnection by hand that may have ended a case's disconnection:
 * its case is woken so it stops waiting as if service were off. Judged from the order alone, so a
 * retried completion still wakes the case.
 */
export const caseReconnectedByHand = (
  order: { type: string; collectionsWorkflowId: string | null },
  completion: { outcome: string },
) => order.type === 'RECONNECT' && actedByHand(order, completion);

/** The crew did the act (it got to the meter) on an order no collections case opened. */
const actedByHand = (order: { collectionsWorkflowId: string | null }, completion: { outcome: string }) =>
  !order.collectionsWorkflowId && completion.outcome !== 'NO_ACCESS';

/** Asks the open case for a payment arrangement: accepted or refused, with the rules' reasons. */
export async function requestArrangement(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: { downPaymentCents: number; installments: number; firstDueDate: string; requestKey: string },
): Promise<ArrangementAnswer> {
  const [e] = await openEpisodes(d.db, accountId);
  if (!e) throw new AppError('conflict', `Account ${accountId} has no open collections case`);
  try {
    return await d.temporal.workflow.getHandle(e.workflowId).executeUpdate(requestArrangementUpdate, {
      args: [
        {
          downPaymentCents: String(input.downPaymentCents),
          installments: input.installments,
          firstDueDate: input.firstDueDate,
          requestKey: input.requestKey,
          by: { id: actor.id, role: actor.role },
        },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new AppError('conflict', (err.cause as Error | undefined)?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError)
      throw new AppError('conflict', 'The collections case is not running');
    throw err;
  }
}

/** The case as its workflow knows it now. */
export async function caseState(d: CaseDeps, accountId: string, episode: number) {
  try {
    return await d.temporal.workflow
      .getHandle(collectionsWorkflowId(accountId, episode))
      .query(caseStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound('Collections case', `${accountId}:${episode}`);
    throw err;
  }
}

/**
 * The last day of a term of `months` that starts on `from`: the day before the same date that many
 * months on. A term from 29 February runs to 28 February, the day before 1 March.
 */
function lastDayOfTerm(from: string, months: number): string {
  const anniversary = addMonths(from, months);
  const leapDay = from.endsWith('-02-29') && anniversary.endsWith('-02-28');
  return leapDay ? anniversary : addDays(anniversary, -1);
}

const CRITICAL_CARE_FIELDS = {
  criticalCareFrom: true,
  criticalCareUntil: true,
  emergencyContactName: true,
  emergencyContactPhone: true,
} as const;

type CriticalCareFields = Pick<Prisma.AccountUncheckedUpdateInput, keyof typeof CRITICAL_CARE_FIELDS>;

/** Writes a designation's fields, audited with before and after and on the timeline. */
async function writeCriticalCare(
  tx: Tx,
  actor: Actor,
  accountId: string,
  before: unknown,
  after: CriticalCareFields,
  change: { action: string; reason: string | null; summary: string; data?: Record<string, unknown> },
): Promise<void> {
  await tx.account.update({ where: { id: accountId }, data: after });
  await recordChange(
    tx,
    actor,
    {
      action: change.action,
      entityType: 'account',
      entityId: accountId,
      accountId,
      before,
      after,
      reason: change.reason,
    },
    {
      kind: 'account.critical-care',
      summary: change.summary,
      ...(change.data ? { data: change.data } : {}),
    },
  );
}

/**
 * Records (or renews) a critical-care designation: a resident depends on an electric-powered
 * medical device to sustain life (16 TAC §25.497). Where the account's profile has the rule, the
 * designation's term defaults to the rule's (TX: two years) and the case must contact the customer
 * and the emergency contact before a disconnection; elsewhere the clerk gives the end date and the
 * designation is shown to representatives and crews without changing the rules.
 */
export async function setCriticalCare(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: {
    from: string;
    until?: string;
    emergencyContact: { name: string; phone: string } | null;
    reason?: string;
  },
) {
  const account = await d.db.account.findUnique({
    where: { id: accountId },
    select: { premise: { select: { jurisdictionProfile: true } } },
  });
  if (!account) throw notFound('Account', accountId);
  const code = account.premise.jurisdictionProfile;
  const today = isoDateIn(d.now ? await d.now() : new Date(), UTILITY_TIME_ZONE);
  // A designation is recorded when the application is approved: not years back, not ahead.
  if (input.from < addMonths(today, -24) || input.from > addDays(today, 31))
    throw invalid('from', 'from: must be within the last two years and the next 31 days');
  const rule = profileFor(code, input.from < today ? today : input.from).criticalCare;
  const until = input.until ?? (rule ? lastDayOfTerm(input.from, rule.designationMonths) : null);
  if (!until) throw invalid('until', `until: required, the ${code} profile sets no term for a designation`);
  if (until < input.from || until > addMonths(input.from, 60))
    throw invalid('until', 'until: must be on or after from, and within five years of it');
  const after = {
    criticalCareFrom: new Date(`${input.from}T00:00:00Z`),
    criticalCareUntil: new Date(`${until}T00:00:00Z`),
    emergencyContactName: input.emergencyContact?.name ?? null,
    emergencyContactPhone: input.emergencyContact?.phone ?? null,
  };
  await d.db.$transaction(async (tx) => {
    const before = await tx.account.findUniqueOrThrow({
      where: { id: accountId },
      select: CRITICAL_CARE_FIELDS,
    });
    await writeCriticalCare(tx, actor, accountId, before, after, {
      action: 'account.critical-care',
      reason: input.reason ?? null,
      summary: `Critical-care household ${input.from} to ${until}${input.emergencyContact ? `, emergency contact ${input.emergencyContact.name}` : ', no emergency contact named'}${rule ? ` (${rule.cite})` : ''}`,
      data: { from: input.from, until, emergencyContact: input.emergencyContact?.name ?? null },
    });
  });
  await wakeCases(d, accountId, 'critical-care', actor.id);
  return {
    accountId,
    from: input.from,
    until,
    emergencyContact: input.emergencyContact,
    rule: rule ? { code: rule.code, cite: rule.cite } : null,
  };
}

/** Ends a designation (the resident moved, or the equipment is no longer needed). */
export async function endCriticalCare(
  d: CaseDeps,
  actor: Actor,
  accountId: string,
  input: { reason: string },
) {
  await mustHaveAccount(d.db, accountId);
  const ended = await d.db.$transaction(async (tx) => {
    const before = await tx.account.findUniqueOrThrow({
      where: { id: accountId },
      select: CRITICAL_CARE_FIELDS,
    });
    if (!before.criticalCareFrom) return false;
    const after = {
      criticalCareFrom: null,
      criticalCareUntil: null,
      emergencyContactName: null,
      emergencyContactPhone: null,
    };
    await writeCriticalCare(tx, actor, accountId, before, after, {
      action: 'account.critical-care.end',
      reason: input.reason,
      summary: `Critical-care designation ended: ${input.reason}`,
    });
    return true;
  });
  if (ended) await wakeCases(d, accountId, 'critical-care', actor.id);
  return { accountId, ended };
}
