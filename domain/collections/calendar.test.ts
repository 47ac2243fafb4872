// Wall clock in a zone, holidays and business days: the ground the evaluator stands on.
import {
  addBusinessDays,
  endOfDay,
  holidayName,
  holidaysOf,
  inSeason,
  isBusinessDay,
  isoWeekday,
  localDate,
  seasonEndAfter,
  toInstant,
  wallClock,
  zonedInstant,
} from './calendar';

const PA = { holidayRegion: { country: 'US' as const, state: 'PA' }, extraHolidays: [] };

describe('wall clock in a zone', () => {
  it('converts local midnight and 08:00 across the DST change', () => {
    expect(new Date(zonedInstant('2026-10-30', 8 * 60, 'America/New_York')).toISOString()).toBe(
      '2026-10-30T12:00:00.000Z',
    );
    expect(new Date(zonedInstant('2026-11-02', 8 * 60, 'America/New_York')).toISOString()).toBe(
      '2026-11-02T13:00:00.000Z',
    );
    expect(new Date(zonedInstant('2027-03-15', 0, 'America/Chicago')).toISOString()).toBe(
      '2027-03-15T05:00:00.000Z',
    );
    expect(new Date(zonedInstant('2026-07-01', 0, 'America/Los_Angeles')).toISOString()).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('ends a local day at 23:59:59 in the zone, not in UTC', () => {
    expect(new Date(endOfDay('2026-12-21', 'America/New_York')).toISOString()).toBe(
      '2026-12-22T04:59:59.000Z',
    );
    // The night the clocks go back: the day has 25 hours.
    expect(new Date(endOfDay('2026-11-01', 'America/Los_Angeles')).toISOString()).toBe(
      '2026-11-02T07:59:59.000Z',
    );
  });

  it('reads an instant as a local date and time', () => {
    expect(wallClock(Date.parse('2026-11-26T04:59:00Z'), 'America/New_York')).toEqual({
      date: '2026-11-25',
      minutes: 23 * 60 + 59,
      seconds: 0,
    });
    expect(localDate(Date.parse('2026-11-26T05:00:00Z'), 'America/New_York')).toBe('2026-11-26');
  });

  it('takes instants with an offset, or a bare date as local midnight', () => {
    expect(toInstant('2026-11-19T10:00:00-05:00', 'America/New_York')).toBe(
      Date.parse('2026-11-19T15:00:00Z'),
    );
    expect(toInstant('2026-11-19', 'America/Chicago')).toBe(Date.parse('2026-11-19T06:00:00Z'));
    expect(() => toInstant('2026-11-19T10:00', 'America/New_York')).toThrow(RangeError);
    expect(() => toInstant('19/11/2026', 'America/New_York')).toThrow(RangeError);
  });
});

describe('holidays (date-holidays: public and bank days)', () => {
  it('knows Thanksgiving, Christmas and the observed Independence Day', () => {
    expect(holidayName(PA, '2026-11-26')).toBe('Thanksgiving Day');
    expect(holidayName(PA, '2026-12-25')).toBe('Christmas Day');
    expect(holidayName(PA, '2026-07-03')).toBe('Independence Day (substitute day)');
    // Observances and "optional" days are not holidays here.
    expect(holidayName(PA, '2026-11-27')).toBeNull();
    expect(holidayName(PA, '2026-12-24')).toBeNull();
  });

  it('uses the state calendar: Election Day is a holiday in New York, not in Pennsylvania', () => {
    expect(holidayName({ ...PA, holidayRegion: { country: 'US', state: 'NY' } }, '2026-11-03')).toBe(
      'Election Day',
    );
    expect(holidayName(PA, '2026-11-03')).toBeNull();
  });

  it('adds the days the utility observes', () => {
    expect(holidayName({ ...PA, extraHolidays: ['2026-11-27'] }, '2026-11-27')).toBe(
      'a holiday observed by the utility',
    );
  });

  it('computes a year once and reuses it', () => {
    expect(holidaysOf('US', 'PA', 2027)).toBe(holidaysOf('US', 'PA', 2027));
  });
});

describe('business days and seasons', () => {
  it('weekday numbers', () => {
    expect(isoWeekday('2026-11-23')).toBe(1);
    expect(isoWeekday('2026-11-29')).toBe(7);
    expect(isoWeekday('1970-01-01')).toBe(4);
  });

  it('skips weekends and holidays', () => {
    expect(isBusinessDay(PA, '2026-11-26')).toBe(false);
    expect(addBusinessDays(PA, '2026-11-24', 2)).toBe('2026-11-27');
    expect(addBusinessDays(PA, '2026-12-23', 2)).toBe('2026-12-28');
    expect(addBusinessDays(PA, '2026-12-23', 0)).toBe('2026-12-23');
  });

  it('seasons that wrap the year end', () => {
    const winter = { from: '12-01', to: '03-31' };
    expect(inSeason(winter, '2026-12-01')).toBe(true);
    expect(inSeason(winter, '2027-03-31')).toBe(true);
    expect(inSeason(winter, '2026-11-30')).toBe(false);
    expect(seasonEndAfter(winter, '2026-12-15')).toBe('2027-04-01');
    expect(seasonEndAfter(winter, '2027-02-10')).toBe('2027-04-01');
    expect(seasonEndAfter({ from: '06-01', to: '09-30' }, '2026-07-04')).toBe('2026-10-01');
  });
});
