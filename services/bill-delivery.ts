// Bill delivery: every ISSUED bill reaches its customer once, by email or on paper.
//
// - Channel. A paperless customer with an email address gets an email in their language (English
//   or Spanish; other languages get English, saying so) with the PDF bill attached. Everyone else
//   goes into the run's print mail-merge batch: ONE PDF and ONE CSV for the print vendor under
//   <outDir>/print/<batchId>.{pdf,csv}. An email the receiving server refuses outright (5xx) falls
//   back to print in the same run, so the customer still gets a bill.
// - The notice register (table `notice`) is the record of what went out: one row per delivery, with
//   type 'BILL', channel, language rendered, recipient, contentHash, idempotencyKey
//   `bill:<billId>:<channel>`, messageId (email), batchId (print) and sentAt (when the mail server
//   accepted it / when it joined the batch), plus an audit event and a timeline entry
//   ('bill.emailed' / 'bill.printed') in the same transaction. contentHash is sha256 of the bill's
//   PDF for print, and sha256 over subject, text, HTML and PDF for email (emailContentHash).
//
// NOTHING TWICE: the register row is claimed (inserted under its unique idempotency key and
// committed) BEFORE the email is sent, and a bill with any BILL row is treated as delivered. That
// makes email AT MOST ONCE: a crash after the claim and before the send leaves a claimed row
// without a messageId, and a retry does not send it again. We choose that over at-least-once
// because a duplicate bill is a customer-visible error that cannot be taken back, while a claimed
// but unsent email is visible in the register (EMAIL rows with message_id NULL, or an audit
// 'bill.email_unconfirmed') and is fixed by resending deliberately. Failures the mail system
// reports are sorted by what they prove:
//   - nothing was accepted (no connection, a 4xx answer): the claim is released (the row deleted),
//     so the bill is retried; deliverBills finishes the rest of the run and then throws (AppError
//     'unavailable') so the caller (the cycle's activity) retries. A failure before the claim
//     commits needs no release at all.
//   - refused for good (a 5xx answer, or an address the mailer will not take): the claim is
//     released and the bill goes to print in this run.
//   - anything else (a timeout or a dropped socket while the message was in flight): the message may
//     have been delivered, so the claim stands (at most once) and an audit event
//     'bill.email_unconfirmed' says so.
// Print is exactly once per batch: the claim row carries the batch id and commits with its audit
// event; the batch files are then (re)written from the register, every bill whose PRINT row names
// the batch, so a retry after a crash rewrites the same files with the same bytes (the PDF is
// deterministic, the order is fixed: ZIP, account, bill) and a bill already printed in another
// batch is never added to this one.
//
// Print vendor CSV layout (<batchId>.csv: UTF-8, CRLF, RFC 4180 quoting, one header row, one row
// per bill in the PDF's order):
//   batch_id       the batch: print-<runId>, or print-<hash of the selected bills> without a run
//   sequence       1-based position of the bill in the PDF
//   bill_id        OpenCIS bill id
//   account_id     account number, as printed on the bill
//   customer_name  addressee
//   address_line1  street line of the mailing address (the whole address when it cannot be split)
//   address_line2  further street lines, joined with ', '; empty when none
//   city, state, zip   from the mailing address; empty when it cannot be split (check these)
//   bill_date, due_date   YYYY-MM-DD
//   amount_due     total due in dollars, two decimals, no symbol or separators: 1234.56
//   estimated      Y when the bill is estimated (it says ESTIMATED), else N
//   language       language the bill is printed in (en, es)
//   first_page     first page of the bill in the PDF (1-based)
//   pages          number of pages of the bill; each bill starts on a new page
//   content_sha256 sha256 of the bill's own PDF, as in the notice register
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NoticeChannel } from '@prisma/client';
import { recordChange, type Actor } from '../lib/audit';
import type { Db, Tx } from '../lib/db/prisma';
import { AppError } from '../lib/errors';
import type { Mailer } from '../lib/mailer';
import { billPdf, renderPrintBatch } from '../lib/pdf/bill-pdf';
import { loadBillViews, renderBill, type BillView } from './bill-render';

export interface DeliveryDeps {
  db: Db;
  mailer: Mailer;
  /** Folder for the print batches: <outDir>/print/<batchId>.pdf and .csv. */
  outDir: string;
}

export interface DeliveryOptions {
  /** The bill cycle run whose ISSUED bills to deliver; it also names the print batch. */
  runId?: string;
  /** Only these bills (still only those ISSUED). */
  billIds?: string[];
  actor: Actor;
}

export interface DeliveryResult {
  /** Bills emailed by this call. */
  emailed: number;
  /** Bills added to the print batch by this call. */
  printed: number;
  /**
   * Bills not delivered by this call: already in the register, asked for but not ISSUED, or whose
   * email the server did not confirm (audit 'bill.email_unconfirmed'; not resent automatically).
   */
  skipped: number;
  /** The print batch, when it holds any bill (from this call or an earlier try of the same run). */
  batchId: string | null;
  pdfPath: string | null;
  csvPath: string | null;
}

export const NOTICE_TYPE_BILL = 'BILL';
export const PRINT_CSV_COLUMNS = [
  'batch_id',
  'sequence',
  'bill_id',
  'account_id',
  'customer_name',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'zip',
  'bill_date',
  'due_date',
  'amount_due',
  'estimated',
  'language',
  'first_page',
  'pages',
  'content_sha256',
] as const;

/** How many emails are in flight at once. */
const EMAIL_CONCURRENCY = 4;

export const billNoticeKey = (billId: string, channel: NoticeChannel) => `bill:${billId}:${channel}`;

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/** A print notice's content hash: sha256 of the bill's PDF. */
export const printContentHash = (pdf: Buffer) => sha256(pdf);

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

/** The print batch of a run; without a run, of the exact set of bills selected. */
export function printBatchId(runId: string | undefined, selectedBillIds: readonly string[]): string {
  if (runId) return `print-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return `print-${sha256([...selectedBillIds].sort().join('\n')).slice(0, 16)}`;
}

/** What a failed send proves about the message. */
export type SendFailure = 'not-sent' | 'refused' | 'unknown';

/** Sorts a mailer error (nodemailer's code/command/responseCode) by what it proves. */
export function classifySendError(err: unknown): SendFailure {
  const e = (err ?? {}) as { code?: unknown; command?: unknown; responseCode?: unknown };
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return 'refused';
    if (e.responseCode >= 400) return 'not-sent';
  }
  if (e.command === 'CONN') return 'not-sent';
  if (e.code === 'EENVELOPE') return 'refused';
  if (
    typeof e.code === 'string' &&
    ['ECONNECTION', 'EDNS', 'EAUTH', 'ETLS', 'ECONNREFUSED'].includes(e.code)
  ) {
    return 'not-sent';
  }
  return 'unknown';
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The print vendor's CSV of a batch (layout in the header of this file). */
export function printBatchCsv(
  batchId: string,
  rows: { view: BillView; sequence: number; firstPage: number; pages: number; contentHash: string }[],
): string {
  const lines = [PRINT_CSV_COLUMNS.join(',')];
  for (const { view: v, sequence, firstPage, pages, contentHash } of rows) {
    const p = v.customer.postal;
    const record: Record<(typeof PRINT_CSV_COLUMNS)[number], string | number> = {
      batch_id: batchId,
      sequence,
      bill_id: v.billId,
      account_id: v.accountId,
      customer_name: v.customer.name,
      address_line1: p.lines[0] ?? '',
      address_line2: p.lines.slice(1).join(', '),
      city: p.city,
      state: p.state,
      zip: p.zip,
      bill_date: v.billDate,
      due_date: v.dueDate,
      amount_due: v.total,
      estimated: v.estimated ? 'Y' : 'N',
      language: v.language,
      first_page: firstPage,
      pages,
      content_sha256: contentHash,
    };
    lines.push(PRINT_CSV_COLUMNS.map((c) => csvField(record[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Writes next to the target and renames, so a reader never sees half a file. */
function writeAtomically(file: string, content: Buffer | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

interface Claim {
  view: BillView;
  channel: NoticeChannel;
  recipient: string;
  contentHash: string;
  batchId: string | null;
}

/** Inserts the register row unless its key exists; true when this call holds the claim. */
async function claim(db: Db | Tx, c: Claim): Promise<boolean> {
  const created = await db.notice.createMany({
    data: [
      {
        accountId: c.view.accountId,
        billId: c.view.billId,
        type: NOTICE_TYPE_BILL,
        channel: c.channel,
        language: c.view.language,
        recipient: c.recipient,
        contentHash: c.contentHash,
        idempotencyKey: billNoticeKey(c.view.billId, c.channel),
        messageId: null,
        batchId: c.batchId,
        sentAt: new Date(),
      },
    ],
    skipDuplicates: true,
  });
  return created.count === 1;
}

/** Delivers ISSUED bills by email or print, each at most once (see the header). */
export async function deliverBills(deps: DeliveryDeps, opts: DeliveryOptions): Promise<DeliveryResult> {
  const { db, mailer, outDir } = deps;
  const { actor } = opts;
  const selected = await db.bill.findMany({
    where: {
      status: 'ISSUED',
      ...(opts.runId !== undefined ? { cycleRunId: opts.runId } : {}),
      ...(opts.billIds !== undefined ? { id: { in: opts.billIds } } : {}),
    },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const selectedIds = selected.map((b) => b.id);
  const batchId = printBatchId(opts.runId, selectedIds);
  let skipped = opts.billIds ? new Set(opts.billIds).size - selectedIds.length : 0;

  const delivered = new Set(
    (
      await db.notice.findMany({
        where: { billId: { in: selectedIds }, type: NOTICE_TYPE_BILL },
        select: { billId: true },
      })
    ).map((n) => n.billId),
  );
  const pending = selectedIds.filter((id) => !delivered.has(id));
  skipped += selectedIds.length - pending.length;
  const views = await loadBillViews(db, pending);

  let emailed = 0;
  let printed = 0;
  const retryLater: { billId: string; error: string }[] = [];
  const toPrint: { view: BillView; emailRefused?: { recipient: string; error: string } }[] = [];

  const printNow = async (view: BillView, emailRefused?: { recipient: string; error: string }) => {
    const pdf = await billPdf(view);
    const c: Claim = {
      view,
      channel: 'PRINT',
      recipient: view.customer.mailingAddress,
      contentHash: printContentHash(pdf),
      batchId,
    };
    const claimed = await db.$transaction(async (tx) => {
      if (!(await claim(tx, c))) return false;
      await recordChange(
        tx,
        actor,
        {
          action: 'bill.printed',
          entityType: 'bill',
          entityId: view.billId,
          accountId: view.accountId,
          after: {
            channel: 'PRINT',
            batchId,
            recipient: c.recipient,
            contentHash: c.contentHash,
            emailRefused,
          },
        },
        {
          kind: 'bill.printed',
          summary: `Bill ${view.billId} (${view.totalText}) sent to print in batch ${batchId}`,
          data: { billId: view.billId, batchId, language: view.language },
        },
      );
      return true;
    });
    if (claimed) printed++;
    else skipped++;
  };

  const emailNow = async (view: BillView, email: string) => {
    const rendered = renderBill(view);
    const pdf = await billPdf(view);
    const key = billNoticeKey(view.billId, 'EMAIL');
    const contentHash = emailContentHash(rendered, pdf);
    if (!(await claim(db, { view, channel: 'EMAIL', recipient: email, contentHash, batchId: null }))) {
      skipped++;
      return;
    }
    let messageId: string;
    try {
      ({ messageId } = await mailer.send({
        to: email,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        headers: { 'X-OpenCIS-Bill': view.billId, 'X-OpenCIS-Notice-Key': key },
        attachments: [
          {
            filename: `bill-${view.accountId}-${view.billDate}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_'),
            content: pdf,
            contentType: 'application/pdf',
          },
        ],
      }));
    } catch (err) {
      const kind = classifySendError(err);
      if (kind === 'unknown') {
        // It may have gone out: keep the claim, and say so where a person will see it.
        await db.$transaction((tx) =>
          recordChange(
            tx,
            actor,
            {
              action: 'bill.email_unconfirmed',
              entityType: 'bill',
              entityId: view.billId,
              accountId: view.accountId,
              after: { channel: 'EMAIL', recipient: email, idempotencyKey: key, error: errorText(err) },
              reason: 'The mail server did not confirm the message; it is not resent automatically.',
            },
            {
              kind: 'bill.email_unconfirmed',
              summary: `Bill ${view.billId} email to ${email} not confirmed by the mail server`,
              data: { billId: view.billId },
            },
          ),
        );
        skipped++;
        return;
      }
      // Nothing was accepted: release the claim so the bill can be delivered again.
      await db.notice.deleteMany({ where: { idempotencyKey: key, messageId: null } });
      if (kind === 'refused')
        toPrint.push({ view, emailRefused: { recipient: email, error: errorText(err) } });
      else retryLater.push({ billId: view.billId, error: errorText(err) });
      return;
    }
    await db.$transaction(async (tx) => {
      await tx.notice.update({ where: { idempotencyKey: key }, data: { messageId, sentAt: new Date() } });
      await recordChange(
        tx,
        actor,
        {
          action: 'bill.emailed',
          entityType: 'bill',
          entityId: view.billId,
          accountId: view.accountId,
          after: { channel: 'EMAIL', recipient: email, messageId, contentHash, language: view.language },
        },
        {
          kind: 'bill.emailed',
          summary: `Bill ${view.billId} (${view.totalText}) emailed to ${email}`,
          data: { billId: view.billId, messageId, language: view.language },
        },
      );
    });
    emailed++;
  };

  const toEmail: { view: BillView; email: string }[] = [];
  for (const id of pending) {
    const view = views.get(id);
    if (!view) continue;
    const email = view.customer.email?.trim();
    if (view.customer.paperless && email) toEmail.push({ view, email });
    else toPrint.push({ view });
  }
  await inPool(toEmail, EMAIL_CONCURRENCY, ({ view, email }) => emailNow(view, email));
  for (const { view, emailRefused } of toPrint) await printNow(view, emailRefused);

  // The batch files, from the register: every bill this batch holds, including earlier tries'.
  let files: Pick<DeliveryResult, 'batchId' | 'pdfPath' | 'csvPath'> = {
    batchId: null,
    pdfPath: null,
    csvPath: null,
  };
  const members = await db.notice.findMany({
    where: { batchId, channel: 'PRINT', type: NOTICE_TYPE_BILL },
    select: { billId: true, contentHash: true },
  });
  if (members.length > 0) {
    const memberIds = members.flatMap((m) => (m.billId ? [m.billId] : []));
    const missing = memberIds.filter((id) => !views.has(id));
    for (const [id, v] of await loadBillViews(db, missing)) views.set(id, v);
    const batchViews = memberIds.flatMap((id) => {
      const v = views.get(id);
      return v ? [v] : [];
    });
    const hashOf = new Map(members.map((m) => [m.billId, m.contentHash]));
    const { pdf, entries } = await renderPrintBatch(batchViews);
    const csv = printBatchCsv(
      batchId,
      entries.map((e) => ({
        view: views.get(e.billId) as BillView,
        sequence: e.sequence,
        firstPage: e.firstPage,
        pages: e.pages,
        contentHash: hashOf.get(e.billId) ?? '',
      })),
    );
    const dir = path.join(outDir, 'print');
    files = { batchId, pdfPath: path.join(dir, `${batchId}.pdf`), csvPath: path.join(dir, `${batchId}.csv`) };
    writeAtomically(files.pdfPath as string, pdf);
    writeAtomically(files.csvPath as string, csv);
  }

  const result: DeliveryResult = { emailed, printed, skipped, ...files };
  if (retryLater.length > 0) {
    throw new AppError(
      'unavailable',
      `${retryLater.length} bill email(s) could not be sent and will be retried: ${retryLater
        .map((f) => `${f.billId} (${f.error})`)
        .join('; ')}`,
      undefined,
      { failed: retryLater, result },
    );
  }
  return result;
}
