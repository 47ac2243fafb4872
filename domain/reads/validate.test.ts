import { dailyRate } from './ratio';
import {
  registerDelta,
  validateReads,
  type IncomingRead,
  type MeterMaster,
  type MeterResult,
  type ValidateInput,
} from './validate';

// One residential water meter: 6 dials, 10 gal per count; previous read 500000 on 2026-10-02,
// class average 200 gal/day, so a 31-day period expects 6,200 gal (620 counts); high above
// 18,600 gal (1,860 counts), low below 1,550 gal (155 counts).
const METER: MeterMaster = {
  meterId: 'W1',
  accountId: 'A1',
  cycle: '1',
  service: 'WATER',
  readUnit: 'GAL',
  dials: 6,
  multiplier: 10,
  active: true,
  usageClass: 'RES-WATER-GAL',
};
const READ: IncomingRead = {
  line: 2,
  accountId: 'A1',
  meterId: 'W1',
  readUnit: 'GAL',
  read: '500620',
  readTime: '2026-11-02T06:00:00',
  flags: '',
};
const BASE: ValidateInput = {
  windows: [{ cycle: '1', period: '2026-11', from: '2026-10-30', to: '2026-11-05' }],
  meters: [METER],
  reads: [READ],
  previousReads: { W1: { read: 500000, readTime: '2026-10-02T06:00:00' } },
  classAverages: { 'RES-WATER-GAL': dailyRate('200') },
};

function one(change: Partial<ValidateInput> = {}): MeterResult {
  const results = validateReads({ ...BASE, ...change });
  expect(results).toHaveLength(1);
  return results[0] as MeterResult;
}
const withRead = (r: Partial<IncomingRead>, more: Partial<ValidateInput> = {}) =>
  one({ reads: [{ ...READ, ...r }], ...more });
const codes = (r: MeterResult) => r.reasons.map((x) => `${x.severity === 'info' ? '(info) ' : ''}${x.code}`);

describe('validateReads: one meter, one read', () => {
  const cases: {
    name: string;
    result: () => MeterResult;
    status: 'valid' | 'exception';
    codes: string[];
    consumption: number | null;
  }[] = [
    { name: 'an ordinary read', result: () => one(), status: 'valid', codes: [], consumption: 620 },
    {
      name: 'NO_READ flag',
      result: () => withRead({ read: '', flags: 'NO_READ' }),
      status: 'exception',
      codes: ['NO_READ'],
      consumption: null,
    },
    {
      name: 'NO_READ flag wins over a value',
      result: () => withRead({ flags: 'NO_READ' }),
      status: 'exception',
      codes: ['NO_READ'],
      consumption: null,
    },
    {
      name: 'empty read without a flag',
      result: () => withRead({ read: '' }),
      status: 'exception',
      codes: ['NO_READ'],
      consumption: null,
    },
    {
      name: 'no row at all',
      result: () => one({ reads: [] }),
      status: 'exception',
      codes: ['NO_READ'],
      consumption: null,
    },
    {
      name: 'non-numeric "ERR"',
      result: () => withRead({ read: 'ERR' }),
      status: 'exception',
      codes: ['NON_NUMERIC'],
      consumption: null,
    },
    {
      name: 'decimal read',
      result: () => withRead({ read: '500620.5' }),
      status: 'exception',
      codes: ['NON_NUMERIC'],
      consumption: null,
    },
    {
      name: 'negative read text',
      result: () => withRead({ read: '-5' }),
      status: 'exception',
      codes: ['NON_NUMERIC'],
      consumption: null,
    },
    {
      name: 'wider than the dials',
      result: () => withRead({ read: '1500620' }),
      status: 'exception',
      codes: ['EXCEEDS_DIALS'],
      consumption: null,
    },
    {
      name: 'leading zeros are fine',
      result: () => withRead({ read: '0500620' }),
      status: 'valid',
      codes: [],
      consumption: 620,
    },
    {
      name: 'unit differs from the meter',
      result: () => withRead({ readUnit: 'CUBIC_FEET' }),
      status: 'exception',
      codes: ['UNIT_MISMATCH'],
      consumption: null,
    },
    {
      name: 'TAMPER flag (consumption still reported)',
      result: () => withRead({ flags: 'TAMPER' }),
      status: 'exception',
      codes: ['TAMPER'],
      consumption: 620,
    },
    {
      name: 'unknown flag',
      result: () => withRead({ flags: 'LEAK' }),
      status: 'exception',
      codes: ['UNKNOWN_FLAG'],
      consumption: 620,
    },
    {
      name: 'read names another account',
      result: () => withRead({ accountId: 'A2' }),
      status: 'exception',
      codes: ['ACCOUNT_MISMATCH'],
      consumption: 620,
    },
    {
      name: 'before the window',
      result: () => withRead({ readTime: '2026-10-29T23:59:59' }),
      status: 'exception',
      codes: ['OUTSIDE_WINDOW'],
      consumption: null,
    },
    {
      name: 'after the window (date-only end covers its day)',
      result: () => withRead({ readTime: '2026-11-06T00:00:00' }),
      status: 'exception',
      codes: ['OUTSIDE_WINDOW'],
      consumption: null,
    },
    {
      name: 'last second of the window',
      result: () => withRead({ readTime: '2026-11-05T23:59:59' }),
      status: 'valid',
      codes: [],
      consumption: 620,
    },
    {
      name: 'unreadable time',
      result: () => withRead({ readTime: '11/02/2026 06:00' }),
      status: 'exception',
      codes: ['INVALID_READ_TIME'],
      consumption: null,
    },
    {
      name: 'impossible date',
      result: () => withRead({ readTime: '2026-11-31T06:00:00' }),
      status: 'exception',
      codes: ['INVALID_READ_TIME'],
      consumption: null,
    },
    {
      name: 'no previous read',
      result: () => one({ previousReads: {} }),
      status: 'exception',
      codes: ['NO_PREVIOUS_READ'],
      consumption: null,
    },
    {
      name: 'read not after the previous one',
      result: () => one({ previousReads: { W1: { read: 500000, readTime: '2026-11-02T07:00:00' } } }),
      status: 'exception',
      codes: ['READ_NOT_AFTER_PREVIOUS'],
      consumption: null,
    },
    {
      name: 'zero use, active',
      result: () => withRead({ read: '500000' }),
      status: 'exception',
      codes: ['ZERO_USE_ACTIVE'],
      consumption: 0,
    },
    {
      name: 'zero use, inactive',
      result: () => one({ meters: [{ ...METER, active: false }], reads: [{ ...READ, read: '500000' }] }),
      status: 'valid',
      codes: [],
      consumption: 0,
    },
    {
      name: 'use on an inactive meter',
      result: () => one({ meters: [{ ...METER, active: false }] }),
      status: 'exception',
      codes: ['USE_ON_INACTIVE'],
      consumption: 620,
    },
    {
      name: 'high: 1,861 counts = 18,610 gal > 18,600',
      result: () => withRead({ read: '501861' }),
      status: 'exception',
      codes: ['HIGH_USE'],
      consumption: 1861,
    },
    {
      name: 'high boundary: exactly 3× is not high',
      result: () => withRead({ read: '501860' }),
      status: 'valid',
      codes: [],
      consumption: 1860,
    },
    {
      name: 'low: 154 counts = 1,540 gal < 1,550',
      result: () => withRead({ read: '500154' }),
      status: 'exception',
      codes: ['LOW_USE'],
      consumption: 154,
    },
    {
      name: 'low boundary: exactly 0.25× is not low',
      result: () => withRead({ read: '500155' }),
      status: 'valid',
      codes: [],
      consumption: 155,
    },
    {
      name: 'factors are configuration',
      result: () => withRead({ read: '501000' }, { config: { highFactor: '1.5' } }),
      status: 'exception',
      codes: ['HIGH_USE'],
      consumption: 1000,
    },
    {
      name: 'rollover that fits the baseline',
      result: () =>
        one({
          previousReads: { W1: { read: 999700, readTime: '2026-10-02T06:00:00' } },
          reads: [{ ...READ, read: '000300' }],
        }),
      status: 'valid',
      codes: ['(info) ROLLOVER'],
      consumption: 600,
    },
    {
      name: 'decrease too large to be a rollover',
      result: () => withRead({ read: '499000' }),
      status: 'exception',
      codes: ['NEGATIVE_CONSUMPTION'],
      consumption: -1000,
    },
    {
      name: 'rollover with high use: a rollover, and HIGH_USE (not a register running backwards)',
      result: () =>
        one({
          previousReads: { W1: { read: 999000, readTime: '2026-10-02T06:00:00' } },
          reads: [{ ...READ, read: '002000' }],
        }),
      status: 'exception',
      codes: ['(info) ROLLOVER', 'HIGH_USE'],
      consumption: 3000,
    },
    {
      name: 'rollover can still be low',
      result: () =>
        one({
          previousReads: { W1: { read: 999990, readTime: '2026-10-02T06:00:00' } },
          reads: [{ ...READ, read: '000010' }],
        }),
      status: 'exception',
      codes: ['(info) ROLLOVER', 'LOW_USE'],
      consumption: 20,
    },
    {
      name: 'no baseline: rollover judged by share of the register (≤ 10%)',
      result: () =>
        one({
          classAverages: {},
          previousReads: { W1: { read: 950000, readTime: '2026-10-02T06:00:00' } },
          reads: [{ ...READ, read: '040000' }],
        }),
      status: 'valid',
      codes: ['(info) ROLLOVER', '(info) NO_BASELINE'],
      consumption: 90000,
    },
    {
      name: 'no baseline: a decrease of most of the register is negative use',
      result: () => one({ classAverages: {}, reads: [{ ...READ, read: '400000' }] }),
      status: 'exception',
      codes: ['NEGATIVE_CONSUMPTION'],
      consumption: -100000,
    },
  ];

  it.each(cases)('$name', ({ result, status, codes: expected, consumption }) => {
    const r = result();
    expect({ status: r.status, codes: codes(r), consumption: r.consumption }).toEqual({
      status,
      codes: expected,
      consumption,
    });
    if (r.consumption !== null) expect(r.usage).toBe(r.consumption * 10);
    for (const reason of r.reasons) expect(reason.message).toContain('W1');
  });
});

describe('validateReads: history, duplicates, unknown meters, cycles', () => {
  it('measures against the premise history before the class average', () => {
    // The three newest actual periods average 100 gal/day (the estimated one and the fourth-newest
    // actual one are not used), so 31 days may hold up to 3 × 100 × 31 = 9,300 gal: 6,200 is
    // valid, 9,400 is high — although both are fine against the 200 gal/day class average.
    const history = {
      W1: [
        { from: '2026-07-02', to: '2026-08-02', usage: 3100 },
        { from: '2026-08-02', to: '2026-09-02', usage: 3100 },
        { from: '2026-09-02', to: '2026-10-02', usage: 27000, estimated: true },
        { from: '2026-06-02', to: '2026-07-02', usage: 3000 },
        { from: '2026-05-02', to: '2026-06-02', usage: 99999 }, // fourth-newest actual: not used
      ],
    };
    expect(one({ history }).status).toBe('valid');
    const high = withRead({ read: '500940' }, { history });
    expect(codes(high)).toEqual(['HIGH_USE']);
    expect(high.baseline).toBe(
      'premise average 100.0 gal/day over the previous 3 actual period(s): 2026-08-02..2026-09-02 3100 gal; ' +
        '2026-07-02..2026-08-02 3100 gal; 2026-06-02..2026-07-02 3000 gal (9200 gal in 92 days)',
    );
  });

  it('counts identical duplicates once (info), or holds them when configured', () => {
    const dup = one({ reads: [READ, { ...READ, line: 3 }] });
    expect({ status: dup.status, codes: codes(dup), consumption: dup.consumption }).toEqual({
      status: 'valid',
      codes: ['(info) DUPLICATE'],
      consumption: 620,
    });
    const held = one({ reads: [READ, { ...READ, line: 3 }], config: { identicalDuplicates: 'exception' } });
    expect([held.status, codes(held)]).toEqual(['exception', ['DUPLICATE']]);
  });

  it('holds conflicting duplicates and uses neither', () => {
    const r = one({ reads: [READ, { ...READ, line: 3, read: '500700' }] });
    expect([r.status, codes(r), r.consumption]).toEqual(['exception', ['DUPLICATE'], null]);
    expect(r.reasons[0]?.message).toMatch(/2 conflicting reads.*"500620".*line 2.*"500700".*line 3/);
  });

  it('uses the in-window read and notes a stray one outside the window', () => {
    const r = one({ reads: [READ, { ...READ, line: 3, read: '509999', readTime: '2026-12-12T06:00:00' }] });
    expect([r.status, codes(r), r.consumption]).toEqual(['valid', ['(info) OUTSIDE_WINDOW'], 620]);
  });

  it('reports an unknown meter once, with the account the file gave', () => {
    const results = validateReads({
      ...BASE,
      reads: [READ, { ...READ, line: 9, meterId: 'W9', accountId: 'A9' }],
    });
    expect(results.map((r) => [r.meterId, r.accountId, r.status, codes(r)])).toEqual([
      ['W1', 'A1', 'valid', []],
      ['W9', 'A9', 'exception', ['UNKNOWN_METER']],
    ]);
  });

  it('expects only meters of the cycles being read; inactive meters need no read', () => {
    const meters: MeterMaster[] = [
      METER,
      { ...METER, meterId: 'W2', cycle: '2' },
      { ...METER, meterId: 'W3', active: false },
    ];
    expect(validateReads({ ...BASE, meters }).map((r) => r.meterId)).toEqual(['W1']);
    const stray = validateReads({ ...BASE, meters, reads: [READ, { ...READ, meterId: 'W2', line: 5 }] });
    expect(stray.map((r) => [r.meterId, codes(r)])).toEqual([
      ['W1', []],
      ['W2', ['OUTSIDE_WINDOW']],
    ]);
  });

  it('refuses bad master data and overlapping windows', () => {
    expect(() => validateReads({ ...BASE, meters: [{ ...METER, dials: 0 }] })).toThrow(/dials/);
    expect(() => validateReads({ ...BASE, meters: [METER, METER] })).toThrow(/twice/);
    expect(() => validateReads({ ...BASE, windows: [...BASE.windows, ...BASE.windows] })).toThrow(
      /Two read windows/,
    );
  });

  it('does not trip over meter ids that are Object.prototype names', () => {
    const r = validateReads({
      ...BASE,
      meters: [{ ...METER, meterId: 'constructor' }],
      reads: [{ ...READ, meterId: 'constructor' }],
    });
    expect(codes(r[0] as MeterResult)).toEqual(['NO_PREVIOUS_READ']);
  });
});

describe('registerDelta', () => {
  it.each([
    [100, 250, 5, 150, null],
    [99777, 222, 5, -99555, 445],
    [999827, 171, 6, -999656, 344],
    [5, 5, 4, 0, null],
  ])('%i → %i on %i dials', (prev, cur, dials, delta, rollover) => {
    expect(registerDelta(prev, cur, dials)).toEqual({ delta, rolloverDelta: rollover });
  });
});
