// The dates a notice states and the reasons behind them, as data for the notice templates.
import { getProfile } from './index';
import { lastDayToPay, movedNoticeDates, noticeDates } from './notice-dates';

describe('notice dates', () => {
  const PA = getProfile('PA', '2026-12-01');
  const CW = getProfile('CA_WATER', '2026-12-01');

  it('PA: ten days from the day the notice is mailed; pay by the day before; good for 60 days', () => {
    const d = noticeDates(PA, {
      today: '2026-12-07',
      mailedOn: '2026-12-07',
      disconnection: true,
      oldestUnpaidDueDate: '2026-11-01',
    });
    expect(d).toEqual({
      disconnectOnOrAfter: '2026-12-17',
      payBy: '2026-12-16',
      validUntil: '2027-02-05',
      reasons: [
        { code: 'NOTICE_LEAD', cite: PA.notice.cite, days: 10, business: false, mailDays: 0 },
        { code: 'VALID_FOR', cite: PA.notice.cite, days: 60 },
      ],
    });
  });

  it('a notice mailed with the next batch counts from that day and says so', () => {
    const d = noticeDates(PA, {
      today: '2026-12-07',
      mailedOn: '2026-12-08',
      disconnection: true,
      oldestUnpaidDueDate: '2026-11-01',
    });
    expect(d.disconnectOnOrAfter).toBe('2026-12-18');
    expect(d.payBy).toBe('2026-12-17');
    expect(d.reasons.map((r) => r.code)).toEqual(['NOTICE_LEAD', 'MAILED_WITH_BATCH', 'VALID_FOR']);
  });

  it('California water: seven business days, or 60 days past due when that is later; only that reason', () => {
    const lead = noticeDates(CW, {
      today: '2026-12-07',
      mailedOn: '2026-12-07',
      disconnection: true,
      oldestUnpaidDueDate: '2026-09-01',
    });
    expect(lead.disconnectOnOrAfter).toBe('2026-12-16');
    expect(lead.reasons).toEqual([
      { code: 'NOTICE_LEAD', cite: CW.notice.cite, days: 7, business: true, mailDays: 0 },
    ]);
    const delinquent = noticeDates(CW, {
      today: '2026-12-07',
      mailedOn: '2026-12-08',
      disconnection: true,
      oldestUnpaidDueDate: '2026-11-01',
    });
    expect(delinquent.disconnectOnOrAfter).toBe('2026-12-31');
    expect(delinquent.payBy).toBe('2026-12-30');
    expect(delinquent.reasons).toEqual([
      { code: 'DAYS_PAST_DUE', cite: CW.disconnectDelinquency!.cite, days: 60, dueDate: '2026-11-01' },
    ]);
  });

  it('a reminder states no disconnection date and no pay-by', () => {
    const d = noticeDates(CW, {
      today: '2026-12-07',
      mailedOn: '2026-12-07',
      disconnection: false,
      oldestUnpaidDueDate: '2026-11-01',
    });
    expect(d).toEqual({ disconnectOnOrAfter: null, payBy: null, validUntil: null, reasons: [] });
  });

  it('the last day to pay is the day before the disconnection date', () => {
    expect(lastDayToPay('2026-12-11')).toBe('2026-12-10');
    expect(lastDayToPay('2027-03-01')).toBe('2027-02-28');
  });

  it('a letter mailed late moves both dates on and says when it was mailed', () => {
    const d = noticeDates(PA, {
      today: '2026-12-07',
      mailedOn: '2026-12-07',
      disconnection: true,
      oldestUnpaidDueDate: '2026-11-01',
    });
    const moved = movedNoticeDates(d, 1, '2026-12-08');
    expect(moved.disconnectOnOrAfter).toBe('2026-12-18');
    expect(moved.payBy).toBe('2026-12-17');
    expect(moved.reasons).toEqual([
      d.reasons[0],
      { code: 'MAILED_WITH_BATCH', on: '2026-12-08' },
      d.reasons[1],
    ]);
    // Moved again (a later batch): one mailing reason, the later day.
    const again = movedNoticeDates(moved, 2, '2026-12-10');
    expect(again.disconnectOnOrAfter).toBe('2026-12-20');
    expect(again.reasons.filter((r) => r.code === 'MAILED_WITH_BATCH')).toEqual([
      { code: 'MAILED_WITH_BATCH', on: '2026-12-10' },
    ]);
    expect(movedNoticeDates(d, 0, '2026-12-07')).toBe(d);
  });
});
