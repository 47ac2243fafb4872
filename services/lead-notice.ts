// The lead service-line notice to a new customer at service start (EPA Lead and Copper Rule
// Revisions / Improvements): when water service starts at a premise whose service line, on either
// side, is lead, galvanized requiring replacement, or of unknown material, the customer is told
// what the line is made of, why it matters, how to reduce exposure and how replacement works.
// Templates: notices/lead-service-line/<language>/ (README there). Delivery: email when the
// customer has an address on file, otherwise a printed letter; either way one row in the notice
// register, claimed before sending, so a retried step never sends it twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { ServiceLineStatus } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { recordChange, toJson, type Actor } from '../lib/audit';
import { billLanguage, dateText, oneLine, utilityInfo, type BillLanguage } from './bill-render';
import { classifySendError } from './bill-delivery';

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

const DIR = path.resolve(__dirname, '..', 'notices', 'lead-service-line');
type Template = (ctx: unknown) => string;
const cache = new Map<BillLanguage, { labels: Labels; subject: Template; text: Template; html: Template }>();
function templatesFor(language: BillLanguage) {
  const hit = cache.get(language);
  if (hit) return hit;
  const read = (f: string) => readFileSync(path.join(DIR, language, f), 'utf8');
  // Subject and text are plain text (no HTML escaping); HTML escapes everything it is given.
  const plain = (src: string) => Handlebars.create().compile(src, { noEscape: true, strict: true });
  const html = (src: string) => Handlebars.create().compile(src, { strict: true });
  const t = {
    labels: JSON.parse(read('labels.json')) as Labels,
    subject: plain(read('subject.hbs')),
    text: plain(read('text.hbs')),
    html: html(read('html.hbs')),
  };
  cache.set(language, t);
  return t;
}

export interface LeadNoticeView {
  language: string | null;
  customerName: string;
  accountId: string;
  serviceAddress: string;
  serviceLinePublic: ServiceLineStatus;
  serviceLinePrivate: ServiceLineStatus;
  /** YYYY-MM-DD */
  startDate: string;
}

export function renderLeadNotice(v: LeadNoticeView) {
  const language = billLanguage(v.language);
  const t = templatesFor(language);
  const sides = [v.serviceLinePublic, v.serviceLinePrivate];
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
      lead: sides.includes('LEAD'),
      galvanized: sides.includes('GALVANIZED_REQUIRING_REPLACEMENT'),
      unknown: sides.includes('LEAD_STATUS_UNKNOWN'),
    },
    startDateText: dateText(v.startDate, t.labels),
    languageFallback: billLanguage(v.language) !== (v.language ?? 'en').slice(0, 2).toLowerCase(),
    t: t.labels,
  };
  const subject = oneLine(t.subject(ctx));
  const text = t.text(ctx).replace(/\n{3,}/g, '\n\n');
  const html = t.html(ctx);
  const contentHash = createHash('sha256').update(`${subject}\0${text}\0${html}\0`, 'utf8').digest('hex');
  return { subject, text, html, language, contentHash };
}

export interface LeadNoticeResult {
  required: boolean;
  reason: string;
  channel: 'EMAIL' | 'PRINT' | null;
  /** false when the register already held it (a retried step). */
  sent: boolean;
}

/**
 * Sends the notice for service starting on `accountId` at its premise, if the premise has water
 * service and its line requires it. One per account and premise (`lead-notice:<account>:<premise>`).
 */
export async function sendLeadNoticeAtStart(
  deps: { db: Db; mailer?: Mailer | undefined },
  i: { accountId: string; startDate: string; at: Date; actor: Actor; orderId: string },
): Promise<LeadNoticeResult> {
  const { db } = deps;
  const account = await db.account.findUniqueOrThrow({
    where: { id: i.accountId },
    include: { customer: true, premise: { include: { servicePoints: { include: { meters: true } } } } },
  });
  const p = account.premise;
  const water = p.servicePoints.some((sp) => sp.active && sp.service === 'WATER');
  if (!water)
    return { required: false, reason: 'no water service at the premise', channel: null, sent: false };
  if (!leadNoticeRequired(p))
    return {
      required: false,
      reason: `service line ${p.serviceLinePublic} / ${p.serviceLinePrivate}: no notice required`,
      channel: null,
      sent: false,
    };
  const reason = `service line ${p.serviceLinePublic} (utility side) / ${p.serviceLinePrivate} (customer side)`;
  const rendered = renderLeadNotice({
    language: account.customer.language,
    customerName: account.customer.name,
    accountId: account.id,
    serviceAddress: p.serviceAddress,
    serviceLinePublic: p.serviceLinePublic,
    serviceLinePrivate: p.serviceLinePrivate,
    startDate: i.startDate,
  });
  const email = account.customer.email;
  const channel = email && deps.mailer ? 'EMAIL' : 'PRINT';
  const key = `lead-notice:${account.id}:${p.id}`;
  const claimed = await db.notice.createMany({
    data: [
      {
        accountId: account.id,
        type: NOTICE_TYPE_LEAD,
        channel,
        language: rendered.language,
        recipient:
          channel === 'EMAIL' ? email! : `${account.customer.name}, ${account.customer.mailingAddress}`,
        contentHash: rendered.contentHash,
        idempotencyKey: key,
        sentAt: i.at,
        // A letter waits for the next print batch (services/notice-print.ts).
        batchId: null,
        content: toJson({
          subject: rendered.subject,
          text: rendered.text,
          ...(channel === 'PRINT'
            ? { recipientName: account.customer.name, mailingAddress: account.customer.mailingAddress }
            : {}),
          serviceLinePublic: p.serviceLinePublic,
          serviceLinePrivate: p.serviceLinePrivate,
          orderId: i.orderId,
        }),
      },
    ],
    skipDuplicates: true,
  });
  if (claimed.count === 0) return { required: true, reason, channel, sent: false };
  let confirmed = true;
  if (channel === 'EMAIL') {
    try {
      const { messageId } = await deps.mailer!.send({
        to: email!,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        headers: { 'X-OpenCIS-Notice-Key': key },
      });
      await db.notice.update({ where: { idempotencyKey: key }, data: { messageId } });
    } catch (err) {
      // Proven not sent: release the claim so the retry sends it. Otherwise it may have gone out:
      // keep the claim (never twice) and say so on the record.
      if (classifySendError(err) === 'not-sent') {
        await db.notice.delete({ where: { idempotencyKey: key } });
        throw err;
      }
      confirmed = false;
    }
  }
  await db.$transaction((tx) =>
    recordChange(
      tx,
      i.actor,
      {
        action: confirmed ? 'notice.lead-service-line.sent' : 'notice.lead-service-line.unconfirmed',
        entityType: 'notice',
        entityId: key,
        accountId: account.id,
        after: {
          channel,
          language: rendered.language,
          contentHash: rendered.contentHash,
          orderId: i.orderId,
        },
        reason,
      },
      {
        kind: 'notice.lead-service-line',
        occurredAt: i.at,
        summary: confirmed
          ? `Lead service-line notice ${channel === 'EMAIL' ? 'emailed' : 'mailed'} to the new customer (${rendered.language}): ${reason}`
          : `Lead service-line notice email not confirmed by the mail server (not resent automatically)`,
        data: { channel, key, orderId: i.orderId },
      },
    ),
  );
  return { required: true, reason, channel, sent: true };
}
