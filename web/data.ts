// What each dashboard page shows, assembled from the services the API uses (the same answers as
// the matching API routes), formatted for people. A few lists have no service because no API
// route needs them (the notice register, the recent cycle runs, an account's collections
// episodes and the protection records behind them); those are read here, read-only, and named as
// such in web/README.md.
import { Prisma, type MedicalCertificate, type ServiceOrder } from '@prisma/client';
import type { ApiDeps } from '../api/deps';
import { can, type RoleName } from '../domain/authorization';
import { AGING_BUCKETS } from '../domain/ledger/aging';
import { getProfile, medicalConditionsUnmet, PROFILE_CODES, type ProfileCode } from '../domain/collections';
import { AppError } from '../lib/errors';
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { cycleProgress } from '../services/bill-cycles';
import { heldReport, readyAccounts, type HeldReport } from '../services/held-bills';
import { listAccountBills } from '../services/bills';
import { getCase, listCases } from '../services/cases';
import { caseState, certificateOf } from '../services/collections';
import { getAccount, getCustomer, listAccounts, listCustomers } from '../services/customers';
import { depositStatus } from '../services/deposits';
import { ledgerView, utilityDate } from '../services/ledger';
import { listReadExceptions } from '../services/read-exceptions';
import { listServiceOrders } from '../services/service-orders';
import { postedNoticeOf } from '../services/posted-notice';
import { listNoticePrintBatches } from '../services/notice-print';
import { listWaterNotices, waterNoticeStatus } from '../services/water-notices';
import { accountTimeline } from '../services/timeline';
import type { CycleProgress, Stage } from '../workflows/bill-cycle';
import { ageDays, day, money, stageAgeTable, when } from './format';

export interface PageContext {
  deps: ApiDeps;
  role: RoleName;
  now: Date;
}

const cycleDeps = (deps: ApiDeps) => ({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue });

// ---- service orders and their SLA ------------------------------------------------------------------

/**
 * Whether service_order carries the SLA columns (sla_due_at, sla_breached_at, escalated_at). Until
 * it does, an order's SLA is its due_by, and a breach is an open order past it.
 */
export const SLA_COLUMNS = 'slaDueAt' in Prisma.ServiceOrderScalarFieldEnum;

type OrderRow = ServiceOrder & {
  slaDueAt?: Date | null;
  slaBreachedAt?: Date | null;
  escalatedAt?: Date | null;
};

const OPEN_ORDER = ['OPEN', 'ASSIGNED'] as const;

function orderView(o: OrderRow, now: Date) {
  const open = (OPEN_ORDER as readonly string[]).includes(o.status);
  const dueAt = o.slaDueAt ?? o.dueBy ?? null;
  const breachedAt = o.slaBreachedAt ?? null;
  const breached = !!breachedAt || (open && !!dueAt && dueAt < now);
  return {
    id: o.id,
    accountId: o.accountId,
    type: o.type,
    priority: o.priority,
    status: o.status,
    crewId: o.crewId,
    reason: o.reason,
    created: when(o.createdAt),
    ageDays: ageDays(o.createdAt, o.completedAt ?? o.cancelledAt ?? now),
    due: when(dueAt),
    breached,
    breachedAt: when(breachedAt ?? (breached ? dueAt : null)),
    escalated: when(o.escalatedAt ?? null),
    fromCollections: !!o.collectionsWorkflowId,
    // A door hanger a case ordered carries the notice it posts, printable from the dashboard.
    postedNotice: postedNoticeOf(o.details) !== undefined,
    // A disconnection opened by hand says why (never nonpayment: that is a case's).
    disconnectCause:
      DISCONNECT_CAUSE_LABEL[(o.details as { disconnectCause?: string } | null)?.disconnectCause ?? ''] ??
      null,
  };
}

const DISCONNECT_CAUSE_LABEL: Record<string, string> = {
  SAFETY: 'safety',
  TAMPERING: 'tampering',
  CUSTOMER_REQUEST: "customer's request",
};
type OrderView = ReturnType<typeof orderView>;

async function openOrders(deps: ApiDeps, now: Date): Promise<{ items: OrderView[]; total: number }> {
  const pages = await Promise.all(
    OPEN_ORDER.map((status) => listServiceOrders(deps.db, { status, limit: 500, offset: 0 })),
  );
  const items = pages
    .flatMap((p) => p.items as OrderRow[])
    .map((o) => orderView(o, now))
    .sort((a, b) => b.ageDays - a.ageDays);
  return { items, total: pages.reduce((s, p) => s + p.total, 0) };
}

const slaNote = () =>
  SLA_COLUMNS
    ? 'SLA breaches: open orders past their SLA due time, or marked breached.'
    : 'SLA breaches: open orders past their due-by time (the SLA columns are not in this database yet).';

export const ORDER_STATUSES = ['open', 'OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED'] as const;

export async function ordersPage(
  c: PageContext,
  q: { status: (typeof ORDER_STATUSES)[number]; breached: boolean; offset: number },
) {
  const open = await openOrders(c.deps, c.now);
  let items: OrderView[];
  let total: number;
  if (q.status === 'open') {
    items = open.items;
    total = open.total;
  } else {
    const page = await listServiceOrders(c.deps.db, { status: q.status, limit: 100, offset: q.offset });
    items = (page.items as OrderRow[]).map((o) => orderView(o, c.now));
    total = page.total;
  }
  if (q.breached) items = items.filter((o) => o.breached);
  const byStage = stageAgeTable(
    open.items.map((o) => ({ stage: o.status, ageDays: o.ageDays })),
    OPEN_ORDER,
  );
  const paged = q.status !== 'open' && !q.breached;
  return {
    title: 'Service orders',
    byStage,
    breaches: open.items.filter((o) => o.breached).length,
    slaNote: slaNote(),
    items,
    total,
    shown: items.length,
    truncated: q.status === 'open' && open.total > open.items.length,
    statuses: ORDER_STATUSES.map((s) => ({
      value: s,
      label: s === 'open' ? 'all open' : s,
      selected: s === q.status,
    })),
    breachedOnly: q.breached,
    prev: paged && q.offset > 0 ? Math.max(0, q.offset - 100) : null,
    next: paged && q.offset + 100 < total ? q.offset + 100 : null,
    status: q.status,
  };
}

// ---- collections cases ---------------------------------------------------------------------------

export const CASE_STAGES = [
  'OPEN',
  'REMINDED',
  'NOTICED',
  'CONTACTED',
  'POSTED',
  'DISCONNECT_ORDERED',
  'DISCONNECTED',
  'RECONNECT_ORDERED',
  'RECONNECTED',
  'ARRANGEMENT',
] as const;

type CaseItem = Awaited<ReturnType<typeof listCases>>['items'][number];

function caseRow(k: CaseItem) {
  const p = k.protections;
  return {
    accountId: k.accountId,
    episode: k.episode,
    customerName: k.customerName ?? '',
    profile: k.profile ?? '',
    stage: k.stage,
    ageDays: k.ageDays,
    pastDue: money(k.pastDueCents),
    nextAction: k.nextAction ?? '',
    nextActionAt: when(k.nextActionAt),
    overdue: k.overdue,
    protections: [
      ...(p.openDispute ? ['dispute open'] : []),
      ...(p.medicalCertificateUntil ? [`medical certificate to ${p.medicalCertificateUntil}`] : []),
      ...(p.currentArrangement ? ['payment arrangement'] : []),
      ...(p.hold ? [`supervisor hold${p.hold.reason ? `: ${p.hold.reason}` : ''}`] : []),
    ],
  };
}

export async function casesPage(
  c: PageContext,
  q: { stage?: string | undefined; overdue: boolean; cursor?: string | undefined },
) {
  const [all, page] = await Promise.all([
    listCases(c.deps.db, { limit: 500 }, c.now),
    listCases(
      c.deps.db,
      {
        limit: 100,
        ...(q.stage ? { stage: q.stage } : {}),
        ...(q.overdue ? { overdue: true } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      },
      c.now,
    ),
  ]);
  return {
    title: 'Collections cases',
    byStage: stageAgeTable(
      all.items.map((k) => ({ stage: k.stage, ageDays: k.ageDays })),
      CASE_STAGES,
    ),
    overdueCount: all.items.filter((k) => k.overdue).length,
    protectedCount: all.items.filter((k) => k.protected).length,
    truncated: all.nextCursor !== null,
    items: page.items.map(caseRow),
    stages: CASE_STAGES.map((s) => ({ value: s, selected: s === q.stage })),
    overdueOnly: q.overdue,
    stage: q.stage ?? '',
    next: page.nextCursor,
  };
}

// ---- read exceptions -----------------------------------------------------------------------------

export const EXCEPTION_STATUSES = ['OPEN', 'ACCEPTED', 'CORRECTED', 'ESTIMATED', 'CREW_SENT'] as const;

export async function readExceptionsPage(
  c: PageContext,
  q: { status: (typeof EXCEPTION_STATUSES)[number]; cycleRunId?: string | undefined; offset: number },
) {
  const filter = { status: q.status, ...(q.cycleRunId ? { cycleRunId: q.cycleRunId } : {}) };
  const [page, sample] = await Promise.all([
    listReadExceptions(c.deps.db, { ...filter, limit: 100, offset: q.offset }),
    listReadExceptions(c.deps.db, { ...filter, limit: 500, offset: 0 }),
  ]);
  const byCode = new Map<string, number>();
  for (const e of sample.items) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
  return {
    title: 'Read exceptions',
    total: page.total,
    byCode: [...byCode].sort((a, b) => b[1] - a[1]).map(([code, count]) => ({ code, count })),
    byCodePartial: sample.total > sample.items.length,
    items: page.items.map((e) => ({
      id: e.id,
      cycleRunId: e.cycleRunId,
      runPath: e.cycleRunId.replace(':', '/'),
      meterId: e.meterId,
      accountId: e.accountId,
      code: e.code,
      message: e.message,
      status: e.status,
      created: when(e.createdAt),
      ageDays: ageDays(e.createdAt, c.now),
      resolvedBy: e.resolvedBy ?? '',
      serviceOrderId: e.serviceOrderId ?? '',
    })),
    statuses: EXCEPTION_STATUSES.map((s) => ({ value: s, selected: s === q.status })),
    cycleRunId: q.cycleRunId ?? '',
    status: q.status,
    prev: q.offset > 0 ? Math.max(0, q.offset - 100) : null,
    next: q.offset + 100 < page.total ? q.offset + 100 : null,
  };
}

// ---- bill cycles ---------------------------------------------------------------------------------

/** Stages in which a supervisor may still hold a run (before bills are issued). */
const HOLDABLE: readonly Stage[] = [
  'opening',
  'waiting-for-reads',
  'validating',
  'estimating',
  'rating',
  'held-for-review',
];

/** Stages in which a run waits (for a person, for reads, for its due date) or is done. */
const WAITING: readonly Stage[] = ['waiting-for-reads', 'held-for-review', 'waiting-for-due-date', 'closed'];

/** Read times are the utility's wall clock kept in UTC columns (ARCHITECTURE.md): shown as read. */
const wallClock = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Stages after the run issued its bills: it may have held accounts back. */
const ISSUED_STAGES: readonly Stage[] = [
  'delivering',
  'waiting-for-due-date',
  'late-charges',
  'handing-off',
  'closed',
];

function heldView(r: HeldReport, mayBill: boolean) {
  const ready = readyAccounts(r).length;
  return {
    open: r.billing.open,
    // Resolved but not billed (the request failed when it was resolved): a button bills them.
    ready: r.billing.open && mayBill ? ready : 0,
    reason: r.billing.open ? '' : `Resolving an exception no longer bills here: ${r.billing.reason}.`,
    accounts: r.held,
    billedLater: r.billedLater.map((b) => ({ ...b, amount: money(b.totalCents) })),
  };
}

function progressView(p: CycleProgress & { source: string }) {
  return {
    stage: p.stage,
    held: p.held,
    source: p.source,
    approvedBy: p.approvedBy ?? '',
    calendar: p.calendar && [
      { label: 'Read day', value: p.calendar.readDay },
      {
        label: 'Read window',
        value: `${wallClock(p.calendar.readWindowFrom)} to ${wallClock(p.calendar.readWindowTo)}`,
      },
      { label: 'Bill date', value: p.calendar.billDate },
      { label: 'Due date', value: p.calendar.dueDate },
      { label: 'Late charges from', value: p.calendar.lateChargeDate },
    ],
    counts: [
      ['Meters', p.meters],
      ['Valid reads', p.validReads],
      ['Exceptions', p.exceptions],
      ['Open exceptions', p.openExceptions],
      ['Estimated', p.estimated],
      ['Draft bills', p.drafted],
      ['Skipped (open exceptions)', p.skipped],
      ['Issued', p.issued],
      ['Emailed', p.emailed],
      ['Printed', p.printed],
      ['Late fees', p.lateFees],
      ['Handed to collections', p.handedOff],
    ].map(([label, value]) => ({ label, value })),
    issued: money(p.issuedCents),
    lateFeeTotal: money(p.lateFeeCents),
    exceptionShare: p.meters > 0 ? `${((100 * p.openExceptions) / p.meters).toFixed(1)} %` : '',
  };
}

async function progressOrNull(deps: ApiDeps, cycleId: number, period: string) {
  try {
    return await cycleProgress(cycleDeps(deps), cycleId, period);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

/** The latest runs, with live progress (the workflow's query) for every run not yet closed. */
async function recentRuns(deps: ApiDeps, take: number) {
  // No service lists runs (the API addresses one run at a time), so the register is read here.
  const runs = await deps.db.billCycleRun.findMany({
    orderBy: [{ period: 'desc' }, { cycleId: 'asc' }],
    take,
    include: { cycle: { select: { name: true } } },
  });
  return Promise.all(
    runs.map(async (r) => {
      const live = r.status === 'CLOSED' ? null : await progressOrNull(deps, r.cycleId, r.period);
      return {
        cycleId: r.cycleId,
        period: r.period,
        name: r.cycle.name,
        status: r.status,
        stage: live?.stage ?? r.status.toLowerCase().replace(/_/g, '-'),
        held: live?.held ?? r.status === 'HELD_FOR_REVIEW',
        meters: live?.meters ?? null,
        openExceptions: live?.openExceptions ?? null,
        issued: live?.issued ?? null,
        billDate: day(r.billDate),
        dueDate: day(r.dueDate),
        updated: when(r.updatedAt),
      };
    }),
  );
}

export async function billCyclesPage(c: PageContext) {
  const runs = await recentRuns(c.deps, 36);
  return { title: 'Bill cycles', runs, held: runs.filter((r) => r.held) };
}

export async function billCyclePage(c: PageContext, cycleId: number, period: string) {
  const p = await cycleProgress(cycleDeps(c.deps), cycleId, period);
  const approver = can(c.role, 'bill-cycle:approve');
  const before = HOLDABLE.includes(p.stage);
  const held = ISSUED_STAGES.includes(p.stage) ? await heldReport(c.deps.db, `${cycleId}:${period}`) : null;
  return {
    title: `Cycle ${cycleId}, ${period}`,
    cycleId,
    period,
    runId: `${cycleId}:${period}`,
    progress: progressView(p),
    held: held && heldView(held, can(c.role, 'bill-cycle:run')),
    // A run at work refreshes itself (web/assets/dashboard.js); one waiting for a person, for
    // reads or for its due date does not.
    refreshSeconds: WAITING.includes(p.stage) ? null : 10,
    mayApprove: approver,
    actions: approver
      ? {
          approve: p.stage === 'held-for-review',
          hold: before && !p.held,
          release: p.held,
        }
      : null,
    readOnlyNote: approver
      ? null
      : `Your role (${c.role}) may look at this run but not approve, hold or release it.`,
  };
}

// ---- drinking-water notices ------------------------------------------------------------------------

/** Public notices and Consumer Confidence Reports issued (GET /water-notices), newest first. */
export async function waterNoticesPage(c: PageContext) {
  const { items } = await listWaterNotices(c.deps.db, 100);
  return {
    title: 'Water notices',
    notices: items.map((n) => ({
      id: n.id,
      label: n.label,
      title: n.title,
      areas: n.serviceAreas?.join(', ') ?? 'All service areas',
      issued: when(n.createdAt),
      issuedBy: n.createdBy,
      dueBy: when(n.dueBy),
      repeats: n.repeatsEveryMonths && !n.resolvedAt ? `every ${n.repeatsEveryMonths} months` : null,
      resolved: n.resolvedAt ? when(n.resolvedAt) : null,
    })),
  };
}

/** Shown of the accounts still without the latest round; the count is always whole. */
const MISSING_SHOWN = 50;

/** One notice's proof of delivery (GET /water-notices/:id), and its resolution for those who may. */
export async function waterNoticePage(c: PageContext, id: string) {
  const n = await waterNoticeStatus(c.deps.db, id, c.now);
  const resolver = can(c.role, 'mail:print');
  return {
    title: n.title,
    notice: {
      ...n,
      areas: n.serviceAreas?.join(', ') ?? 'All service areas',
      issued: when(n.createdAt),
      learned: n.learnedAt ? when(n.learnedAt) : null,
      dueBy: when(n.dueBy),
      resolved: n.resolvedAt ? when(n.resolvedAt) : null,
    },
    rounds: n.rounds.map((r) => ({
      ...r,
      first: when(r.firstAt),
      last: when(r.lastAt),
      timeliness:
        r.onTime === true
          ? 'on time'
          : r.onTime === false
            ? 'late'
            : r.round === 1
              ? 'letters still waiting for a print batch'
              : 'a repeat: no deadline of its own',
      late: r.onTime === false,
    })),
    missingCount: n.missing.length,
    missing: n.missing.slice(0, MISSING_SHOWN),
    missingMore: Math.max(0, n.missing.length - MISSING_SHOWN),
    // Resolving ends the situation; a repeating (Tier 2) notice stops repeating.
    mayResolve: resolver && !n.resolvedAt,
    readOnlyNote:
      resolver || n.resolvedAt ? null : `Your role (${c.role}) may look at this notice but not resolve it.`,
  };
}

// ---- mail ----------------------------------------------------------------------------------------

export async function mailPage(c: PageContext, q: { channel?: 'EMAIL' | 'PRINT' | 'POSTED' | undefined }) {
  // The notice register (every bill and collections notice sent, by channel) has no list service.
  const notices = await c.deps.db.notice.findMany({
    where: q.channel ? { channel: q.channel } : {},
    orderBy: [{ sentAt: 'desc' }, { id: 'desc' }],
    take: 100,
  });
  const caught = c.deps.mailDir ? await listCaughtMail(c.deps.mailDir, 15) : null;
  const print = await listNoticePrintBatches(c.deps.db, 20);
  return {
    title: 'Mail',
    printWaiting: print.waiting,
    printBatches: print.items.map((b) => ({
      batchId: b.batchId,
      cutoff: when(new Date(b.cutoff)),
      notices: b.notices,
      pages: b.pages,
      pdfSha256: b.pdfSha256,
    })),
    canPrint: can(c.role, 'mail:print'),
    notices: notices.map((n) => ({
      sent: when(n.sentAt),
      accountId: n.accountId,
      type: n.type,
      channel: n.channel,
      language: n.language,
      recipient: n.recipient,
      billId: n.billId ?? '',
      batchId: n.batchId ?? '',
      messageId: n.messageId ?? '',
    })),
    channels: ['EMAIL', 'PRINT', 'POSTED'].map((ch) => ({ value: ch, selected: ch === q.channel })),
    caught: caught?.map((m) => ({
      received: when(m.receivedAt),
      from: m.from,
      to: m.to,
      subject: m.subject,
      text: m.text.length > 20_000 ? `${m.text.slice(0, 20_000)}…` : m.text,
      attachments: m.attachments.map(
        (a) => `${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} bytes)`,
      ),
    })),
    externalSmtp: caught === null,
  };
}

// ---- accounts ------------------------------------------------------------------------------------

export async function accountSearchPage(c: PageContext, q: string) {
  const results = new Map<
    string,
    { accountId: string; customerName: string; premiseId: string; status: string }
  >();
  if (q) {
    const key = c.deps.encryptionKey;
    // An account, customer or premise id matches exactly; a name (or email) matches in part.
    const [byId, customers] = await Promise.all([
      listAccounts(c.deps.db, { limit: 20, offset: 0, q }),
      listCustomers(c.deps.db, key, { limit: 20, offset: 0, q }),
    ]);
    const names = new Map(customers.items.map((x) => [x.id, x.name]));
    for (const a of byId.items) {
      if (!names.has(a.customerId))
        names.set(a.customerId, (await getCustomer(c.deps.db, key, a.customerId)).name);
      results.set(a.id, {
        accountId: a.id,
        customerName: names.get(a.customerId) ?? '',
        premiseId: a.premiseId,
        status: a.status,
      });
    }
    for (const cust of customers.items) {
      const full = await getCustomer(c.deps.db, key, cust.id);
      for (const a of full.accounts)
        results.set(a.id, {
          accountId: a.id,
          customerName: cust.name,
          premiseId: a.premiseId,
          status: a.status,
        });
    }
  }
  return { title: 'Accounts', q, searched: !!q, results: [...results.values()].slice(0, 50) };
}

/** The timeline's kind filter: groups of kinds as the services write them. */
export const TIMELINE_KINDS = [
  { value: 'interaction', label: 'Calls and visits' },
  { value: 'account.*', label: 'Account' },
  { value: 'service-order.*', label: 'Service orders' },
  { value: 'read.*', label: 'Reads' },
  { value: 'bill.*', label: 'Bills' },
  { value: 'payment.*', label: 'Payments' },
  { value: 'ledger.*', label: 'Ledger' },
  { value: 'deposit.*', label: 'Deposits' },
  { value: 'collections.*', label: 'Collections' },
] as const;

export interface TimelineFilter {
  kinds: string[];
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

const allow = (role: RoleName, ...perms: Parameters<typeof can>[1][]) => perms.every((p) => can(role, p));

export async function accountPage(c: PageContext, accountId: string, f: TimelineFilter) {
  const { db } = c.deps;
  const account = await getAccount(db, c.deps.encryptionKey, accountId);
  const today = utilityDate(c.now);
  const [ledger, deposit, orders, bills, exceptions, timeline, cases, protections] = await Promise.all([
    allow(c.role, 'ledger:read') ? ledgerView(db, accountId, today) : null,
    allow(c.role, 'ledger:read') ? depositStatus(db, accountId, today) : null,
    allow(c.role, 'service-order:read')
      ? listServiceOrders(db, { accountId, limit: 50, offset: 0 }).then((p) =>
          (p.items as OrderRow[]).map((o) => orderView(o, c.now)),
        )
      : null,
    allow(c.role, 'bill:read') ? listAccountBills(db, accountId) : null,
    allow(c.role, 'read-exception:read')
      ? listReadExceptions(db, { accountId, status: 'OPEN', limit: 50, offset: 0 })
      : null,
    allow(c.role, 'timeline:read')
      ? accountTimeline(db, accountId, {
          limit: f.limit,
          ...(f.kinds.length ? { kind: f.kinds.join(',') } : {}),
          ...(f.from ? { from: f.from } : {}),
          ...(f.to ? { to: f.to } : {}),
          ...(f.cursor ? { cursor: f.cursor } : {}),
        })
      : null,
    allow(c.role, 'case:read') ? accountCases(c, accountId) : null,
    allow(c.role, 'case:read') ? protectionsInForce(c, accountId, today) : null,
  ]);
  const meters = account.premise.servicePoints.flatMap((sp) =>
    sp.meters.map((m) => ({
      id: m.id,
      service: m.service,
      readUnit: m.readUnit,
      dials: m.dials,
      multiplier: m.multiplier,
      size: m.size ?? '',
      amiEndpoint: m.amiEndpoint ?? '',
      installedOn: day(m.installedOn),
      removedOn: day(m.removedOn),
      servicePointActive: sp.active,
    })),
  );
  const kindSet = new Set(f.kinds);
  return {
    title: `Account ${account.id}`,
    account: {
      id: account.id,
      status: account.status,
      class: account.class,
      billCycle: account.billCycle,
      startDate: account.startDate,
      endDate: account.endDate ?? '',
      autopay: account.autopay,
      thirdParty: account.thirdPartyName ?? '',
    },
    customer: {
      id: account.customer.id,
      name: account.customer.name,
      mailingAddress: account.customer.mailingAddress,
      email: account.customer.email ?? '',
      phone: account.customer.phone ?? '',
      language: account.customer.language,
      paperless: account.customer.paperless,
      dateOfBirth: account.customer.dateOfBirth ?? '',
    },
    premise: {
      id: account.premise.id,
      serviceAddress: account.premise.serviceAddress,
      serviceArea: account.premise.serviceArea,
      profile: account.premise.jurisdictionProfile,
      heating: account.premise.heating ?? '',
      tenantOccupied: account.premise.tenantOccupied,
    },
    meters,
    ledger: ledger && {
      asOf: ledger.asOf,
      balance: money(ledger.balanceCents),
      owed: money(ledger.owedCents),
      credit: money(ledger.creditBalanceCents),
      pastDue: money(ledger.pastDueCents),
      isPastDue: ledger.pastDueCents > 0,
      aging: AGING_BUCKETS.map((b) => ({ bucket: AGING_LABELS[b], amount: money(ledger.aging[b] ?? 0) })),
      entries: ledger.entries
        .slice(-15)
        .reverse()
        .map((e) => ({
          effectiveDate: e.effectiveDate,
          kind: e.kind,
          memo: e.memo,
          amount: money(e.amountCents),
          dueDate: e.dueDate ?? '',
          open: e.openCents === null ? '' : money(e.openCents),
          reversed: e.reversed,
        })),
      entryCount: ledger.entries.length,
    },
    deposit: deposit && {
      held: money(deposit.depositHeldCents),
      deposits: deposit.deposits.map((d) => {
        const x = d as typeof d & {
          monthsHeld?: number;
          interestToDateCents?: number;
          refund?: { due: boolean; reason: string; eligibleOn?: string | null };
        };
        return {
          status: x.status,
          amount: money(x.amountCents),
          heldSince: x.heldSince ?? '',
          reason: x.reason,
          monthsHeld: x.monthsHeld ?? '',
          interest: x.interestToDateCents === undefined ? '' : money(x.interestToDateCents),
          refund: x.refund
            ? x.refund.due
              ? `refund due: ${x.refund.reason}`
              : `${x.refund.reason}${x.refund.eligibleOn ? ` (eligible ${x.refund.eligibleOn})` : ''}`
            : '',
        };
      }),
    },
    orders: orders && {
      open: orders.filter((o) => o.status === 'OPEN' || o.status === 'ASSIGNED'),
      closed: orders.filter((o) => o.status !== 'OPEN' && o.status !== 'ASSIGNED').slice(0, 10),
    },
    bills:
      bills &&
      bills.items.slice(0, 6).map((b) => ({
        id: b.id,
        kind: b.kind,
        status: b.status,
        billDate: b.billDate,
        dueDate: b.dueDate,
        period: `${b.periodFrom} to ${b.periodTo}`,
        total: money(b.totalCents),
        totalDue: b.totalDueCents === null ? '' : money(b.totalDueCents),
        estimated: b.estimated,
      })),
    exceptions:
      exceptions &&
      exceptions.items.map((e) => ({
        cycleRunId: e.cycleRunId,
        meterId: e.meterId,
        code: e.code,
        message: e.message,
        created: when(e.createdAt),
      })),
    cases,
    protections,
    timeline: timeline && {
      items: timeline.items.map((t) => ({
        at: when(t.occurredAt),
        kind: t.kind,
        summary: t.summary,
        actor: t.actor,
        entity: `${t.entityType} ${t.entityId}`,
      })),
      nextHref: timeline.nextCursor ? timelineHref(account.id, f, timeline.nextCursor) : null,
      firstHref: f.cursor ? timelineHref(account.id, f, null) : null,
    },
    filter: {
      kinds: TIMELINE_KINDS.map((k) => ({ ...k, checked: kindSet.has(k.value) })),
      from: f.from ?? '',
      to: f.to ?? '',
      limit: f.limit,
      paged: !!f.cursor,
    },
  };
}

/** A timeline page's address with the same filter. */
function timelineHref(accountId: string, f: TimelineFilter, cursor: string | null): string {
  const q = new URLSearchParams();
  for (const k of f.kinds) q.append('kind', k);
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  q.set('limit', String(f.limit));
  if (cursor) q.set('cursor', cursor);
  return `/dashboard/accounts/${encodeURIComponent(accountId)}?${q.toString()}#timeline`;
}

const AGING_LABELS: Record<(typeof AGING_BUCKETS)[number], string> = {
  current: 'Current',
  days1to30: '1–30 days',
  days31to60: '31–60 days',
  days61to90: '61–90 days',
  over90: 'Over 90 days',
};

/** The account's collections cases: open ones in full (record and live workflow), closed ones briefly. */
async function accountCases(c: PageContext, accountId: string) {
  // No service lists an account's episodes (the API addresses one case at a time).
  const episodes = await c.deps.db.collectionsEpisode.findMany({
    where: { accountId },
    orderBy: { episode: 'desc' },
    take: 10,
    select: { episode: true, closedAt: true },
  });
  return Promise.all(
    episodes.map(async ({ episode, closedAt }) => {
      const k = await getCase(c.deps.db, accountId, episode, c.now);
      let live: Awaited<ReturnType<typeof caseState>> | null = null;
      if (!closedAt) {
        try {
          live = await caseState({ db: c.deps.db, temporal: c.deps.temporal }, accountId, episode);
        } catch {
          live = null; // the record below still answers
        }
      }
      return {
        ...caseRow(k),
        open: !closedAt,
        opened: when(k.openedAt),
        closed: when(k.closedAt),
        closeReason: k.closeReason ?? '',
        live: live && {
          stage: live.stage,
          nextAction: live.nextAction ?? '',
          nextActionAt: when(live.nextActionAt),
          reasons: live.reasons,
          blocking: live.blocking,
          protections: live.protections,
        },
        notices: k.notices.length,
      };
    }),
  );
}

/**
 * The records that protect the account from disconnection today: unresolved disputes, medical
 * certificates still valid, a current payment arrangement (the same tests services/cases.ts
 * applies), shown with their dates and summaries so a dispute call can be answered from here.
 */
/** What a recorded certificate lacks under the premise's profile (none when the profile is unknown). */
function certificateShortfall(profileCode: string, today: string, m: MedicalCertificate): string[] {
  if (!(PROFILE_CODES as readonly string[]).includes(profileCode)) return [];
  return medicalConditionsUnmet(getProfile(profileCode as ProfileCode, today).medical, certificateOf(m));
}

async function protectionsInForce(c: PageContext, accountId: string, today: string) {
  const { db } = c.deps;
  const [care, disputes, certificates, arrangements] = await Promise.all([
    db.account.findUnique({
      where: { id: accountId },
      select: {
        criticalCareFrom: true,
        criticalCareUntil: true,
        emergencyContactName: true,
        emergencyContactPhone: true,
        premise: { select: { jurisdictionProfile: true } },
      },
    }),
    db.dispute.findMany({
      where: { accountId, resolvedAt: null, openedAt: { lte: c.now } },
      orderBy: { openedAt: 'asc' },
    }),
    db.medicalCertificate.findMany({
      where: { accountId, receivedAt: { lte: c.now }, validUntil: { gte: new Date(`${today}T00:00:00Z`) } },
      orderBy: { validUntil: 'desc' },
    }),
    db.paymentArrangement.findMany({
      where: { accountId, status: 'CURRENT' },
      orderBy: { createdAt: 'desc' },
    }),
  ]);
  const designated =
    care?.criticalCareFrom && care.criticalCareUntil && day(care.criticalCareFrom) <= today
      ? day(care.criticalCareUntil) >= today
      : false;
  const items = [
    ...(designated
      ? [
          `Critical-care household (life-sustaining equipment) to ${day(care!.criticalCareUntil)}${care!.emergencyContactName ? `; emergency contact ${care!.emergencyContactName}${care!.emergencyContactPhone ? ` ${care!.emergencyContactPhone}` : ''}` : ''}`,
        ]
      : []),
    ...disputes.map((d) => `Dispute open since ${when(d.openedAt)}: ${d.summary}`),
    ...certificates.map((m) => {
      const text = `Medical certificate (${m.kind.toLowerCase()}) valid to ${day(m.validUntil)}, certified by ${m.certifiedBy}`;
      const unmet = care ? certificateShortfall(care.premise.jurisdictionProfile, today, m) : [];
      return unmet.length ? `${text}: does not protect (${unmet.join('; ')})` : text;
    }),
    ...arrangements.map(
      (a) => `Payment arrangement since ${day(a.createdAt)} on ${money(a.arrearsCents)} of arrears`,
    ),
  ];
  return { items, none: items.length === 0 };
}

// ---- overview ------------------------------------------------------------------------------------

export async function overviewPage(c: PageContext) {
  const { deps, role, now } = c;
  const [orders, cases, exceptions, runs, notices] = await Promise.all([
    can(role, 'service-order:read') ? openOrders(deps, now) : null,
    can(role, 'case:read') ? listCases(deps.db, { limit: 500 }, now) : null,
    can(role, 'read-exception:read')
      ? listReadExceptions(deps.db, { status: 'OPEN', limit: 5, offset: 0 })
      : null,
    can(role, 'bill-cycle:read') ? recentRuns(deps, 12) : null,
    can(role, 'mail:read')
      ? deps.db.notice.findMany({ orderBy: [{ sentAt: 'desc' }, { id: 'desc' }], take: 5 })
      : null,
  ]);
  const breached = orders?.items.filter((o) => o.breached) ?? [];
  return {
    title: 'Overview',
    mayFindAccounts: can(role, 'account:read'),
    nothing: !orders && !cases && !exceptions && !runs && !notices,
    orders: orders && {
      total: orders.total,
      byStage: stageAgeTable(
        orders.items.map((o) => ({ stage: o.status, ageDays: o.ageDays })),
        OPEN_ORDER,
      ),
      breaches: breached.length,
      breached: breached.slice(0, 5),
      slaNote: slaNote(),
      oldest: orders.items.slice(0, 5),
    },
    cases: cases && {
      total: cases.items.length,
      more: cases.nextCursor !== null,
      byStage: stageAgeTable(
        cases.items.map((k) => ({ stage: k.stage, ageDays: k.ageDays })),
        CASE_STAGES,
      ),
      overdue: cases.items.filter((k) => k.overdue).length,
      protected: cases.items.filter((k) => k.protected).length,
      soonest: cases.items.slice(0, 5).map(caseRow),
    },
    exceptions: exceptions && {
      total: exceptions.total,
      oldest: exceptions.items.map((e) => ({
        id: e.id,
        cycleRunId: e.cycleRunId,
        meterId: e.meterId,
        accountId: e.accountId,
        code: e.code,
        ageDays: ageDays(e.createdAt, now),
      })),
    },
    cycles: runs && {
      runs: runs.slice(0, 6),
      held: runs.filter((r) => r.held),
    },
    mail: notices && {
      latest: notices.map((n) => ({
        sent: when(n.sentAt),
        accountId: n.accountId,
        type: n.type,
        channel: n.channel,
        recipient: n.recipient,
      })),
    },
  };
}
