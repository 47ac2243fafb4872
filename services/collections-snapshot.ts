// What the collections policy evaluator knows about an account at a moment: gathered from the
// records (premise, customer, ledger, the case's actions, medical certificates, disputes, holds,
// arrangements, recorded weather) into domain/collections' AccountSnapshot. Nothing is assumed
// that the records do not say; where they are silent the evaluator decides conservatively.
import type { Db, Tx } from '../lib/db/prisma';
import { allocate } from '../domain/ledger/allocation';
import { pastDue } from '../domain/ledger/aging';
import {
  getProfile,
  PROFILE_CODES,
  type AccountSnapshot,
  type Channel,
  type NoticeRecord,
  type PolicyProfile,
  type ProfileCode,
  type Service,
} from '../domain/collections';
import { isoDateIn } from '../domain/ledger/dates';
import { loadEntries, toDomainEntry } from './ledger';
import { AppError } from '../lib/errors';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** The premise's policy profile in force on a day (the premise names it: PA, NY, CA_WATER, ...). */
export function profileFor(code: string, onDate: string): PolicyProfile {
  if (!(PROFILE_CODES as readonly string[]).includes(code))
    throw new AppError(
      'conflict',
      `No collections policy profile ${code}: set the premise's jurisdiction profile`,
    );
  return getProfile(code as ProfileCode, onDate);
}

export interface CaseContext {
  snapshot: AccountSnapshot;
  profile: PolicyProfile;
  premise: { id: string; zip: string; serviceArea: string; serviceAddress: string };
  customer: {
    name: string;
    email: string | null;
    mailingAddress: string;
    language: string;
    paperless: boolean;
  };
  thirdParty: { name: string; email: string | null; address: string | null } | null;
  /** Open past-due charges, oldest first (for the itemized notice). */
  pastDueItems: { label: string; dueDate: string; amountCents: bigint }[];
  balanceCents: bigint;
  /** ACTIVE, FINAL (final-billed, service ended), ... */
  accountStatus: string;
}

/**
 * The service a case is about: an account with electric service is judged under the (stricter)
 * energy rules; otherwise water. Heating means the premise heats with that service.
 */
function caseService(services: string[]): Service {
  if (services.includes('ELECTRIC')) return 'ELECTRIC';
  if (services.includes('GAS')) return 'GAS';
  return 'WATER';
}

export async function loadCaseContext(
  db: Db | Tx,
  accountId: string,
  episode: number,
  at: Date,
): Promise<CaseContext> {
  const account = await db.account.findUniqueOrThrow({
    where: { id: accountId },
    include: {
      customer: true,
      premise: { include: { servicePoints: { where: { active: true }, select: { service: true } } } },
    },
  });
  const premise = account.premise;
  const profile = profileFor(premise.jurisdictionProfile, isoDateIn(at, 'America/New_York'));
  const today = isoDateIn(at, profile.timeZone);
  const service = caseService(premise.servicePoints.map((s) => s.service));
  const heating =
    (service === 'ELECTRIC' && premise.heating === 'ELECTRIC') ||
    (service === 'GAS' && premise.heating === 'GAS');

  // The ledger: what is past due today, and the oldest unpaid charge that is.
  const rows = await loadEntries(db, accountId);
  const entries = rows.filter((r) => isoDay(r.effectiveDate) <= today).map(toDomainEntry);
  const allocation = allocate(entries);
  const overdue = allocation.charges
    .filter((c) => c.openCents > 0n && c.dueDate < today)
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const oldest = overdue[0];
  const oldestBill = oldest?.entry.row.billId
    ? await db.bill.findUnique({ where: { id: oldest.entry.row.billId }, select: { billDate: true } })
    : null;
  const balanceCents = entries.reduce((s, e) => s + e.amountCents, 0n);

  const [actions, certificates, disputes, episodeRow, arrangements, bills] = await Promise.all([
    db.collectionsAction.findMany({ where: { accountId, episode }, orderBy: { occurredAt: 'asc' } }),
    db.medicalCertificate.findMany({ where: { accountId }, orderBy: { receivedAt: 'asc' } }),
    db.dispute.findMany({ where: { accountId }, orderBy: { openedAt: 'asc' } }),
    db.collectionsEpisode.findUnique({ where: { accountId_episode: { accountId, episode } } }),
    db.paymentArrangement.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } }),
    db.bill.findMany({
      where: { accountId, status: 'ISSUED', billDate: { gte: new Date(at.getTime() - 365 * DAY_MS) } },
      select: { totalCents: true },
    }),
  ]);
  const weather = await db.weatherObservation.findMany({
    where: {
      serviceArea: premise.serviceArea,
      day: {
        gte: new Date(Date.parse(`${today}T00:00:00Z`) - 7 * DAY_MS),
        lte: new Date(Date.parse(`${today}T00:00:00Z`) + 21 * DAY_MS),
      },
    },
    orderBy: { day: 'asc' },
  });

  const CHANNEL: Record<string, Channel> = {
    EMAIL: 'EMAIL',
    MAIL: 'MAIL',
    PRINT: 'MAIL',
    PHONE: 'PHONE',
    IN_PERSON: 'IN_PERSON',
    POSTED: 'POSTED',
  };
  const notices: NoticeRecord[] = [];
  for (const a of actions) {
    const data = (a.data ?? {}) as {
      expiresOn?: string | null;
      outcome?: 'REACHED' | 'NOT_REACHED';
      recipientRole?: string;
      noticeKind?: string;
    };
    if (data.recipientRole && data.recipientRole !== 'CUSTOMER') continue; // copies are not the customer's notice
    const step =
      a.kind === 'CONTACT_ATTEMPT'
        ? 'SHORT_NOTICE_CONTACT'
        : a.kind === 'DISCONNECT_NOTICE' || a.kind === 'POSTED_NOTICE' || a.kind === 'REMINDER'
          ? a.kind
          : null;
    if (!step) continue;
    if (data.noticeKind === 'WINTER_NOTICE') {
      notices.push({
        step: 'WINTER_NOTICE',
        sentAt: a.occurredAt.toISOString(),
        channel: CHANNEL[a.method ?? 'MAIL'] ?? 'MAIL',
        expiresOn: null,
      });
      continue;
    }
    notices.push({
      step,
      sentAt: a.occurredAt.toISOString(),
      channel: CHANNEL[a.method ?? 'MAIL'] ?? 'MAIL',
      expiresOn: data.expiresOn ?? null,
      ...(data.outcome ? { outcome: data.outcome } : {}),
    });
  }
  const current = arrangements.filter((a) => a.status !== 'COMPLETED').at(-1) ?? null;

  const snapshot: AccountSnapshot = {
    accountId,
    service,
    customerClass: account.class,
    heating,
    incomePctFpl: account.incomePctFpl === null ? null : Number(account.incomePctFpl),
    incomeVerifiedOn: account.incomeVerifiedOn ? isoDay(account.incomeVerifiedOn) : null,
    age65OrDependentAdult: account.customer.age65OrDependent,
    tenantOccupied: premise.tenantOccupied,
    thirdPartyDesignee: Boolean(account.thirdPartyName),
    language: account.customer.language,
    oldestUnpaidDueDate: oldest ? oldest.dueDate : null,
    pastDueCents: pastDue(entries, today),
    billMailedOn: oldestBill ? isoDay(oldestBill.billDate) : oldest ? oldest.entry.effectiveDate : null,
    averageMonthlyBillCents: bills.length
      ? bills.reduce((s, b) => s + b.totalCents, 0n) / BigInt(bills.length)
      : null,
    notices,
    medicalCertificates: certificates.map((c) => ({
      receivedAt: c.receivedAt.toISOString(),
      validUntil: isoDay(c.validUntil),
      kind: c.kind as 'PHONE' | 'WRITTEN',
      renewalNumber: c.renewalNumber,
      arrearsCents: c.arrearsCents,
      ...(c.writtenFollowUpBy ? { writtenFollowUpBy: isoDay(c.writtenFollowUpBy) } : {}),
    })),
    disputes: disputes.map((d) => ({
      openedAt: d.openedAt.toISOString(),
      resolvedAt: d.resolvedAt?.toISOString() ?? null,
    })),
    supervisorHold:
      episodeRow?.holdSince && episodeRow.holdReason
        ? { since: episodeRow.holdSince.toISOString(), reason: episodeRow.holdReason }
        : null,
    arrangement: current
      ? {
          status: current.status as 'CURRENT' | 'DEFAULTED',
          since: isoDay(current.createdAt),
          ...(current.defaultedOn ? { defaultedOn: isoDay(current.defaultedOn) } : {}),
        }
      : null,
    arrangementDefaults: arrangements.filter((a) => a.defaultedOn).map((a) => isoDay(a.defaultedOn!)),
    weather: weather.map((w) => ({
      date: isoDay(w.day),
      ...(w.forecastHighF !== null ? { forecastHighF: w.forecastHighF } : {}),
      ...(w.forecastLowF !== null ? { forecastLowF: w.forecastLowF } : {}),
      ...(w.observedHighF !== null ? { observedHighF: w.observedHighF } : {}),
      ...(w.observedLowF !== null ? { observedLowF: w.observedLowF } : {}),
      heatAdvisory: w.heatAdvisory,
    })),
    disconnectedAt:
      episodeRow?.disconnectedAt && !episodeRow.reconnectedAt
        ? episodeRow.disconnectedAt.toISOString()
        : null,
  };
  return {
    snapshot,
    profile,
    premise: {
      id: premise.id,
      zip: premise.zip,
      serviceArea: premise.serviceArea,
      serviceAddress: premise.serviceAddress,
    },
    customer: {
      name: account.customer.name,
      email: account.customer.email,
      mailingAddress: account.customer.mailingAddress,
      language: account.customer.language,
      paperless: account.customer.paperless,
    },
    thirdParty: account.thirdPartyName
      ? { name: account.thirdPartyName, email: account.thirdPartyEmail, address: account.thirdPartyAddress }
      : null,
    pastDueItems: overdue.map((c) => ({
      label: c.entry.row.memo,
      dueDate: c.dueDate,
      amountCents: c.openCents,
    })),
    balanceCents,
    accountStatus: account.status,
  };
}
