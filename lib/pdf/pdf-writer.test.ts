import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  lineHeight,
  PageCanvas,
  pdfDocument,
  PdfFileWriter,
  textWidth,
  winAnsiEncodable,
  wrapText,
} from './pdf-writer';

const info = { title: 'Test (1)', date: '2026-11-06' };

function page(text: string): string {
  const p = new PageCanvas();
  p.text(text, 54, 54, 'Helvetica', 10);
  p.text('Total', 54, 70, 'Helvetica-Bold', 11, '#1f4e79');
  p.line(54, 90, 558, 90, 1);
  p.rect(300, 100, 100, 30, 2, '#b00020');
  return p.content();
}

test('widths come from the standard font metrics, in points at the size given', () => {
  // Helvetica: 'A' 667, 'i' 222, space 278 (1/1000 em); Helvetica-Bold 'A' 722.
  expect(textWidth('A', 'Helvetica', 10)).toBeCloseTo(6.67);
  expect(textWidth('Ai A', 'Helvetica', 1000)).toBe(667 + 222 + 278 + 667);
  expect(textWidth('A', 'Helvetica-Bold', 1000)).toBe(722);
  expect(textWidth('€', 'Helvetica', 1000)).toBe(556); // WinAnsi 0x80
  expect(textWidth('水', 'Helvetica', 1000)).toBe(textWidth('?', 'Helvetica', 1000));
  expect(lineHeight('Helvetica', 10)).toBeCloseTo(11.56);
});

test('the encodable set is WinAnsi: Latin-1 plus the Windows-1252 extras', () => {
  expect(['A', 'é', 'ñ', '€', '“', '–'].every((c) => winAnsiEncodable(c.codePointAt(0)!))).toBe(true);
  expect(['ễ', 'Đ', '水', '\t'].some((c) => winAnsiEncodable(c.codePointAt(0)!))).toBe(false);
});

test('text wraps at spaces and line breaks, and inside a word too long for the width', () => {
  expect(wrapText('short', 'Helvetica', 10, 200)).toEqual(['short']);
  const width = textWidth('Volume charge, next', 'Helvetica', 10) + 0.01;
  expect(wrapText('Volume charge, next 7,000 gal', 'Helvetica', 10, width)).toEqual([
    'Volume charge, next',
    '7,000 gal',
  ]);
  expect(wrapText('a\nb', 'Helvetica', 10, 200)).toEqual(['a', 'b']);
  const long = wrapText('x'.repeat(40), 'Helvetica', 10, 50);
  expect(long.join('')).toBe('x'.repeat(40));
  expect(long.every((l) => textWidth(l, 'Helvetica', 10) <= 50)).toBe(true);
});

test('a document is well formed: every xref offset points at its object, and Length is exact', () => {
  const pdf = pdfDocument([page('Account (100001) \\ one'), page('Page two')], info).toString('latin1');
  expect(pdf.startsWith('%PDF-1.4\n')).toBe(true);
  expect(pdf.endsWith('%%EOF\n')).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n/.exec(pdf)![1]);
  const xref = pdf.slice(startxref);
  const count = Number(/^xref\n0 (\d+)\n/.exec(xref)![1]);
  const entries = xref.split('\n').slice(2, 2 + count);
  entries.slice(1).forEach((e, i) => {
    const offset = Number(e.slice(0, 10));
    expect(pdf.slice(offset, offset + 12)).toMatch(new RegExp(`^${i + 1} 0 obj\\n`));
  });
  for (const m of pdf.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = m.index! + m[0].length;
    expect(pdf.slice(start + Number(m[1]), start + Number(m[1]) + 10)).toBe('\nendstream');
  }
  expect(pdf.match(/\/Type \/Page\b/g)).toHaveLength(2);
  expect(pdf).toContain('/Count 2');
  // Parentheses and backslashes in text are escaped; the title and the date are as given.
  expect(pdf).toContain('(Account \\(100001\\) \\\\ one) Tj');
  expect(pdf).toContain('/Title (Test \\(1\\))');
  expect(pdf).toContain('/CreationDate (D:20261106000000Z)');
});

test('the same pages give the same bytes, in memory and streamed to a file', () => {
  const pages = [page('one'), page('two'), page('three')];
  const a = pdfDocument(pages, info);
  expect(a.equals(pdfDocument(pages, info))).toBe(true);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pdf-writer-'));
  try {
    const file = path.join(dir, 'out.pdf');
    const w = new PdfFileWriter(file);
    for (const p of pages) w.addPage(p);
    expect(w.pageCount).toBe(3);
    w.close(info);
    expect(readFileSync(file).equals(a)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
