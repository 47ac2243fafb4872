import { checkIntervals, type FeedInterval } from './intervals';

const H = 3600;
const T0 = 1_793_509_200; // 2026-11-01T05:00:00Z
const hourly = (n: number, value = 100) =>
  Array.from({ length: n }, (_, i) => ({ start: T0 + i * H, duration: H, value }));
const feed = (ivs: { start: number; duration: number; value: number }[]): FeedInterval[] =>
  ivs.map((iv, i) => ({ ...iv, line: 10 + i }));

describe('checkIntervals', () => {
  test('nothing stored: every interval is new', () => {
    const f = feed(hourly(3));
    expect(checkIntervals(f, [])).toEqual({ fresh: f, alreadyStored: 0, conflicts: [] });
  });

  test('the same feed again: already stored, nothing new, no conflict', () => {
    expect(checkIntervals(feed(hourly(3)), hourly(3))).toEqual({
      fresh: [],
      alreadyStored: 3,
      conflicts: [],
    });
  });

  test('a corrected value is a conflict naming the time, the field and both values', () => {
    const f = feed(hourly(3));
    const corrected = f.map((iv, i) => (i === 1 ? { ...iv, value: 140 } : iv));
    expect(checkIntervals(corrected, hourly(3))).toEqual({
      fresh: [],
      alreadyStored: 2,
      conflicts: [
        {
          line: 11,
          time: '2026-11-01T06:00:00.000Z',
          field: 'value',
          value: '140',
          problem:
            'the interval at 2026-11-01T06:00:00.000Z is stored as 100 Wh, the feed has 140 Wh; ' +
            'a stored interval is not replaced',
        },
      ],
    });
  });

  test('a 15-minute feed over hourly intervals: every quarter conflicts, none is stored', () => {
    const quarters = feed(
      Array.from({ length: 8 }, (_, i) => ({ start: T0 + i * 900, duration: 900, value: 25 })),
    );
    const r = checkIntervals(quarters, hourly(2));
    expect(r.fresh).toEqual([]);
    expect(r.conflicts.map((c) => c.field)).toEqual([
      'duration',
      'start',
      'start',
      'start',
      'duration',
      'start',
      'start',
      'start',
    ]);
    expect(r.conflicts[1]).toMatchObject({
      line: 11,
      time: '2026-11-01T05:15:00.000Z',
      problem:
        'the interval 2026-11-01T05:15:00.000Z + 900 s overlaps the stored interval ' +
        '2026-11-01T05:00:00.000Z + 3600 s; intervals of one meter may not overlap',
    });
    expect(r.conflicts[0]!.problem).toBe(
      "the interval at 2026-11-01T05:00:00.000Z is stored as 3600 s long, the feed's is 900 s; " +
        'intervals of one meter may not overlap',
    );
  });

  test('an hourly feed over stored quarters conflicts; intervals beyond the stored ones are new', () => {
    const stored = Array.from({ length: 4 }, (_, i) => ({ start: T0 + i * 900, duration: 900, value: 25n }));
    const r = checkIntervals(feed(hourly(3)), stored);
    expect(r.fresh.map((iv) => iv.start)).toEqual([T0 + H, T0 + 2 * H]);
    expect(r.conflicts).toEqual([expect.objectContaining({ line: 10, field: 'duration' })]);
  });

  test('touching is not overlapping', () => {
    const r = checkIntervals(feed([{ start: T0 + H, duration: H, value: 1 }]), hourly(1));
    expect(r.fresh).toHaveLength(1);
    expect(r.conflicts).toEqual([]);
  });
});
