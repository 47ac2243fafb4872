import fc from 'fast-check';
import { Prisma } from '@prisma/client';
import {
  billLanguage,
  decimalText,
  formatCents,
  moneyText,
  parseMailingAddress,
  ratePer,
  renderBill,
  toBillView,
  trimDecimal,
} from '../../services/bill-render';
import { adjustmentPurpose, type StoredStatement } from '../../services/statements';

const day = (s: string) => new Date(`${s}T00:00:00.000Z`);

function view(
  over: {
    language?: string;
    name?: string;
    estimated?: boolean;
    autopay?: boolean;
    mailingAddress?: string;
    statement?: StoredStatement | null;
  } = {},
) {
  const lines = [
    {
      description: 'Base charge, 5/8" meter',
      quantity: '1.000000',
      unit: 'period',
      rate: '18.50000000',
      amount: 1850n,
    },
    {
      description: 'Energy charge',
      quantity: '1548.387000',
      unit: 'kWh',
      rate: '0.11250000',
      amount: 17419n,
    },
    { description: 'Municipal utility tax', quantity: '192.69', unit: 'USD', rate: '6', amount: 1156n },
  ];
  const bill = {
    id: 'B-1',
    accountId: '100001',
    cycleRunId: null,
    kind: 'REGULAR' as const,
    status: 'ISSUED' as const,
    issuedAt: null,
    periodFrom: day('2026-10-02'),
    periodTo: day('2026-11-02'),
    billDate: day('2026-11-05'),
    dueDate: day('2026-11-25'),
    estimated: over.estimated ?? false,
    totalCents: 20425n,
    language: 'en',
    replacesId: null,
    cancelledAt: null,
    createdAt: new Date(0),
    statement: over.statement ?? null,
    lines: lines.map((l, i) => ({
      id: BigInt(i + 1),
      billId: 'B-1',
      lineNo: i + 1,
      service: 'ELECTRIC',
      component: `C${i}`,
      description: l.description,
      quantity: new Prisma.Decimal(l.quantity),
      unit: l.unit,
      rate: new Prisma.Decimal(l.rate),
      ratePer: new Prisma.Decimal(1),
      amountCents: l.amount,
      tariffSchedule: null,
      tariffVersion: null,
      periodFrom: day('2026-10-02'),
      periodTo: day('2026-11-02'),
      meterId: null,
      correctsLineId: null,
    })),
  };
  const account = {
    id: '100001',
    customerId: 'C1',
    premiseId: 'P1',
    autopay: over.autopay ?? false,
    customer: {
      id: 'C1',
      name: over.name ?? 'Ana Peña',
      mailingAddress: over.mailingAddress ?? '846 Church St, Millbrook, PA 16803',
      email: 'ana@example.org',
      paperless: true,
      language: over.language ?? 'en',
    },
    premise: { id: 'P1', serviceAddress: '12 Mill Rd, Millbrook, PA 16801', zip: '16801' },
  };
  return toBillView(bill, account as unknown as Parameters<typeof toBillView>[1]);
}

describe('money and numbers by string arithmetic', () => {
  test.each([
    [0n, '0.00', '$0.00'],
    [5n, '0.05', '$0.05'],
    [-5n, '-0.05', '-$0.05'],
    [100n, '1.00', '$1.00'],
    [123456n, '1234.56', '$1,234.56'],
    ['-100000000', '-1000000.00', '-$1,000,000.00'],
    [9007199254740993n, '90071992547409.93', '$90,071,992,547,409.93'],
  ])('%p cents', (cents, plain, text) => {
    expect(formatCents(cents)).toBe(plain);
    expect(moneyText(cents)).toBe(text);
  });

  test('refuses what is not whole cents', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
    expect(() => formatCents('12.00')).toThrow(RangeError);
  });

  test('decimals are trimmed and grouped, never through a float', () => {
    expect(trimDecimal('4500.000000')).toBe('4500');
    expect(trimDecimal('0.10000000')).toBe('0.1');
    expect(trimDecimal('-0.000')).toBe('0');
    expect(trimDecimal('007.50')).toBe('7.5');
    expect(decimalText('1548.387000')).toBe('1,548.387');
    expect(decimalText('18.5', 2)).toBe('18.50');
    expect(decimalText('0.30000000000000004')).toBe('0.30000000000000004');
  });

  test('trimming and grouping agree with their plain regular-expression definitions', () => {
    // What the character loops replace, kept here as the specification.
    const byRegex = (plain: string) => {
      const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(plain.trim());
      if (!m) return 'RangeError';
      const whole = m[2]!.replace(/^0+(?=\d)/, '');
      const frac = (m[3] ?? '').replace(/0+$/, '');
      const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
      const sign = m[1] && /[1-9]/.test(whole + frac) ? '-' : '';
      return `${sign}${grouped}${frac ? `.${frac}` : ''}`;
    };
    const actual = (plain: string) => {
      try {
        return decimalText(plain);
      } catch (err) {
        return (err as Error).name;
      }
    };
    const decimalish = fc.stringMatching(/^\s?-?0{0,3}\d{0,9}(\.\d{0,8}0{0,3})?\s?$/);
    const anything = fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', ' ', 'a', '+', 'e') });
    fc.assert(
      fc.property(fc.oneof(decimalish, anything), (plain) => {
        expect(actual(plain)).toBe(byRegex(plain));
      }),
      { numRuns: 5_000 },
    );
    for (const edge of ['', '-', '.', '-.5', '5.', '-0', '00', '1..2', '١٢٣', '1_000', ' 12 '])
      expect(actual(edge)).toBe(byRegex(edge));
  });
});

test("a line's rate divisor is recovered from its own figures, or left alone", () => {
  expect(ratePer('4500', '5.25', 2363n, 'gal')).toBe(1000n); // 23.625 → 23.63
  expect(ratePer('1548.387', '0.1125', 17419n, 'kWh')).toBe(1n);
  expect(ratePer('15', '18.50', 925n, 'day')).toBe(30n);
  expect(ratePer('15', '18.50', 895n, 'day')).toBe(31n);
  expect(ratePer('0', '5.25', 0n, 'gal')).toBeNull(); // every divisor fits: ambiguous
  expect(ratePer('4500', '5.25', 9999n, 'gal')).toBeNull(); // none fits
  expect(ratePer('-4500', '5.25', -2363n, 'gal')).toBe(1000n);
});

test('mailing addresses split for the print vendor, or stay whole', () => {
  expect(parseMailingAddress('846 Church St, Millbrook, PA 16803')).toEqual({
    lines: ['846 Church St'],
    city: 'Millbrook',
    state: 'PA',
    zip: '16803',
    parsed: true,
  });
  expect(parseMailingAddress('12 Oak Ave, Apt 3, State College, pa 16801-1234')).toMatchObject({
    lines: ['12 Oak Ave', 'Apt 3'],
    city: 'State College',
    state: 'PA',
    zip: '16801-1234',
  });
  expect(parseMailingAddress('General Delivery, Millbrook')).toEqual({
    lines: ['General Delivery, Millbrook'],
    city: '',
    state: '',
    zip: '',
    parsed: false,
  });
});

test('languages: English and Spanish; anything else is English', () => {
  expect(billLanguage('es')).toBe('es');
  expect(billLanguage('es-MX')).toBe('es');
  expect(billLanguage('vi')).toBe('en');
  expect(billLanguage('')).toBe('en');
});

describe('the view and the email', () => {
  test('lines are formatted from the stored decimals', () => {
    const v = view();
    expect(v.lines.map((l) => [l.quantityText, l.rateText, l.amountText])).toEqual([
      ['1 period', '$18.50', '$18.50'],
      ['1,548.387 kWh', '$0.1125', '$174.19'],
      ['$192.69', '6%', '$11.56'],
    ]);
    expect(v).toMatchObject({
      total: '204.25',
      totalText: '$204.25',
      billDate: '2026-11-05',
      dueDateText: 'November 25, 2026',
      languageFallback: false,
    });
  });

  test('HTML escapes customer data; the plain text keeps it as written', () => {
    const r = renderBill(view({ name: '<img src=x onerror=alert(1)> & "Co"' }));
    expect(r.html).toContain('Dear &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; &quot;Co&quot;,');
    expect(r.html).not.toContain('<img');
    expect(r.text).toContain('Dear <img src=x onerror=alert(1)> & "Co",');
    expect(r.text).toContain('Millbrook Water & Light');
  });

  test('an estimated bill says ESTIMATED in the subject and both bodies', () => {
    const en = renderBill(view({ estimated: true }));
    expect(en.subject).toMatch(/^ESTIMATED /);
    expect(en.text).toContain('*** ESTIMATED BILL ***');
    expect(en.html).toContain('ESTIMATED BILL');
    const es = renderBill(view({ estimated: true, language: 'es' }));
    expect(es.subject).toMatch(/^ESTIMADA \(ESTIMATED\): /);
    expect(es.text).toContain('FACTURA ESTIMADA (ESTIMATED)');
    expect(renderBill(view()).text).not.toContain('ESTIMATED');
  });

  test('Spanish wording and dates; a fallback says the bill is in English', () => {
    const es = renderBill(view({ language: 'es' }));
    expect(es.subject).toBe(
      'Factura de Millbrook Water & Light, cuenta 100001: $204.25 vence el 25 de noviembre de 2026',
    );
    expect(es.text).toContain('Período de servicio: 2 de octubre de 2026 al 2 de noviembre de 2026');
    expect(es.text).toContain('1 período x $18.50 = $18.50');
    const vi = view({ language: 'vi' });
    expect(vi).toMatchObject({ language: 'en', preferredLanguage: 'vi', languageFallback: true });
    expect(renderBill(vi).text).toContain('This bill is in English because');
    expect(renderBill(view()).text).not.toContain('This bill is in English because');
  });

  test('the account summary, in English and in Spanish; a bill issued without one shows its own total', () => {
    const statement: StoredStatement = {
      previousBalanceCents: 9000n,
      activityCents: -9000n + 135n - 4500n,
      balanceForwardCents: -4365n,
      currentChargesCents: 20425n,
      totalDueCents: 16060n,
      pastDueCents: 0n,
      activity: [
        { kind: 'PAYMENT', amountCents: -9000n, effectiveDate: '2026-10-20', billId: null, reverses: false },
        { kind: 'LATE_FEE', amountCents: 135n, effectiveDate: '2026-10-26', billId: 'B-0', reverses: false },
        {
          kind: 'ADJUSTMENT',
          amountCents: -4500n,
          effectiveDate: '2026-10-30',
          billId: null,
          reverses: false,
          purpose: 'transferredIn',
        },
      ],
    };
    const en = view({ statement });
    expect(en).toMatchObject({ totalText: '$204.25', amountDueText: '$160.60', amountDue: '160.60' });
    const mail = renderBill(en);
    expect(mail.subject).toContain('$160.60 due November 25, 2026');
    expect(mail.text).toContain(
      [
        'Account summary',
        'Previous balance: $90.00',
        'Payment received, thank you (October 20, 2026): -$90.00',
        'Late payment charge (October 26, 2026): $1.35',
        'Moved from your previous account (October 30, 2026): -$45.00',
        'Balance forward: -$43.65',
        'Current charges: $204.25',
        'Total amount due: $160.60',
      ].join('\n'),
    );
    expect(mail.html).toContain('<th align="left" colspan="3">Current charges</th>');
    const es = renderBill(view({ statement, language: 'es' }));
    expect(es.subject).toContain('$160.60 vence el 25 de noviembre de 2026');
    expect(es.text).toContain('Saldo anterior: $90.00');
    expect(es.text).toContain('Pago recibido, gracias (20 de octubre de 2026): -$90.00');
    expect(es.text).toContain('Cargos actuales: $204.25');

    const old = renderBill(view());
    expect(old.text).not.toContain('Account summary');
    expect(old.text).toContain('Total amount due: $204.25');
    expect(old.html).toContain('<th align="left" colspan="3">Total amount due</th>');
  });

  test('adjustments say what they were for, from the keys their services post them under', () => {
    expect(adjustmentPurpose('ADJUSTMENT', 'transfer:SO-12:out:4411')).toBe('transferredOut');
    expect(adjustmentPurpose('ADJUSTMENT', 'transfer:SO-12:credit-out')).toBe('transferredOut');
    expect(adjustmentPurpose('ADJUSTMENT', 'transfer:SO-12:in:4411')).toBe('transferredIn');
    expect(adjustmentPurpose('ADJUSTMENT', 'transfer:SO-12:credit-in')).toBe('transferredIn');
    expect(adjustmentPurpose('ADJUSTMENT', 'final:SO-12:refund')).toBe('refund');
    expect(adjustmentPurpose('ADJUSTMENT', 'bill:B-1-A1:adjustment')).toBeNull();
    expect(adjustmentPurpose('PAYMENT', 'transfer:SO-12:in:4411')).toBeNull();
  });

  test('autopay customers are told not to pay separately', () => {
    expect(renderBill(view({ autopay: true })).text).toContain('drafted automatically on the due date');
    expect(renderBill(view()).text).not.toContain('drafted automatically');
  });
});
