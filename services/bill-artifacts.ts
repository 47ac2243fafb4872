// What a delivery renders for each bill, as pure functions of its view: the email (the whole
// message, ready to send, and its content hash) and the printed pages (with the content hash when
// the bill is new to the batch). They run on the delivery's own thread or on a render thread
// (services/bill-render-pool.ts) and give the same content on either, so a retry on the other one
// claims the same content hash.
import { createHash } from 'node:crypto';
import type { NoticeChannel } from '@prisma/client';
import { buildMessage, MailAddressError, type BuiltMessage, type Mailbox } from '../lib/mime';
import { billPdf, layOutBill } from '../lib/pdf/bill-pdf';
import { renderBill, withTexts, type BillData, type BillView } from './bill-render';

/** A bill's notice-register key per channel: what makes its delivery happen once. */
export const billNoticeKey = (billId: string, channel: NoticeChannel) => `bill:${billId}:${channel}`;

/** A print notice's content hash: sha256 of the bill's PDF. */
export const printContentHash = (pdf: Buffer) => createHash('sha256').update(pdf).digest('hex');

/**
 * An email notice's content hash: sha256 over what was sent, subject, text, HTML and the PDF, each
 * prefixed by its byte length and ':' (so ('ab', 'c') and ('a', 'bc') differ).
 */
export function emailContentHash(
  rendered: { subject: string; text: string; html: string },
  pdf: Buffer,
): string {
  const h = createHash('sha256');
  for (const p of [rendered.subject, rendered.text, rendered.html, pdf])
    h.update(`${Buffer.byteLength(p)}:`).update(p);
  return h.digest('hex');
}

export type EmailArtifacts = { contentHash: string } & (
  | { message: BuiltMessage; refusal?: undefined }
  /** The customer's address is one no mail server would take: the bill goes to print instead. */
  | { message: null; refusal: string }
);

/** The bill's email to its customer, from `from`, with the PDF attached. */
export function emailArtifacts(view: BillView, from: Mailbox): EmailArtifacts {
  const rendered = renderBill(view);
  const pdf = billPdf(view);
  const contentHash = emailContentHash(rendered, pdf);
  try {
    const message = buildMessage({
      from,
      to: view.customer.email?.trim() ?? '',
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'X-OpenCIS-Bill': view.billId, 'X-OpenCIS-Notice-Key': billNoticeKey(view.billId, 'EMAIL') },
      attachments: [
        {
          filename: `bill-${view.accountId}-${view.billDate}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_'),
          content: pdf,
          contentType: 'application/pdf',
        },
      ],
    });
    return { contentHash, message };
  } catch (err) {
    if (err instanceof MailAddressError) return { contentHash, message: null, refusal: err.message };
    throw err;
  }
}

export interface PrintArtifacts {
  /** The bill's pages, as the print batch file takes them. */
  pages: string[];
  /** sha256 of the bill's own PDF, when asked for (a bill not yet in the batch). */
  contentHash?: string;
}

/** Lays the bill out once, for both its pages in the batch and (when asked) its content hash. */
export function printArtifacts(view: BillView, withHash: boolean): PrintArtifacts {
  const pages = layOutBill(view);
  return withHash ? { pages, contentHash: printContentHash(billPdf(view, pages)) } : { pages };
}

/**
 * A slice of bills to render for one channel, as data: the wording is added where they are
 * rendered. `withHash[i]`: whether bill i needs its hash.
 */
export type RenderJob =
  | { kind: 'email'; views: BillData[]; from: Mailbox }
  | { kind: 'print'; views: BillData[]; withHash: boolean[] };

/** What a job renders, bill by bill, wherever it runs. */
export const renderJob = (job: RenderJob): (EmailArtifacts | PrintArtifacts)[] =>
  job.kind === 'email'
    ? job.views.map((v) => emailArtifacts(withTexts(v), job.from))
    : job.views.map((v, i) => printArtifacts(withTexts(v), job.withHash[i]!));
