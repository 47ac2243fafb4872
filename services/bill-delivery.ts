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
// - Scale. Bills go in slices (a few hundred: one query to load them, one statement to claim them,
//   one transaction to record them), the `heartbeat` callback after each, so a cycle of 100,000
//   bills never holds more than a slice in memory and a stalled worker is noticed.
//
// NOTHING TWICE: the register rows are claimed (inserted under their unique idempotency keys and
// committed) BEFORE the emails are sent, and a bill with any BILL row is treated as delivered. That
// makes email AT MOST ONCE: a crash after a slice's claim and before its sends are recorded leaves
// claimed rows without a messageId, and a retry does not send them again. We choose that over
// at-least-once because a duplicate bill is a customer-visible error that cannot be taken back,
// while a claimed but unconfirmed email is marked in the register (unconfirmed_at, with an audit
// 'bill.email_unconfirmed' and a timeline entry) and is fixed by resending deliberately. The
// delivery activity marks what a stopped worker left claimed once its own delivery has finished
// (markInterruptedEmails), and the cycle's progress counts them. Failures the mail system reports
// are sorted by what they prove:
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
// event. The batch files are written in one pass over every bill the batch holds — those claimed
// now and those whose PRINT row an earlier try (or a concurrent delivery) committed — in print
// order (ZIP, account, bill), each bill laid out once for both its hash and its pages, streamed to
// a temporary file and renamed into place. So a retry after a crash rewrites the same files with
// the same bytes (the PDF is deterministic), and a bill already printed in another batch is never
// added to this one.
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
//   amount_due     what the customer is asked to pay (the remittance stub): the account summary's
//                  total due, or 0.00 when the account is in credit; dollars, two decimals, no
//                  symbol or separators: 1234.56. A bill issued without a summary: its own total.
//   estimated      Y when the bill is estimated (it says ESTIMATED), else N
//   language       language the bill is printed in (en, es)
//   first_page     first page of the bill in the PDF (1-based)
//   pages          number of pages of the bill; each bill starts on a new page
//   content_sha256 sha256 of the bill's own PDF, as in the notice register
//   current_charges  this bill's own charges, same format as amount_due
//   past_due       of amount_due, what was already past due on the bill date (0.00 when none)
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { NoticeChannel } from '@prisma/client';
import type { PoolClient } from 'pg';
import type { Actor, AuditInput } from '../lib/audit';
import { recordAudits, recordTimelines } from '../lib/audit-batch';
import type { Db } from '../lib/db/prisma';
import { inTransaction, insertRows, query, type Runner } from '../lib/db/bulk';
import { discard, tempName } from '../lib/temp-files';
import { AppError } from '../lib/errors';
import type { Mailer } from '../lib/mailer';
import { printOrder, PrintBatchFile, type PrintBatchEntry } from '../lib/pdf/bill-pdf';
import { formatCents, loadBillData, parseMailingAddress, type BillData } from './bill-render';
import { rendererFor, type BillRenderer } from './bill-render-pool';
import { billNoticeKey } from './bill-artifacts';

export { billNoticeKey, emailContentHash, printContentHash } from './bill-artifacts';

export interface DeliveryDeps {
  db: Db;
  mailer: Mailer;
  /** Folder for the print batches: <outDir>/print/<batchId>.pdf and .csv. */
  outDir: string;
  /** Called after each slice of bills (an activity heartbeats here). */
  heartbeat?: () => void;
  /** Render threads for a large delivery (bill-render-pool.ts; 0 renders in place). */
  renderThreads?: number;
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
  'current_charges',
  'past_due',
] as const;

/** How many emails are in flight at once (each send is its own SMTP session unless the mailer pools). */
const EMAIL_CONCURRENCY = 32;
/** Bills claimed, sent and recorded together. */
const EMAIL_SLICE = 200;
/**
 * Email slices worked on at once (each sends EMAIL_CONCURRENCY at a time); slices in flight ×
 * EMAIL_SLICE is the most a crash can leave claimed but unsent.
 */
const EMAIL_SLICES_IN_FLIGHT = 2;
/**
 * Bills loaded, laid out and claimed together for print: small enough that laying out a slice
 * does not hold up the emails in flight beside it.
 */
const PRINT_SLICE = 100;
/**
 * Print slices loaded, laid out and claimed at once: one slice's layout runs while another waits on
 * the database. The batch files are still written one slice at a time, in print order.
 */
const PRINT_SLICES_IN_FLIGHT = 3;

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

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

/** One CSV field, quoted only where RFC 4180 needs it (the print vendors' layouts). */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row of the print vendor's CSV (layout in the header of this file), CRLF included. */
function printCsvRow(batchId: string, v: BillData, entry: PrintBatchEntry, contentHash: string): string {
  const p = v.customer.postal;
  const record: Record<(typeof PRINT_CSV_COLUMNS)[number], string | number> = {
    batch_id: batchId,
    sequence: entry.sequence,
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
    amount_due: v.amountDue,
    estimated: v.estimated ? 'Y' : 'N',
    language: v.language,
    first_page: entry.firstPage,
    pages: entry.pages,
    content_sha256: contentHash,
    current_charges: v.total,
    past_due: formatCents(v.statement?.pastDueCents ?? '0'),
  };
  return `${PRINT_CSV_COLUMNS.map((c) => csvField(record[c])).join(',')}\r\n`;
}

const slices = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, k) => items.slice(k * size, (k + 1) * size));

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

/**
 * Runs `prepare` over the items, up to `width` at once, and hands each result to `consume` in the
 * items' order. The first failure stops new work; the rest in flight settle before it is thrown.
 */
async function inOrder<T, R>(
  items: readonly T[],
  width: number,
  prepare: (item: T) => Promise<R>,
  consume: (result: R) => void,
): Promise<void> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = () => {
    while (pending.length < width && next < items.length) {
      const p = prepare(items[next++] as T);
      p.catch(() => undefined); // awaited below, in order; this only keeps it from being "unhandled"
      pending.push(p);
    }
  };
  launch();
  try {
    while (pending.length > 0) {
      const result = await pending.shift()!;
      launch();
      consume(result);
    }
  } catch (err) {
    await Promise.allSettled(pending);
    throw err;
  }
}

interface Claim {
  view: BillData;
  channel: NoticeChannel;
  recipient: string;
  contentHash: string;
  batchId: string | null;
}

const NOTICE_COLUMNS = {
  id: 'uuid',
  account_id: 'text',
  bill_id: 'text',
  type: 'text',
  channel: '"NoticeChannel"',
  language: 'text',
  recipient: 'text',
  content_hash: 'text',
  idempotency_key: 'text',
  batch_id: 'text',
  sent_at: 'timestamptz',
};

/** Inserts the register rows whose keys are free; returns the bill ids this call holds claims for. */
async function claim(on: Runner, claims: readonly Claim[]): Promise<Set<string>> {
  const now = new Date();
  const rows = await insertRows<{ bill_id: string }>(
    on,
    'notice',
    NOTICE_COLUMNS,
    claims.map((c) => [
      randomUUID(),
      c.view.accountId,
      c.view.billId,
      NOTICE_TYPE_BILL,
      c.channel,
      c.view.language,
      c.recipient,
      c.contentHash,
      billNoticeKey(c.view.billId, c.channel),
      c.batchId,
      now,
    ]),
    'ON CONFLICT (idempotency_key) DO NOTHING RETURNING bill_id',
  );
  return new Set(rows.map((r) => r.bill_id));
}

/**
 * An audit row and a timeline entry per bill, in the caller's transaction. The audit rows go last:
 * appending to the audit chain takes a lock every other appender waits on until this transaction
 * commits, so nothing else should run while it is held.
 */
export async function recordDeliveries(
  c: PoolClient,
  actor: Actor,
  events: readonly {
    view: Pick<BillData, 'billId' | 'accountId'>;
    kind: string;
    summary: string;
    audit: Omit<AuditInput, 'entityType' | 'entityId' | 'accountId'>;
    data: unknown;
  }[],
): Promise<void> {
  await recordTimelines(
    c,
    actor,
    events.map((e) => ({
      accountId: e.view.accountId,
      kind: e.kind,
      entityType: 'bill',
      entityId: e.view.billId,
      summary: e.summary,
      data: e.data,
    })),
  );
  await recordAudits(
    c,
    actor,
    events.map((e) => ({
      ...e.audit,
      entityType: 'bill',
      entityId: e.view.billId,
      accountId: e.view.accountId,
    })),
  );
}

interface Tally {
  emailed: number;
  printed: number;
  skipped: number;
}

/** Where a bill is mailed, as the print order needs it. */
interface Addressed {
  id: string;
  account_id: string;
  mailing_address: string;
}

/** Bills to print: by id, with the refusal when an email bounced to print. */
type PrintQueue = Map<string, { recipient: string; error: string } | undefined>;

/** Emails one slice of bills: claim, send, record (see the header for what each failure means). */
async function emailSlice(
  deps: DeliveryDeps,
  renderer: BillRenderer,
  actor: Actor,
  views: readonly BillData[],
  tally: Tally,
  toPrint: PrintQueue,
  retryLater: { billId: string; error: string }[],
): Promise<void> {
  const { db, mailer } = deps;
  const items = (await renderer.email([...views], mailer.from)).map((a, i) => ({
    ...a,
    view: views[i]!,
    email: views[i]!.customer.email!.trim(),
  }));
  const held = await claim(
    db,
    items.map((i) => ({
      view: i.view,
      channel: 'EMAIL',
      recipient: i.email,
      contentHash: i.contentHash,
      batchId: null,
    })),
  );
  tally.skipped += items.length - held.size;
  const sent: { item: (typeof items)[number]; messageId: string; at: Date }[] = [];
  const unconfirmed: { item: (typeof items)[number]; error: string }[] = [];
  const released: string[] = [];
  await inPool(
    items.filter((i) => held.has(i.view.billId)),
    EMAIL_CONCURRENCY,
    async (item) => {
      const { view } = item;
      const key = billNoticeKey(view.billId, 'EMAIL');
      if (!item.message) {
        // An address no mail server would take: refused for good, as a 5xx would be.
        released.push(key);
        toPrint.set(view.billId, { recipient: item.email, error: item.refusal });
        return;
      }
      try {
        const { messageId } = await mailer.sendBuilt(item.message);
        sent.push({ item, messageId, at: new Date() });
      } catch (err) {
        const kind = classifySendError(err);
        // It may have gone out: keep the claim, and say so where a person will see it.
        if (kind === 'unknown') unconfirmed.push({ item, error: errorText(err) });
        else {
          // Nothing was accepted: release the claim so the bill can be delivered again.
          released.push(key);
          if (kind === 'refused') toPrint.set(view.billId, { recipient: item.email, error: errorText(err) });
          else retryLater.push({ billId: view.billId, error: errorText(err) });
        }
      }
    },
  );
  if (released.length)
    await query(db, 'DELETE FROM notice WHERE idempotency_key = ANY($1) AND message_id IS NULL', [released]);
  await inTransaction(db, async (c) => {
    if (unconfirmed.length)
      await c.query(
        `UPDATE notice SET unconfirmed_at = $2 WHERE idempotency_key = ANY($1) AND message_id IS NULL`,
        [unconfirmed.map((u) => billNoticeKey(u.item.view.billId, 'EMAIL')), new Date()],
      );
    if (sent.length)
      await c.query(
        `UPDATE notice SET message_id = s.message_id, sent_at = s.sent_at
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS s(idempotency_key, message_id, sent_at)
         WHERE notice.idempotency_key = s.idempotency_key`,
        [
          sent.map((s) => billNoticeKey(s.item.view.billId, 'EMAIL')),
          sent.map((s) => s.messageId),
          sent.map((s) => s.at),
        ],
      );
    await recordDeliveries(c, actor, [
      ...sent.map(({ item: { view, email, contentHash }, messageId }) => ({
        view,
        kind: 'bill.emailed',
        summary: `Bill ${view.billId} (${view.totalText}) emailed to ${email}`,
        audit: {
          action: 'bill.emailed',
          after: { channel: 'EMAIL', recipient: email, messageId, contentHash, language: view.language },
        },
        data: { billId: view.billId, messageId, language: view.language },
      })),
      ...unconfirmed.map(({ item: { view, email }, error }) => ({
        view,
        kind: 'bill.email_unconfirmed',
        summary: `Bill ${view.billId} email to ${email} not confirmed by the mail server`,
        audit: {
          action: 'bill.email_unconfirmed',
          after: {
            channel: 'EMAIL',
            recipient: email,
            idempotencyKey: billNoticeKey(view.billId, 'EMAIL'),
            error,
          },
          reason: 'The mail server did not confirm the message; it is not resent automatically.',
        },
        data: { billId: view.billId },
      })),
    ]);
  });
  tally.emailed += sent.length;
  tally.skipped += unconfirmed.length;
}

/**
 * Claims the bills still to print into the batch and writes the batch files: every bill the
 * batch holds, in print order, streamed to disk slice by slice.
 */
async function printBatch(
  deps: DeliveryDeps,
  renderer: BillRenderer,
  actor: Actor,
  batchId: string,
  toPrint: PrintQueue,
  tally: Tally,
  addresses: ReadonlyMap<string, Addressed>,
): Promise<Pick<DeliveryResult, 'batchId' | 'pdfPath' | 'csvPath'>> {
  const { db, outDir, heartbeat } = deps;
  const members = new Map(
    (
      await query<{ bill_id: string; content_hash: string }>(
        db,
        `SELECT bill_id, content_hash FROM notice WHERE batch_id = $1 AND channel = 'PRINT' AND type = $2`,
        [batchId, NOTICE_TYPE_BILL],
      )
    ).map((m) => [m.bill_id, m.content_hash]),
  );
  // Bills to print that a concurrent delivery has put in this batch since they were selected.
  for (const id of toPrint.keys()) if (members.has(id)) tally.skipped++;
  const candidates = [...new Set([...members.keys(), ...toPrint.keys()])];
  if (candidates.length === 0) return { batchId: null, pdfPath: null, csvPath: null };
  // Print order needs only each bill's mailing ZIP: sort the ids first, then load slice by slice.
  // The delivery's selection brought each bill's address; only a bill it did not select (one an
  // earlier try printed and that is no longer ISSUED) is looked up here.
  const unknown = candidates.filter((id) => !addresses.has(id));
  const addressed = [
    ...candidates.flatMap((id) => {
      const a = addresses.get(id);
      return a ? [a] : [];
    }),
    ...(unknown.length
      ? await query<Addressed>(
          db,
          `SELECT b.id, b.account_id, c.mailing_address
           FROM bill b JOIN account a ON a.id = b.account_id JOIN customer c ON c.id = a.customer_id
           WHERE b.id = ANY($1)`,
          [unknown],
        )
      : []),
  ];
  const ordered = printOrder(
    addressed.map((r) => ({
      billId: r.id,
      accountId: r.account_id,
      customer: { postal: parseMailingAddress(r.mailing_address) },
    })),
  ).map((r) => r.billId);

  /** Loads, lays out and claims one slice; the batch files are written from it in order. */
  const prepare = async (ids: string[]) => {
    const loaded = await loadBillData(db, ids);
    const views = ids.map((id) => loaded.get(id)!);
    const rendered = await renderer.print(
      views,
      ids.map((id) => !members.has(id)),
    );
    const laidOut = views.map((view, i) => ({
      view,
      pages: rendered[i]!.pages,
      hash: members.get(view.billId),
    }));
    const fresh = laidOut
      .map((b, i) => ({ ...b, hash: rendered[i]!.contentHash }))
      .filter((b): b is typeof b & { hash: string } => b.hash !== undefined);
    if (fresh.length > 0) {
      const held = await inTransaction(db, async (c) => {
        const held = await claim(
          c,
          fresh.map((b) => ({
            view: b.view,
            channel: 'PRINT',
            recipient: b.view.customer.mailingAddress,
            contentHash: b.hash,
            batchId,
          })),
        );
        await recordDeliveries(
          c,
          actor,
          fresh
            .filter((b) => held.has(b.view.billId))
            .map(({ view, hash }) => ({
              view,
              kind: 'bill.printed',
              summary: `Bill ${view.billId} (${view.totalText}) sent to print in batch ${batchId}`,
              audit: {
                action: 'bill.printed',
                after: {
                  channel: 'PRINT',
                  batchId,
                  recipient: view.customer.mailingAddress,
                  contentHash: hash,
                  emailRefused: toPrint.get(view.billId),
                },
              },
              data: { billId: view.billId, batchId, language: view.language },
            })),
        );
        return held;
      });
      tally.printed += held.size;
      tally.skipped += fresh.length - held.size;
      // A bill claimed first by a concurrent delivery belongs in this batch only if that claim
      // names it.
      const lost = fresh.filter((b) => !held.has(b.view.billId)).map((b) => b.view.billId);
      const theirs = lost.length
        ? await query<{ bill_id: string; content_hash: string }>(
            db,
            `SELECT bill_id, content_hash FROM notice
             WHERE bill_id = ANY($1) AND batch_id = $2 AND channel = 'PRINT' AND type = $3`,
            [lost, batchId, NOTICE_TYPE_BILL],
          )
        : [];
      for (const b of fresh) members.set(b.view.billId, b.hash);
      for (const id of lost) members.delete(id);
      for (const t of theirs) members.set(t.bill_id, t.content_hash);
    }
    return laidOut;
  };

  const dir = path.join(outDir, 'print');
  mkdirSync(dir, { recursive: true });
  const pdfPath = path.join(dir, `${batchId}.pdf`);
  const csvPath = path.join(dir, `${batchId}.csv`);
  const [pdfTemp, csvTemp] = [tempName(pdfPath), tempName(csvPath)];
  const pdf = new PrintBatchFile(pdfTemp);
  const csv = openSync(csvTemp, 'w');
  let latest = '1970-01-01';
  let bills = 0;
  try {
    writeSync(csv, `${PRINT_CSV_COLUMNS.join(',')}\r\n`);
    await inOrder(slices(ordered, PRINT_SLICE), PRINT_SLICES_IN_FLIGHT, prepare, (laidOut) => {
      let rows = ''; // one write per slice, not per bill
      for (const { view, pages } of laidOut) {
        const hash = members.get(view.billId);
        if (hash === undefined) continue;
        const entry = pdf.add(view.billId, pages);
        rows += printCsvRow(batchId, view, entry, hash);
        if (view.billDate > latest) latest = view.billDate;
        bills++;
      }
      if (rows) writeSync(csv, rows);
      heartbeat?.();
    });
    pdf.close(latest);
    closeSync(csv);
  } catch (err) {
    pdf.abort();
    closeSync(csv);
    discard(pdfTemp, csvTemp);
    throw err;
  }
  if (bills === 0) {
    discard(pdfTemp, csvTemp);
    return { batchId: null, pdfPath: null, csvPath: null };
  }
  renameSync(pdfTemp, pdfPath);
  renameSync(csvTemp, csvPath);
  return { batchId, pdfPath, csvPath };
}

/**
 * Marks the bill emails claimed but never confirmed by a delivery that stopped (a worker killed
 * between claiming a slice and recording its sends): EMAIL rows of the run's (or these) bills with
 * no message id that nothing has marked yet. Each gets unconfirmed_at, an audit event and a
 * timeline entry saying the customer may not have the bill; none is resent (at most once, see the
 * header). Call it only when no delivery of these bills is in flight (the delivery activity does,
 * after its own delivery finished), or a claim about to be confirmed would be marked too. Returns
 * how many it marked.
 */
export async function markInterruptedEmails(
  db: Db,
  actor: Actor,
  opts: Pick<DeliveryOptions, 'runId' | 'billIds'>,
): Promise<number> {
  if (!opts.runId && !opts.billIds?.length) return 0;
  return inTransaction(db, async (c) => {
    const { rows } = await c.query<{ bill_id: string; account_id: string; recipient: string; key: string }>(
      `UPDATE notice n SET unconfirmed_at = $4
       FROM bill b
       WHERE b.id = n.bill_id AND n.channel = 'EMAIL' AND n.message_id IS NULL AND n.unconfirmed_at IS NULL
         AND n.type = $3 AND ($1::text IS NULL OR b.cycle_run_id = $1) AND ($2::text[] IS NULL OR b.id = ANY($2))
       RETURNING n.bill_id, n.account_id, n.recipient, n.idempotency_key AS key`,
      [opts.runId ?? null, opts.billIds ?? null, NOTICE_TYPE_BILL, new Date()],
    );
    const reason =
      'The delivery stopped after claiming this email and before the mail server confirmed it: ' +
      'the customer may not have the bill. It is not resent automatically.';
    await recordDeliveries(
      c,
      actor,
      rows.map((r) => ({
        view: { billId: r.bill_id, accountId: r.account_id },
        kind: 'bill.email_unconfirmed',
        summary: `Bill ${r.bill_id} email to ${r.recipient} not confirmed: the delivery stopped before the mail server answered`,
        audit: {
          action: 'bill.email_unconfirmed',
          after: {
            channel: 'EMAIL',
            recipient: r.recipient,
            idempotencyKey: r.key,
            error: 'delivery interrupted',
          },
          reason,
        },
        data: { billId: r.bill_id },
      })),
    );
    return rows.length;
  });
}

/** Delivers ISSUED bills by email or print, each at most once (see the header). */
export async function deliverBills(deps: DeliveryDeps, opts: DeliveryOptions): Promise<DeliveryResult> {
  const { db } = deps;
  const selected = await query<Addressed & { delivered: boolean; paperless: boolean; email: string | null }>(
    db,
    // Whether a bill is delivered is an index lookup per bill (LIMIT 1 keeps it one), whatever the
    // planner believes about a notice table the run may have just filled. The address comes along
    // for the print order.
    `SELECT b.id, b.account_id, c.mailing_address, d.delivered IS NOT NULL AS delivered, c.paperless, c.email
     FROM bill b JOIN account a ON a.id = b.account_id JOIN customer c ON c.id = a.customer_id
     LEFT JOIN LATERAL (SELECT true AS delivered FROM notice WHERE bill_id = b.id AND type = $3 LIMIT 1) d
       ON true
     WHERE b.status = 'ISSUED' AND ($1::text IS NULL OR b.cycle_run_id = $1)
       AND ($2::text[] IS NULL OR b.id = ANY($2))
     ORDER BY b.id`,
    [opts.runId ?? null, opts.billIds ?? null, NOTICE_TYPE_BILL],
  );
  const batchId = printBatchId(
    opts.runId,
    selected.map((b) => b.id),
  );
  const tally: Tally = {
    emailed: 0,
    printed: 0,
    skipped:
      (opts.billIds ? new Set(opts.billIds).size - selected.length : 0) +
      selected.filter((b) => b.delivered).length,
  };
  const addresses = new Map(selected.map((b) => [b.id, b]));
  const pending = selected.filter((b) => !b.delivered);
  const toEmail = pending.filter((b) => b.paperless && b.email?.trim()).map((b) => b.id);
  const toPrint: PrintQueue = new Map(
    pending.filter((b) => !(b.paperless && b.email?.trim())).map((b) => [b.id, undefined]),
  );

  // Email waits on the mail server, print on the CPU: the two run side by side. A bill whose email
  // is refused goes to print afterwards, which rewrites the batch with it.
  const retryLater: { billId: string; error: string }[] = [];
  const refused: PrintQueue = new Map();
  const renderer = rendererFor(pending.length, deps.renderThreads);
  let files: Pick<DeliveryResult, 'batchId' | 'pdfPath' | 'csvPath'>;
  try {
    // A few slices at a time, so one slice's rendering and database round trips overlap another's
    // sends instead of leaving the mail connections idle between slices.
    const emailing = inPool(slices(toEmail, EMAIL_SLICE), EMAIL_SLICES_IN_FLIGHT, async (ids) => {
      const views = await loadBillData(db, ids);
      await emailSlice(deps, renderer, opts.actor, [...views.values()], tally, refused, retryLater);
      deps.heartbeat?.();
    });
    const [printed, emailed] = await Promise.allSettled([
      printBatch(deps, renderer, opts.actor, batchId, toPrint, tally, addresses),
      emailing,
    ]);
    if (emailed.status === 'rejected') throw emailed.reason;
    if (printed.status === 'rejected') throw printed.reason;
    files = printed.value;
    if (refused.size > 0)
      files = await printBatch(deps, renderer, opts.actor, batchId, refused, tally, addresses);
  } finally {
    await renderer.close();
  }

  const result: DeliveryResult = { ...tally, ...files };
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
