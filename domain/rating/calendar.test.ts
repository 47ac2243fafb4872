import fc from 'fast-check';
import {
  dayNumber,
  daysBetween,
  inMonthDayRange,
  isIsoDate,
  isMonthDay,
  isoDate,
  monthLabel,
  runsBy,
} from './calendar';

test.each([
  ['1970-01-01', 0],
  ['1969-12-31', -1],
  ['2000-03-01', 11017],
  ['2026-07-01', 20635],
])('%s is day %i', (iso, n) => {
  expect(dayNumber(iso)).toBe(n);
  expect(isoDate(n)).toBe(iso);
});

test('day numbers and ISO dates round-trip over four centuries', () => {
  fc.assert(
    fc.property(fc.integer({ min: -200_000, max: 200_000 }), (n) => {
      expect(dayNumber(isoDate(n))).toBe(n);
    }),
  );
});

test.each([
  ['2026-10-02', '2026-11-02', 31],
  ['2026-11-02', '2026-12-02', 30],
  ['2026-12-16', '2027-01-16', 31],
  ['2028-02-01', '2028-03-01', 29],
  ['2027-02-01', '2027-03-01', 28],
])('%s → %s is %i days (to − from)', (from, to, days) => {
  expect(daysBetween(from, to)).toBe(days);
});

test('dates are checked', () => {
  expect(isIsoDate('2028-02-29')).toBe(true);
  expect(isIsoDate('2027-02-29')).toBe(false);
  expect(isIsoDate('2026-13-01')).toBe(false);
  expect(isIsoDate('2026-11-2')).toBe(false);
  expect(() => dayNumber('2026-04-31')).toThrow(RangeError);
  expect(isMonthDay('02-29')).toBe(true);
  expect(isMonthDay('09-31')).toBe(false);
});

test('month labels', () => {
  expect(monthLabel('2026-11')).toBe('November 2026');
  expect(monthLabel('2027-01')).toBe('January 2027');
});

test.each([
  ['06-01', '06-01', '09-30', true],
  ['09-30', '06-01', '09-30', true],
  ['10-01', '06-01', '09-30', false],
  ['05-31', '06-01', '09-30', false],
  ['12-15', '11-01', '03-31', true], // a season that wraps the year
  ['02-29', '11-01', '03-31', true],
  ['04-01', '11-01', '03-31', false],
])('%s in %s..%s → %s', (md, from, to, inside) => {
  expect(inMonthDayRange(md, from, to)).toBe(inside);
});

test('runs of days with the same key', () => {
  const runs = runsBy(dayNumber('2026-09-28'), dayNumber('2026-10-03'), (iso) => iso.slice(0, 7));
  expect(runs.map((r) => [isoDate(r.from), isoDate(r.to), r.key])).toEqual([
    ['2026-09-28', '2026-10-01', '2026-09'],
    ['2026-10-01', '2026-10-03', '2026-10'],
  ]);
});
