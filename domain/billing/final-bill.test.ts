import { firstPeriodDays, partialPeriodDays, regularPeriodAround, registerAdvance } from './final-bill';

test.each([
  [2, '2026-11-02', '2026-11-02', '2026-12-02', 30],
  [2, '2026-11-20', '2026-11-02', '2026-12-02', 30],
  [2, '2026-11-01', '2026-10-02', '2026-11-02', 31],
  [16, '2027-02-20', '2027-02-16', '2027-03-16', 28],
  [28, '2026-12-31', '2026-12-28', '2027-01-28', 31],
])('a cycle read on day %i: %s falls in %s → %s (%i days)', (readDay, on, from, to, days) => {
  expect(regularPeriodAround(readDay, on)).toEqual({ from, to, days });
});

test('a final period is prorated against the regular period it starts in', () => {
  // Service 2026-11-02 → 2026-11-20: 18 days of a 30-day period.
  expect(partialPeriodDays(2, '2026-11-02', '2026-11-20')).toBe(30);
  // A move-in on the 20th and a move-out on the 28th: 8 days of the same 30.
  expect(partialPeriodDays(2, '2026-11-20', '2026-11-28')).toBe(30);
  // Longer than a period (a cycle was skipped): its own length, so factor 1.
  expect(partialPeriodDays(2, '2026-11-02', '2026-12-10')).toBe(38);
  expect(partialPeriodDays(null, '2026-11-02', '2026-11-20')).toBe(18);
});

test('a final period from a cycle read taken early or late in its window is the period of its read day', () => {
  // Cycle read on the 2nd, last read 10-31 (two days early), stop on 11-17: 17 days of
  // 2026-11-02 → 2026-12-02 (30), not of 10-02 → 11-02 (31).
  expect(partialPeriodDays(2, '2026-10-31', '2026-11-17', { startsAtCycleRead: true })).toBe(30);
  // Read three days late: the same period.
  expect(partialPeriodDays(2, '2026-11-05', '2026-11-17', { startsAtCycleRead: true })).toBe(30);
  // On the read day itself, as before.
  expect(partialPeriodDays(2, '2026-11-02', '2026-11-20', { startsAtCycleRead: true })).toBe(30);
  // A start of service on 10-31 is in the period whose read day is on or before it.
  expect(partialPeriodDays(2, '2026-10-31', '2026-11-17')).toBe(31);
});

test('register advance with one rollover', () => {
  expect(registerAdvance(1000n, 1444n, 6)).toBe(444n);
  expect(registerAdvance(999_900n, 100n, 6)).toBe(200n);
  expect(() => registerAdvance(1_000_000n, 5n, 6)).toThrow(/dials/);
  // At most a tenth of the register, as the cycle's validation allows without a baseline.
  expect(registerAdvance(950_000n, 50_000n, 6)).toBe(100_000n);
});

test('a lower reading that cannot be a rollover is refused, not billed as one', () => {
  // A final read typed 123450 after a billed 123456: not 999,994 gallons.
  expect(() => registerAdvance(123_456n, 123_450n, 6)).toThrow(/went back from 123456 to 123450/);
  expect(() => registerAdvance(950_000n, 50_001n, 6)).toThrow(/rollover/);
});

test('a cycle bill after a move-in is a partial period; a regular one is not, whatever its days', () => {
  // Cycle read on the 2nd; service began 2026-11-17 (its move-in read): 15 of the 30 days of
  // 2026-11-02 → 2026-12-02.
  expect(firstPeriodDays(2, '2026-11-17', '2026-11-17', '2026-12-02')).toBe(30);
  // Began on 12-01, read the next day: 1 day of the 30.
  expect(firstPeriodDays(2, '2026-12-01', '2026-12-01', '2026-12-02')).toBe(30);
  // Began before the period (an old account), or on its read day: a regular period, even one read
  // two days late (33 days) or early.
  expect(firstPeriodDays(2, '2020-01-01', '2026-11-04', '2026-12-02')).toBeUndefined();
  expect(firstPeriodDays(2, '2026-11-02', '2026-11-02', '2026-12-02')).toBeUndefined();
  expect(firstPeriodDays(2, '2020-01-01', '2026-10-30', '2026-12-02')).toBeUndefined();
  // The first period read two days late, or early: still partial.
  expect(firstPeriodDays(2, '2026-11-17', '2026-11-17', '2026-12-04')).toBe(30);
  expect(firstPeriodDays(2, '2026-11-17', '2026-11-17', '2026-11-30')).toBe(30);
  // The second period after a move-in, its first read taken a day early: a full period.
  expect(firstPeriodDays(15, '2026-08-20', '2026-09-14', '2026-10-13')).toBeUndefined();
  expect(firstPeriodDays(15, '2026-08-20', '2026-09-14', '2026-10-18')).toBeUndefined();
});
