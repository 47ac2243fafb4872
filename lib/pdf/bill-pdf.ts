// The PDF bill: the same content as the email (services/bill-render.ts), laid out for a US Letter
// page and a #10 double-window envelope, continued on more pages when the lines do not fit.
// `renderPrintBatch` puts many bills in one file for the print vendor, each starting on a new
// page, in mailing order (ZIP, then account, then bill); `PrintBatchFile` does the same straight
// to disk for a whole cycle.
//
// A fixed layout drawn with lib/pdf/pdf-writer.ts (standard fonts, text and rules only), so a bill
// costs microseconds, not the milliseconds of a general-purpose layout engine. Output is
// deterministic: the document date is the bill date (the batch's latest bill date), not the clock,
// so the same bill renders to the same bytes and a retried batch rewrites the same file.
//
// The standard PDF fonts (Helvetica) cover Windows-1252 only: English and Spanish print as
// written; characters outside it (Vietnamese tones, for one) are reduced to their base letter
// (winAnsiSafe) rather than printed as garbage. Embedding a Unicode TTF would lift that.
import type { BillView, StatementView } from '../../services/bill-render';
import {
  lineHeight,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  PageCanvas,
  pdfDocument,
  PdfFileWriter,
  pdfString,
  textWidth,
  winAnsiEncodable,
  wrapText,
  type Color,
  type FontName,
} from './pdf-writer';

const MARGIN = 54;
const LEFT = MARGIN;
const RIGHT = PAGE_WIDTH - MARGIN;
const WIDTH = RIGHT - LEFT;
/** Lowest y for body text: room is left for the footer. */
const BOTTOM = PAGE_HEIGHT - MARGIN - 18;
const BRAND: Color = '#1f4e79';
const ALERT: Color = '#b00020';
const GREY: Color = '#555555';
const BLACK: Color = '#000000';

const COLUMNS = {
  description: { x: LEFT, width: 200 },
  quantity: { x: LEFT + 204, width: 84 },
  rate: { x: LEFT + 292, width: 124 },
  amount: { x: LEFT + 420, width: WIDTH - 420 },
} as const;

const PRINTABLE_ASCII = /^[\x20-\x7e\n]*$/;
/** One line of printable ASCII: printed as it is, no wrapping at '\n' to consider. */
const PRINTABLE_LINE = /^[\x20-\x7e]*$/;
const NO_DECOMPOSITION: Record<string, string> = { đ: 'd', Đ: 'D', ı: 'i', ł: 'l', Ł: 'L', ħ: 'h', Ħ: 'H' };

/** Text the standard PDF fonts can print: 'Nguyễn' → 'Nguyen'; 'Peña' stays; the rest → '?'. */
export function winAnsiSafe(s: string): string {
  if (PRINTABLE_ASCII.test(s)) return s;
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (winAnsiEncodable(cp) || ch === '\n') {
      out += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      out += ' ';
      continue;
    }
    const base = NO_DECOMPOSITION[ch] ?? ch.normalize('NFD').replace(/\p{M}/gu, '');
    // A lone combining mark vanishes; a letter keeps its base when that can be shown.
    out += [...base].every((c) => winAnsiEncodable(c.codePointAt(0) ?? 0)) ? base : '?';
  }
  return out;
}

/** One bill's place in a batch: its first page (1-based) and how many pages it takes. */
export interface PrintBatchEntry {
  billId: string;
  sequence: number;
  firstPage: number;
  pages: number;
}

/** The print vendor's order: mailing ZIP, then account, then bill. Stable, and never the input's. */
export function printOrder<
  T extends Pick<BillView, 'billId' | 'accountId'> & { customer: { postal: { zip: string } } },
>(views: readonly T[]): T[] {
  const zip = (v: T) => v.customer.postal.zip;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...views].sort(
    (a, b) => cmp(zip(a), zip(b)) || cmp(a.accountId, b.accountId) || cmp(a.billId, b.billId),
  );
}

type Align = 'left' | 'right' | 'center';

/** A line of text ready to print: its width in points, and the PDF string that prints it. */
interface Measured {
  text: string;
  width: number;
  literal: string;
}

/** Longer than this, text is looked up before it is measured: paragraphs repeat on every bill. */
const SHORT_TEXT = 40;

/**
 * Text made printable, wrapped and measured, remembered: most of a bill's text (labels, the
 * utility's details, the tariff's line descriptions, common amounts) is the same on every bill.
 */
const measured = new Map<string, Map<string, Measured[]>>();
const MEASURED_LIMIT = 20_000;

function measuredLines(text: string, width: number, font: FontName, size: number): Measured[] {
  // Most of a bill's own text (a name, an amount, a date) is short, plain and fits its column:
  // measured directly, it costs less than a lookup, and keeps the cache for text that repeats.
  if (text.length <= SHORT_TEXT && PRINTABLE_LINE.test(text)) {
    const w = textWidth(text, font, size);
    if (w <= width) return [{ text, width: w, literal: pdfString(text) }];
  }
  const style = `${font} ${size} ${width}`;
  let texts = measured.get(style);
  if (!texts) measured.set(style, (texts = new Map()));
  let lines = texts.get(text);
  if (!lines) {
    lines = wrapText(winAnsiSafe(text), font, size, width).map((t) => ({
      text: t,
      width: textWidth(t, font, size),
      literal: pdfString(t),
    }));
    if (texts.size >= MEASURED_LIMIT) texts.clear();
    texts.set(text, lines);
  }
  return lines;
}

/** The pages of one bill being laid out, with a cursor `y` from the top of the current page. */
class BillLayout {
  readonly pages: PageCanvas[] = [];
  page!: PageCanvas;
  y = MARGIN;

  constructor(private readonly view: BillView) {}

  newPage(): void {
    this.page = new PageCanvas();
    this.pages.push(this.page);
    this.y = MARGIN;
  }

  /** Text wrapped to `width` from (x, top); returns the y below it. */
  text(
    text: string | Measured[],
    x: number,
    top: number,
    width: number,
    font: FontName,
    size: number,
    color: Color = BLACK,
    align: Align = 'left',
  ): number {
    const lh = lineHeight(font, size);
    let y = top;
    for (const line of typeof text === 'string' ? this.wrap(text, width, font, size) : text) {
      const at =
        align === 'right' ? x + width - line.width : align === 'center' ? x + (width - line.width) / 2 : x;
      this.page.shown(line.literal, at, y, font, size, color);
      y += lh;
    }
    return y;
  }

  wrap(text: string, width: number, font: FontName, size: number): Measured[] {
    return measuredLines(text, width, font, size);
  }

  height(text: string, width: number, font: FontName, size: number): number {
    return this.wrap(text, width, font, size).length * lineHeight(font, size);
  }

  /** Continuation pages repeat who the bill is for, so a loose page can be matched to its bill. */
  continuation(): number {
    this.newPage();
    const { labels } = this.view.texts;
    this.text(
      `${this.view.utility.name} - ${labels.accountNumber} ${this.view.accountId}`,
      LEFT,
      MARGIN,
      WIDTH,
      'Helvetica-Bold',
      10,
      BRAND,
    );
    return MARGIN + 24;
  }

  tableHeader(top: number): number {
    const { labels } = this.view.texts;
    const bold = 'Helvetica-Bold';
    this.text(labels.description, COLUMNS.description.x, top, COLUMNS.description.width, bold, 9);
    this.text(labels.quantity, COLUMNS.quantity.x, top, COLUMNS.quantity.width, bold, 9, BLACK, 'right');
    this.text(labels.rate, COLUMNS.rate.x, top, COLUMNS.rate.width, bold, 9, BLACK, 'right');
    this.text(labels.amount, COLUMNS.amount.x, top, COLUMNS.amount.width, bold, 9, BLACK, 'right');
    const below = top + 13;
    this.page.line(LEFT, below, RIGHT, below, 1);
    return below + 5;
  }

  /** A small grey label with its value below; returns the y below the value. */
  label(text: string, value: string, x: number, top: number, width: number, bold = false): number {
    this.text(text, x, top, width, 'Helvetica', 8, GREY);
    return this.text(value, x, top + 10, width, bold ? 'Helvetica-Bold' : 'Helvetica', bold ? 14 : 10) + 4;
  }

  /**
   * The account summary: previous balance, what happened since the last bill, the balance
   * forward, this bill's charges and the total due, amounts in the table's amount column.
   */
  accountSummary(s: StatementView, amountDueText: string): void {
    const { labels } = this.view.texts;
    const rows: [string, string, boolean][] = [
      [labels.previousBalance, s.previousBalanceText, false],
      ...s.activity.map((a): [string, string, boolean] => [a.description, a.amountText, false]),
      [labels.balanceForward, s.balanceForwardText, false],
      [labels.currentCharges, s.currentChargesText, false],
      [labels.totalDue, amountDueText, true],
    ];
    const amount = COLUMNS.amount;
    const labelWidth = amount.x - LEFT - 8;
    const needed = 16 + rows.length * 13 + (s.pastDueText || s.creditText ? 26 : 0);
    if (this.y + Math.min(needed, 160) > BOTTOM) this.y = this.continuation();
    let y = this.text(labels.accountSummary, LEFT, this.y, WIDTH, 'Helvetica-Bold', 10, BRAND) + 2;
    rows.forEach(([label, value, bold], i) => {
      const font: FontName = bold ? 'Helvetica-Bold' : 'Helvetica';
      const h = Math.max(11, this.height(label, labelWidth, font, 9)) + 2;
      if (y + h > BOTTOM) y = this.continuation();
      // A rule above the balance forward and above the total, as on a statement.
      if (i === rows.length - 3 || i === rows.length - 1) this.page.line(LEFT, y - 1, RIGHT, y - 1, 0.5);
      this.text(label, LEFT, y, labelWidth, font, 9);
      this.text(value, amount.x - 40, y, amount.width + 40, font, 9, BLACK, 'right');
      y += h;
    });
    this.y = y + 2;
    for (const note of [s.pastDueText, s.creditText]) {
      if (!note) continue;
      const color = note === s.pastDueText ? ALERT : BLACK;
      if (this.y + 12 > BOTTOM) this.y = this.continuation();
      this.y = this.text(note, LEFT, this.y, WIDTH, 'Helvetica-Bold', 9, color);
    }
    this.y += 0.6 * lineHeight('Helvetica', 9);
  }

  paragraph(heading: string, body: string[], color: Color = BLACK): void {
    const needed = 14 + body.reduce((h, b) => h + this.height(b, WIDTH, 'Helvetica', 9), 0);
    if (this.y + Math.min(needed, 120) > BOTTOM) this.y = this.continuation();
    if (heading) this.y = this.text(heading, LEFT, this.y, WIDTH, 'Helvetica-Bold', 10, color);
    for (const line of body) this.y = this.text(line, LEFT, this.y, WIDTH, 'Helvetica', 9, color);
    this.y += 0.6 * lineHeight('Helvetica', 9);
  }
}

/** Lays out one bill from a fresh page; returns its pages' content streams, footers included. */
export function layOutBill(view: BillView): string[] {
  const { texts } = view;
  const { labels } = texts;
  const u = view.utility;
  const b = new BillLayout(view);
  b.newPage();

  // Return address (top left, the upper envelope window) and the document title.
  let y = b.text(u.name, LEFT, MARGIN, 300, 'Helvetica-Bold', 16, BRAND);
  for (const l of u.addressLines) y = b.text(l, LEFT, y, 300, 'Helvetica', 9);
  b.text(`${u.phone} - ${u.payUrl}`, LEFT, y, 300, 'Helvetica', 9);
  b.text(labels.title, LEFT + 300, MARGIN, WIDTH - 300, 'Helvetica-Bold', 12, BRAND, 'right');

  if (view.estimated) {
    const top = MARGIN + 22;
    b.page.rect(LEFT + 300, top, WIDTH - 300, 30, 2, ALERT);
    const banner = winAnsiSafe(labels.estimatedBanner);
    let size = 14;
    while (size > 8 && textWidth(banner, 'Helvetica-Bold', size) > WIDTH - 312) size--;
    b.text(banner, LEFT + 304, top + 15 - size / 2, WIDTH - 308, 'Helvetica-Bold', size, ALERT, 'center');
  }

  // Addressee (the lower envelope window) and the account summary beside it.
  const addrY = 150;
  const p = view.customer.postal;
  const addressLines = [
    view.customer.name,
    ...p.lines,
    ...(p.parsed ? [`${p.city}, ${p.state} ${p.zip}`] : []),
  ];
  b.text(addressLines.join('\n'), LEFT, addrY, 250, 'Helvetica', 11);

  const sx = LEFT + 290;
  const sw = WIDTH - 290;
  b.page.rect(sx - 8, addrY - 8, sw + 8, 128, 1, BRAND);
  let sy = b.label(labels.accountNumber, view.accountId, sx, addrY, sw);
  sy = b.label(labels.billDate, view.billDateText, sx, sy, sw);
  sy = b.label(labels.dueDate, view.dueDateText, sx, sy, sw);
  b.label(labels.totalDue, view.amountDueText, sx, sy, sw, true);

  // Service details.
  y = b.label(labels.serviceAddress, view.premise.serviceAddress, LEFT, 290, WIDTH);
  y = b.label(
    labels.servicePeriod,
    `${view.periodFromText} ${labels.periodTo} ${view.periodToText}`,
    LEFT,
    y,
    WIDTH,
  );
  b.y = y + 4;

  if (texts.estimated) b.paragraph(labels.estimatedBanner, [texts.estimated], ALERT);
  if (texts.languageFallback) b.paragraph('', [texts.languageFallback]);
  if (view.statement) b.accountSummary(view.statement, view.amountDueText);

  // The lines.
  // The heading, the table's header and its first row together, never the heading alone at the
  // foot of a page.
  const heading = view.statement ? 4 + lineHeight('Helvetica-Bold', 10) : 0;
  if (b.y + heading + 4 + 18 + 15 > BOTTOM) b.y = b.continuation();
  if (view.statement) b.y = b.text(labels.currentCharges, LEFT, b.y + 4, WIDTH, 'Helvetica-Bold', 10, BRAND);
  y = b.tableHeader(b.y + 4);
  // Cell by cell without building row objects: a bill run lays out some 600,000 of these rows.
  const { description: dc, quantity: qc, rate: rc, amount: ac } = COLUMNS;
  for (const line of view.lines) {
    const description = b.wrap(line.description, dc.width, 'Helvetica', 9);
    const quantity = b.wrap(line.quantityText, qc.width, 'Helvetica', 9);
    const rate = b.wrap(line.rateText, rc.width, 'Helvetica', 9);
    const amount = b.wrap(line.amountText, ac.width, 'Helvetica', 9);
    const rows = Math.max(description.length, quantity.length, rate.length, amount.length);
    const h = Math.max(11, rows * lineHeight('Helvetica', 9)) + 4;
    if (y + h > BOTTOM) y = b.tableHeader(b.continuation());
    b.text(description, dc.x, y, dc.width, 'Helvetica', 9, BLACK, 'left');
    b.text(quantity, qc.x, y, qc.width, 'Helvetica', 9, BLACK, 'right');
    b.text(rate, rc.x, y, rc.width, 'Helvetica', 9, BLACK, 'right');
    b.text(amount, ac.x, y, ac.width, 'Helvetica', 9, BLACK, 'right');
    y += h;
  }
  if (y + 24 > BOTTOM) y = b.continuation();
  b.page.line(LEFT, y, RIGHT, y, 1);
  b.text(view.statement ? labels.currentCharges : labels.totalDue, LEFT, y + 5, 300, 'Helvetica-Bold', 11);
  b.text(
    view.totalText,
    COLUMNS.amount.x - 40,
    y + 5,
    COLUMNS.amount.width + 40,
    'Helvetica-Bold',
    11,
    BLACK,
    'right',
  );
  b.y = y + 28;

  b.paragraph(labels.howToPay, texts.howToPay);
  b.paragraph(labels.latePayment, [texts.lateCharge]);

  // Footers: "Account number 100001 - Page 1 / 2".
  const count = b.pages.length;
  b.pages.forEach((page, i) => {
    const footer = winAnsiSafe(
      `${labels.accountNumber} ${view.accountId} - ${labels.page} ${i + 1} / ${count}`,
    );
    page.text(
      footer,
      RIGHT - textWidth(footer, 'Helvetica', 8),
      PAGE_HEIGHT - MARGIN + 10,
      'Helvetica',
      8,
      GREY,
    );
  });
  return b.pages.map((page) => page.content());
}

/** One bill as a PDF (the email attachment, and what a print-batch entry hashes to). */
export function billPdf(view: BillView, pages: readonly string[] = layOutBill(view)): Buffer {
  return pdfDocument(pages, { title: `${view.utility.name} bill ${view.billId}`, date: view.billDate });
}

const batchTitle = (bills: number) => `Print batch of ${bills} bills`;

/** Many bills in one PDF, in print order, each from a new page; where each one starts and ends. */
export function renderPrintBatch(views: readonly BillView[]): { pdf: Buffer; entries: PrintBatchEntry[] } {
  const ordered = printOrder(views);
  const latest = ordered.reduce((d, v) => (v.billDate > d ? v.billDate : d), '1970-01-01');
  const pages: string[] = [];
  const entries = ordered.map((view, i) => {
    const own = layOutBill(view);
    const entry = { billId: view.billId, sequence: i + 1, firstPage: pages.length + 1, pages: own.length };
    pages.push(...own);
    return entry;
  });
  if (pages.length === 0) pages.push(new PageCanvas().content());
  return { pdf: pdfDocument(pages, { title: batchTitle(ordered.length), date: latest }), entries };
}

/** Many bills in one PDF for the print vendor, ordered by mailing ZIP, then account. */
export function printBatchPdf(views: readonly BillView[]): Buffer {
  return renderPrintBatch(views).pdf;
}

/**
 * A print batch written to disk bill by bill, for batches too large to hold: the caller adds the
 * bills already in print order (printOrder) and closes it with the batch's size and latest bill
 * date; the bytes are those renderPrintBatch gives for the same bills.
 */
export class PrintBatchFile {
  private readonly writer: PdfFileWriter;
  private bills = 0;

  constructor(file: string) {
    this.writer = new PdfFileWriter(file);
  }

  /** Appends a bill's pages, as layOutBill gave them (wherever that ran). */
  add(billId: string, pages: readonly string[]): PrintBatchEntry {
    const firstPage = this.writer.pageCount + 1;
    for (const p of pages) this.writer.addPage(p);
    this.bills++;
    return { billId, sequence: this.bills, firstPage, pages: pages.length };
  }

  close(latestBillDate: string): void {
    if (this.writer.pageCount === 0) this.writer.addPage(new PageCanvas().content());
    this.writer.close({ title: batchTitle(this.bills), date: latestBillDate });
  }

  abort(): void {
    this.writer.abort();
  }
}
