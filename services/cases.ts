// The supervisor's view of collections cases: open episodes (collections_episode rows the case
// workflow keeps current), soonest next action first, with what the account owes today and the
// protections that may stop the next step — and one case in full with the actions it took and
// the notices it sent.
import type { CollectionsAction, CollectionsEpisode, Notice, Prisma } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { invalid, notFound } from '../lib/errors';
import { isoDay, jsonCents, pastDueBalances, utilityDate } from './ledger';

const DAY_MS = 86_400_000;

export interface CaseListQuery {
  /** One stage or several, comma-separated (OPEN, NOTICED, DISCONNECTED, ...). */
  stage?: string;
  overdue?: boolean;
  profile?: string;
  includeClosed?: boolean;
  limit: number;
  cursor?: string;
}

// ---- the cursor: the last row's sort key (next_action_at, nulls last; account; episode) ----------

interface CursorKey {
  at: Date | null;
  accountId: string;
  episode: number;
}

const encodeCursor = (e: Pick<CollectionsEpisode, 'nextActionAt' | 'accountId' | 'episode'>) =>
  Buffer.from(JSON.stringify([e.nextActionAt?.toISOString() ?? null, e.accountId, e.episode])).toString(
    'base64url',
  );

function decodeCursor(cursor: string): CursorKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    value = null;
  }
  if (Array.isArray(value) && value.length === 3) {
    const [at, accountId, episode] = value as unknown[];
    const date = typeof at === 'string' ? new Date(at) : null;
    // Only what encodeCursor wrote: a stored timestamp (or null), an account id, an episode number.
    if (
      (at === null || (date && !Number.isNaN(date.getTime()) && date.toISOString() === at)) &&
      typeof accountId === 'string' &&
      /^[A-Za-z0-9._-]{1,40}$/.test(accountId) &&
      Number.isSafeInteger(episode) &&
      (episode as number) >= 0 &&
      (episode as number) <= 2_147_483_647
    )
      return { at: date, accountId, episode: episode as number };
  }
  throw invalid('cursor', 'cursor: not a cursor this API returned');
}

/** Rows after the cursor in (next_action_at asc nulls last, account_id, episode) order. */
function after(c: CursorKey): Prisma.CollectionsEpisodeWhereInput {
  const sameAtLater: Prisma.CollectionsEpisodeWhereInput[] = [
    { accountId: { gt: c.accountId } },
    { accountId: c.accountId, episode: { gt: c.episode } },
  ];
  if (c.at === null) return { nextActionAt: null, OR: sameAtLater };
  return {
    OR: [{ nextActionAt: { gt: c.at } }, { nextActionAt: c.at, OR: sameAtLater }, { nextActionAt: null }],
  };
}

// ---- views ---------------------------------------------------------------------------------------

export interface Protections {
  /** A dispute or complaint opened and not yet resolved. */
  openDispute: boolean;
  /** The last day of a medical certificate in force today, or null. */
  medicalCertificateUntil: string | null;
  /** A payment arrangement in CURRENT status. */
  currentArrangement: boolean;
  /** A supervisor's hold on the case. */
  hold: { since: string; reason: string | null; by: string | null } | null;
}

interface Facts {
  names: Map<string, string>;
  pastDue: Map<string, bigint>;
  disputes: Set<string>;
  medical: Map<string, string>;
  arrangements: Set<string>;
}

/** What the list shows beside each episode, for a page of accounts in a few queries. */
async function factsFor(db: Db, accountIds: string[], now: Date): Promise<Facts> {
  const ids = [...new Set(accountIds)];
  const today = utilityDate(now);
  const [accounts, pastDue, disputes, certificates, arrangements] = await Promise.all([
    db.account.findMany({
      where: { id: { in: ids } },
      select: { id: true, customer: { select: { name: true } } },
    }),
    pastDueBalances(db, ids, today),
    db.dispute.findMany({
      where: { accountId: { in: ids }, resolvedAt: null, openedAt: { lte: now } },
      select: { accountId: true },
    }),
    db.medicalCertificate.findMany({
      where: {
        accountId: { in: ids },
        receivedAt: { lte: now },
        validUntil: { gte: new Date(`${today}T00:00:00Z`) },
      },
      select: { accountId: true, validUntil: true },
    }),
    db.paymentArrangement.findMany({
      where: { accountId: { in: ids }, status: 'CURRENT' },
      select: { accountId: true },
    }),
  ]);
  const medical = new Map<string, string>();
  for (const c of certificates) {
    const until = isoDay(c.validUntil);
    if ((medical.get(c.accountId) ?? '') < until) medical.set(c.accountId, until);
  }
  return {
    names: new Map(accounts.map((a) => [a.id, a.customer.name])),
    pastDue,
    disputes: new Set(disputes.map((d) => d.accountId)),
    medical,
    arrangements: new Set(arrangements.map((a) => a.accountId)),
  };
}

function caseView(e: CollectionsEpisode, facts: Facts, now: Date) {
  const protections: Protections = {
    openDispute: facts.disputes.has(e.accountId),
    medicalCertificateUntil: facts.medical.get(e.accountId) ?? null,
    currentArrangement: facts.arrangements.has(e.accountId),
    hold: e.holdSince ? { since: e.holdSince.toISOString(), reason: e.holdReason, by: e.holdBy } : null,
  };
  return {
    accountId: e.accountId,
    episode: e.episode,
    workflowId: e.workflowId,
    customerName: facts.names.get(e.accountId) ?? null,
    profile: e.profile,
    stage: e.stage,
    /** Past due on the ledger today (the episode's own figure is what was past due at hand-off). */
    pastDueCents: jsonCents(facts.pastDue.get(e.accountId) ?? 0n),
    pastDueAtHandoffCents: jsonCents(e.pastDueCents),
    openedAt: e.openedAt.toISOString(),
    ageDays: Math.max(0, Math.floor(((e.closedAt ?? now).getTime() - e.openedAt.getTime()) / DAY_MS)),
    nextAction: e.nextAction,
    nextActionAt: e.nextActionAt?.toISOString() ?? null,
    overdue: e.closedAt === null && e.nextActionAt !== null && e.nextActionAt < now,
    closedAt: e.closedAt?.toISOString() ?? null,
    closeReason: e.closeReason,
    protections,
    protected:
      protections.openDispute ||
      protections.medicalCertificateUntil !== null ||
      protections.currentArrangement ||
      protections.hold !== null,
  };
}

// ---- the list ------------------------------------------------------------------------------------

/** GET /cases: open episodes by next action time (soonest first, none last), a page at a time. */
export async function listCases(db: Db, q: CaseListQuery, now: Date = new Date()) {
  const stages = q.stage
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const and: Prisma.CollectionsEpisodeWhereInput[] = [];
  // Overdue is a property of an open case only: a closed one has nothing left to do.
  if (q.overdue === true) and.push({ closedAt: null, nextActionAt: { lt: now } });
  if (q.overdue === false)
    and.push({ OR: [{ closedAt: { not: null } }, { nextActionAt: null }, { nextActionAt: { gte: now } }] });
  if (q.cursor) and.push(after(decodeCursor(q.cursor)));
  const rows = await db.collectionsEpisode.findMany({
    where: {
      ...(q.includeClosed ? {} : { closedAt: null }),
      ...(stages?.length ? { stage: { in: stages } } : {}),
      ...(q.profile ? { profile: q.profile } : {}),
      ...(and.length ? { AND: and } : {}),
    },
    orderBy: [{ nextActionAt: { sort: 'asc', nulls: 'last' } }, { accountId: 'asc' }, { episode: 'asc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const facts = await factsFor(
    db,
    page.map((e) => e.accountId),
    now,
  );
  const last = page[page.length - 1];
  return {
    asOf: now.toISOString(),
    items: page.map((e) => caseView(e, facts, now)),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}

// ---- one case ------------------------------------------------------------------------------------

const actionView = (a: CollectionsAction) => ({
  id: a.id.toString(),
  kind: a.kind,
  method: a.method,
  cause: a.cause,
  occurredAt: a.occurredAt.toISOString(),
  profile: a.profile,
  service: a.service,
  customerClass: a.customerClass,
  heating: a.heating,
  zip: a.zip,
  amountCents: a.amountCents === null ? null : jsonCents(a.amountCents),
  idempotencyKey: a.idempotencyKey,
  data: a.data,
});

const noticeView = (n: Notice) => ({
  id: n.id,
  type: n.type,
  channel: n.channel,
  language: n.language,
  recipient: n.recipient,
  sentAt: n.sentAt.toISOString(),
  expiresAt: n.expiresAt?.toISOString() ?? null,
  contentHash: n.contentHash,
  messageId: n.messageId,
  batchId: n.batchId,
  billId: n.billId,
  content: n.content,
});

/** GET /cases/:accountId/:episode: the episode, its actions in order, and its notices. */
export async function getCase(db: Db, accountId: string, episode: number, now: Date = new Date()) {
  const e = await db.collectionsEpisode.findUnique({ where: { accountId_episode: { accountId, episode } } });
  if (!e) throw notFound('Collections case', `${accountId}/${episode}`);
  const [facts, actions, notices] = await Promise.all([
    factsFor(db, [accountId], now),
    db.collectionsAction.findMany({
      where: { accountId, episode },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
    }),
    db.notice.findMany({ where: { accountId, episode }, orderBy: [{ sentAt: 'asc' }, { id: 'asc' }] }),
  ]);
  return {
    ...caseView(e, facts, now),
    openedByRun: e.openedByRun,
    reasons: e.reasons,
    disconnectedAt: e.disconnectedAt?.toISOString() ?? null,
    reconnectedAt: e.reconnectedAt?.toISOString() ?? null,
    updatedAt: e.updatedAt.toISOString(),
    actions: actions.map(actionView),
    notices: notices.map(noticeView),
  };
}
