// Bill delivery end to end: Millbrook loaded, bills issued, a real SMTP listener catching the
// email, pdftotext reading the PDFs back, and the notice register proving nothing goes out twice.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parse } from 'csv-parse/sync';
import type { Actor } from '../lib/audit';
import { verifyAuditChain } from '../lib/audit-verify';
import { createMailer, type Mailer } from '../lib/mailer';
import { parseMailbox } from '../lib/mime';
import { billPdf } from '../lib/pdf/bill-pdf';
import { startSmtpCatcher, type SmtpCatcher } from '../lib/runtime/smtp-catcher';
import {
  deliverBills,
  emailContentHash,
  markInterruptedEmails,
  PRINT_CSV_COLUMNS,
} from '../services/bill-delivery';
import { loadBillView, renderBill, type BillView } from '../services/bill-render';
import type { EmailArtifacts } from '../services/bill-artifacts';
import { inPlaceRenderer, rendererFor, threadRenderer } from '../services/bill-render-pool';
import { importLegacyExport } from '../services/import-legacy';
import { createTestDatabase, type TestDatabase } from './helpers/db';

const DEMO = path.resolve(__dirname, '..', 'demo-data', 'millbrook');
const actor: Actor = { id: 'test:delivery', role: 'system' };
const RUN_ID = '1:2026-11';
const XSS = '<script>alert(1)</script>';

let t: TestDatabase;
let catcher: SmtpCatcher;
let mailer: Mailer;
let tmp: string;
let mailDir: string;
let outDir: string;

const day = (s: string) => new Date(`${s}T00:00:00.000Z`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every message the SMTP listener kept, parsed whole (attachments included). */
async function caughtMail(): Promise<ParsedMail[]> {
  const files = readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map((f) => simpleParser(readFileSync(path.join(mailDir, f)))));
}
const mailTo = (all: ParsedMail[], email: string) =>
  all.filter((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.text.includes(email)));

function pdfText(pdf: Buffer | string): string {
  let file = pdf as string;
  if (Buffer.isBuffer(pdf)) {
    file = path.join(tmp, `${randomBytes(6).toString('hex')}.pdf`);
    writeFileSync(file, pdf);
  }
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
const pdfPages = (file: string) =>
  Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);

let billSeq = 0;
/** An ISSUED bill straight into the database, its lines summing to the total. */
async function issueBill(
  accountId: string,
  opts: {
    estimated?: boolean;
    cycleRunId?: string | null;
    status?: 'ISSUED' | 'DRAFT';
    lines?: [string, string, string, string, number][];
  } = {},
): Promise<{ id: string; totalCents: number }> {
  const id = `B-TEST-${String(++billSeq).padStart(4, '0')}`;
  const lines = opts.lines ?? [
    ['Base charge, 5/8" meter', '1', 'period', '18.50', 1850],
    ['Volume charge, first 3,000 gal', '3000', 'gal', '4.10', 1230],
    ['Volume charge, next 7,000 gal (3,000–10,000)', '4500', 'gal', '5.25', 2363],
    ['Sewer charge', '7500', 'gal', '6.20', 4650],
  ];
  const totalCents = lines.reduce((s, l) => s + l[4], 0);
  await t.db.bill.create({
    data: {
      id,
      accountId,
      cycleRunId: opts.cycleRunId === undefined ? RUN_ID : opts.cycleRunId,
      status: opts.status ?? 'ISSUED',
      issuedAt: opts.status === 'DRAFT' ? null : new Date('2026-11-05T12:00:00Z'),
      periodFrom: day('2026-10-02'),
      periodTo: day('2026-11-02'),
      billDate: day('2026-11-05'),
      dueDate: day('2026-11-25'),
      estimated: opts.estimated ?? false,
      totalCents: BigInt(totalCents),
      lines: {
        create: lines.map(([description, quantity, unit, rate, amount], i) => ({
          lineNo: i + 1,
          service: 'WATER',
          component: `C${i + 1}`,
          description,
          quantity,
          unit,
          rate,
          amountCents: BigInt(amount),
          periodFrom: day('2026-10-02'),
          periodTo: day('2026-11-02'),
        })),
      },
    },
  });
  return { id, totalCents };
}

/** Accounts of customers matching `where`, in id order, each used once across the file. */
const used = new Set<string>();
async function accountOf(where: { language: string; paperless: boolean; email?: null | { not: null } }) {
  const accounts = await t.db.account.findMany({
    where: { customer: where },
    include: { customer: true, premise: true },
    orderBy: { id: 'asc' },
  });
  const a = accounts.find((x) => !used.has(x.id));
  if (!a) throw new Error(`no unused account for ${JSON.stringify(where)}`);
  used.add(a.id);
  return a;
}

const deps = () => ({ db: t.db, mailer, outDir });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'opencis-bills-'));
  mailDir = path.join(tmp, 'mail');
  outDir = path.join(tmp, 'out');
  t = await createTestDatabase();
  const imported = await importLegacyExport(t.db, { dir: DEMO, actor, encryptionKey: randomBytes(32) });
  expect(imported.status).toBe('completed');
  catcher = await startSmtpCatcher({ mailDir, port: 0 });
  mailer = createMailer(catcher.url, 'Millbrook Water & Light <billing@millbrook.example>');
  await t.db.billCycleRun.create({
    data: {
      id: RUN_ID,
      cycleId: 1,
      period: '2026-11',
      workflowId: `billCycle:${RUN_ID}`,
      status: 'ISSUED',
      readWindowFrom: new Date('2026-10-30T00:00:00Z'),
      readWindowTo: new Date('2026-11-05T00:00:00Z'),
      billDate: day('2026-11-05'),
      dueDate: day('2026-11-25'),
    },
  });
});

afterAll(async () => {
  mailer?.close();
  await catcher?.stop();
  await t?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a bill cycle run delivered', () => {
  const s = {} as {
    english: Awaited<ReturnType<typeof accountOf>>;
    spanish: Awaited<ReturnType<typeof accountOf>>;
    vietnamese: Awaited<ReturnType<typeof accountOf>>;
    paper: Awaited<ReturnType<typeof accountOf>>;
    noEmail: Awaited<ReturnType<typeof accountOf>>;
    draft: Awaited<ReturnType<typeof accountOf>>;
    bills: Record<
      'english' | 'spanish' | 'vietnamese' | 'paper' | 'noEmail' | 'draft',
      { id: string; totalCents: number }
    >;
    result: Awaited<ReturnType<typeof deliverBills>>;
  };

  beforeAll(async () => {
    s.english = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    await t.db.customer.update({ where: { id: s.english.customerId }, data: { name: XSS } });
    s.spanish = await accountOf({ language: 'es', paperless: true, email: { not: null } });
    s.vietnamese = await accountOf({ language: 'vi', paperless: true, email: { not: null } });
    s.paper = await accountOf({ language: 'en', paperless: false, email: { not: null } });
    s.noEmail = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    await t.db.customer.update({ where: { id: s.noEmail.customerId }, data: { email: null } });
    s.draft = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    s.bills = {
      english: await issueBill(s.english.id, {
        lines: [
          ['Customer charge', '1', 'period', '25', 2500],
          ['Energy charge', '10000', 'kWh', '0.1190', 119000],
          ['Municipal utility tax', '1215.00', 'USD', '6', 7290],
        ],
      }),
      spanish: await issueBill(s.spanish.id),
      vietnamese: await issueBill(s.vietnamese.id),
      paper: await issueBill(s.paper.id, { estimated: true }),
      noEmail: await issueBill(s.noEmail.id),
      draft: await issueBill(s.draft.id, { status: 'DRAFT' }),
    };
    s.result = await deliverBills(deps(), { runId: RUN_ID, actor });
  });

  test('paperless customers are emailed, everyone else printed, drafts left alone', () => {
    expect(s.result).toEqual({
      emailed: 3,
      printed: 2,
      skipped: 0,
      batchId: 'print-1_2026-11',
      pdfPath: path.join(outDir, 'print', 'print-1_2026-11.pdf'),
      csvPath: path.join(outDir, 'print', 'print-1_2026-11.csv'),
    });
  });

  test('the English email arrives with the amounts, the PDF attached, and the name escaped', async () => {
    const [mail, ...more] = mailTo(await caughtMail(), s.english.customer.email!);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe(
      `Millbrook Water & Light bill for account ${s.english.id}: $1,287.90 due November 25, 2026`,
    );
    expect(mail!.text).toContain(`Dear ${XSS},`);
    expect(mail!.text).toContain('Total amount due: $1,287.90');
    expect(mail!.text).toContain('10,000 kWh x $0.119 = $1,190.00');
    expect(mail!.text).toContain('$1,215.00 x 6% = $72.90');
    expect(mail!.text).toContain('Due date: November 25, 2026');
    expect(mail!.text).toContain('October 2, 2026 to November 2, 2026');
    expect(mail!.text).toContain('1.5% of the unpaid past-due balance (minimum $1.00)');
    expect(mail!.text).not.toContain('ESTIMATED');

    const html = String(mail!.html);
    expect(html).toContain('Dear &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Millbrook Water &amp; Light');
    expect(html).toContain('$1,287.90');

    expect(mail!.attachments).toHaveLength(1);
    const pdf = mail!.attachments[0]!;
    expect(pdf.contentType).toBe('application/pdf');
    const text = pdfText(pdf.content);
    expect(text).toContain(s.english.id);
    expect(text).toMatch(/Total amount due\s+\$1,287\.90/);
    expect(text).toContain(s.english.premise.serviceAddress);
    expect(text).toContain('November 25, 2026');
    expect(text).toContain(XSS); // plain text in a PDF, nothing to escape
  });

  test('the Spanish customer gets the bill in Spanish; other languages fall back to English', async () => {
    const all = await caughtMail();
    const [es] = mailTo(all, s.spanish.customer.email!);
    expect(es!.subject).toBe(
      `Factura de Millbrook Water & Light, cuenta ${s.spanish.id}: $100.93 vence el 25 de noviembre de 2026`,
    );
    expect(es!.text).toContain(`Estimado/a ${s.spanish.customer.name}:`);
    expect(es!.text).toContain('Total a pagar: $100.93');
    expect(es!.text).toContain('4,500 gal x $5.25 / 1,000 gal = $23.63');
    expect(es!.text).toContain('Fecha de vencimiento: 25 de noviembre de 2026');
    expect(es!.text).toContain('cargo por pago atrasado del 1.5% del saldo vencido no pagado (mínimo $1.00)');
    expect(String(es!.html)).toContain('lang="es"');
    const esPdf = pdfText(es!.attachments[0]!.content);
    expect(esPdf).toContain(s.spanish.id);
    expect(esPdf).toMatch(/Total a pagar\s+\$100\.93/);
    expect(esPdf).toContain('Fecha de vencimiento');

    const [vi] = mailTo(all, s.vietnamese.customer.email!);
    expect(vi!.subject).toBe(
      `Millbrook Water & Light bill for account ${s.vietnamese.id}: $100.93 due November 25, 2026`,
    );
    expect(vi!.text).toContain(
      'This bill is in English because we do not yet offer bills in your preferred language.',
    );
    expect(all).toHaveLength(3);
  });

  test('the print batch holds each paper bill once, in ZIP order, with its pages', () => {
    const csv = readFileSync(s.result.csvPath!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(PRINT_CSV_COLUMNS.join(','));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.bill_id).sort()).toEqual([s.bills.paper.id, s.bills.noEmail.id].sort());
    const sorted = [...rows].sort((a, b) => (a.zip! + a.account_id!).localeCompare(b.zip! + b.account_id!));
    expect(rows).toEqual(sorted);
    expect(rows.map((r) => r.sequence)).toEqual(['1', '2']);

    const paperRow = rows.find((r) => r.bill_id === s.bills.paper.id)!;
    const addr = s.paper.customer.mailingAddress;
    expect(paperRow).toMatchObject({
      batch_id: 'print-1_2026-11',
      account_id: s.paper.id,
      customer_name: s.paper.customer.name,
      address_line1: addr.split(', ')[0],
      address_line2: '',
      city: 'Millbrook',
      state: 'PA',
      zip: addr.slice(-5),
      bill_date: '2026-11-05',
      due_date: '2026-11-25',
      amount_due: '100.93',
      estimated: 'Y',
      language: 'en',
      pages: '1',
    });
    expect(rows.find((r) => r.bill_id === s.bills.noEmail.id)).toMatchObject({
      estimated: 'N',
      account_id: s.noEmail.id,
    });

    expect(pdfPages(s.result.pdfPath!)).toBe(rows.reduce((n, r) => n + Number(r.pages), 0));
    const pages = pdfText(s.result.pdfPath!).split('\f');
    for (const r of rows) {
      const page = pages[Number(r.first_page) - 1]!;
      expect(page).toContain(r.account_id);
      expect(page).toContain(r.customer_name);
      expect(page).toMatch(/Total amount due\s+\$100\.93/);
    }
    // The estimated bill says so; the other one does not.
    expect(pages[Number(paperRow.first_page) - 1]).toContain('ESTIMATED BILL');
    const other = rows.find((r) => r !== paperRow)!;
    expect(pages[Number(other.first_page) - 1]).not.toContain('ESTIMATED');
  });

  test('the notice register has one row per delivery, with its content hash, audited', async () => {
    const notices = await t.db.notice.findMany({ orderBy: { billId: 'asc' } });
    expect(notices).toHaveLength(5);
    const byBill = new Map(notices.map((n) => [n.billId, n]));
    for (const [who, channel, language] of [
      ['english', 'EMAIL', 'en'],
      ['spanish', 'EMAIL', 'es'],
      ['vietnamese', 'EMAIL', 'en'],
      ['paper', 'PRINT', 'en'],
      ['noEmail', 'PRINT', 'en'],
    ] as const) {
      const bill = s.bills[who];
      const n = byBill.get(bill.id)!;
      expect(n).toMatchObject({
        accountId: s[who].id,
        type: 'BILL',
        channel,
        language,
        idempotencyKey: `bill:${bill.id}:${channel}`,
        batchId: channel === 'PRINT' ? 'print-1_2026-11' : null,
        recipient: channel === 'EMAIL' ? s[who].customer.email : s[who].customer.mailingAddress,
      });
      expect(n.contentHash).toMatch(/^[0-9a-f]{64}$/);
      // The hash is of what went out, which renders the same every time: the PDF (print), or the
      // subject, bodies and PDF (email).
      const view = await loadBillView(t.db, bill.id);
      const pdf = await billPdf(view);
      if (channel === 'PRINT') expect(n.contentHash).toBe(sha256(pdf));
      if (channel === 'EMAIL') {
        expect(n.messageId).toMatch(/^<.+@.+>$/);
        expect(n.contentHash).toBe(emailContentHash(renderBill(view), pdf));
      }
    }
    expect(byBill.has(s.bills.draft.id)).toBe(false);

    expect(await t.db.auditEvent.count({ where: { action: 'bill.emailed' } })).toBe(3);
    expect(await t.db.auditEvent.count({ where: { action: 'bill.printed' } })).toBe(2);
    expect(
      await t.db.timelineEvent.count({ where: { kind: { in: ['bill.emailed', 'bill.printed'] } } }),
    ).toBe(5);
    const timeline = await t.db.timelineEvent.findFirstOrThrow({
      where: { accountId: s.english.id, kind: 'bill.emailed' },
    });
    expect(timeline).toMatchObject({ entityType: 'bill', entityId: s.bills.english.id });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  test('delivering again sends nothing new and rewrites the same batch files', async () => {
    const mailBefore = (await caughtMail()).length;
    const noticesBefore = await t.db.notice.findMany({ orderBy: { id: 'asc' } });
    const auditBefore = await t.db.auditEvent.count();
    const pdfBefore = readFileSync(s.result.pdfPath!);
    const csvBefore = readFileSync(s.result.csvPath!, 'utf8');

    const again = await deliverBills(deps(), { runId: RUN_ID, actor });
    expect(again).toEqual({ ...s.result, emailed: 0, printed: 0, skipped: 5 });
    expect((await caughtMail()).length).toBe(mailBefore);
    expect(await t.db.notice.findMany({ orderBy: { id: 'asc' } })).toEqual(noticesBefore);
    expect(await t.db.auditEvent.count()).toBe(auditBefore);
    expect(readFileSync(s.result.pdfPath!).equals(pdfBefore)).toBe(true);
    expect(readFileSync(s.result.csvPath!, 'utf8')).toBe(csvBefore);
  });
});

describe('render threads', () => {
  const FROM = parseMailbox('Millbrook Water & Light <billing@millbrook.example>');
  /** A built email's content, without what each build draws anew (date, message id, boundaries). */
  const content = async (e: EmailArtifacts) => {
    const m = await simpleParser(e.message!.raw);
    return {
      from: m.from?.text,
      to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text,
      subject: m.subject,
      text: m.text,
      html: m.html,
      bill: m.headers.get('x-opencis-bill'),
      key: m.headers.get('x-opencis-notice-key'),
      attachments: m.attachments.map((a) => [a.filename, a.contentType, a.content.toString('base64')]),
    };
  };

  test('render the same messages, PDFs, pages and content hashes as rendering in place', async () => {
    const bills = await t.db.bill.findMany({ where: { status: 'ISSUED' }, orderBy: { id: 'asc' }, take: 6 });
    expect(bills.length).toBeGreaterThan(3);
    const views = await Promise.all(bills.map((b) => loadBillView(t.db, b.id)));
    const withHash = views.map((_, i) => i % 2 === 0);
    const threads = threadRenderer(2);
    try {
      const [email, print] = await Promise.all([threads.email(views, FROM), threads.print(views, withHash)]);
      const local = await inPlaceRenderer.email(views, FROM);
      expect(email.map((e) => e.contentHash)).toEqual(local.map((e) => e.contentHash));
      for (const [i, e] of email.entries()) {
        if (!views[i]!.customer.email) {
          expect(e).toMatchObject({ message: null, refusal: expect.stringMatching(/address/) });
          continue;
        }
        expect(Buffer.isBuffer(e.message!.raw)).toBe(true);
        const [there, here] = [await content(e), await content(local[i]!)];
        expect(there).toEqual(here);
        expect(there).toMatchObject({
          bill: views[i]!.billId,
          attachments: [[expect.any(String), 'application/pdf', expect.any(String)]],
        });
      }
      expect(email.some((e) => e.message)).toBe(true);
      expect(print).toEqual(await inPlaceRenderer.print(views, withHash));
      expect(print.map((p) => p.contentHash === undefined)).toEqual(withHash.map((w) => !w));
    } finally {
      await threads.close();
    }
  });

  test('a bill that cannot be rendered fails its delivery with the reason, and the renderer closes', async () => {
    const threads = threadRenderer(1);
    try {
      const broken = { billId: 'B-BROKEN' } as unknown as BillView;
      await expect(threads.print([broken], [true])).rejects.toThrow(/bill rendering failed/);
      await expect(threads.email([broken], FROM)).rejects.toThrow(/bill rendering failed/);
    } finally {
      await threads.close();
    }
    await expect(threads.print([], [])).rejects.toThrow(/closed/);
  });

  test('when the threads cannot start, the bills render in place all the same', async () => {
    const bills = await t.db.bill.findMany({ where: { status: 'ISSUED' }, orderBy: { id: 'asc' }, take: 2 });
    const views = await Promise.all(bills.map((b) => loadBillView(t.db, b.id)));
    const threads = threadRenderer(2, path.join(tmp, 'no-such-render-thread.cjs'));
    try {
      const [email, print] = await Promise.all([
        threads.email(views, FROM),
        threads.print(views, [true, false]),
      ]);
      expect(email.map((e) => e.contentHash)).toEqual(
        (await inPlaceRenderer.email(views, FROM)).map((e) => e.contentHash),
      );
      expect(print).toEqual(await inPlaceRenderer.print(views, [true, false]));
      // and later jobs too, once every thread is gone
      expect((await threads.print(views, [true, true])).map((p) => p.contentHash)).toEqual(
        (await inPlaceRenderer.print(views, [true, true])).map((p) => p.contentHash),
      );
    } finally {
      await threads.close();
    }
  });

  test('small deliveries render in place; large ones on threads when there are any', async () => {
    expect(rendererFor(10, 2)).toBe(inPlaceRenderer);
    expect(rendererFor(100_000, 0)).toBe(inPlaceRenderer);
    const large = rendererFor(100_000, 1);
    expect(large).not.toBe(inPlaceRenderer);
    await large.close();
  });
});

describe('when sending fails or races', () => {
  const failing = (err: object): Mailer & { calls: number } => {
    const fail = async (): Promise<never> => {
      m.calls++;
      throw Object.assign(new Error('simulated mail failure'), err);
    };
    const m = {
      calls: 0,
      from: parseMailbox('billing@millbrook.example'),
      send: fail,
      sendBuilt: fail,
      verify: async () => true,
      close: () => undefined,
    };
    return m;
  };
  const mailCountTo = async (email: string) => mailTo(await caughtMail(), email).length;

  test('nothing accepted (no connection): the claim is released, the run fails, a retry sends once', async () => {
    const a = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    const bill = await issueBill(a.id, { cycleRunId: null });
    const down = failing({ code: 'ECONNECTION', command: 'CONN' });
    await expect(
      deliverBills({ ...deps(), mailer: down }, { billIds: [bill.id], actor }),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(down.calls).toBe(1);
    expect(await t.db.notice.count({ where: { billId: bill.id } })).toBe(0);

    const retry = await deliverBills(deps(), { billIds: [bill.id], actor });
    expect(retry).toMatchObject({ emailed: 1, printed: 0, skipped: 0, batchId: null, pdfPath: null });
    expect(await mailCountTo(a.customer.email!)).toBe(1);
    expect(await t.db.notice.count({ where: { billId: bill.id } })).toBe(1);
  });

  test('a refused address (5xx) falls back to print, and is not emailed later', async () => {
    const a = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    const bill = await issueBill(a.id, { cycleRunId: null });
    const refusing = failing({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 });
    const r = await deliverBills({ ...deps(), mailer: refusing }, { billIds: [bill.id], actor });
    expect(r).toMatchObject({ emailed: 0, printed: 1, skipped: 0 });
    const notices = await t.db.notice.findMany({ where: { billId: bill.id } });
    expect(notices.map((n) => n.channel)).toEqual(['PRINT']);
    const rows = parse(readFileSync(r.csvPath!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.bill_id)).toEqual([bill.id]);

    expect(await deliverBills(deps(), { billIds: [bill.id], actor })).toMatchObject({
      emailed: 0,
      printed: 0,
      skipped: 1,
    });
    expect(await mailCountTo(a.customer.email!)).toBe(0);
  });

  test('an address no message can be built for (a UTF-8 local part) goes to print with the reason', async () => {
    const a = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    await t.db.customer.update({ where: { id: a.customerId }, data: { email: 'josé.núñez@example.org' } });
    const bill = await issueBill(a.id, { cycleRunId: null });
    const mailBefore = (await caughtMail()).length;
    const r = await deliverBills(deps(), { billIds: [bill.id], actor });
    expect(r).toMatchObject({ emailed: 0, printed: 1, skipped: 0 });
    const notices = await t.db.notice.findMany({ where: { billId: bill.id } });
    expect(notices.map((n) => n.channel)).toEqual(['PRINT']);
    const printed = await t.db.auditEvent.findFirstOrThrow({
      where: { action: 'bill.printed', entityId: bill.id },
    });
    expect(printed.after).toMatchObject({
      emailRefused: { recipient: 'josé.núñez@example.org', error: expect.stringMatching(/address/) },
    });
    expect((await caughtMail()).length).toBe(mailBefore);
  });

  test('a send that may have gone out (timeout in DATA) keeps its claim: at most once', async () => {
    const a = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    const bill = await issueBill(a.id, { cycleRunId: null });
    const r = await deliverBills(
      { ...deps(), mailer: failing({ code: 'ETIMEDOUT', command: 'DATA' }) },
      { billIds: [bill.id], actor },
    );
    expect(r).toMatchObject({ emailed: 0, printed: 0, skipped: 1 });
    const n = await t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: `bill:${bill.id}:EMAIL` } });
    expect(n.messageId).toBeNull();
    expect(n.unconfirmedAt).toBeInstanceOf(Date);
    expect(
      await t.db.auditEvent.count({ where: { action: 'bill.email_unconfirmed', entityId: bill.id } }),
    ).toBe(1);
    // Already marked when it failed: marking what a stopped delivery left finds nothing more.
    expect(await markInterruptedEmails(t.db, actor, { billIds: [bill.id] })).toBe(0);

    expect(await deliverBills(deps(), { billIds: [bill.id], actor })).toMatchObject({
      emailed: 0,
      skipped: 1,
    });
    expect(await mailCountTo(a.customer.email!)).toBe(0);
  });

  test('a delivery stopped after its claim: the email is marked unconfirmed once, and never resent', async () => {
    const a = await accountOf({ language: 'en', paperless: true, email: { not: null } });
    const [stopped, confirmed] = [
      await issueBill(a.id, { cycleRunId: null }),
      await issueBill(a.id, { cycleRunId: null }),
    ];
    await deliverBills(deps(), { billIds: [confirmed.id], actor });
    // A worker that stops mid-send: its claim is committed, the send never answers.
    let claimed!: () => void;
    const sending = new Promise<void>((r) => (claimed = r));
    const hung = {
      ...failing({}),
      sendBuilt: () => {
        claimed();
        return new Promise<never>(() => undefined);
      },
    };
    void deliverBills({ ...deps(), mailer: hung }, { billIds: [stopped.id], actor });
    await sending;
    const key = `bill:${stopped.id}:EMAIL`;
    expect(await t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: key } })).toMatchObject({
      messageId: null,
      unconfirmedAt: null,
    });

    // The next attempt delivers nothing again (at most once), then marks what the stopped one left.
    const billIds = [stopped.id, confirmed.id];
    expect(await deliverBills(deps(), { billIds, actor })).toMatchObject({ emailed: 0, skipped: 2 });
    expect(await markInterruptedEmails(t.db, actor, { billIds })).toBe(1);
    expect(await markInterruptedEmails(t.db, actor, { billIds })).toBe(0);
    const notice = await t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: key } });
    expect(notice.messageId).toBeNull();
    expect(notice.unconfirmedAt).toBeInstanceOf(Date);
    const audits = await t.db.auditEvent.findMany({
      where: { action: 'bill.email_unconfirmed', entityId: stopped.id },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.reason).toMatch(/may not have the bill/);
    const timeline = await t.db.timelineEvent.findMany({
      where: { kind: 'bill.email_unconfirmed', entityId: stopped.id },
    });
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.accountId).toBe(a.id);
    expect(
      (await t.db.notice.findUniqueOrThrow({ where: { idempotencyKey: `bill:${confirmed.id}:EMAIL` } }))
        .unconfirmedAt,
    ).toBeNull();
    expect(await mailCountTo(a.customer.email!)).toBe(1); // the confirmed bill's, only
  });

  test('two deliveries racing over the same bills send each one once', async () => {
    const accounts = [
      await accountOf({ language: 'en', paperless: true, email: { not: null } }),
      await accountOf({ language: 'es', paperless: true, email: { not: null } }),
      await accountOf({ language: 'en', paperless: false }),
    ];
    const bills = await Promise.all(accounts.map((a) => issueBill(a.id, { cycleRunId: null })));
    const billIds = bills.map((b) => b.id);
    const [x, y] = await Promise.all([
      deliverBills(deps(), { billIds, actor }),
      deliverBills(deps(), { billIds, actor }),
    ]);
    expect(x.emailed + y.emailed).toBe(2);
    expect(x.printed + y.printed).toBe(1);
    expect(x.skipped + y.skipped).toBe(3);
    expect(x.batchId).toBe(y.batchId);
    for (const a of accounts.slice(0, 2)) expect(await mailCountTo(a.customer.email!)).toBe(1);
    expect(await t.db.notice.count({ where: { billId: { in: billIds } } })).toBe(3);
    const rows = parse(readFileSync(x.csvPath!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.bill_id)).toEqual([bills[2]!.id]);
  });
});
