import { repeatDueAt, WATER_NOTICE_RULES } from './water-notices';
import { waterNoticeDueBy } from './water-notice-due';

const NY = 'America/New_York';
const learned = new Date('2026-11-30T15:00:00Z');

test('Tier 1 within 24 hours, Tier 2 within 30 days, Tier 3 within a year of learning of it', () => {
  expect(waterNoticeDueBy({ kind: 'PN_TIER_1', learnedAt: learned }, NY).toISOString()).toBe(
    '2026-12-01T15:00:00.000Z',
  );
  expect(waterNoticeDueBy({ kind: 'PN_TIER_2', learnedAt: learned }, NY).toISOString()).toBe(
    '2026-12-30T15:00:00.000Z',
  );
  expect(waterNoticeDueBy({ kind: 'PN_TIER_3', learnedAt: learned }, NY).toISOString()).toBe(
    '2027-11-30T15:00:00.000Z',
  );
  expect(WATER_NOTICE_RULES.PN_TIER_1.cite).toBe('40 CFR 141.202(b)');
});

test('the CCR by the end of July 1 local time; a second edition by the end of December 31', () => {
  // 23:59:59.999 EDT on July 1 is 03:59:59.999Z on July 2.
  expect(waterNoticeDueBy({ kind: 'CCR', year: 2027, edition: 1 }, NY).toISOString()).toBe(
    '2027-07-02T03:59:59.999Z',
  );
  expect(waterNoticeDueBy({ kind: 'CCR', year: 2027, edition: 2 }, NY).toISOString()).toBe(
    '2028-01-01T04:59:59.999Z',
  );
});

test('a Tier 2 notice repeats every three months from its first delivery; the others do not', () => {
  const first = new Date('2026-11-30T15:00:00Z');
  expect(repeatDueAt('PN_TIER_2', first, 1)).toBeNull();
  expect(repeatDueAt('PN_TIER_2', first, 2)?.toISOString()).toBe('2027-02-28T15:00:00.000Z'); // clamped
  expect(repeatDueAt('PN_TIER_2', first, 3)?.toISOString()).toBe('2027-05-30T15:00:00.000Z');
  expect(repeatDueAt('PN_TIER_1', first, 2)).toBeNull();
  expect(repeatDueAt('CCR', first, 2)).toBeNull();
});
