import { cycleCalendar, cyclePeriodFor, holdShiftDays, shiftedCalendar } from './cycle-calendar';

test('Millbrook cycle 1, November 2026: reads around the 2nd, due 20 days after the bill date', () => {
  expect(cycleCalendar('2026-11', 2)).toEqual({
    period: '2026-11',
    readDay: '2026-11-02',
    readWindowFrom: '2026-10-31T00:00:00.000Z',
    readWindowTo: '2026-11-06T00:00:00.000Z',
    billDate: '2026-11-06',
    dueDate: '2026-11-26',
    lateChargeDate: '2026-11-27',
  });
});

test('cycle 2 reads around the 16th; a December run crosses into January for its due date', () => {
  const c = cycleCalendar('2026-12', 16);
  expect(c.readWindowFrom).toBe('2026-12-14T00:00:00.000Z');
  expect(c.billDate).toBe('2026-12-20');
  expect(c.dueDate).toBe('2027-01-09');
});

test('bad periods and read days are refused', () => {
  expect(() => cycleCalendar('2026-13', 2)).toThrow(/YYYY-MM/);
  expect(() => cycleCalendar('2026-11', 31)).toThrow(/1\.\.28/);
});

test('a scheduled run belongs to the month it starts in', () => {
  expect(cyclePeriodFor(new Date('2026-11-01T03:00:00Z'))).toBe('2026-11');
});

describe('a review hold past the bill date moves the bill and due dates', () => {
  const nov = cycleCalendar('2026-11', 2); // bill date 11-06, due 11-26
  it('by the days the hold ran past the planned bill date, keeping 20 days to pay', () => {
    expect(holdShiftDays(nov.billDate, '2026-11-05', '2026-11-09')).toBe(3);
    expect(shiftedCalendar(nov, 3)).toMatchObject({
      billDate: '2026-11-09',
      dueDate: '2026-11-29',
      lateChargeDate: '2026-11-30',
      readDay: nov.readDay,
    });
  });
  it('not when approved by the bill date, nor for a past period held and approved the same day', () => {
    expect(holdShiftDays(nov.billDate, '2026-11-05', '2026-11-06')).toBe(0);
    expect(holdShiftDays(nov.billDate, '2026-12-07', '2026-12-07')).toBe(0);
    expect(holdShiftDays(nov.billDate, '2026-12-07', '2026-12-09')).toBe(2);
    expect(shiftedCalendar(nov, 0)).toEqual(nov);
  });
});
