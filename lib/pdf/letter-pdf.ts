// A notice as a printed letter: the text the register holds (what the customer was told, word for
// word), laid out for a US Letter page and a #10 double-window envelope — the utility's return
// address in the upper window, the addressee in the lower — and continued on more pages when it
// does not fit. `LetterBatchFile` writes many letters into one file for the print vendor, each
// starting on a new page.
//
// The body is the notice's plain-text rendering, printed as written: its lines keep their breaks,
// long lines wrap, blank lines stay blank. A heading line the templates mark `*** … ***` (the
// notice's title, "FINAL NOTICE OF DISCONNECTION") prints bold in red. Same letters, same bytes:
// the document date is given, never the clock.
import type { PostalAddress } from '../../services/bill-render';
import { winAnsiSafe } from './bill-pdf';
import {
  lineHeight,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  PageCanvas,
  PdfFileWriter,
  textWidth,
  wrapText,
  type Color,
} from './pdf-writer';

const MARGIN = 54;
const LEFT = MARGIN;
const WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN - 18;
/** Where the addressee starts: inside the lower window of a #10 envelope. */
const ADDRESS_TOP = 150;
const BODY_TOP = 250;
const BODY_SIZE = 10;
const BRAND: Color = '#1f4e79';
const ALERT: Color = '#b00020';
const GREY: Color = '#555555';

export interface Letter {
  utility: { name: string; addressLines: readonly string[]; phone: string };
  /** Who it is addressed to, and where it goes. */
  recipientName: string;
  postal: PostalAddress;
  /** Printed on every page's footer, so a loose page can be matched to its letter. */
  reference: string;
  /** The notice's subject, printed as its title line. */
  subject: string;
  /** The notice's plain text. */
  body: string;
}

const HEADING = /^\*\*\*\s*(.*?)\s*\*\*\*$/;

/** Lays out one letter from a fresh page; returns its pages' content streams. */
export function layOutLetter(letter: Letter): string[] {
  const pages: PageCanvas[] = [];
  let page = new PageCanvas();
  pages.push(page);
  const bodyHeight = lineHeight('Helvetica', BODY_SIZE);

  // Return address (upper window) and the addressee (lower window).
  let y = MARGIN;
  const put = (
    text: string,
    top: number,
    font: 'Helvetica' | 'Helvetica-Bold',
    size: number,
    color?: Color,
  ) => {
    let at = top;
    for (const line of wrapText(winAnsiSafe(text), font, size, WIDTH)) {
      page.text(line, LEFT, at, font, size, color);
      at += lineHeight(font, size);
    }
    return at;
  };
  y = put(letter.utility.name, y, 'Helvetica-Bold', 14, BRAND);
  for (const l of letter.utility.addressLines) y = put(l, y, 'Helvetica', 9);
  put(letter.utility.phone, y, 'Helvetica', 9);
  const p = letter.postal;
  const addressee = [
    letter.recipientName,
    ...p.lines,
    ...(p.parsed ? [`${p.city}, ${p.state} ${p.zip}`] : []),
  ];
  y = ADDRESS_TOP;
  for (const l of addressee) y = put(l, y, 'Helvetica', 11);

  // The title, then the body line by line.
  y = put(letter.subject, BODY_TOP, 'Helvetica-Bold', 12, BRAND) + 6;
  for (const raw of letter.body.replace(/\r\n?/g, '\n').split('\n')) {
    const heading = HEADING.exec(raw.trim());
    const font = heading ? 'Helvetica-Bold' : 'Helvetica';
    const lines =
      raw.trim() === '' ? [''] : wrapText(winAnsiSafe(heading ? heading[1]! : raw), font, BODY_SIZE, WIDTH);
    for (const line of lines) {
      if (y + bodyHeight > BOTTOM) {
        page = new PageCanvas();
        pages.push(page);
        y = MARGIN;
      }
      if (line) page.text(line, LEFT, y, font, BODY_SIZE, heading ? ALERT : '#000000');
      y += bodyHeight;
    }
  }

  // Footers: "<reference> - 1 / 2".
  pages.forEach((pg, i) => {
    const footer = winAnsiSafe(`${letter.reference} - ${i + 1} / ${pages.length}`);
    pg.text(
      footer,
      PAGE_WIDTH - MARGIN - textWidth(footer, 'Helvetica', 8),
      PAGE_HEIGHT - MARGIN + 10,
      'Helvetica',
      8,
      GREY,
    );
  });
  return pages.map((pg) => pg.content());
}

/** One letter's place in a batch file: its first page (1-based) and how many pages it takes. */
export interface LetterEntry {
  sequence: number;
  firstPage: number;
  pages: number;
}

/** Letters written to one PDF in the order added, each from a new page. */
export class LetterBatchFile {
  private readonly writer: PdfFileWriter;
  private letters = 0;

  constructor(file: string) {
    this.writer = new PdfFileWriter(file);
  }

  add(pages: readonly string[]): LetterEntry {
    const firstPage = this.writer.pageCount + 1;
    for (const p of pages) this.writer.addPage(p);
    this.letters++;
    return { sequence: this.letters, firstPage, pages: pages.length };
  }

  /** `date`: the batch's date (YYYY-MM-DD), the document date. */
  close(title: string, date: string): void {
    if (this.writer.pageCount === 0) this.writer.addPage(new PageCanvas().content());
    this.writer.close({ title, date });
  }

  abort(): void {
    this.writer.abort();
  }
}
