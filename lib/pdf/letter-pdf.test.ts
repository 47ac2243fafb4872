// A notice as a printed letter: the addressee in the envelope window, the body as written, a
// heading marked *** … *** in bold, more pages when it runs long, a footer on each page.
import { layOutLetter, type Letter } from './letter-pdf';
import { pdfDocument } from './pdf-writer';

const letter = (body: string): Letter => ({
  utility: {
    name: 'Millbrook Water & Light',
    addressLines: ['1 Municipal Plaza', 'Millbrook, PA 16801'],
    phone: '814-555-0100',
  },
  recipientName: 'Lucía Hernández',
  postal: { lines: ['12 Olive Ave'], city: 'Fresno', state: 'CA', zip: '93701', parsed: true },
  reference: 'Millbrook Water & Light - 100001 - 2026-12-07',
  subject: 'Final notice of disconnection',
  body,
});

/** The text-showing operators of a content stream, in order. */
const shown = (content: string) => [...content.matchAll(/\((.*?)\) Tj/g)].map((m) => m[1]);

test('one page: window address, title, body lines as written, a bold heading, a footer', () => {
  const pages = layOutLetter(letter('*** FINAL NOTICE ***\n\nPay $187.65 by December 17.\n\nThank you.'));
  expect(pages).toHaveLength(1);
  const text = shown(pages[0]!);
  // WinAnsi: í is one byte, shown as written.
  expect(text).toEqual(expect.arrayContaining(['Lucía Hernández', '12 Olive Ave', 'Fresno, CA 93701']));
  expect(text).toContain('Final notice of disconnection');
  expect(text).toContain('FINAL NOTICE'); // the *** marks are not printed
  expect(text).not.toContain('*** FINAL NOTICE ***');
  expect(text).toContain('Pay $187.65 by December 17.');
  expect(text.at(-1)).toBe('Millbrook Water & Light - 100001 - 2026-12-07 - 1 / 1');
  // The heading is set in the bold face (F2).
  expect(pages[0]).toMatch(/\/F2 10 Tf[^]*?\(FINAL NOTICE\) Tj/);
});

test('a long notice goes on to more pages, each with its footer, nothing lost', () => {
  const paragraphs = Array.from(
    { length: 60 },
    (_, i) => `Paragraph ${i + 1}: the past-due amount and how to avoid disconnection.`,
  );
  const pages = layOutLetter(letter(paragraphs.join('\n\n')));
  expect(pages.length).toBeGreaterThan(1);
  const all = pages.flatMap(shown);
  for (let i = 1; i <= 60; i++) expect(all.some((t) => t?.startsWith(`Paragraph ${i}:`))).toBe(true);
  pages.forEach((p, i) =>
    expect(shown(p).at(-1)).toBe(
      `Millbrook Water & Light - 100001 - 2026-12-07 - ${i + 1} / ${pages.length}`,
    ),
  );
  // The same letter lays out to the same bytes.
  const again = layOutLetter(letter(paragraphs.join('\n\n')));
  expect(pdfDocument(again, { title: 't', date: '2026-12-07' })).toEqual(
    pdfDocument(pages, { title: 't', date: '2026-12-07' }),
  );
});
