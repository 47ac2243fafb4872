// Which batch a letter leaves with, and the batch's name, in the utility's local time.
import { noticeBatchId, printCloseFor } from './notice-print';

describe('printCloseFor', () => {
  test('before the close: that day’s batch; at it: still that one; after it: the next day’s', () => {
    // 2026-12-07 is EST (UTC−5): 16:00 local is 21:00Z.
    expect(printCloseFor(new Date('2026-12-07T14:00:00Z'), '16:00').toISOString()).toBe(
      '2026-12-07T21:00:00.000Z',
    );
    expect(printCloseFor(new Date('2026-12-07T21:00:00Z'), '16:00').toISOString()).toBe(
      '2026-12-07T21:00:00.000Z',
    );
    expect(printCloseFor(new Date('2026-12-07T21:00:01Z'), '16:00').toISOString()).toBe(
      '2026-12-08T21:00:00.000Z',
    );
    // 23:30 local on the 7th is 04:30Z on the 8th: the batch of the 8th.
    expect(printCloseFor(new Date('2026-12-08T04:30:00Z'), '16:00').toISOString()).toBe(
      '2026-12-08T21:00:00.000Z',
    );
  });

  test('across a change of clocks the close stays at the local time', () => {
    // Friday 2027-03-12 is EST; Monday 2027-03-15 is EDT (UTC−4): its 16:00 is 20:00Z.
    expect(printCloseFor(new Date('2027-03-12T22:00:00Z'), '16:00').toISOString()).toBe(
      '2027-03-15T20:00:00.000Z',
    );
  });

  test('batches close Monday to Friday: after Friday’s close, and all weekend, the next is Monday’s', () => {
    expect(printCloseFor(new Date('2026-12-11T22:00:00Z'), '16:00').toISOString()).toBe(
      '2026-12-14T21:00:00.000Z',
    );
    expect(printCloseFor(new Date('2026-12-12T15:00:00Z'), '16:00').toISOString()).toBe(
      '2026-12-14T21:00:00.000Z',
    );
    expect(printCloseFor(new Date('2026-12-11T20:00:00Z'), '16:00').toISOString()).toBe(
      '2026-12-11T21:00:00.000Z',
    );
  });

  test('the default close is 16:00 local', () => {
    expect(printCloseFor(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe('2026-07-01T20:00:00.000Z');
  });
});

test('noticeBatchId names the batch by its local close', () => {
  expect(noticeBatchId(new Date('2026-12-07T21:00:00Z'))).toBe('notices-2026-12-07T1600');
  expect(noticeBatchId(new Date('2026-12-08T04:59:30Z'))).toBe('notices-2026-12-07T2359');
});
