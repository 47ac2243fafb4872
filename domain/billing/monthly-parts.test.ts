import { Decimal } from '../decimal';
import { monthlyParts } from './monthly-parts';

const text = (parts: ReturnType<typeof monthlyParts>) =>
  parts.map((p) => `${p.from}→${p.to} ${p.usage.toString()}`);

test('a period of one month, read a few days early or late, stays one period', () => {
  for (const [from, to] of [
    ['2026-10-02', '2026-11-02'],
    ['2026-09-30', '2026-11-05'],
    ['2026-10-05', '2026-10-31'],
  ] as const) {
    expect(text(monthlyParts(2, from, to, Decimal.from(4440)))).toEqual([`${from}→${to} 4440`]);
  }
});

test('two months of use are two monthly periods, the use split by days and adding up exactly', () => {
  // 31 days of October's period, 30 of November's: 9,150 gal → 4,650 + 4,500.
  expect(text(monthlyParts(2, '2026-10-02', '2026-12-02', Decimal.from(9150)))).toEqual([
    '2026-10-02→2026-11-02 4650',
    '2026-11-02→2026-12-02 4500',
  ]);
  // Shares that are not whole units stay exact fractions; the last takes what is left.
  const parts = monthlyParts(2, '2026-10-02', '2026-12-02', Decimal.from(1000));
  expect(parts.map((p) => p.usage.toString())).toEqual(['31000/61', '30000/61']);
  expect(parts.reduce((s, p) => s.add(p.usage), Decimal.ZERO).toString()).toBe('1000');
});

test('reads off the read day cut at the read days between them; three months are three periods', () => {
  expect(
    text(monthlyParts(16, '2026-08-15', '2026-11-17', Decimal.from(940))).map((t) => t.split(' ')[0]),
  ).toEqual(['2026-08-15→2026-09-16', '2026-09-16→2026-10-16', '2026-10-16→2026-11-17']);
});

test('a period ending well after a read day is a full month and a prorated part of the next', () => {
  const parts = monthlyParts(2, '2026-10-02', '2026-11-20', Decimal.from(4900));
  expect(text(parts)).toEqual(['2026-10-02→2026-11-02 3100', '2026-11-02→2026-11-20 1800']);
  // 18 days of November's 30: prorated; October's month is whole.
  expect(parts.map((p) => p.periodDays)).toEqual([undefined, 30]);
  // Months read a few days late are whole months, not prorated.
  expect(monthlyParts(2, '2026-10-05', '2026-12-04', Decimal.from(60)).map((p) => p.periodDays)).toEqual([
    undefined,
    undefined,
  ]);
});

test('an empty or backward period is refused', () => {
  expect(() => monthlyParts(2, '2026-11-02', '2026-11-02', Decimal.ZERO)).toThrow(RangeError);
});

test('a final bill cuts at every read day before service ends, so its last stretch is exact', () => {
  // Service ends three days after the read day: those three days are a stretch of their own.
  expect(text(monthlyParts(2, '2026-10-02', '2026-12-05', Decimal.from(6400), 1))).toEqual([
    '2026-10-02→2026-11-02 3100',
    '2026-11-02→2026-12-02 3000',
    '2026-12-02→2026-12-05 300',
  ]);
  // A cycle bill read three days late is one month more, not a stretch.
  expect(monthlyParts(2, '2026-10-02', '2026-12-05', Decimal.from(6400))).toHaveLength(2);
});
