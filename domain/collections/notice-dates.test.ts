// The dates a notice states.
import { lastDayToPay } from './notice-dates';

describe('notice dates', () => {
  it('the last day to pay is the day before the disconnection date', () => {
    expect(lastDayToPay('2026-12-11')).toBe('2026-12-10');
    expect(lastDayToPay('2027-03-01')).toBe('2027-02-28');
  });
});
