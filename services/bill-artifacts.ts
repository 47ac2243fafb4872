// What a delivery renders for each bill, as pure functions of its view: the email (texts, PDF and
// content hash) and the printed pages (with the content hash when the bill is new to the batch).
// They run on the delivery's own thread or on a render thread (services/bill-render-pool.ts) and
// give the same bytes on either, so a retry on the other one claims the same content hash.
import { createHash } from 'node:crypto';
import { billPdf, layOutBill } from '../lib/pdf/bill-pdf';
import { renderBill, type BillView, type RenderedBill } from './bill-render';

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

export interface EmailArtifacts {
  rendered: RenderedBill;
  pdf: Buffer;
  contentHash: string;
}

export function emailArtifacts(view: BillView): EmailArtifacts {
  const rendered = renderBill(view);
  const pdf = billPdf(view);
  return { rendered, pdf, contentHash: emailContentHash(rendered, pdf) };
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

/** A slice of bills to render for one channel; `withHash[i]`: whether bill i needs its hash. */
export type RenderJob =
  | { kind: 'email'; views: BillView[] }
  | { kind: 'print'; views: BillView[]; withHash: boolean[] };

/** What a job renders, bill by bill, wherever it runs. */
export const renderJob = (job: RenderJob): (EmailArtifacts | PrintArtifacts)[] =>
  job.kind === 'email'
    ? job.views.map(emailArtifacts)
    : job.views.map((v, i) => printArtifacts(v, job.withHash[i]!));
