// The lead service-line notice to a new customer at service start (EPA Lead and Copper Rule
// Revisions / Improvements): when water service starts at a premise whose service line, on either
// side, is lead, galvanized requiring replacement, or of unknown material, the customer is told
// what the line is made of, why it matters, how to reduce exposure and how replacement works.
// Templates: notices/lead-service-line/<language>/ (README there). Delivery: email when the
// customer has an address on file, otherwise a printed letter; either way one row in the notice
// register, claimed before sending, so a retried step never sends it twice.
import { createHash } from 'node:crypto';
import type { ServiceLineStatus } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import type { Actor } from '../lib/audit';
import { billLanguage, dateText, oneLine, utilityInfo } from './bill-render';
import { noticeTemplates } from './notice-templates';
import { sendNoticeCopy, type NoticeCopy } from './notice-copy';

export const NOTICE_TYPE_LEAD = 'LEAD_SERVICE_LINE';
/** Materials that require the notice (either side of the line). */
export const LEAD_NOTICE_MATERIALS: ReadonlySet<ServiceLineStatus> = new Set([
  'LEAD',
  'GALVANIZED_REQUIRING_REPLACEMENT',
  'LEAD_STATUS_UNKNOWN',
]);

/** Whether starting water service at a premise with these line materials requires the notice. */
export function leadNoticeRequired(p: {
  serviceLinePublic: ServiceLineStatus;
  serviceLinePrivate: ServiceLineStatus;
}): boolean {
  return LEAD_NOTICE_MATERIALS.has(p.serviceLinePublic) || LEAD_NOTICE_MATERIALS.has(p.serviceLinePrivate);
}

interface Labels {
  materials: Record<ServiceLineStatus, string>;
  months: string[];
  dateFormat: string;
  languageFallback: string;
}

const templatesFor = noticeTemplates<Labels>('lead-service-line');

/** Why the notice goes out: service starting (LCRR notice to new customers) or the yearly repeat. */
export type LeadNoticeOccasion =
  | { kind: 'START'; startDate: string; orderId?: string | undefined }
  | { kind: 'ANNUAL'; year: number };

/** Who a copy is for: the customer of record, or the people living at a tenant-occupied premise. */
export type LeadNoticeRecipient = 'CUSTOMER' | 'OCCUPANT';

export interface LeadNoticeView {
  language: string | null;
  customerName: string;
  accountId: string;
  serviceAddress: string;
  serviceLinePublic: ServiceLineStatus;
  serviceLinePrivate: ServiceLineStatus;
  occasion: LeadNoticeOccasion;
  recipient?: LeadNoticeRecipient;
}

export function renderLeadNotice(v: LeadNoticeView) {
  const language = billLanguage(v.language);
  const t = templatesFor(language);
  const sides = [v.serviceLinePublic, v.serviceLinePrivate];
  const lead = sides.includes('LEAD');
  const galvanized = sides.includes('GALVANIZED_REQUIRING_REPLACEMENT');
  const ctx = {
    utility: utilityInfo(),
    customer: { name: v.customerName },
    account: { id: v.accountId },
    premise: { serviceAddress: v.serviceAddress },
    lines: {
      public: { code: v.serviceLinePublic, text: t.labels.materials[v.serviceLinePublic] },
      private: { code: v.serviceLinePrivate, text: t.labels.materials[v.serviceLinePrivate] },
    },
    is: {
      lead,
      galvanized,
      unknown: sides.includes('LEAD_STATUS_UNKNOWN'),
      // A known lead or galvanized line: the owner's replacement obliges the utility to replace its
      // side, and financing for the owner's side is offered.
      replaceable: lead || galvanized,
    },
    occasion: {
      annual: v.occasion.kind === 'ANNUAL',
      year: v.occasion.kind === 'ANNUAL' ? v.occasion.year : null,
    },
    recipient: { occupant: v.recipient === 'OCCUPANT' },
    startDateText: v.occasion.kind === 'START' ? dateText(v.occasion.startDate, t.labels) : null,
    languageFallback: billLanguage(v.language) !== (v.language ?? 'en').slice(0, 2).toLowerCase(),
    t: t.labels,
  };
  const subject = oneLine(t.subject(ctx));
  const text = t.text(ctx).replace(/\n{3,}/g, '\n\n');
  const html = t.html(ctx);
  const contentHash = createHash('sha256').update(`${subject}\0${text}\0${html}\0`, 'utf8').digest('hex');
  return { subject, text, html, language, contentHash };
}

export interface LeadNoticeCopy extends NoticeCopy {
  recipient: LeadNoticeRecipient;
}

export interface LeadNoticeResult {
  required: boolean;
  reason: string;
  /** The customer's copy's channel (null when no notice is required). */
  channel: 'EMAIL' | 'PRINT' | null;
  /** Whether this call sent anything (false when every copy was already in the register). */
  sent: boolean;
  copies: LeadNoticeCopy[];
}

/** The register key of one copy: once per account and premise at service start, once a year after. */
export function leadNoticeKey(
  accountId: string,
  premiseId: string,
  occasion: LeadNoticeOccasion,
  recipient: LeadNoticeRecipient,
): string {
  const base =
    occasion.kind === 'START'
      ? `lead-notice:${accountId}:${premiseId}`
      : `lead-notice:annual:${occasion.year}:${accountId}:${premiseId}`;
  return recipient === 'CUSTOMER' ? base : `${base}:${recipient}`;
}

const notRequired = (reason: string): LeadNoticeResult => ({
  required: false,
  reason,
  channel: null,
  sent: false,
  copies: [],
});

/**
 * Sends the lead service-line notice for an account at its premise, if the premise has water
 * service and its line (either side) is lead, galvanized requiring replacement or of unknown
 * material (40 CFR 141.85(e): to the persons served at the service connection, at service start
 * and every year after). The customer's copy goes by email to a paperless customer with an
 * address on file, else by mail; a tenant-occupied premise also gets a copy mailed to "Occupant"
 * at the service address. Each copy is one row in the notice register under its own key, claimed
 * before sending, so a retried step or a second run never sends it twice. An email the mail server
 * refuses for good goes to print instead; one it may have taken is kept and marked unconfirmed.
 */
export async function sendLeadNotice(
  deps: { db: Db; mailer?: Mailer | undefined },
  i: { accountId: string; occasion: LeadNoticeOccasion; at: Date; actor: Actor },
): Promise<LeadNoticeResult> {
  const { db } = deps;
  const account = await db.account.findUniqueOrThrow({
    where: { id: i.accountId },
    include: { customer: true, premise: { include: { servicePoints: true } } },
  });
  const p = account.premise;
  const water = p.servicePoints.some((sp) => sp.active && sp.service === 'WATER');
  if (!water) return notRequired('no water service at the premise');
  if (!leadNoticeRequired(p))
    return notRequired(`service line ${p.serviceLinePublic} / ${p.serviceLinePrivate}: no notice required`);
  const reason = `service line ${p.serviceLinePublic} (utility side) / ${p.serviceLinePrivate} (customer side)`;
  const orderId = i.occasion.kind === 'START' ? i.occasion.orderId : undefined;
  const c = account.customer;
  const email = c.paperless && c.email?.trim() ? c.email.trim() : null;
  const recipients: LeadNoticeRecipient[] = p.tenantOccupied ? ['CUSTOMER', 'OCCUPANT'] : ['CUSTOMER'];
  const copies: LeadNoticeCopy[] = [];
  for (const recipient of recipients) {
    const occupant = recipient === 'OCCUPANT';
    const rendered = renderLeadNotice({
      // The occupants' language is not on file: their copy is in the utility's own (English).
      language: occupant ? 'en' : c.language,
      customerName: c.name,
      accountId: account.id,
      serviceAddress: p.serviceAddress,
      serviceLinePublic: p.serviceLinePublic,
      serviceLinePrivate: p.serviceLinePrivate,
      occasion: i.occasion,
      recipient,
    });
    const letter = occupant
      ? { recipientName: 'Occupant', mailingAddress: p.serviceAddress }
      : { recipientName: c.name, mailingAddress: c.mailingAddress };
    const what =
      i.occasion.kind === 'START'
        ? 'Lead service-line notice'
        : `Annual lead service-line notice (${i.occasion.year})`;
    const to = occupant ? 'the occupants' : i.occasion.kind === 'START' ? 'the new customer' : 'the customer';
    const key = leadNoticeKey(account.id, p.id, i.occasion, recipient);
    const copy = await sendNoticeCopy(deps, {
      accountId: account.id,
      type: NOTICE_TYPE_LEAD,
      key,
      rendered,
      email: occupant ? null : email,
      letter,
      content: {
        recipientRole: recipient,
        occasion: i.occasion.kind,
        ...(i.occasion.kind === 'ANNUAL' ? { year: i.occasion.year } : {}),
        serviceLinePublic: p.serviceLinePublic,
        serviceLinePrivate: p.serviceLinePrivate,
        ...(orderId ? { orderId } : {}),
      },
      at: i.at,
      actor: i.actor,
      audit: {
        action: 'notice.lead-service-line.sent',
        entityType: 'notice',
        entityId: key,
        reason,
        after: { recipient, occasion: i.occasion.kind, ...(orderId ? { orderId } : {}) },
      },
      timeline: {
        kind: 'notice.lead-service-line',
        summary: (c) =>
          c.unconfirmed
            ? `${what} email not confirmed by the mail server (not resent automatically)`
            : `${what} ${c.channel === 'EMAIL' ? 'emailed' : 'mailed'} to ${to} (${rendered.language})${c.fellBackToPrint ? ', the email address was refused' : ''}: ${reason}`,
        data: { recipient, ...(orderId ? { orderId } : {}) },
      },
    });
    copies.push({ recipient, ...copy });
  }
  const own = copies.find((x) => x.recipient === 'CUSTOMER')!;
  return { required: true, reason, channel: own.channel, sent: copies.some((x) => x.sent), copies };
}

/** The notice at service start (a start or a transfer of service). */
export const sendLeadNoticeAtStart = (
  deps: { db: Db; mailer?: Mailer | undefined },
  i: { accountId: string; startDate: string; at: Date; actor: Actor; orderId: string },
) =>
  sendLeadNotice(deps, {
    accountId: i.accountId,
    occasion: { kind: 'START', startDate: i.startDate, orderId: i.orderId },
    at: i.at,
    actor: i.actor,
  });

// ---- the yearly notice ---------------------------------------------------------------------------

/** The line materials that keep a premise on the yearly list, as SQL enum labels. */
const LEAD_NOTICE_MATERIALS_SQL = [...LEAD_NOTICE_MATERIALS].map((m) => `'${m}'`).join(', ');

/**
 * Active accounts whose premise takes water and whose line, on either side, is lead, galvanized
 * requiring replacement or unknown: who is owed the yearly notice, in account order, after `after`.
 */
async function annualLeadNoticeAccounts(db: Db, after: string, limit: number): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT a.id FROM account a JOIN premise p ON p.id = a.premise_id
     WHERE a.status = 'ACTIVE' AND a.id > $1
       AND (p.service_line_public IN (${LEAD_NOTICE_MATERIALS_SQL})
            OR p.service_line_private IN (${LEAD_NOTICE_MATERIALS_SQL}))
       AND EXISTS (SELECT 1 FROM service_point sp
                   WHERE sp.premise_id = p.id AND sp.active AND sp.service = 'WATER')
     ORDER BY a.id LIMIT $2`,
    after,
    limit,
  );
  return rows.map((r) => r.id);
}

export interface AnnualLeadNoticeTally {
  year: number;
  /** Accounts owed the notice this run looked at. */
  accounts: number;
  /** Copies this run sent (emailed or mailed), and those already in the register from an earlier run. */
  sent: number;
  alreadySent: number;
  emailed: number;
  mailed: number;
  occupantCopies: number;
  /** The last account done: where a retried run picks up. */
  lastAccountId: string;
}

/**
 * The yearly lead service-line notice (40 CFR 141.85(e): repeated every year until the line is no
 * longer lead, galvanized requiring replacement or unknown) to every account owed it, in slices.
 * A second run of the same year sends only what the first did not (the register keys); `resume`
 * carries a retried attempt past the accounts already done.
 */
export async function sendAnnualLeadNotices(
  deps: { db: Db; mailer?: Mailer | undefined; heartbeat?: (tally: AnnualLeadNoticeTally) => void },
  i: { year: number; at: Date; actor: Actor; resume?: AnnualLeadNoticeTally | undefined },
): Promise<AnnualLeadNoticeTally> {
  const tally: AnnualLeadNoticeTally = i.resume ?? {
    year: i.year,
    accounts: 0,
    sent: 0,
    alreadySent: 0,
    emailed: 0,
    mailed: 0,
    occupantCopies: 0,
    lastAccountId: '',
  };
  for (;;) {
    const ids = await annualLeadNoticeAccounts(deps.db, tally.lastAccountId, 200);
    if (ids.length === 0) return tally;
    for (const accountId of ids) {
      const r = await sendLeadNotice(deps, {
        accountId,
        occasion: { kind: 'ANNUAL', year: i.year },
        at: i.at,
        actor: i.actor,
      });
      tally.accounts++;
      for (const c of r.copies) {
        if (!c.sent) {
          tally.alreadySent++;
          continue;
        }
        tally.sent++;
        if (c.channel === 'EMAIL') tally.emailed++;
        else tally.mailed++;
        if (c.recipient === 'OCCUPANT') tally.occupantCopies++;
      }
      tally.lastAccountId = accountId;
    }
    deps.heartbeat?.(tally);
  }
}

export interface AnnualLeadNoticeStatus {
  year: number;
  /** Accounts owed the notice now. */
  owed: number;
  /** Of those, accounts whose customer copy is in the register for the year. */
  noticed: number;
  /** Accounts owed it with no copy yet: the run has not reached them, or they became owed since. */
  missing: string[];
  copies: { channel: string; recipient: string; count: number; unconfirmed: number }[];
}

/** Where the year's notice stands, from the register: who is owed it, who has it, who does not. */
export async function annualLeadNoticeStatus(db: Db, year: number): Promise<AnnualLeadNoticeStatus> {
  const prefix = `lead-notice:annual:${year}:`;
  const owed: string[] = [];
  for (let after = ''; ; ) {
    const ids = await annualLeadNoticeAccounts(db, after, 5000);
    if (ids.length === 0) break;
    owed.push(...ids);
    after = ids[ids.length - 1]!;
  }
  const rows = await db.$queryRawUnsafe<
    { account_id: string; channel: string; recipient: string; unconfirmed: boolean }[]
  >(
    `SELECT account_id, channel::text AS channel,
            coalesce(content->>'recipientRole', 'CUSTOMER') AS recipient,
            unconfirmed_at IS NOT NULL AS unconfirmed
     FROM notice WHERE type = $1 AND starts_with(idempotency_key, $2)`,
    NOTICE_TYPE_LEAD,
    prefix,
  );
  const noticed = new Set(rows.filter((r) => r.recipient === 'CUSTOMER').map((r) => r.account_id));
  const groups = new Map<
    string,
    { channel: string; recipient: string; count: number; unconfirmed: number }
  >();
  for (const r of rows) {
    const k = `${r.channel}:${r.recipient}`;
    const g = groups.get(k) ?? { channel: r.channel, recipient: r.recipient, count: 0, unconfirmed: 0 };
    g.count++;
    if (r.unconfirmed) g.unconfirmed++;
    groups.set(k, g);
  }
  return {
    year,
    owed: owed.length,
    noticed: owed.filter((id) => noticed.has(id)).length,
    missing: owed.filter((id) => !noticed.has(id)),
    copies: [...groups.values()].sort((a, b) =>
      (a.channel + a.recipient).localeCompare(b.channel + b.recipient),
    ),
  };
}
