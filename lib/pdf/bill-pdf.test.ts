import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BillLabels, BillView } from '../../services/bill-render';
import { billPdf, layOutBill, printBatchPdf, printOrder, renderPrintBatch, winAnsiSafe } from './bill-pdf';

// The English wording as the product ships it.
const labels = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'notices', 'bill', 'en', 'labels.json'), 'utf8'),
) as BillLabels;

function view(billId: string, accountId: string, zip: string, lineCount = 3): BillView {
  return {
    billId,
    accountId,
    kind: 'REGULAR',
    status: 'ISSUED',
    estimated: false,
    autopay: false,
    language: 'en',
    preferredLanguage: 'en',
    languageFallback: false,
    billDate: '2026-11-05',
    dueDate: '2026-11-25',
    periodFrom: '2026-10-02',
    periodTo: '2026-11-02',
    billDateText: 'November 5, 2026',
    dueDateText: 'November 25, 2026',
    periodFromText: 'October 2, 2026',
    periodToText: 'November 2, 2026',
    customer: {
      id: 'C1',
      name: 'Nguyễn Thị Đào',
      email: null,
      paperless: false,
      mailingAddress: `1 Main St, Millbrook, PA ${zip}`,
      postal: { lines: ['1 Main St'], city: 'Millbrook', state: 'PA', zip, parsed: true },
    },
    premise: { id: 'P1', serviceAddress: '1 Main St, Millbrook, PA 16801', zip },
    lines: Array.from({ length: lineCount }, (_, i) => ({
      lineNo: i + 1,
      description: `Charge ${i + 1}`,
      quantity: '1',
      unit: 'period',
      quantityText: '1 period',
      rate: '1',
      rateText: '$1.00',
      amountCents: '100',
      amount: '1.00',
      amountText: '$1.00',
    })),
    totalCents: String(lineCount * 100),
    total: `${lineCount}.00`,
    totalText: `$${lineCount}.00`,
    statement: null,
    amountDueCents: String(lineCount * 100),
    amountDue: `${lineCount}.00`,
    amountDueText: `$${lineCount}.00`,
    utility: {
      name: 'Millbrook Water & Light',
      state: 'PA',
      policyProfile: 'MUNICIPAL',
      addressLines: ['1 Municipal Plaza', 'Millbrook, PA 16801'],
      address: '1 Municipal Plaza, Millbrook, PA 16801',
      phone: '814-555-0100',
      payUrl: 'https://millbrook.example/pay',
      payByMailLines: ['PO Box 1400', 'Millbrook, PA 16801'],
      payByMail: 'PO Box 1400, Millbrook, PA 16801',
    },
    texts: { labels, lateCharge: 'Late.', estimated: null, howToPay: ['Online.'], languageFallback: null },
  };
}

test('text the standard fonts cannot show is reduced to base letters, not garbage', () => {
  expect(winAnsiSafe('Nguyễn Thị Đào')).toBe('Nguyen Thi Dào');
  expect(winAnsiSafe('Nguye\u0302\u0303n')).toBe('Nguyen');
  expect(winAnsiSafe('José Peña – ¿Qué? €5 “ok”')).toBe('José Peña – ¿Qué? €5 “ok”');
  expect(winAnsiSafe('水')).toBe('?');
  expect(winAnsiSafe('a\tb')).toBe('a b');
});

test('print order is ZIP, then account, then bill, whatever the input order', () => {
  const vs = [
    view('B3', '100003', '16802'),
    view('B2', '100002', '16801'),
    view('B1', '100009', '16801'),
    view('B0', '100002', '16801'),
  ];
  expect(printOrder(vs).map((v) => v.billId)).toEqual(['B0', 'B2', 'B1', 'B3']);
});

test('the same bill renders to the same bytes', async () => {
  const a = await billPdf(view('B1', '100001', '16801'));
  const b = await billPdf(view('B1', '100001', '16801'));
  expect(a.subarray(0, 5).toString()).toBe('%PDF-');
  expect(a.equals(b)).toBe(true);
});

test('a batch starts every bill on a new page and knows how many pages each takes', async () => {
  const { pdf, entries } = await renderPrintBatch([
    view('B2', '100002', '16802', 80),
    view('B1', '100001', '16801', 2),
  ]);
  expect(entries).toEqual([
    { billId: 'B1', sequence: 1, firstPage: 1, pages: 1 },
    { billId: 'B2', sequence: 2, firstPage: 2, pages: expect.any(Number) },
  ]);
  expect(entries[1]!.pages).toBeGreaterThan(1);
  const pageObjects = pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? [];
  expect(pageObjects).toHaveLength(1 + entries[1]!.pages);
  expect(
    (await printBatchPdf([view('B1', '100001', '16801')])).equals(
      await printBatchPdf([view('B1', '100001', '16801')]),
    ),
  ).toBe(true);
});

test('a long account summary never runs into the footer, and "Current charges" never ends a page', () => {
  const summary = (rows: number) => ({
    previousBalanceText: '$1,000.00',
    activity: Array.from({ length: rows }, (_, i) => ({
      description: `Payment received, thank you (October ${i + 1}, 2026)`,
      amountText: '-$1.00',
    })),
    balanceForwardText: '$990.00',
    currentChargesText: '$3.00',
    pastDueCents: '99000',
    pastDueText: 'Includes $990.00 past due: please pay it now.',
    creditText: null,
  });
  for (const rows of [0, 8, 14, 30, 45])
    for (const lineCount of [1, 20, 40]) {
      const v = view('B1', '100001', '16801', lineCount);
      const long = {
        ...v,
        estimated: true,
        statement: summary(rows),
        texts: {
          ...v.texts,
          estimated: 'Estimated. '.repeat(40),
          languageFallback: 'In English. '.repeat(30),
        },
      };
      const pages = layOutBill(long);
      for (const page of pages) {
        const baselines = [...page.matchAll(/1 0 0 1 [\d.]+ ([\d.]+) Tm \((.*?)\) Tj/g)].map((m) => ({
          y: Number(m[1]),
          text: m[2]!,
        }));
        // Everything but the footer ("Account number … Page i / n") sits above the footer's band.
        const body = baselines.filter((t) => !/ Page \d+ \/ \d+$/.test(t.text));
        expect(body.filter((t) => t.y < 60)).toEqual([]);
        // "Current charges" as a heading (not a row of the summary or the table's foot, which an
        // amount follows) is followed by the table's header on the same page.
        body.forEach((t, i) => {
          if (t.text === 'Current charges' && !/^-?\$/.test(body[i + 1]?.text ?? ''))
            expect(body[i + 1]?.text).toBe('Description');
        });
      }
      expect(pages.join('\n')).toContain('(Account summary) Tj');
    }
});
