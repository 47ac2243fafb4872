// A small PDF writer for documents of text and rules: the standard Type 1 fonts (no embedding),
// WinAnsiEncoding text, uncompressed content streams. A page costs a few microseconds, so a print
// run of 100,000 bills is written in seconds; `PdfFileWriter` streams pages to disk, keeping only
// each object's offset in memory.
//
// Layout code works top-down like a word processor: `PageCanvas` takes the top of a line of text
// and turns it into PDF's bottom-up coordinates. The same content gives the same bytes: nothing
// depends on the clock or on object identity.
import { closeSync, openSync, writeSync } from 'node:fs';
import { FONT_METRICS, WIN_ANSI_HIGH, type FontName } from './font-metrics';

export type { FontName };

export const PAGE_WIDTH = 612; // US Letter, in points
export const PAGE_HEIGHT = 792;

const FONT_RESOURCE: Record<FontName, string> = { Helvetica: 'F1', 'Helvetica-Bold': 'F2' };

/** Unicode code point → WinAnsi byte, for the characters above Latin-1 the encoding has. */
const WIN_ANSI_BYTE = new Map(Object.entries(WIN_ANSI_HIGH).map(([byte, cp]) => [cp, Number(byte)]));

/** Whether the standard fonts can show this code point (WinAnsiEncoding). */
export const winAnsiEncodable = (cp: number) =>
  (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_BYTE.has(cp);

const LATIN1_PRINTABLE = /^[\x20-\x7e\xa0-\xff]*$/;

/** Text as WinAnsi bytes in a latin1 string; characters the encoding lacks become '?'. */
function winAnsiBytes(text: string): string {
  if (LATIN1_PRINTABLE.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const b = cp <= 0xff ? (winAnsiEncodable(cp) ? cp : undefined) : WIN_ANSI_BYTE.get(cp);
    out += b === undefined ? '?' : String.fromCharCode(b);
  }
  return out;
}

/** Advance widths in 1/1000 em by UTF-16 code unit, per font (0: shown as '?'). */
const WIDTHS = Object.fromEntries(
  (Object.keys(FONT_METRICS) as FontName[]).map((font) => {
    const table = new Uint16Array(0x10000);
    FONT_METRICS[font].widths.forEach((w, i) => {
      const byte = i + 32;
      const cp = byte >= 0x80 && byte < 0xa0 ? WIN_ANSI_HIGH[byte] : byte;
      if (cp !== undefined) table[cp] = w;
    });
    return [font, table];
  }),
) as Record<FontName, Uint16Array>;

/** Width of text in 1/1000 em: a whole number, so sums of widths are exact. */
function textUnits(text: string, font: FontName): number {
  const widths = WIDTHS[font];
  const unknown = widths[0x3f]!; // '?'
  let w = 0;
  for (let i = 0; i < text.length; i++) w += widths[text.charCodeAt(i)] || unknown;
  return w;
}

/** Width of text in points, in a font and size (text in WinAnsi characters: see winAnsiSafe). */
export function textWidth(text: string, font: FontName, size: number): number {
  return (textUnits(text, font) * size) / 1000;
}

/** Distance from the top of one line of text to the top of the next. */
export function lineHeight(font: FontName, size: number): number {
  const m = FONT_METRICS[font];
  return ((m.ascender - m.descender + m.lineGap) * size) / 1000;
}

/** Breaks text into lines no wider than `width`: at spaces, at '\n', and inside a word too long for a line. */
export function wrapText(text: string, font: FontName, size: number, width: number): string[] {
  const limit = (width * 1000) / size; // in 1/1000 em, like textUnits
  if (!text.includes('\n') && textUnits(text, font) <= limit) return [text];
  const space = textUnits(' ', font);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let lineUnits = 0;
    for (let word of paragraph.split(' ')) {
      let w = textUnits(word, font);
      if (line && lineUnits + space + w <= limit) {
        line += ` ${word}`;
        lineUnits += space + w;
        continue;
      }
      if (line) lines.push(line);
      while (word.length > 1 && w > limit) {
        let cut = word.length - 1;
        while (cut > 1 && textUnits(word.slice(0, cut), font) > limit) cut--;
        lines.push(word.slice(0, cut));
        word = word.slice(cut);
        w = textUnits(word, font);
      }
      line = word;
      lineUnits = w;
    }
    lines.push(line);
  }
  return lines;
}

/** An RGB colour as '#rrggbb'. */
export type Color = `#${string}`;

/** A coordinate to 1/100 point: plenty for print, and short. */
const num = (n: number) => String(Math.round(n * 100) / 100);

const colors = new Map<Color, string>();
function rgb(color: Color): string {
  let c = colors.get(color);
  if (!c) {
    const v = parseInt(color.slice(1), 16);
    c = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((x) => (x / 255).toFixed(3)).join(' ');
    colors.set(color, c);
  }
  return c;
}

const escapeString = (bytes: string) =>
  /[\\()]/.test(bytes) ? bytes.replace(/[\\()]/g, (ch) => `\\${ch}`) : bytes;

/** Text as a PDF string literal in WinAnsi bytes: `(Total due)`; what `PageCanvas.shown` takes. */
export const pdfString = (text: string) => `(${escapeString(winAnsiBytes(text))})`;

/** Each font's ascender, by font, for the baseline of a line of text. */
const ASCENDER: Record<FontName, number> = {
  Helvetica: FONT_METRICS.Helvetica.ascender,
  'Helvetica-Bold': FONT_METRICS['Helvetica-Bold'].ascender,
};

/** One page being drawn, top-down; `content()` is its PDF content stream. */
export class PageCanvas {
  private readonly graphics: string[] = [];
  private readonly texts: string[] = [];
  private font: FontName | null = null;
  private size = 0;
  private fill: Color | null = null;

  /** One line of text whose line box starts `top` points below the top of the page. */
  text(text: string, x: number, top: number, font: FontName, size: number, color: Color = '#000000'): void {
    this.shown(pdfString(text), x, top, font, size, color);
  }

  /**
   * `text` for a line already made a PDF string (`pdfString`): a layout that prints the same text on
   * every page (labels, the utility's details) makes the string once.
   */
  shown(
    literal: string,
    x: number,
    top: number,
    font: FontName,
    size: number,
    color: Color = '#000000',
  ): void {
    if (font !== this.font || size !== this.size) {
      this.texts.push(`/${FONT_RESOURCE[font]} ${num(size)} Tf`);
      this.font = font;
      this.size = size;
    }
    if (color !== this.fill) {
      this.texts.push(`${rgb(color)} rg`);
      this.fill = color;
    }
    const baseline = PAGE_HEIGHT - top - (ASCENDER[font] * size) / 1000;
    this.texts.push(`1 0 0 1 ${num(x)} ${num(baseline)} Tm ${literal} Tj`);
  }

  line(x1: number, y1: number, x2: number, y2: number, width: number, color: Color = '#000000'): void {
    this.graphics.push(
      `${rgb(color)} RG ${num(width)} w ${num(x1)} ${num(PAGE_HEIGHT - y1)} m ${num(x2)} ${num(PAGE_HEIGHT - y2)} l S`,
    );
  }

  rect(x: number, top: number, w: number, h: number, width: number, color: Color = '#000000'): void {
    this.graphics.push(
      `${rgb(color)} RG ${num(width)} w ${num(x)} ${num(PAGE_HEIGHT - top - h)} ${num(w)} ${num(h)} re S`,
    );
  }

  /** The page's content stream, as a latin1 string (one character per byte). */
  content(): string {
    return `${this.graphics.join('\n')}\nBT\n${this.texts.join('\n')}\nET\n`;
  }
}

export interface DocumentInfo {
  title: string;
  /** YYYY-MM-DD: the document date (a bill's date, never the clock). */
  date: string;
}

// Fixed objects: 1 catalog, 2 page tree, 3-4 fonts, 5 shared resources, 6 document info; pages
// and their content streams follow in pairs.
const CATALOG = 1;
const PAGES = 2;
const RESOURCES = 5;
const INFO = 6;
const FIRST_PAGE = 7;

/** Writes a PDF's objects in order to `sink`, remembering where each starts. */
class PdfAssembler {
  private readonly offsets: number[] = [];
  private readonly pageRefs: string[] = [];
  private position = 0;

  constructor(private readonly sink: (latin1: string) => void) {
    this.emit('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
    this.object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    this.object(4, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
    this.object(RESOURCES, '<< /Font << /F1 3 0 R /F2 4 0 R >> >>');
  }

  get pageCount(): number {
    return this.pageRefs.length;
  }

  private emit(latin1: string): void {
    this.sink(latin1);
    this.position += latin1.length;
  }

  private object(n: number, body: string): void {
    this.offsets[n] = this.position;
    this.emit(`${n} 0 obj\n${body}\nendobj\n`);
  }

  addPage(content: string): void {
    const n = FIRST_PAGE + 2 * this.pageRefs.length;
    this.pageRefs.push(`${n} 0 R`);
    this.object(
      n,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources ${RESOURCES} 0 R /Contents ${n + 1} 0 R >>`,
    );
    this.object(n + 1, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  }

  finish(info: DocumentInfo): void {
    this.object(
      PAGES,
      `<< /Type /Pages /Count ${this.pageRefs.length} /Kids [${this.pageRefs.join(' ')}] >>`,
    );
    this.object(CATALOG, `<< /Type /Catalog /Pages ${PAGES} 0 R >>`);
    const date = `D:${info.date.replace(/-/g, '')}000000Z`;
    this.object(
      INFO,
      `<< /Title ${pdfString(info.title)} /Author (OpenCIS) /Creator (OpenCIS) /Producer (OpenCIS) ` +
        `/CreationDate (${date}) >>`,
    );
    const xref = this.position;
    const size = this.offsets.length;
    const entries = ['0000000000 65535 f \n'];
    for (let n = 1; n < size; n++) entries.push(`${String(this.offsets[n]).padStart(10, '0')} 00000 n \n`);
    this.emit(`xref\n0 ${size}\n${entries.join('')}`);
    this.emit(
      `trailer\n<< /Size ${size} /Root ${CATALOG} 0 R /Info ${INFO} 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
    );
  }
}

/** A whole PDF in memory from its pages' content streams. */
export function pdfDocument(pages: readonly string[], info: DocumentInfo): Buffer {
  const parts: string[] = [];
  const pdf = new PdfAssembler((s) => parts.push(s));
  for (const p of pages) pdf.addPage(p);
  pdf.finish(info);
  return Buffer.from(parts.join(''), 'latin1');
}

/** Bytes gathered before each write to disk. */
const FILE_BUFFER = 1 << 20;

/** A PDF written page by page to a file; call `close` to finish it (or `abort` to give up). */
export class PdfFileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly pdf: PdfAssembler;

  constructor(file: string) {
    this.fd = openSync(file, 'w');
    this.pdf = new PdfAssembler((s) => {
      this.pending.push(s);
      this.pendingBytes += s.length;
      if (this.pendingBytes >= FILE_BUFFER) this.flush();
    });
  }

  get pageCount(): number {
    return this.pdf.pageCount;
  }

  private flush(): void {
    writeSync(this.fd, Buffer.from(this.pending.join(''), 'latin1'));
    this.pending = [];
    this.pendingBytes = 0;
  }

  addPage(content: string): void {
    this.pdf.addPage(content);
  }

  close(info: DocumentInfo): void {
    this.pdf.finish(info);
    this.flush();
    closeSync(this.fd);
  }

  abort(): void {
    closeSync(this.fd);
  }
}
