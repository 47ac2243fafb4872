// The PDF bill (pdfkit): the same content as the email (services/bill-render.ts), laid out for a
// US Letter page and a #10 double-window envelope, continued on more pages when the lines do not
// fit. `printBatchPdf` puts many bills in one file for the print vendor, each starting on a new
// page, in mailing order (ZIP, then account, then bill).
//
// Output is deterministic: the document date is the bill date (the batch's latest bill date), not
// the clock, so the same bill renders to the same bytes and a retried batch rewrites the same file.
//
// The standard PDF fonts (Helvetica) cover Windows-1252 only: English and Spanish print as
// written; characters outside it (Vietnamese tones, for one) are reduced to their base letter
// (winAnsiSafe) rather than printed as garbage. Embedding a Unicode TTF would lift that.
import PDFDocument from 'pdfkit';
import type { BillView } from '../../services/bill-render';

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 54;
const LEFT = MARGIN;
const RIGHT = PAGE_WIDTH - MARGIN;
const WIDTH = RIGHT - LEFT;
/** Lowest y for body text: room is left for the footer. */
const BOTTOM = PAGE_HEIGHT - MARGIN - 18;
const BRAND = '#1f4e79';
const ALERT = '#b00020';

const COLUMNS = {
  description: { x: LEFT, width: 200 },
  quantity: { x: LEFT + 204, width: 84 },
  rate: { x: LEFT + 292, width: 124 },
  amount: { x: LEFT + 420, width: WIDTH - 420 },
} as const;

// Code points the standard fonts' WinAnsiEncoding can show (pdfkit's WIN_ANSI_MAP plus Latin-1).
const WIN_ANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019,
  0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);
const NO_DECOMPOSITION: Record<string, string> = { đ: 'd', Đ: 'D', ı: 'i', ł: 'l', Ł: 'L', ħ: 'h', Ħ: 'H' };
const encodable = (cp: number) =>
  (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);

/** Text the standard PDF fonts can print: 'Nguyễn' → 'Nguyen'; 'Peña' stays; the rest → '?'. */
export function winAnsiSafe(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (encodable(cp) || ch === '\n') {
      out += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      out += ' ';
      continue;
    }
    const base = NO_DECOMPOSITION[ch] ?? ch.normalize('NFD').replace(/\p{M}/gu, '');
    // A lone combining mark vanishes; a letter keeps its base when that can be shown.
    out += [...base].every((c) => encodable(c.codePointAt(0) ?? 0)) ? base : '?';
  }
  return out;
}

const pdfDate = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

/** One bill's place in a batch: its first page (1-based) and how many pages it takes. */
export interface PrintBatchEntry {
  billId: string;
  sequence: number;
  firstPage: number;
  pages: number;
}

/** The print vendor's order: mailing ZIP, then account, then bill. Stable, and never the input's. */
export function printOrder<T extends Pick<BillView, 'billId' | 'accountId' | 'customer'>>(
  views: readonly T[],
): T[] {
  const zip = (v: T) => v.customer.postal.zip;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...views].sort(
    (a, b) => cmp(zip(a), zip(b)) || cmp(a.accountId, b.accountId) || cmp(a.billId, b.billId),
  );
}

type Doc = PDFKit.PDFDocument;

function newDocument(
  title: string,
  creationDate: Date,
): { doc: Doc; done: Promise<Buffer>; pageCount: () => number } {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: false,
    info: {
      Title: title,
      Author: 'OpenCIS',
      Creator: 'OpenCIS',
      Producer: 'OpenCIS',
      CreationDate: creationDate,
    },
  });
  let pages = 0;
  doc.on('pageAdded', () => {
    pages += 1;
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done, pageCount: () => pages };
}

function tableHeader(doc: Doc, view: BillView, y: number): number {
  const { labels } = view.texts;
  doc.font('Helvetica-Bold').fontSize(9).fillColor('black');
  doc.text(winAnsiSafe(labels.description), COLUMNS.description.x, y, { width: COLUMNS.description.width });
  doc.text(winAnsiSafe(labels.quantity), COLUMNS.quantity.x, y, {
    width: COLUMNS.quantity.width,
    align: 'right',
  });
  doc.text(winAnsiSafe(labels.rate), COLUMNS.rate.x, y, { width: COLUMNS.rate.width, align: 'right' });
  doc.text(winAnsiSafe(labels.amount), COLUMNS.amount.x, y, { width: COLUMNS.amount.width, align: 'right' });
  const below = y + 13;
  doc.moveTo(LEFT, below).lineTo(RIGHT, below).lineWidth(1).strokeColor('black').stroke();
  return below + 5;
}

/** Continuation pages repeat who the bill is for, so a loose page can be matched to its bill. */
function continuationPage(doc: Doc, view: BillView): number {
  doc.addPage();
  const { labels } = view.texts;
  doc.font('Helvetica-Bold').fontSize(10).fillColor(BRAND);
  doc.text(winAnsiSafe(`${view.utility.name} - ${labels.accountNumber} ${view.accountId}`), LEFT, MARGIN, {
    width: WIDTH,
  });
  doc.fillColor('black');
  return MARGIN + 24;
}

function label(
  doc: Doc,
  text: string,
  value: string,
  x: number,
  y: number,
  width: number,
  bold = false,
): number {
  doc.font('Helvetica').fontSize(8).fillColor('#555555').text(winAnsiSafe(text), x, y, { width });
  doc
    .font(bold ? 'Helvetica-Bold' : 'Helvetica')
    .fontSize(bold ? 14 : 10)
    .fillColor('black');
  doc.text(winAnsiSafe(value), x, y + 10, { width });
  return doc.y + 4;
}

function paragraph(doc: Doc, view: BillView, heading: string, body: string[], color = 'black'): void {
  const needed =
    14 + body.reduce((h, b) => h + doc.fontSize(9).heightOfString(winAnsiSafe(b), { width: WIDTH }), 0);
  if (doc.y + Math.min(needed, 120) > BOTTOM) doc.y = continuationPage(doc, view);
  if (heading) {
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .fillColor(color)
      .text(winAnsiSafe(heading), LEFT, doc.y, { width: WIDTH });
  }
  doc.font('Helvetica').fontSize(9).fillColor(color);
  for (const line of body) doc.text(winAnsiSafe(line), LEFT, doc.y, { width: WIDTH });
  doc.fillColor('black');
  doc.moveDown(0.6);
}

/** Lays out one bill from a fresh page. */
function drawBill(doc: Doc, view: BillView): void {
  const { texts } = view;
  const { labels } = texts;
  const u = view.utility;
  doc.addPage();

  // Return address (top left, the upper envelope window) and the document title.
  doc
    .font('Helvetica-Bold')
    .fontSize(16)
    .fillColor(BRAND)
    .text(winAnsiSafe(u.name), LEFT, MARGIN, { width: 300 });
  doc.font('Helvetica').fontSize(9).fillColor('black');
  for (const l of u.addressLines) doc.text(winAnsiSafe(l), { width: 300 });
  doc.text(winAnsiSafe(`${u.phone} - ${u.payUrl}`), { width: 300 });
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BRAND);
  doc.text(winAnsiSafe(labels.title), LEFT + 300, MARGIN, { width: WIDTH - 300, align: 'right' });
  doc.fillColor('black');

  if (view.estimated) {
    const y = MARGIN + 22;
    doc
      .rect(LEFT + 300, y, WIDTH - 300, 30)
      .lineWidth(2)
      .strokeColor(ALERT)
      .stroke();
    const banner = winAnsiSafe(labels.estimatedBanner);
    let size = 14;
    while (size > 8 && doc.font('Helvetica-Bold').fontSize(size).widthOfString(banner) > WIDTH - 312) size--;
    doc.fillColor(ALERT).text(banner, LEFT + 304, y + 15 - size / 2, {
      width: WIDTH - 308,
      align: 'center',
      lineBreak: false,
    });
    doc.fillColor('black').strokeColor('black');
  }

  // Addressee (the lower envelope window) and the account summary beside it.
  const addrY = 150;
  const p = view.customer.postal;
  const addressLines = [
    view.customer.name,
    ...p.lines,
    ...(p.parsed ? [`${p.city}, ${p.state} ${p.zip}`] : []),
  ];
  doc.font('Helvetica').fontSize(11);
  doc.text(winAnsiSafe(addressLines.join('\n')), LEFT, addrY, { width: 250 });

  const sx = LEFT + 290;
  const sw = WIDTH - 290;
  doc
    .rect(sx - 8, addrY - 8, sw + 8, 128)
    .lineWidth(1)
    .strokeColor(BRAND)
    .stroke();
  let sy = label(doc, labels.accountNumber, view.accountId, sx, addrY, sw);
  sy = label(doc, labels.billDate, view.billDateText, sx, sy, sw);
  sy = label(doc, labels.dueDate, view.dueDateText, sx, sy, sw);
  label(doc, labels.totalDue, view.totalText, sx, sy, sw, true);

  // Service details.
  let y = 290;
  y = label(doc, labels.serviceAddress, view.premise.serviceAddress, LEFT, y, WIDTH);
  y = label(
    doc,
    labels.servicePeriod,
    `${view.periodFromText} ${labels.periodTo} ${view.periodToText}`,
    LEFT,
    y,
    WIDTH,
  );
  doc.y = y + 4;

  if (texts.estimated) paragraph(doc, view, labels.estimatedBanner, [texts.estimated], ALERT);
  if (texts.languageFallback) paragraph(doc, view, '', [texts.languageFallback]);

  // The lines.
  y = tableHeader(doc, view, doc.y + 4);
  for (const line of view.lines) {
    doc.font('Helvetica').fontSize(9).fillColor('black');
    const cells = [
      { text: winAnsiSafe(line.description), col: COLUMNS.description, align: 'left' as const },
      { text: winAnsiSafe(line.quantityText), col: COLUMNS.quantity, align: 'right' as const },
      { text: winAnsiSafe(line.rateText), col: COLUMNS.rate, align: 'right' as const },
      { text: winAnsiSafe(line.amountText), col: COLUMNS.amount, align: 'right' as const },
    ];
    const h = Math.max(11, ...cells.map((c) => doc.heightOfString(c.text, { width: c.col.width }))) + 4;
    if (y + h > BOTTOM) y = tableHeader(doc, view, continuationPage(doc, view));
    doc.font('Helvetica').fontSize(9).fillColor('black');
    for (const c of cells) doc.text(c.text, c.col.x, y, { width: c.col.width, align: c.align });
    y += h;
  }
  if (y + 24 > BOTTOM) y = continuationPage(doc, view);
  doc.moveTo(LEFT, y).lineTo(RIGHT, y).lineWidth(1).strokeColor('black').stroke();
  doc.font('Helvetica-Bold').fontSize(11);
  doc.text(winAnsiSafe(labels.totalDue), LEFT, y + 5, { width: 300 });
  doc.text(winAnsiSafe(view.totalText), COLUMNS.amount.x - 40, y + 5, {
    width: COLUMNS.amount.width + 40,
    align: 'right',
  });
  doc.y = y + 28;

  paragraph(doc, view, labels.howToPay, texts.howToPay);
  paragraph(doc, view, labels.latePayment, [texts.lateCharge]);
}

/** Footers on the pages [first, first + count): "Account 100001 - Page 1 / 2". */
function footers(doc: Doc, view: BillView, first: number, count: number): void {
  const { labels } = view.texts;
  for (let i = 0; i < count; i++) {
    doc.switchToPage(first + i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing below the margin must not start a new page
    doc.font('Helvetica').fontSize(8).fillColor('#555555');
    doc.text(
      winAnsiSafe(`${labels.accountNumber} ${view.accountId} - ${labels.page} ${i + 1} / ${count}`),
      LEFT,
      PAGE_HEIGHT - MARGIN + 10,
      { width: WIDTH, align: 'right', lineBreak: false },
    );
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor('black');
}

/** Many bills in one PDF, in print order, each from a new page; where each one starts and ends. */
export async function renderPrintBatch(
  views: readonly BillView[],
): Promise<{ pdf: Buffer; entries: PrintBatchEntry[] }> {
  const ordered = printOrder(views);
  const latest = ordered.reduce((d, v) => (v.billDate > d ? v.billDate : d), '1970-01-01');
  const { doc, done, pageCount } = newDocument(`Print batch of ${ordered.length} bills`, pdfDate(latest));
  const entries: PrintBatchEntry[] = [];
  ordered.forEach((view, i) => {
    const first = pageCount();
    drawBill(doc, view);
    const pages = pageCount() - first;
    footers(doc, view, first, pages);
    entries.push({ billId: view.billId, sequence: i + 1, firstPage: first + 1, pages });
  });
  if (ordered.length === 0) doc.addPage();
  doc.end();
  return { pdf: await done, entries };
}

/** Many bills in one PDF for the print vendor, ordered by mailing ZIP, then account. */
export async function printBatchPdf(views: readonly BillView[]): Promise<Buffer> {
  return (await renderPrintBatch(views)).pdf;
}

/** One bill as a PDF (the email attachment, and what a print-batch entry hashes to). */
export async function billPdf(view: BillView): Promise<Buffer> {
  const { doc, done, pageCount } = newDocument(
    `${view.utility.name} bill ${view.billId}`,
    pdfDate(view.billDate),
  );
  drawBill(doc, view);
  footers(doc, view, 0, pageCount());
  doc.end();
  return done;
}
