import { inServiceOn, type AccountDates } from './account-status';

const acct = (over: Partial<AccountDates>): AccountDates => ({
  status: 'ACTIVE',
  startDate: '2020-01-01',
  endDate: null,
  ...over,
});

describe('inServiceOn', () => {
  test.each([
    ['active, started long before', acct({}), '2026-11-30', true],
    ['started on the day', acct({ startDate: '2026-11-30' }), '2026-11-30', true],
    ['started the day after', acct({ startDate: '2026-12-01' }), '2026-11-30', false],
    [
      'closed since: its end date is after the day',
      acct({ status: 'CLOSED', endDate: '2026-12-10' }),
      '2026-11-30',
      true,
    ],
    [
      'final since: its end date is after the day',
      acct({ status: 'FINAL', endDate: '2026-12-01' }),
      '2026-11-30',
      true,
    ],
    [
      'ended on the day (its last day of service)',
      acct({ status: 'FINAL', endDate: '2026-11-30' }),
      '2026-11-30',
      false,
    ],
    ['ended before', acct({ status: 'CLOSED', endDate: '2026-10-15' }), '2026-11-30', false],
    ['final without an end date: taken as ended', acct({ status: 'FINAL' }), '2026-11-30', false],
    [
      'pending: not started, whatever its start date',
      acct({ status: 'PENDING', startDate: '2026-10-01' }),
      '2026-11-30',
      false,
    ],
    ['active with an end date still to come', acct({ endDate: '2027-01-31' }), '2026-11-30', true],
  ])('%s', (_name, a, day, want) => {
    expect(inServiceOn(a, day)).toBe(want);
  });
});
