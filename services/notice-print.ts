// Printed notices leave the building: the letters the notice register holds for the post (written
// disconnection notices, reminders, default notices, reconnection confirmations, copies to third
// parties and occupants, lead service-line letters) become a print batch for the vendor — ONE PDF
// and ONE CSV under <outDir>/print/<batchId>.{pdf,csv}, as bills do (services/bill-delivery.ts).
//
// A notice is registered for print when it is decided (its claim, with the date it bears) and
// waits with no batch (`batch_id` NULL). `printNoticeBatch` closes a batch at a cutoff: it claims
// every waiting letter registered up to then into the batch (one UPDATE, committed), writes the
// files from what the register holds — the subject and text the customer is told, word for word —
// and records the batch (table `print_batch`) with its hashes, an audit event and a timeline entry
// per letter. The batch id comes from the cutoff (`notices-<local date>T<HHMM>`), so a retried
// close claims into the same batch and rewrites the same files with the same bytes; a letter is in
// exactly one batch. A daily Temporal Schedule closes one at the vendor's pickup time, and a
// supervisor can close one at any moment (`POST /print-batches/notices`).
//
// Notice print CSV layout (<batchId>.csv: UTF-8, CRLF, RFC 4180 quoting, one header row, one row
// per letter in the PDF's order — mailing ZIP, then account, then notice date and key):
//   batch_id        the batch
//   sequence        1-based position of the letter in the PDF
//   notice_id       OpenCIS notice register id
//   notice_type     DISCONNECT_NOTICE, REMINDER, DEFAULT_NOTICE, RECONNECTION_CONFIRMATION,
//                   LEAD_SERVICE_LINE, …
//   account_id      the account the notice is about
//   recipient_name  addressee (the customer, a third party, "Occupant", a health department)
//   address_line1, address_line2, city, state, zip   as in the bill batch's layout
//   notice_date     YYYY-MM-DD: the date the notice bears (local)
//   language        language it is written in (en, es)
//   first_page, pages   where it is in the PDF; each letter starts on a new page
//   content_sha256  the register's content hash of the notice
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PoolClient } from 'pg';
import {
  ScheduleAlreadyRunning,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client as TemporalClient,
} from '@temporalio/client';
import { actorRef, type Actor } from '../lib/audit';
import { DEFAULT_NOTICE_PRINT_TIME } from '../lib/config';
import { recordAudits, recordChangeOn, recordTimelines } from '../lib/audit-batch';
import type { Db } from '../lib/db/prisma';
import { inTransaction, query } from '../lib/db/bulk';
import { discard, tempName } from '../lib/temp-files';
import { AppError, conflict, notFound } from '../lib/errors';
import { LetterBatchFile, layOutLetter } from '../lib/pdf/letter-pdf';
import { isoWeekday, localDate, wallClock, zonedInstant } from '../domain/collections/calendar';
import { addDays, dayNumber } from '../domain/ledger/dates';
import { csvField, NOTICE_TYPE_BILL } from './bill-delivery';
import { parseMailingAddress, utilityInfo } from './bill-render';
import { UTILITY_TIME_ZONE } from './ledger';
import { noticePrintRun, type NoticePrintRunInput } from '../workflows/notice-print';
import {
  noticeViewOf,
  renderCollectionsNotice,
  storedNoticeView,
  type StoredNoticeView,
} from './collections-notices';
import { movedNoticeDates } from '../domain/collections/notice-dates';

export const NOTICE_PRINT_CSV_COLUMNS = [
  'batch_id',
  'sequence',
  'notice_id',
  'notice_type',
  'account_id',
  'recipient_name',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'zip',
  'notice_date',
  'language',
  'first_page',
  'pages',
  'content_sha256',
] as const;

/** Where a printed notice goes, as the register content records it at the claim. */
export interface PrintAddressee {
  recipientName: string;
  mailingAddress: string;
}

/**
 * The close of the batch a letter registered at `at` goes out with: the day's close at `hhmm` (the
 * utility's local time), or the next one when it is past. Batches close Monday to Friday, when the
 * print vendor collects; a letter decided on a Friday evening or a weekend goes on Monday.
 */
export function printCloseFor(at: Date, hhmm: string = DEFAULT_NOTICE_PRINT_TIME): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  let day = localDate(at.getTime(), UTILITY_TIME_ZONE);
  for (;;) {
    const close = zonedInstant(day, h * 60 + m, UTILITY_TIME_ZONE);
    if (isoWeekday(day) <= 5 && close >= at.getTime()) return new Date(close);
    day = addDays(day, 1);
  }
}

/** The batch that closes at `cutoff`: `notices-2026-12-07T1600` (the utility's local time). */
export function noticeBatchId(cutoff: Date): string {
  const c = wallClock(cutoff.getTime(), UTILITY_TIME_ZONE);
  const hhmm = `${String(Math.floor(c.minutes / 60)).padStart(2, '0')}${String(c.minutes % 60).padStart(2, '0')}`;
  return `notices-${c.date}T${hhmm}`;
}

interface NoticeRow {
  id: string;
  account_id: string;
  type: string;
  language: string;
  recipient: string;
  content_hash: string;
  idempotency_key: string;
  sent_at: Date;
  content: {
    subject?: string;
    text?: string;
    recipientName?: string;
    mailingAddress?: string;
    /** The close of the batch the notice's dates were counted from (disconnection notices). */
    printClose?: string;
    /** The view it was rendered from (disconnection notices): rendered again if its dates move. */
    view?: StoredNoticeView;
    /** Days its dates were already moved on when it was rendered (a retry after a late letter). */
    renderedLateDays?: number;
  } | null;
}

/**
 * Who and where: the names the claim recorded; a letter registered before they were recorded
 * holds them only as "name, address" in `recipient`, split at its first comma.
 */
function addressee(n: NoticeRow): PrintAddressee {
  if (n.content?.recipientName && n.content.mailingAddress)
    return { recipientName: n.content.recipientName, mailingAddress: n.content.mailingAddress };
  const comma = n.recipient.indexOf(', ');
  return comma < 0
    ? { recipientName: n.recipient, mailingAddress: '' }
    : { recipientName: n.recipient.slice(0, comma), mailingAddress: n.recipient.slice(comma + 2) };
}

export interface NoticePrintBatch {
  batchId: string;
  cutoff: string;
  notices: number;
  pages: number;
  pdfSha256: string;
  csvSha256: string;
  /** Disconnection notices in it that were meant for an earlier batch (their dates moved on). */
  late: number;
  createdAt: string;
}

export interface NoticePrintResult {
  /** null when no letter was waiting. */
  batch: NoticePrintBatch | null;
  /** Letters this close put into the batch (0 on a retry that found them there already). */
  claimed: number;
  pdfPath: string | null;
  csvPath: string | null;
}

interface BatchRow {
  id: string;
  cutoff: Date;
  notices: number;
  pages: number;
  pdf_sha256: string;
  csv_sha256: string;
  late: number;
  created_at: Date;
  files_placed_at: Date | null;
}

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * One transaction at a time closes a batch (exclusive), and a disconnection notice's record is
 * written under the same lock shared (activities/collections.ts): so a close either sees the
 * record, or the record sees the close (see holdLateNotices).
 */
export const PRINT_CLOSE_LOCK = 'opencis:notice-print';

const MEMBERS_SQL = `SELECT id, account_id, type, language, recipient, content_hash, idempotency_key, sent_at, content
  FROM notice WHERE batch_id = $1 AND channel = 'PRINT' AND type <> $2`;

/** A scheduled close starts a moment after its time; a batch closed up to this long after a close is that close's. */
const CLOSE_START_SLACK_MS = 10 * 60_000;

interface BatchFiles {
  pdfTemp: string;
  csvTemp: string;
  pdfSha256: string;
  csvSha256: string;
  notices: number;
  pages: number;
}

/** Lets the event loop run (heartbeats, other activities) during a long synchronous render. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The batch's two files, written to temporary names beside their final ones: the letters in print
 * order (mailing ZIP, account, notice date, key), each laid out from what the register holds.
 */
async function writeBatchFiles(
  batchId: string,
  cutoff: Date,
  rows: readonly NoticeRow[],
  paths: { pdf: string; csv: string },
  heartbeat?: () => void,
): Promise<BatchFiles> {
  const letters = rows.map((n) => {
    const to = addressee(n);
    return {
      n,
      to,
      postal: parseMailingAddress(to.mailingAddress),
      day: localDate(n.sent_at.getTime(), UTILITY_TIME_ZONE),
    };
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  letters.sort(
    (a, b) =>
      cmp(a.postal.zip, b.postal.zip) ||
      cmp(a.n.account_id, b.n.account_id) ||
      a.n.sent_at.getTime() - b.n.sent_at.getTime() ||
      cmp(a.n.idempotency_key, b.n.idempotency_key),
  );
  const utility = utilityInfo();
  mkdirSync(path.dirname(paths.pdf), { recursive: true });
  const [pdfTemp, csvTemp] = [tempName(paths.pdf), tempName(paths.csv)];
  const pdf = new LetterBatchFile(pdfTemp);
  const csv = openSync(csvTemp, 'w');
  let pages = 0;
  try {
    writeSync(csv, `${NOTICE_PRINT_CSV_COLUMNS.join(',')}\r\n`);
    for (const { n, to, postal, day } of letters) {
      const entry = pdf.add(
        layOutLetter({
          utility,
          recipientName: to.recipientName,
          postal,
          reference: `${utility.name} - ${n.account_id} - ${day}`,
          subject: n.content?.subject ?? n.type,
          body: n.content?.text ?? '',
        }),
      );
      pages += entry.pages;
      const record: Record<(typeof NOTICE_PRINT_CSV_COLUMNS)[number], string | number> = {
        batch_id: batchId,
        sequence: entry.sequence,
        notice_id: n.id,
        notice_type: n.type,
        account_id: n.account_id,
        recipient_name: to.recipientName,
        address_line1: postal.lines[0] ?? '',
        address_line2: postal.lines.slice(1).join(', '),
        city: postal.city,
        state: postal.state,
        zip: postal.zip,
        notice_date: day,
        language: n.language,
        first_page: entry.firstPage,
        pages: entry.pages,
        content_sha256: n.content_hash,
      };
      writeSync(csv, `${NOTICE_PRINT_CSV_COLUMNS.map((c) => csvField(record[c])).join(',')}\r\n`);
      if (entry.sequence % 100 === 0) {
        heartbeat?.();
        await breathe();
      }
    }
    pdf.close(
      `Notice print batch ${batchId} (${letters.length} letters)`,
      localDate(cutoff.getTime(), UTILITY_TIME_ZONE),
    );
    closeSync(csv);
  } catch (err) {
    pdf.abort();
    closeSync(csv);
    discard(pdfTemp, csvTemp);
    throw err;
  }
  return {
    pdfTemp,
    csvTemp,
    pdfSha256: sha256File(pdfTemp),
    csvSha256: sha256File(csvTemp),
    notices: letters.length,
    pages,
  };
}

/** The key prefix all records of one collections notice share: every recipient, every channel. */
export const noticePrefixOf = (key: string) => `${key.split(':').slice(0, -2).join(':')}:`;

/**
 * A disconnection notice counts its notice period from the close of the print batch it was meant
 * for (activities/collections.ts stores that close as `printClose`). One that is collected later —
 * its row committed after that close claimed the waiting letters, say, or an activity retried
 * long after — is mailed later than its dates assumed: the date it binds the engine to moves on by
 * the days lost, on every record of the notice (its email copies too: the rules read the notice as
 * one), so no disconnection comes before the full period from the day it is mailed. The days lost
 * (and the day it is mailed) are kept on the letter as well, for a record written after this close
 * (which applies them) and for copies sent after it (which state the moved date).
 * The letter itself is rendered again from the view it was rendered from, with the moved dates (the
 * date it binds to, the last day to pay the day before it moved as much, the day it is mailed among
 * the reasons), before the batch's files are written: what the customer reads is the date the
 * engine holds to. Its new content hash replaces the old on the register and on its record.
 * Moves once per notice, however many of its letters are late. Returns the letters found late.
 */
async function holdLateNotices(
  c: PoolClient,
  actor: Actor,
  batchId: string,
  collected: Date,
  rows: readonly NoticeRow[],
) {
  const mailedOn = localDate(collected.getTime(), UTILITY_TIME_ZONE);
  const mailDay = dayNumber(mailedOn);
  let late = 0;
  for (const n of rows) {
    const meant = n.content?.printClose;
    if (n.type !== 'DISCONNECT_NOTICE' || !meant) continue;
    const days = mailDay - dayNumber(localDate(Date.parse(meant), UTILITY_TIME_ZONE));
    if (days <= 0) continue;
    late++;
    await query(
      c,
      `UPDATE notice SET content = content || jsonb_build_object('daysLate', $2::int, 'mailedOn', $3::text)
       WHERE id = $1`,
      [n.id, days, mailedOn],
    );
    const moved = await query<{ until: string }>(
      c,
      `UPDATE collections_action
       SET data = data || jsonb_build_object(
         'disconnectOnOrAfter',
         ((data->>'disconnectOnOrAfter')::date - COALESCE((data->>'mailedLateDays')::int, 0)
           + GREATEST($2::int, COALESCE((data->>'mailedLateDays')::int, 0)))::text,
         'mailedLateDays', GREATEST($2::int, COALESCE((data->>'mailedLateDays')::int, 0)))
       WHERE account_id = $3 AND starts_with(idempotency_key, $1)
         AND jsonb_typeof(data->'disconnectOnOrAfter') = 'string'
       RETURNING data->>'disconnectOnOrAfter' AS until`,
      [noticePrefixOf(n.idempotency_key), days, n.account_id],
    );
    const until =
      moved
        .map((m) => m.until)
        .sort()
        .at(-1) ?? null;
    const rewritten = await restateLateLetter(c, n, until, days, mailedOn);
    await recordChangeOn(
      c,
      actor,
      {
        action: 'notice.print.late',
        entityType: 'notice',
        entityId: n.id,
        accountId: n.account_id,
        after: {
          batchId,
          daysLate: days,
          disconnectOnOrAfter: until,
          ...(rewritten ? { contentHash: rewritten.contentHash, previousContentHash: n.content_hash } : {}),
        },
        reason: `meant for the print batch closing ${meant}, collected with ${batchId}`,
      },
      {
        kind: 'notice.print.late',
        summary: `Disconnection notice mailed ${days} day(s) after the day its notice period was counted from${until ? `: no disconnection before ${until}` : ''}`,
        data: { batchId, noticeId: n.id, daysLate: days },
      },
    );
  }
  return late;
}

/**
 * A late letter's text with the dates its notice now binds to: rendered again from its view with the
 * disconnection date moved to `until` (the notice's binding date; without a record yet, the date
 * the letter gave plus the days it is late beyond those already applied), the last day to pay moved
 * as much. Its subject, text and content hash replace the register's, and its record's hash
 * follows. A letter registered without its view (before views were kept) stays as written.
 */
async function restateLateLetter(
  c: PoolClient,
  n: NoticeRow,
  until: string | null,
  days: number,
  mailedOn: string,
): Promise<{ contentHash: string } | null> {
  const stored = n.content?.view;
  if (!stored?.dates.disconnectOnOrAfter) return null;
  const view = noticeViewOf(stored);
  const said = view.dates.disconnectOnOrAfter!;
  const shift = until
    ? dayNumber(until) - dayNumber(said)
    : Math.max(0, days - (n.content?.renderedLateDays ?? 0));
  if (shift <= 0) return null;
  const moved = movedNoticeDates(
    { disconnectOnOrAfter: said, payBy: view.dates.payBy ?? null, reasons: view.reasons },
    shift,
    mailedOn,
  );
  const restated = {
    ...view,
    dates: { ...view.dates, disconnectOnOrAfter: moved.disconnectOnOrAfter, payBy: moved.payBy },
    reasons: moved.reasons,
  };
  const r = renderCollectionsNotice(restated);
  await query(
    c,
    `UPDATE notice SET content_hash = $2,
       content = content || jsonb_build_object('subject', $3::text, 'text', $4::text, 'view', $5::jsonb,
         'renderedLateDays', COALESCE((content->>'renderedLateDays')::int, 0) + $6::int)
     WHERE id = $1`,
    [n.id, r.contentHash, r.subject, r.text, JSON.stringify(storedNoticeView(restated)), shift],
  );
  await query(
    c,
    `UPDATE collections_action SET data = data || jsonb_build_object('contentHash', $2::text)
     WHERE idempotency_key = $1 AND account_id = $3`,
    [n.idempotency_key, r.contentHash, n.account_id],
  );
  return { contentHash: r.contentHash };
}

/** Takes the close lock, heartbeating while another close holds it. */
async function lockCloses(c: PoolClient, heartbeat?: () => void): Promise<void> {
  for (;;) {
    const [r] = await query<{ ok: boolean }>(c, 'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
      PRINT_CLOSE_LOCK,
    ]);
    if (r?.ok) return;
    heartbeat?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface NoticePrintDeps {
  db: Db;
  outDir: string;
  /** NOTICE_PRINT_TIME: when the vendor collects (a batch closed off-schedule waits for it). */
  noticePrintTime?: string;
  heartbeat?: () => void;
  /** True once the caller has given up (a cancelled activity): the close then commits nothing. */
  cancelled?: () => boolean;
}

/**
 * Closes the print batch at `cutoff`: every letter registered for print up to then, once.
 *
 * In ONE transaction, under the close lock: the waiting letters are claimed into the batch, its
 * files are written under temporary names, late disconnection notices are held (holdLateNotices),
 * and the batch is recorded with its audit event and a timeline entry per letter. Only once that
 * commits do the files take their final names, and the record then says they did. So a close that
 * fails or is given up part way leaves every letter waiting for the next one, and two closes never
 * claim the same letters. A batch on record whose files never reached the folder (a stop between
 * the commit and the rename) is written again, from its same letters, by the next close, whatever
 * its cutoff; a stop between the rename and the record of it can place the same files twice.
 */
export async function printNoticeBatch(
  deps: NoticePrintDeps,
  i: { cutoff: Date; actor: Actor },
): Promise<NoticePrintResult> {
  const { db, outDir } = deps;
  const batchId = noticeBatchId(i.cutoff);
  const pathsOf = (id: string) => ({
    pdf: path.join(outDir, 'print', `${id}.pdf`),
    csv: path.join(outDir, 'print', `${id}.csv`),
  });
  const toPlace: { row: BatchRow; files: BatchFiles }[] = [];
  try {
    const outcome = await inTransaction(db, async (c) => {
      await lockCloses(c, deps.heartbeat);
      // Batches on record whose files never reached the folder: the same letters, written again.
      for (const row of await query<BatchRow>(
        c,
        `SELECT * FROM print_batch WHERE kind = 'NOTICES' AND files_placed_at IS NULL ORDER BY cutoff`,
      )) {
        const members = await query<NoticeRow>(c, MEMBERS_SQL, [row.id, NOTICE_TYPE_BILL]);
        toPlace.push({
          row,
          files: await writeBatchFiles(row.id, row.cutoff, members, pathsOf(row.id), deps.heartbeat),
        });
      }
      const [recorded] = await query<BatchRow>(c, `SELECT * FROM print_batch WHERE id = $1`, [batchId]);
      if (recorded) return { row: recorded, claimed: 0 };
      const claimed = await query<{ id: string }>(
        c,
        `UPDATE notice SET batch_id = $1
         WHERE channel = 'PRINT' AND type <> $2 AND batch_id IS NULL AND sent_at <= $3 RETURNING id`,
        [batchId, NOTICE_TYPE_BILL, i.cutoff],
      );
      if (claimed.length === 0) return null;
      const collected = printCloseFor(
        new Date(i.cutoff.getTime() - CLOSE_START_SLACK_MS),
        deps.noticePrintTime,
      );
      // Late letters first: they are rendered again with their moved dates, and the files are
      // written from the register as it then stands.
      const late = await holdLateNotices(
        c,
        i.actor,
        batchId,
        collected,
        await query<NoticeRow>(c, MEMBERS_SQL, [batchId, NOTICE_TYPE_BILL]),
      );
      const rows = await query<NoticeRow>(c, MEMBERS_SQL, [batchId, NOTICE_TYPE_BILL]);
      const f = await writeBatchFiles(batchId, i.cutoff, rows, pathsOf(batchId), deps.heartbeat);
      const [row] = await query<BatchRow>(
        c,
        `INSERT INTO print_batch (id, kind, cutoff, notices, pages, pdf_sha256, csv_sha256, late)
         VALUES ($1, 'NOTICES', $2, $3, $4, $5, $6, $7) RETURNING *`,
        [batchId, i.cutoff, f.notices, f.pages, f.pdfSha256, f.csvSha256, late],
      );
      toPlace.push({ row: row!, files: f });
      await recordAudits(c, i.actor, [
        {
          action: 'notice.print-batch.closed',
          entityType: 'print_batch',
          entityId: batchId,
          after: {
            notices: f.notices,
            pages: f.pages,
            late,
            pdfSha256: f.pdfSha256,
            csvSha256: f.csvSha256,
            cutoff: i.cutoff.toISOString(),
          },
          reason: 'letters registered for print handed to the print vendor',
        },
      ]);
      await recordTimelines(
        c,
        i.actor,
        rows.map((n) => ({
          accountId: n.account_id,
          kind: 'notice.printed',
          entityType: 'notice',
          entityId: n.id,
          summary: `${n.type.replace(/_/g, ' ').toLowerCase()} to ${addressee(n).recipientName} printed for mailing (batch ${batchId})`,
          data: { batchId, noticeId: n.id, type: n.type },
        })),
      );
      // Given up meanwhile (the caller timed out): nothing of this close may stand.
      if (deps.cancelled?.())
        throw new Error(`Closing print batch ${batchId} was given up; nothing was recorded`);
      return { row: row!, claimed: claimed.length };
    });
    let result: BatchRow | null = outcome?.row ?? null;
    while (toPlace.length > 0) {
      const { row, files } = toPlace.shift()!;
      const paths = pathsOf(row.id);
      renameSync(files.pdfTemp, paths.pdf);
      renameSync(files.csvTemp, paths.csv);
      const changed = files.pdfSha256 !== row.pdf_sha256 || files.csvSha256 !== row.csv_sha256;
      const [placed] = await inTransaction(db, async (c) => {
        // The same letters laying out otherwise (the utility's details changed since): the record
        // follows the files that went out, and says so.
        if (changed)
          await recordAudits(c, i.actor, [
            {
              action: 'notice.print-batch.rewritten',
              entityType: 'print_batch',
              entityId: row.id,
              before: { pdfSha256: row.pdf_sha256, csvSha256: row.csv_sha256, pages: row.pages },
              after: { pdfSha256: files.pdfSha256, csvSha256: files.csvSha256, pages: files.pages },
              reason: 'the batch was written again after a stop, and its letters now lay out differently',
            },
          ]);
        return query<BatchRow>(
          c,
          `UPDATE print_batch SET files_placed_at = now(), pdf_sha256 = $2, csv_sha256 = $3, pages = $4
           WHERE id = $1 RETURNING *`,
          [row.id, files.pdfSha256, files.csvSha256, files.pages],
        );
      });
      if (placed && placed.id === result?.id) result = placed;
    }
    if (!outcome || !result) return { batch: null, claimed: 0, pdfPath: null, csvPath: null };
    const paths = pathsOf(batchId);
    return { batch: toBatch(result), claimed: outcome.claimed, pdfPath: paths.pdf, csvPath: paths.csv };
  } finally {
    // Files of a close that did not commit (or were not placed) never take their final names.
    for (const { files } of toPlace) {
      discard(files.pdfTemp, files.csvTemp);
    }
  }
}

function toBatch(b: BatchRow): NoticePrintBatch {
  return {
    batchId: b.id,
    cutoff: b.cutoff.toISOString(),
    notices: b.notices,
    pages: b.pages,
    pdfSha256: b.pdf_sha256,
    csvSha256: b.csv_sha256,
    late: b.late,
    createdAt: b.created_at.toISOString(),
  };
}

/** Closed batches, newest first, and how many letters wait for the next one. */
export async function listNoticePrintBatches(
  db: Db,
  limit = 50,
): Promise<{ waiting: number; items: NoticePrintBatch[] }> {
  const [w] = await query<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM notice WHERE channel = 'PRINT' AND type <> $1 AND batch_id IS NULL`,
    [NOTICE_TYPE_BILL],
  );
  const rows = await query<BatchRow>(
    db,
    `SELECT * FROM print_batch WHERE kind = 'NOTICES' ORDER BY cutoff DESC, id DESC LIMIT $1`,
    [limit],
  );
  return { waiting: w?.n ?? 0, items: rows.map(toBatch) };
}

/** The file of a closed batch, with the hash on record for it. */
export async function noticePrintBatchFile(
  db: Db,
  outDir: string | undefined,
  batchId: string,
  kind: 'pdf' | 'csv',
): Promise<{ file: string; sha256: string }> {
  const [b] = await query<{ pdf_sha256: string; csv_sha256: string }>(
    db,
    `SELECT pdf_sha256, csv_sha256 FROM print_batch WHERE id = $1 AND kind = 'NOTICES'`,
    [batchId],
  );
  if (!b) throw notFound('Print batch', batchId);
  if (!outDir) throw new AppError('unavailable', 'This server has no output folder for print batches');
  const file = path.join(outDir, 'print', `${batchId}.${kind}`);
  if (!existsSync(file)) throw notFound('Print batch file', `${batchId}.${kind}`);
  return { file, sha256: kind === 'pdf' ? b.pdf_sha256 : b.csv_sha256 };
}

// ---- through Temporal -----------------------------------------------------------------------------

type TemporalDeps = { temporal: TemporalClient; taskQueue: string };

/**
 * The close at the print vendor's pickup time (`hhmm`, the utility's local time, Monday to
 * Friday). A schedule already there is brought up to date (its time, the workflow it starts):
 * notice dates are counted from it.
 */
export async function ensureNoticePrintSchedule(d: TemporalDeps, hhmm: string): Promise<void> {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const spec = {
    calendars: [
      {
        dayOfWeek: [{ start: 'MONDAY' as const, end: 'FRIDAY' as const }],
        hour,
        minute,
        comment: 'printed notices to the print vendor, Monday to Friday',
      },
    ],
    timezone: UTILITY_TIME_ZONE,
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: noticePrintRun,
    taskQueue: d.taskQueue,
    workflowId: 'notice-print-scheduled',
    args: [{}] as [NoticePrintRunInput],
    // A close that cannot finish gives way to the next weekday's, which takes its letters too.
    workflowExecutionTimeout: '20 hours',
  };
  try {
    await d.temporal.schedule.create({ scheduleId: NOTICE_PRINT_SCHEDULE_ID, spec, action });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await d.temporal.schedule
      .getHandle(NOTICE_PRINT_SCHEDULE_ID)
      .update((prev) => ({ ...prev, spec, action }));
  }
}

export const NOTICE_PRINT_SCHEDULE_ID = 'notice-print-schedule';

/** Closes a batch now, on the worker (which writes to the vendor's folder), and waits for it. */
export async function requestNoticePrintBatch(
  d: TemporalDeps,
  actor: Actor,
  now: Date,
): Promise<{ batch: NoticePrintBatch | null; claimed: number }> {
  const cutoff = now;
  try {
    return await d.temporal.workflow.execute(noticePrintRun, {
      taskQueue: d.taskQueue,
      workflowId: `notice-print:${noticeBatchId(cutoff)}`,
      // A close that cannot finish changes nothing; the clerk hears so rather than waiting on.
      workflowExecutionTimeout: '5 minutes',
      args: [
        {
          cutoff: cutoff.toISOString(),
          actor: actorRef(actor),
        },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict(`The print batch ${noticeBatchId(cutoff)} is being closed already`);
    if (err instanceof WorkflowFailedError)
      throw new AppError(
        'unavailable',
        `The print batch ${noticeBatchId(cutoff)} could not be closed in time; GET /print-batches/notices shows whether it was, else its letters wait for the next close`,
      );
    throw err;
  }
}
