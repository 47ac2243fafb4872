import type { PeriodUse } from './baseline';
import { estimateUsage, trueUp, type Estimate, type TrueUpInput } from './estimate';
import { dailyRate } from './ratio';

const JUL: PeriodUse = { from: '2026-07-02', to: '2026-08-02', usage: 3100 }; // 31 days
const AUG: PeriodUse = { from: '2026-08-02', to: '2026-09-02', usage: 3100 }; // 31 days
const SEP: PeriodUse = { from: '2026-09-02', to: '2026-10-02', usage: 3000 }; // 30 days
const JUN: PeriodUse = { from: '2026-06-02', to: '2026-07-02', usage: 9000 }; // 30 days
const OCT_EST: PeriodUse = { from: '2026-10-02', to: '2026-11-02', usage: 50000, estimated: true };
const CLASS = { usageClass: 'RES-WATER-GAL', rate: dailyRate('200') };

describe('estimateUsage', () => {
  const cases: {
    name: string;
    history: PeriodUse[];
    classAverage?: typeof CLASS;
    period?: { from: string; to: string };
    usage: number;
    kind: 'premise-history' | 'class-average';
    describes: RegExp;
  }[] = [
    {
      name: 'three actual periods: 9,200 gal / 92 days = 100/day × 31',
      history: [SEP, JUL, AUG],
      classAverage: CLASS,
      usage: 3100,
      kind: 'premise-history',
      describes:
        /^ESTIMATED: 3100 gal for 31 days \(2026-10-02\.\.2026-11-02\) = 3100\.000 .*premise average 100\.0 gal\/day over the previous 3 actual period\(s\): 2026-09-02\.\.2026-10-02 3000 gal; 2026-08-02\.\.2026-09-02 3100 gal; 2026-07-02\.\.2026-08-02 3100 gal/,
    },
    {
      name: 'only the newest three actual periods count; estimated ones never',
      history: [JUN, JUL, AUG, SEP, OCT_EST],
      period: { from: '2026-11-02', to: '2026-12-02' },
      usage: 3000,
      kind: 'premise-history',
      describes: /30 days.*100\.0 gal\/day/,
    },
    {
      name: 'fewer than three periods: what there is (1,000 / 30 × 31 = 1,033.33)',
      history: [{ from: '2026-09-02', to: '2026-10-02', usage: 1000 }],
      classAverage: CLASS,
      usage: 1033,
      kind: 'premise-history',
      describes: /= 1033\.333 rounded half-up.*only 1 of 3 available/,
    },
    {
      name: 'rounds half up (15 / 30 × 31 = 15.5 → 16)',
      history: [{ from: '2026-09-02', to: '2026-10-02', usage: 15 }],
      usage: 16,
      kind: 'premise-history',
      describes: /= 15\.500 rounded half-up/,
    },
    {
      name: 'no history: the class average (200 × 31)',
      history: [],
      classAverage: CLASS,
      usage: 6200,
      kind: 'class-average',
      describes: /class RES-WATER-GAL average 200\.0 gal\/day \(no actual history for the premise\)/,
    },
    {
      name: 'only estimated history: the class average',
      history: [OCT_EST],
      classAverage: CLASS,
      period: { from: '2026-11-02', to: '2026-12-02' },
      usage: 6000,
      kind: 'class-average',
      describes: /class RES-WATER-GAL/,
    },
    {
      name: 'a fractional class average (29.8 kWh/day × 30)',
      history: [],
      classAverage: { usageClass: 'RES-ELECTRIC-KWH', rate: dailyRate('29.8') },
      period: { from: '2026-11-02', to: '2026-12-02' },
      usage: 894,
      kind: 'class-average',
      describes: /29\.8/,
    },
  ];

  it.each(cases)('$name', ({ history, classAverage, period, usage, kind, describes }) => {
    const r = estimateUsage({
      meterId: 'W1',
      readUnit: 'GAL',
      period: period ?? { from: '2026-10-02', to: '2026-11-02' },
      history,
      ...(classAverage ? { classAverage } : {}),
    });
    if (!r.ok) throw new Error(r.reason);
    const e: Estimate = r.estimate;
    expect({ usage: e.usage, kind: e.basis.kind, estimated: e.estimated, label: e.label }).toEqual({
      usage,
      kind,
      estimated: true,
      label: 'ESTIMATED',
    });
    expect(e.description).toMatch(describes);
  });

  it('cannot estimate with no history and no class average', () => {
    expect(
      estimateUsage({
        meterId: 'W1',
        readUnit: 'GAL',
        period: { from: '2026-10-02', to: '2026-11-02' },
        history: [],
      }),
    ).toEqual({
      ok: false,
      meterId: 'W1',
      reason: expect.stringMatching(/no actual history and no class average/),
    });
  });

  it('refuses a period without days', () => {
    expect(() =>
      estimateUsage({
        meterId: 'W1',
        readUnit: 'GAL',
        period: { from: '2026-11-02', to: '2026-11-02' },
        history: [JUL],
      }),
    ).toThrow(/no days/);
  });
});

describe('trueUp', () => {
  // Last actual read 500000 on Oct 2; November billed on an estimate; the actual read on Dec 2.
  const BASE: TrueUpInput = {
    meterId: 'W1',
    readUnit: 'GAL',
    dials: 6,
    multiplier: 10,
    lastActual: { read: 500000, readTime: '2026-10-02T06:00:00' },
    current: { read: 501500, readTime: '2026-12-02T06:00:00' },
    estimatedBilled: [{ from: '2026-10-02', to: '2026-11-02', usage: 6200 }],
  };

  const cases: {
    name: string;
    input: Partial<TrueUpInput>;
    actual: number;
    estimated: number;
    billable: number;
    credit: number;
    kinds: string[];
  }[] = [
    {
      name: 'estimate too low: the rest is billed now (15,000 − 6,200)',
      input: {},
      actual: 15000,
      estimated: 6200,
      billable: 8800,
      credit: 0,
      kinds: ['ACTUAL_USE', 'LESS_ESTIMATED', 'BILLABLE_USE'],
    },
    {
      name: 'estimate too high: nothing billed, the excess credited',
      input: { current: { read: 500500, readTime: '2026-12-02T06:00:00' } },
      actual: 5000,
      estimated: 6200,
      billable: 0,
      credit: 1200,
      kinds: ['ACTUAL_USE', 'LESS_ESTIMATED', 'BILLABLE_USE', 'ESTIMATE_CREDIT'],
    },
    {
      name: 'estimate exactly right: nothing more, no credit',
      input: { current: { read: 500620, readTime: '2026-12-02T06:00:00' } },
      actual: 6200,
      estimated: 6200,
      billable: 0,
      credit: 0,
      kinds: ['ACTUAL_USE', 'LESS_ESTIMATED', 'BILLABLE_USE'],
    },
    {
      name: 'two estimated periods',
      input: {
        current: { read: 502000, readTime: '2027-01-02T06:00:00' },
        estimatedBilled: [
          { from: '2026-10-02', to: '2026-11-02', usage: 6200 },
          { from: '2026-11-02', to: '2026-12-02', usage: 6000 },
        ],
      },
      actual: 20000,
      estimated: 12200,
      billable: 7800,
      credit: 0,
      kinds: ['ACTUAL_USE', 'LESS_ESTIMATED', 'BILLABLE_USE'],
    },
    {
      name: 'across a register rollover',
      input: {
        lastActual: { read: 999000, readTime: '2026-10-02T06:00:00' },
        current: { read: 1000, readTime: '2026-12-02T06:00:00' },
      },
      actual: 20000,
      estimated: 6200,
      billable: 13800,
      credit: 0,
      kinds: ['ACTUAL_USE', 'LESS_ESTIMATED', 'BILLABLE_USE'],
    },
    {
      name: 'no estimates in between: just the actual use',
      input: { estimatedBilled: [] },
      actual: 15000,
      estimated: 0,
      billable: 15000,
      credit: 0,
      kinds: ['ACTUAL_USE', 'BILLABLE_USE'],
    },
  ];

  it.each(cases)('$name', ({ input, actual, estimated, billable, credit, kinds }) => {
    const t = trueUp({ ...BASE, ...input });
    expect({
      actual: t.actualUsage,
      estimated: t.estimatedUsage,
      billable: t.billableUsage,
      credit: t.creditUsage,
      kinds: t.lines.map((l) => l.kind),
    }).toEqual({ actual, estimated, billable, credit, kinds });
    expect(t.billableUsage).toBeGreaterThanOrEqual(0);
    expect(t.lines.every((l) => l.usage >= 0)).toBe(true);
  });

  it('explains the credit line', () => {
    const t = trueUp({ ...BASE, current: { read: 500500, readTime: '2026-12-02T06:00:00' } });
    expect(t.lines.at(-1)?.description).toBe(
      'Credit for over-estimated use: 6200 gal billed as ESTIMATED exceeds actual use of 5000 gal by 1200 gal, ' +
        'credited at the rates it was billed at',
    );
    expect([t.from, t.to, t.days]).toEqual(['2026-10-02', '2026-12-02', 61]);
  });

  it('refuses estimates outside the span between the two actual reads, and reads out of order', () => {
    expect(() =>
      trueUp({ ...BASE, estimatedBilled: [{ from: '2026-09-02', to: '2026-10-02', usage: 1 }] }),
    ).toThrow(/not between the last actual read/);
    expect(() => trueUp({ ...BASE, current: { read: 501500, readTime: '2026-10-01T06:00:00' } })).toThrow(
      /not after/,
    );
  });
});
