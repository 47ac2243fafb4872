// Millbrook ordinance 2026-14 priced by hand. Every expected amount below is written out as the
// arithmetic a reviewer can redo with a pencil: quantity × rate ÷ (1,000 for water), rounded half-up
// to the cent on each line; the total is the sum of the rounded lines.
//
// Periods are read dates, [from, to): 2026-10-02 → 2026-11-02 is 31 days of service, a full period.

import { Decimal, dec, formatCents, roundHalfUpToCents } from '../decimal';
import { E1, E2, MILLBROOK_TARIFF, PCA, W1, W2 } from './millbrook';
import { RatingError, meterUsage, rateService, type RatingInput, type RatingResult } from './rate';
import { withRiderRates, type Rider, type TariffSchedule } from './tariff';

const NOVEMBER = { from: '2026-10-02', to: '2026-11-02' }; // billed in November: last day of service 11-01
const JULY = { from: '2026-07-01', to: '2026-08-01' }; // all summer
const RIDERS = MILLBROOK_TARIFF.riders;

/** [component, quantity, rate, amount in dollars] per line. */
function rows(r: RatingResult): [string, string, string, string][] {
  return r.lines.map((l) => [l.componentCode, l.quantity, l.rate, formatCents(l.amountCents)]);
}

function total(r: RatingResult): string {
  return formatCents(r.totalCents);
}

function w1(usage: string, period = NOVEMBER, meterSize = '5/8"'): RatingResult {
  return rateService({ schedule: W1, accountClass: 'RES', period, meterSize, usage });
}

function caught(f: () => unknown): RatingError {
  try {
    f();
  } catch (e) {
    if (e instanceof RatingError) return e;
    throw e;
  }
  throw new Error('expected a RatingError');
}

describe('W-1 residential water, 5/8" meter, full period', () => {
  test.each([
    // 2,000 gal, November
    //   base                          18.50
    //   first block 2,000 × 4.10 / 1,000 =  8.20
    //   sewer       2,000 × 6.20 / 1,000 = 12.40
    //   total 18.50 + 8.20 + 12.40 = 39.10
    [
      '2000',
      NOVEMBER,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '2000', '4.10', '8.20'],
        ['SEWER', '2000', '6.20', '12.40'],
      ],
      '39.10',
    ],
    // 7,500 gal, November
    //   base                                       18.50
    //   first 3,000: 3,000 × 4.10 / 1,000 =         12.30
    //   next  4,500: 4,500 × 5.25 / 1,000 = 23.625 → 23.63 (half-up)
    //   sewer        7,500 × 6.20 / 1,000 =         46.50
    //   total 18.50 + 12.30 + 23.63 + 46.50 = 100.93
    [
      '7500',
      NOVEMBER,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '3000', '4.10', '12.30'],
        ['VOLUME', '4500', '5.25', '23.63'],
        ['SEWER', '7500', '6.20', '46.50'],
      ],
      '100.93',
    ],
    // 15,000 gal, November
    //   base                                   18.50
    //   first 3,000:  3,000 × 4.10 / 1,000 =   12.30
    //   next  7,000:  7,000 × 5.25 / 1,000 =   36.75
    //   over 10,000:  5,000 × 7.40 / 1,000 =   37.00
    //   sewer, capped 12,000 × 6.20 / 1,000 =  74.40
    //   total 18.50 + 12.30 + 36.75 + 37.00 + 74.40 = 178.95
    [
      '15000',
      NOVEMBER,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '3000', '4.10', '12.30'],
        ['VOLUME', '7000', '5.25', '36.75'],
        ['VOLUME', '5000', '7.40', '37.00'],
        ['SEWER', '12000', '6.20', '74.40'],
      ],
      '178.95',
    ],
    // 2,000 and 7,500 gal in July: no use over 10,000, so the summer rate never applies — as November.
    [
      '2000',
      JULY,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '2000', '4.10', '8.20'],
        ['SEWER', '2000', '6.20', '12.40'],
      ],
      '39.10',
    ],
    [
      '7500',
      JULY,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '3000', '4.10', '12.30'],
        ['VOLUME', '4500', '5.25', '23.63'],
        ['SEWER', '7500', '6.20', '46.50'],
      ],
      '100.93',
    ],
    // 15,000 gal in July: the top block at the summer rate
    //   over 10,000: 5,000 × 8.90 / 1,000 = 44.50
    //   total 18.50 + 12.30 + 36.75 + 44.50 + 74.40 = 186.45
    [
      '15000',
      JULY,
      [
        ['BASE', '1', '18.50', '18.50'],
        ['VOLUME', '3000', '4.10', '12.30'],
        ['VOLUME', '7000', '5.25', '36.75'],
        ['VOLUME', '5000', '8.90', '44.50'],
        ['SEWER', '12000', '6.20', '74.40'],
      ],
      '186.45',
    ],
  ])('%s gal, %j', (usage, period, expected, sum) => {
    const r = w1(usage, period);
    expect(rows(r)).toEqual(expected);
    expect(total(r)).toBe(sum);
  });

  test('lines say what they are, with schedule, version and period', () => {
    const r = w1('15000', JULY);
    expect(r.lines.map((l) => l.description)).toEqual([
      'Base charge, 5/8" meter',
      'Volume charge, first 3,000 gal',
      'Volume charge, next 7,000 gal (3,000–10,000)',
      'Volume charge, over 10,000 gal, summer rate',
      'Sewer charge, use capped at 12,000 gal',
    ]);
    expect(r.lines[3]).toMatchObject({
      lineNo: 4,
      unit: 'gal',
      ratePer: '1000',
      block: 3,
      season: 'SUMMER',
      tariffSchedule: 'W-1',
      tariffVersion: '2026-07-01',
      periodFrom: '2026-07-01',
      periodTo: '2026-08-01',
    });
    expect(r).toMatchObject({ daysOfService: 31, billingPeriodDays: 31, usage: '15000', unit: 'GAL' });
  });

  test('the result is plain JSON', () => {
    const r = w1('7500');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('the residential sewer cap: 12,000 gal per period', () => {
  test.each([
    ['11999', '11999', '74.39'], // 11,999 × 6.20 / 1,000 = 74.3938 → 74.39
    ['12000', '12000', '74.40'], // 12,000 × 6.20 / 1,000 = 74.40
    ['12001', '12000', '74.40'], // capped
    ['40000', '12000', '74.40'], // capped
  ])('%s gal of water → sewer on %s gal = $%s', (usage, billed, amount) => {
    const sewer = w1(usage).lines.find((l) => l.componentCode === 'SEWER');
    expect(sewer).toMatchObject({
      quantity: billed,
      amountCents: Number(dec(amount).mul(dec(100)).toString()),
    });
  });
});

describe('base charge by meter size', () => {
  test.each([
    // No use: base only, and zero lines that still show what was measured.
    ['5/8"', '18.50'],
    ['1"', '31.00'],
    ['2"', '96.00'],
  ])('%s meter, no use: $%s', (size, base) => {
    const r = w1('0', NOVEMBER, size);
    expect(rows(r)).toEqual([
      ['BASE', '1', base, base],
      ['VOLUME', '0', '4.10', '0.00'],
      ['SEWER', '0', '6.20', '0.00'],
    ]);
    expect(total(r)).toBe(base);
  });

  test('a size the schedule does not price, or no size, is an error naming both', () => {
    const e = caught(() => w1('1000', NOVEMBER, '3/4"'));
    expect(e.code).toBe('METER_SIZE_NOT_PRICED');
    expect(e.message).toBe('Schedule W-1 has no base charge for a 3/4" meter (priced: 5/8", 1", 2")');
    expect(
      caught(() => rateService({ schedule: W1, accountClass: 'RES', period: NOVEMBER, usage: '1' })).code,
    ).toBe('METER_SIZE_NOT_PRICED');
  });
});

describe('W-2 commercial water: one rate, no blocks, no sewer cap', () => {
  const w2 = (usage: Decimal | string, meterSize: string) =>
    rateService({ schedule: W2, accountClass: 'COM', period: NOVEMBER, meterSize, usage });

  test.each([
    // 2" meter, 50,000 gal
    //   base 96.00; volume 50,000 × 5.60 / 1,000 = 280.00; sewer 50,000 × 6.20 / 1,000 = 310.00
    //   total 686.00
    [
      '50000',
      '2"',
      [
        ['BASE', '1', '96.00', '96.00'],
        ['VOLUME', '50000', '5.60', '280.00'],
        ['SEWER', '50000', '6.20', '310.00'],
      ],
      '686.00',
    ],
    // 1" meter, 15,000 gal: base 31.00; 15,000 × 5.60 / 1,000 = 84.00; 15,000 × 6.20 / 1,000 = 93.00
    //   (no cap: a residential customer would pay sewer on 12,000)  total 208.00
    [
      '15000',
      '1"',
      [
        ['BASE', '1', '31.00', '31.00'],
        ['VOLUME', '15000', '5.60', '84.00'],
        ['SEWER', '15000', '6.20', '93.00'],
      ],
      '208.00',
    ],
  ])('%s gal on a %s meter', (usage, size, expected, sum) => {
    const r = w2(usage, size);
    expect(rows(r)).toEqual(expected);
    expect(total(r)).toBe(sum);
    expect(r.lines.map((l) => l.description)).toEqual([
      `Base charge, ${size} meter`,
      'Volume charge',
      'Sewer charge',
    ]);
  });

  test('a cubic-foot meter: 1,000 ft³ × 7.48052 = 7,480.52 gal, billed to the fraction', () => {
    const usage = meterUsage({ registerDelta: 1000n, multiplier: 1, readUnit: 'CUBIC_FEET' });
    expect(usage.toString()).toBe('7480.52');
    // 1" meter: base 31.00
    //   volume 7,480.52 × 5.60 / 1,000 = 41.890912 → 41.89
    //   sewer  7,480.52 × 6.20 / 1,000 = 46.379224 → 46.38
    //   total 31.00 + 41.89 + 46.38 = 119.27
    const r = w2(usage, '1"');
    expect(rows(r)).toEqual([
      ['BASE', '1', '31.00', '31.00'],
      ['VOLUME', '7480.52', '5.60', '41.89'],
      ['SEWER', '7480.52', '6.20', '46.38'],
    ]);
    expect(total(r)).toBe('119.27');
  });

  test('W-2 is not open to residential accounts, nor W-1 to commercial ones', () => {
    expect(
      caught(() =>
        rateService({ schedule: W2, accountClass: 'RES', period: NOVEMBER, meterSize: '1"', usage: '1' }),
      ).code,
    ).toBe('CLASS_NOT_ELIGIBLE');
    expect(
      caught(() =>
        rateService({ schedule: W1, accountClass: 'COM', period: NOVEMBER, meterSize: '1"', usage: '1' }),
      ).message,
    ).toBe('Schedule W-1 (Residential water) is not open to COM accounts');
  });
});

describe('meterUsage: register counts to billing units', () => {
  test.each([
    [236n, 10, 'GAL', '2360'], // demo meter W000001: 219,165 → 219,401, counting tens of gallons
    [1n, 1, 'CUBIC_FEET', '7.48052'],
    [1000n, 1, 'CUBIC_FEET', '7480.52'],
    [1000n, 10, 'CUBIC_FEET', '74805.2'],
    [1130n, 1, 'KWH', '1130'], // demo meter E000001: 73,917 → 75,047
    [1234n, 40, 'KWH', '49360'], // a 40× CT
    [0n, 40, 'KWH', '0'],
  ] as const)('%s counts × %s in %s → %s', (registerDelta, multiplier, readUnit, usage) => {
    expect(meterUsage({ registerDelta, multiplier, readUnit }).toString()).toBe(usage);
  });

  test('a negative delta or a fractional or non-positive multiplier is refused', () => {
    expect(() => meterUsage({ registerDelta: -1n, multiplier: 1, readUnit: 'GAL' })).toThrow(RatingError);
    expect(() => meterUsage({ registerDelta: 1n, multiplier: 1.5, readUnit: 'GAL' })).toThrow(RatingError);
    expect(() => meterUsage({ registerDelta: 1n, multiplier: 0, readUnit: 'GAL' })).toThrow(RatingError);
  });
});

describe('E-1 residential electric, November 2026 (PCA $0.0123/kWh, 6% tax)', () => {
  const e1 = (usage: string, period = NOVEMBER, riders: readonly Rider[] = RIDERS) =>
    rateService({ schedule: E1, riders, accountClass: 'RES', period, usage });

  test.each([
    // 800 kWh
    //   customer                       12.00
    //   energy first 1,000: 800 × 0.1125 = 90.00
    //   PCA 800 × 0.0123 = 9.84
    //   tax 6% × (12.00 + 90.00 + 9.84 = 111.84) = 6.7104 → 6.71
    //   total 111.84 + 6.71 = 118.55
    [
      '800',
      [
        ['CUSTOMER', '1', '12.00', '12.00'],
        ['ENERGY', '800', '0.1125', '90.00'],
        ['PCA', '800', '0.0123', '9.84'],
        ['TAX', '111.84', '6', '6.71'],
      ],
      '118.55',
    ],
    // 1,450 kWh
    //   customer 12.00
    //   energy first 1,000: 1,000 × 0.1125 = 112.50
    //   energy over 1,000:    450 × 0.1310 =  58.95
    //   PCA 1,450 × 0.0123 = 17.835 → 17.84 (half-up)
    //   tax 6% × (12.00 + 112.50 + 58.95 + 17.84 = 201.29) = 12.0774 → 12.08
    //   total 201.29 + 12.08 = 213.37
    [
      '1450',
      [
        ['CUSTOMER', '1', '12.00', '12.00'],
        ['ENERGY', '1000', '0.1125', '112.50'],
        ['ENERGY', '450', '0.1310', '58.95'],
        ['PCA', '1450', '0.0123', '17.84'],
        ['TAX', '201.29', '6', '12.08'],
      ],
      '213.37',
    ],
    // Demo account 100001, meter E000001: 1,130 kWh
    //   12.00 + 1,000 × 0.1125 = 112.50 + 130 × 0.1310 = 17.03 + PCA 1,130 × 0.0123 = 13.899 → 13.90
    //   tax 6% × 155.43 = 9.3258 → 9.33; total 155.43 + 9.33 = 164.76
    [
      '1130',
      [
        ['CUSTOMER', '1', '12.00', '12.00'],
        ['ENERGY', '1000', '0.1125', '112.50'],
        ['ENERGY', '130', '0.1310', '17.03'],
        ['PCA', '1130', '0.0123', '13.90'],
        ['TAX', '155.43', '6', '9.33'],
      ],
      '164.76',
    ],
  ])('%s kWh', (usage, expected, sum) => {
    const r = e1(usage);
    expect(rows(r)).toEqual(expected);
    expect(total(r)).toBe(sum);
  });

  test('descriptions name the PCA month and the taxed amount', () => {
    expect(e1('1450').lines.map((l) => l.description)).toEqual([
      'Customer charge',
      'Energy charge, first 1,000 kWh',
      'Energy charge, over 1,000 kWh',
      'Power cost adjustment, November 2026',
      'Municipal utility tax, 6% of $201.29',
    ]);
    expect(e1('1450').lines[3]).toMatchObject({ riderMonth: '2026-11', unit: 'kWh' });
  });

  test('a month with no PCA rate is an error naming the rider and the month', () => {
    // 2026-11-02 → 2026-12-02: last day of service 12-01, the December PCA, which is not set.
    const e = caught(() => e1('800', { from: '2026-11-02', to: '2026-12-02' }));
    expect(e.code).toBe('RIDER_RATE_MISSING');
    expect(e.message).toBe(
      'Rider PCA (Power cost adjustment) has no rate for December 2026 (2026-12); set it before billing',
    );
    expect(e.details).toEqual({ rider: 'PCA', month: '2026-12' });
    // …even with no use at all: never a silent zero.
    expect(caught(() => e1('0', { from: '2026-11-02', to: '2026-12-02' })).code).toBe('RIDER_RATE_MISSING');
  });

  test('once the board sets December, the same bill rates', () => {
    const riders = withRiderRates(MILLBROOK_TARIFF, 'PCA', { '2026-12': '0.0131' }).riders;
    // 800 kWh: 12.00 + 90.00 + PCA 800 × 0.0131 = 10.48; tax 6% × 112.48 = 6.7488 → 6.75; total 119.23
    const r = e1('800', { from: '2026-11-02', to: '2026-12-02' }, riders);
    expect(rows(r).slice(2)).toEqual([
      ['PCA', '800', '0.0131', '10.48'],
      ['TAX', '112.48', '6', '6.75'],
    ]);
    expect(total(r)).toBe('119.23');
  });

  test('riders are required data: E-1 without them cannot be used', () => {
    expect(caught(() => e1('800', NOVEMBER, [])).code).toBe('INVALID_TARIFF');
  });

  test('a rider on the calendar-days basis splits use across months by days', () => {
    const byDays: Rider = {
      ...PCA,
      basis: 'CALENDAR_DAYS',
      ratesByMonth: { '2026-10': '0.0100', '2026-11': '0.0123' },
    };
    // 2026-10-17 → 2026-11-16: 15 days in October (17th–31st), 15 in November (1st–15th).
    // 1,000 kWh: 500 × 0.0100 = 5.00 (October) and 500 × 0.0123 = 6.15 (November)
    const r = e1('1000', { from: '2026-10-17', to: '2026-11-16' }, [byDays]);
    expect(r.lines.filter((l) => l.componentCode === 'PCA')).toMatchObject([
      { quantity: '500', rate: '0.0100', amountCents: 500, periodFrom: '2026-10-17', periodTo: '2026-11-01' },
      { quantity: '500', rate: '0.0123', amountCents: 615, periodFrom: '2026-11-01', periodTo: '2026-11-16' },
    ]);
    // tax 6% × (12.00 + 112.50 + 5.00 + 6.15 = 135.65) = 8.139 → 8.14; total 143.79
    expect(rows(r).at(-1)).toEqual(['TAX', '135.65', '6', '8.14']);
    expect(total(r)).toBe('143.79');
    const e = caught(() => e1('1000', NOVEMBER, [{ ...byDays, ratesByMonth: { '2026-11': '0.0123' } }]));
    expect(e.details).toEqual({ rider: 'PCA', month: '2026-10' });
  });
});

describe('E-2 commercial electric with a 40× CT meter', () => {
  test('1,234 register kWh × 40 = 49,360 kWh', () => {
    const usage = meterUsage({ registerDelta: 1234n, multiplier: 40, readUnit: 'KWH' });
    const r = rateService({ schedule: E2, riders: RIDERS, accountClass: 'COM', period: NOVEMBER, usage });
    //   customer 25.00
    //   energy 49,360 × 0.1190 = 5,873.84
    //   PCA    49,360 × 0.0123 = 607.128 → 607.13
    //   tax 6% × (25.00 + 5,873.84 + 607.13 = 6,505.97) = 390.3582 → 390.36
    //   total 6,505.97 + 390.36 = 6,896.33
    expect(rows(r)).toEqual([
      ['CUSTOMER', '1', '25.00', '25.00'],
      ['ENERGY', '49360', '0.1190', '5873.84'],
      ['PCA', '49360', '0.0123', '607.13'],
      ['TAX', '6505.97', '6', '390.36'],
    ]);
    expect(total(r)).toBe('6896.33');
  });
});

describe('partial periods: service starting within the period', () => {
  test('W-1: base, blocks and sewer cap prorated by 15 of 30 days', () => {
    // Cycle period 2026-11-02 → 2026-12-02 (30 days); service starts 2026-11-17: 15 days, factor 1/2.
    // 9,000 gal. Blocks become first 1,500 / next 3,500 (to 5,000) / over 5,000; the cap 6,000.
    //   base 18.50 × 15 / 30 = 9.25
    //   first 1,500: 1,500 × 4.10 / 1,000 = 6.15
    //   next  3,500: 3,500 × 5.25 / 1,000 = 18.375 → 18.38
    //   over  5,000: 4,000 × 7.40 / 1,000 = 29.60
    //   sewer capped at 6,000: 6,000 × 6.20 / 1,000 = 37.20
    //   total 9.25 + 6.15 + 18.38 + 29.60 + 37.20 = 100.58
    const r = rateService({
      schedule: W1,
      accountClass: 'RES',
      period: { from: '2026-11-17', to: '2026-12-02' },
      billingPeriodDays: 30,
      meterSize: '5/8"',
      usage: '9000',
    });
    expect(rows(r)).toEqual([
      ['BASE', '15', '18.50', '9.25'],
      ['VOLUME', '1500', '4.10', '6.15'],
      ['VOLUME', '3500', '5.25', '18.38'],
      ['VOLUME', '4000', '7.40', '29.60'],
      ['SEWER', '6000', '6.20', '37.20'],
    ]);
    expect(r.lines.map((l) => [l.description, l.unit, l.ratePer])).toEqual([
      ['Base charge, 5/8" meter, 15 of 30 days', 'day', '30'],
      ['Volume charge, first 1,500 gal, blocks prorated 15/30 days', 'gal', '1000'],
      ['Volume charge, next 3,500 gal (1,500–5,000), blocks prorated 15/30 days', 'gal', '1000'],
      ['Volume charge, over 5,000 gal, blocks prorated 15/30 days', 'gal', '1000'],
      ['Sewer charge, use capped at 6,000 gal (12,000 gal prorated 15/30 days)', 'gal', '1000'],
    ]);
    expect(total(r)).toBe('100.58');
  });

  test('E-1: customer charge and the 1,000 kWh block prorated by 16 of 31 days; tax on the prorated lines', () => {
    // Period 2026-10-02 → 2026-11-02 (31 days); service starts 2026-10-17: 16 days.
    // 600 kWh.
    //   customer 12.00 × 16 / 31 = 6.193548… → 6.19
    //   block limit 1,000 × 16 / 31 = 16,000/31 = 516.129032… kWh (exact; shown to 6 places)
    //   energy first 16,000/31 × 0.1125 = 58.064516… → 58.06
    //   energy over: 600 − 16,000/31 = 2,600/31 = 83.870967… × 0.1310 = 10.987096… → 10.99
    //   PCA (all kWh, November) 600 × 0.0123 = 7.38
    //   tax 6% × (6.19 + 58.06 + 10.99 + 7.38 = 82.62) = 4.9572 → 4.96
    //   total 82.62 + 4.96 = 87.58
    const r = rateService({
      schedule: E1,
      riders: RIDERS,
      accountClass: 'RES',
      period: { from: '2026-10-17', to: '2026-11-02' },
      billingPeriodDays: 31,
      usage: '600',
    });
    expect(rows(r)).toEqual([
      ['CUSTOMER', '16', '12.00', '6.19'],
      ['ENERGY', '516.129032', '0.1125', '58.06'],
      ['ENERGY', '83.870968', '0.1310', '10.99'],
      ['PCA', '600', '0.0123', '7.38'],
      ['TAX', '82.62', '6', '4.96'],
    ]);
    expect(total(r)).toBe('87.58');
  });
});

describe('a period straddling the 2027-01-01 W-1 rate change', () => {
  test('30 days, 15 under each version: use split in half, each half priced under its own version', () => {
    // 2026-12-17 → 2027-01-16: 15 days in 2026 (12-17..12-31), 15 days in 2027 (01-01..01-15).
    // 15,000 gal → 7,500 gal in each part. Each part's blocks: 1,500 / 3,500 (to 5,000) / over 5,000;
    // its sewer cap 6,000; its base 18.50 × 15 / 30 = 9.25.
    // 2026 version:                                 2027 version:
    //   base                        9.25              base                        9.25
    //   1,500 × 4.10 / 1,000 =      6.15              1,500 × 4.30 / 1,000 =      6.45
    //   3,500 × 5.25 / 1,000 = 18.375 → 18.38         3,500 × 5.50 / 1,000 =     19.25
    //   2,500 × 7.40 / 1,000 =     18.50              2,500 × 7.75 / 1,000 = 19.375 → 19.38
    //   sewer 6,000 × 6.20 / 1,000 = 37.20            sewer 6,000 × 6.20 / 1,000 = 37.20
    //   part 89.48                                    part 91.53
    //   total 89.48 + 91.53 = 181.01
    const r = w1('15000', { from: '2026-12-17', to: '2027-01-16' });
    expect(
      r.lines.map((l) => [l.tariffVersion, l.periodFrom, l.periodTo, l.componentCode, l.quantity, l.rate]),
    ).toEqual([
      ['2026-07-01', '2026-12-17', '2027-01-01', 'BASE', '15', '18.50'],
      ['2026-07-01', '2026-12-17', '2027-01-01', 'VOLUME', '1500', '4.10'],
      ['2026-07-01', '2026-12-17', '2027-01-01', 'VOLUME', '3500', '5.25'],
      ['2026-07-01', '2026-12-17', '2027-01-01', 'VOLUME', '2500', '7.40'],
      ['2026-07-01', '2026-12-17', '2027-01-01', 'SEWER', '6000', '6.20'],
      ['2027-01-01', '2027-01-01', '2027-01-16', 'BASE', '15', '18.50'],
      ['2027-01-01', '2027-01-01', '2027-01-16', 'VOLUME', '1500', '4.30'],
      ['2027-01-01', '2027-01-01', '2027-01-16', 'VOLUME', '3500', '5.50'],
      ['2027-01-01', '2027-01-01', '2027-01-16', 'VOLUME', '2500', '7.75'],
      ['2027-01-01', '2027-01-01', '2027-01-16', 'SEWER', '6000', '6.20'],
    ]);
    expect(r.lines.map((l) => formatCents(l.amountCents))).toEqual([
      '9.25',
      '6.15',
      '18.38',
      '18.50',
      '37.20',
      '9.25',
      '6.45',
      '19.25',
      '19.38',
      '37.20',
    ]);
    expect(total(r)).toBe('181.01');
  });

  test('31 days split 16 / 15: exact shares of the metered use, priced exactly, rounded once per line', () => {
    // 2026-12-16 → 2027-01-16: 16 days under 2026 rates, 15 under 2027 rates. 7,500 gal.
    //   2026 part: 7,500 × 16/31 = 120,000/31 = 3,870.967741… gal; 2027 part: 112,500/31 = 3,629.032258…
    //   2026 part, blocks 3,000 × 16/31 = 48,000/31 = 1,548.387096… and 10,000 × 16/31 = 5,161.29…:
    //     base 18.50 × 16 / 31 = 9.548… → 9.55
    //     48,000/31 × 4.10 / 1,000 = 6.348387… → 6.35
    //     (120,000/31 − 48,000/31 = 72,000/31 = 2,322.580645…) × 5.25 / 1,000 = 12.193548… → 12.19
    //     sewer (cap 192,000/31 = 6,193.548… not reached) 120,000/31 × 6.20 / 1,000 = 24.00 exactly
    //   2027 part, block 3,000 × 15/31 = 45,000/31 = 1,451.612903…:
    //     base 18.50 × 15 / 31 = 8.951… → 8.95
    //     45,000/31 × 4.30 / 1,000 = 6.241935… → 6.24
    //     (112,500/31 − 45,000/31 = 67,500/31 = 2,177.419354…) × 5.50 / 1,000 = 11.975806… → 11.98
    //     sewer 112,500/31 × 6.20 / 1,000 = 22.50 exactly
    //   total 9.55 + 6.35 + 12.19 + 24.00 + 8.95 + 6.24 + 11.98 + 22.50 = 101.76
    const r = w1('7500', { from: '2026-12-16', to: '2027-01-16' });
    expect(rows(r)).toEqual([
      ['BASE', '16', '18.50', '9.55'],
      ['VOLUME', '1548.387097', '4.10', '6.35'],
      ['VOLUME', '2322.580645', '5.25', '12.19'],
      ['SEWER', '3870.967742', '6.20', '24.00'],
      ['BASE', '15', '18.50', '8.95'],
      ['VOLUME', '1451.612903', '4.30', '6.24'],
      ['VOLUME', '2177.419355', '5.50', '11.98'],
      ['SEWER', '3629.032258', '6.20', '22.50'],
    ]);
    expect(r.lines.filter((l) => l.componentCode === 'BASE').map((l) => l.ratePer)).toEqual(['31', '31']);
    expect(total(r)).toBe('101.76');
    const sewer = r.lines.filter((l) => l.componentCode === 'SEWER').map((l) => dec(l.quantity));
    expect(sewer.reduce((a, b) => a.add(b)).toString()).toBe('7500');
  });

  test('a share that prices to exactly half a cent rounds up: nothing is rounded before the money', () => {
    // 2026-12-16 → 2027-01-16, 15,500 gal. The 2027 part (15 of 31 days) has 15,500 × 15/31 = 7,500 gal
    // and its over-10,000 block starts at 10,000 × 15/31 = 150,000/31 gal, so 82,500/31 gal are in it:
    //   82,500/31 × 7.75 / 1,000 = 20.625 exactly (7.75 = 31/4) → 20.63.
    // Rounding the share to 0.001 gal first (2,661.290) would give 20.6249975 → 20.62.
    const r = w1('15500', { from: '2026-12-16', to: '2027-01-16' });
    const top = r.lines.filter(
      (l) => l.componentCode === 'VOLUME' && l.tariffVersion === '2027-01-01' && l.block === 3,
    );
    expect(top.map((l) => [l.quantity, l.rate, formatCents(l.amountCents)])).toEqual([
      ['2661.290323', '7.75', '20.63'],
    ]);
    //   2026 part (16 days): 8,000 gal; base 9.55; 48,000/31 × 4.10 = 6.35; 112,000/31 × 5.25 = 18.97;
    //     (8,000 − 160,000/31 = 88,000/31) × 7.40 = 21.006… → 21.01; sewer cap 192,000/31 × 6.20 = 38.40
    //   2027 part (15 days): base 8.95; 45,000/31 × 4.30 = 6.24; 105,000/31 × 5.50 = 18.63; 20.63;
    //     sewer cap 180,000/31 × 6.20 = 36.00
    expect(total(r)).toBe('184.73');
  });
});

describe('a period straddling the end of summer', () => {
  test('the top block is split by days: 15 summer days, 15 standard', () => {
    // 2026-09-16 → 2026-10-16 (30 days): 09-16..09-30 summer (15 days), 10-01..10-15 not (15 days).
    // 15,000 gal: 5,000 over 10,000 → 2,500 at the summer rate, 2,500 at the standard rate.
    //   base 18.50; 3,000 × 4.10 / 1,000 = 12.30; 7,000 × 5.25 / 1,000 = 36.75
    //   2,500 × 8.90 / 1,000 = 22.25 (summer); 2,500 × 7.40 / 1,000 = 18.50 (standard)
    //   sewer 12,000 × 6.20 / 1,000 = 74.40
    //   total 18.50 + 12.30 + 36.75 + 22.25 + 18.50 + 74.40 = 182.70
    const r = w1('15000', { from: '2026-09-16', to: '2026-10-16' });
    expect(rows(r)).toEqual([
      ['BASE', '1', '18.50', '18.50'],
      ['VOLUME', '3000', '4.10', '12.30'],
      ['VOLUME', '7000', '5.25', '36.75'],
      ['VOLUME', '2500', '8.90', '22.25'],
      ['VOLUME', '2500', '7.40', '18.50'],
      ['SEWER', '12000', '6.20', '74.40'],
    ]);
    expect(r.lines.slice(3, 5)).toMatchObject([
      {
        description: 'Volume charge, over 10,000 gal, summer rate',
        season: 'SUMMER',
        periodFrom: '2026-09-16',
        periodTo: '2026-10-01',
      },
      {
        description: 'Volume charge, over 10,000 gal, standard rate',
        periodFrom: '2026-10-01',
        periodTo: '2026-10-16',
      },
    ]);
    expect(r.lines[4]?.season).toBeUndefined();
    expect(total(r)).toBe('182.70');
  });
});

describe('a minimum bill (not in the Millbrook ordinance; a schedule that has one)', () => {
  const T1: TariffSchedule = {
    code: 'T-1',
    name: 'Test schedule',
    service: 'WATER',
    unit: 'GAL',
    accountClasses: ['RES'],
    versions: [
      {
        effectiveFrom: '2026-01-01',
        components: [
          { kind: 'FIXED', code: 'BASE', description: 'Base charge', amount: '5.00' },
          {
            kind: 'VOLUMETRIC',
            code: 'VOLUME',
            description: 'Volume charge',
            ratePer: '1000',
            blocks: [{ upTo: null, rate: '2.00' }],
          },
          {
            kind: 'MINIMUM',
            code: 'MIN',
            description: 'Minimum bill',
            amount: '10.00',
            over: ['BASE', 'VOLUME'],
          },
          { kind: 'TAX', code: 'TAX', description: 'Tax', percent: '5', over: ['BASE', 'VOLUME', 'MIN'] },
        ],
      },
    ],
  };
  const t1 = (usage: string, period = NOVEMBER, billingPeriodDays?: number) =>
    rateService({
      schedule: T1,
      accountClass: 'RES',
      period,
      usage,
      ...(billingPeriodDays ? { billingPeriodDays } : {}),
    });

  test.each([
    // 1,000 gal: 5.00 + 2.00 = 7.00 < 10.00 → minimum line 3.00; tax 5% × 10.00 = 0.50; total 10.50
    [
      '1000',
      undefined,
      [
        ['BASE', '1', '5.00', '5.00'],
        ['VOLUME', '1000', '2.00', '2.00'],
        ['MIN', '1', '3.00', '3.00'],
        ['TAX', '10.00', '5', '0.50'],
      ],
      '10.50',
    ],
    // 10,000 gal: 5.00 + 20.00 = 25.00 ≥ 10.00, no minimum line; tax 5% × 25.00 = 1.25; total 26.25
    [
      '10000',
      undefined,
      [
        ['BASE', '1', '5.00', '5.00'],
        ['VOLUME', '10000', '2.00', '20.00'],
        ['TAX', '25.00', '5', '1.25'],
      ],
      '26.25',
    ],
    // Half a period (31 of 62 days): base 2.50, volume 2.00, minimum 5.00 → 0.50; tax 5% × 5.00 = 0.25
    [
      '1000',
      62,
      [
        ['BASE', '31', '5.00', '2.50'],
        ['VOLUME', '1000', '2.00', '2.00'],
        ['MIN', '1', '0.50', '0.50'],
        ['TAX', '5.00', '5', '0.25'],
      ],
      '5.25',
    ],
  ])('%s gal (period days %s)', (usage, days, expected, sum) => {
    const r = t1(usage, NOVEMBER, days);
    expect(rows(r)).toEqual(expected);
    expect(total(r)).toBe(sum);
  });
});

describe('input errors', () => {
  const base: RatingInput = {
    schedule: W1,
    accountClass: 'RES',
    period: NOVEMBER,
    meterSize: '5/8"',
    usage: '1',
  };
  test.each<[string, Partial<RatingInput>, string]>([
    [
      'a period before the ordinance',
      { period: { from: '2026-06-15', to: '2026-07-15' } },
      'NO_TARIFF_VERSION',
    ],
    ['a period with no days', { period: { from: '2026-11-02', to: '2026-11-02' } }, 'INVALID_INPUT'],
    ['a period backwards', { period: { from: '2026-11-02', to: '2026-10-02' } }, 'INVALID_INPUT'],
    ['a date that is not a date', { period: { from: '2026-11-31', to: '2026-12-02' } }, 'INVALID_INPUT'],
    ['a billing period shorter than the service', { billingPeriodDays: 30 }, 'INVALID_INPUT'],
    ['a fractional billing period', { billingPeriodDays: 31.5 }, 'INVALID_INPUT'],
    ['negative use', { usage: '-1' }, 'INVALID_INPUT'],
    ['use that is not a number', { usage: '1,000' }, 'INVALID_INPUT'],
  ])('%s', (_name, change, code) => {
    expect(caught(() => rateService({ ...base, ...change })).code).toBe(code);
  });

  test('a share of use with no finite decimal expansion is priced exactly, and shown rounded', () => {
    // 1,000 gal × 31/61 (October's share of two months of use): 508.196721… gal.
    const r = rateService({
      schedule: W1,
      accountClass: 'RES',
      period: { from: '2026-10-02', to: '2026-11-02' },
      meterSize: '5/8"',
      usage: dec(31000).div(dec(61)),
    });
    const [volume, sewer] = ['VOLUME', 'SEWER'].map((c) => r.lines.find((l) => l.componentCode === c)!);
    expect([volume!.quantity, sewer!.quantity]).toEqual(['508.196721', '508.196721']);
    // 508.196721… × 4.10 / 1000 = 2.0836… → 2.08; × 6.20 / 1000 = 3.1508… → 3.15.
    expect([volume!.amountCents, sewer!.amountCents]).toEqual([208, 315]);
  });

  test('the version error says which date and what is in force', () => {
    expect(caught(() => w1('1', { from: '2026-06-15', to: '2026-07-15' })).message).toBe(
      'Schedule W-1 has no version in effect on 2026-06-15 (the earliest takes effect 2026-07-01)',
    );
  });
});

test('every line is its quantity × rate ÷ ratePer rounded half-up, and the total is their sum', () => {
  const results = [
    w1('7500', { from: '2026-12-16', to: '2027-01-16' }),
    w1('15000', { from: '2026-09-16', to: '2026-10-16' }),
    rateService({ schedule: E1, riders: RIDERS, accountClass: 'RES', period: NOVEMBER, usage: '1450' }),
  ];
  for (const r of results) {
    for (const l of r.lines) {
      const amount = dec(l.quantity).mul(dec(l.rate)).div(dec(l.ratePer));
      expect(l.amountCents).toBe(Number(roundHalfUpToCents(amount)));
    }
    expect(r.totalCents).toBe(r.lines.reduce((s, l) => s + l.amountCents, 0));
    expect(r.lines.map((l) => l.lineNo)).toEqual(r.lines.map((_, i) => i + 1));
  }
});
