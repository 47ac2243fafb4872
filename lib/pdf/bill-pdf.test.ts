import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BillLabels, BillView } from '../../services/bill-render';
import { billPdf, printBatchPdf, printOrder, renderPrintBatch, winAnsiSafe } from './bill-pdf';

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
