import { compare, dailyRate, formatRatio, formatScaled, parseDecimal, ratio, roundHalfUp } from './ratio';
import { calendarDaysBetween, parseLocalDateTime } from './time';

describe('exact ratios', () => {
  it.each([
    ['3', 3n, 1n],
    ['0.25', 25n, 100n],
    ['-1.5', -15n, 10n],
    [' 197.1 ', 1971n, 10n],
  ])('parseDecimal(%j)', (text, num, den) => expect(parseDecimal(text)).toEqual({ num, den }));

  it.each(['', '1e3', '.5', '1.', 'abc', '0x10'])('parseDecimal refuses %j', (text) =>
    expect(() => parseDecimal(text)).toThrow(RangeError),
  );

  it.each([
    [ratio(31, 2), 16n],
    [ratio(29, 2), 15n],
    [ratio(-31, 2), -16n],
    [ratio(1, 3), 0n],
  ])('roundHalfUp %o', (r, n) => expect(roundHalfUp(r)).toBe(n));

  it.each([
    [344597n, 3, '344.597'],
    [5n, 3, '0.005'],
    [-1500n, 3, '-1.500'],
    [42n, 0, '42'],
  ])('formatScaled(%s, %i)', (v, d, s) => expect(formatScaled(v, d)).toBe(s));

  it('compares and formats without floats', () => {
    expect(compare(ratio(1, 3), ratio(333, 1000))).toBe(1);
    expect(compare(ratio(1, 4), parseDecimal('0.25'))).toBe(0);
    expect(formatRatio(ratio(2, 3), 2)).toBe('0.67');
    expect(dailyRate('29.8')).toEqual({ usage: 298, days: 10 });
    expect(() => dailyRate('-1')).toThrow(RangeError);
  });
});

describe('local timestamps', () => {
  it.each([
    ['2026-11-02T06:00:00', '2026-11-02T06:00:00'],
    ['2026-11-02 06:00', '2026-11-02T06:00:00'],
    ['2026-11-02', '2026-11-02T00:00:00'],
    ['2028-02-29T23:59:59', '2028-02-29T23:59:59'],
  ])('parses %j', (text, norm) => expect(parseLocalDateTime(text)?.text).toBe(norm));

  it.each([
    '2026-11-02T06:00:00Z',
    '2026-11-02T06:00:00-05:00',
    '2027-02-29',
    '2026-11-02T24:00',
    '11/02/2026',
    '',
  ])('refuses %j', (text) => expect(parseLocalDateTime(text)).toBeNull());

  it('counts calendar days by date, not by hours', () => {
    const d = (s: string) => {
      const t = parseLocalDateTime(s);
      if (!t) throw new Error(`unparsed ${s}`);
      return t;
    };
    expect(calendarDaysBetween(d('2026-10-02T07:00:00'), d('2026-11-02T06:00:00'))).toBe(31);
    expect(calendarDaysBetween(d('2026-12-31'), d('2027-01-01'))).toBe(1);
    expect(d('1970-01-02').seconds).toBe(86400);
  });
});
