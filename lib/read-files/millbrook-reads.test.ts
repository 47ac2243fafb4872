// The Millbrook demo utility's two months of AMI billing reads, end to end: both files parse, the
// October file is clean and becomes the previous reads, and the November file run through
// validation shows every anomaly it was built with — and nothing else. Plus the Green Button feed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import {
  validateReads,
  type MeterMaster,
  type MeterResult,
  type PreviousRead,
  type ReadUnit,
  type ServiceKind,
} from '../../domain/reads/validate';
import { dailyRate, type DailyRate } from '../../domain/reads/ratio';
import { localMidnight } from '../../domain/collections/calendar';
import { readAllAmiBillingReads, toIncomingRead, type AmiItem } from './ami-csv';
import { GreenButtonError, parseGreenButton, readGreenButton, sumIntervals } from './green-button';

const DIR = join(__dirname, '..', '..', 'demo-data', 'millbrook');
const OCTOBER = join(DIR, 'reads', 'billing-reads-2026-10.csv');
const NOVEMBER = join(DIR, 'reads', 'billing-reads-2026-11.csv');
const GREEN_BUTTON = join(DIR, 'greenbutton', 'usage-E000001-2026-11.xml');

const csv = (file: string) =>
  parse(readFileSync(join(DIR, file)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

// The meter master: meters.csv joined to its premise's account for the cycle and the class.
const accountByPremise = new Map(csv('accounts.csv').map((a) => [a['premise_id'] ?? '', a]));
const METERS: MeterMaster[] = csv('meters.csv').map((m) => {
  const account = accountByPremise.get(m['premise_id'] ?? '');
  if (!account) throw new Error(`meter ${m['meter_id']} has no account`);
  return {
    meterId: m['meter_id'] ?? '',
    accountId: account['account_id'] ?? '',
    cycle: account['bill_cycle'] ?? '',
    service: m['service'] as ServiceKind,
    readUnit: m['read_unit'] as ReadUnit,
    dials: Number(m['dials']),
    multiplier: Number(m['multiplier']),
    active: true, // every Millbrook account is in service (no stop dates in the export)
    usageClass: `${account['class']}-${m['service']}-${m['read_unit']}`,
  };
});

// Class averages, daily use in billing units (register delta × multiplier). Millbrook has no
// billed history before October, so the class average is the baseline for every premise. These
// are round figures near the medians of the October→November deltas (RES water 197 gal/day,
// RES electric 29.8 kWh/day, COM water 1,114 gal/day and 154 ft³/day, COM electric 388 kWh/day).
const CLASS_AVERAGES: Record<string, DailyRate> = {
  'RES-WATER-GAL': dailyRate('200'),
  'RES-ELECTRIC-KWH': dailyRate('30'),
  'COM-WATER-GAL': dailyRate('1100'),
  'COM-WATER-CUBIC_FEET': dailyRate('150'),
  'COM-ELECTRIC-KWH': dailyRate('400'),
};

// Cycle 1 reads around the 2nd, cycle 2 around the 16th: a window of ±3 days.
const WINDOWS = [
  { cycle: '1', period: '2026-11', from: '2026-10-30', to: '2026-11-05' },
  { cycle: '2', period: '2026-11', from: '2026-11-13', to: '2026-11-19' },
];

/**
 * Every anomaly in billing-reads-2026-11.csv, by meter: account, the status validation must give,
 * and the reason codes (exactly), with what the file shows. Everything else must be valid and clean.
 */
const NOVEMBER_ANOMALIES: Record<
  string,
  { account: string; status: 'valid' | 'exception'; codes: string[]; consumption?: number; usage?: number }
> = {
  // Line 13: Read empty, Flags NO_READ — the head-end could not reach the endpoint.
  W000008: { account: '100008', status: 'exception', codes: ['NO_READ'] },
  // Line 47: electric meter, NO_READ flag, empty read.
  E000029: { account: '100029', status: 'exception', codes: ['NO_READ'] },
  // Line 132: electric meter, NO_READ flag, empty read.
  E000083: { account: '100083', status: 'exception', codes: ['NO_READ'] },
  // Line 122: Read is the text "ERR" (no flag): the parser rejects it, validation calls it NON_NUMERIC.
  W000077: { account: '100077', status: 'exception', codes: ['NON_NUMERIC'] },
  // Line 103: Flags TAMPER. The read itself (565168 → 565833, 6,650 gal) is ordinary; held anyway.
  W000065: { account: '100065', status: 'exception', codes: ['TAMPER'], consumption: 665, usage: 6650 },
  // Lines 172–173: the same row twice, byte for byte (83085 → 83313 × 40 CT = 9,120 kWh).
  // Identical duplicates are counted once and noted; conflicting ones would be an exception.
  E000108: { account: '100108', status: 'valid', codes: ['DUPLICATE'], consumption: 228, usage: 9120 },
  // Line 142: cycle 1 meter read dated 2026-12-12, a month past the 2026-11-02 window: no read.
  E000089: { account: '100089', status: 'exception', codes: ['OUTSIDE_WINDOW'] },
  // Line 383: meter W999999, account 999999, premise P99999 — in no master file at all.
  W999999: { account: '999999', status: 'exception', codes: ['UNKNOWN_METER'] },
  // Line 9: 5-dial kWh register 99777 → 00222: rollover at 100000, 445 kWh (14/day): valid.
  E000005: { account: '100005', status: 'valid', codes: ['ROLLOVER'], consumption: 445, usage: 445 },
  // Line 10: 6-dial water register 999827 → 000171: rollover, 344 × 10 = 3,440 gal: valid.
  W000006: { account: '100006', status: 'valid', codes: ['ROLLOVER'], consumption: 344, usage: 3440 },
  // Line 94: 99885 → 01255: rollover, 1,370 kWh (44/day, under 3× the 30 kWh/day class): valid.
  E000059: { account: '100059', status: 'valid', codes: ['ROLLOVER'], consumption: 1370, usage: 1370 },
  // Line 191: commercial ft³ register 95432 → 02406: rollover, 6,974 ft³ (225/day): valid.
  W000120: { account: '100120', status: 'valid', codes: ['ROLLOVER'], consumption: 6974, usage: 6974 },
  // Line 62: 794970 → 793236, down 1,734. As a rollover it would be 998,266 × 10 gal in 31 days
  // (322,000 gal/day), so it is a register that went backwards: negative consumption.
  W000039: {
    account: '100039',
    status: 'exception',
    codes: ['NEGATIVE_CONSUMPTION'],
    consumption: -1734,
    usage: -17340,
  },
  // Line 82: 86552 → 92757 = 6,205 kWh in 31 days, 200 kWh/day against a 30 kWh/day class.
  E000051: { account: '100051', status: 'exception', codes: ['HIGH_USE'], consumption: 6205, usage: 6205 },
  // Line 152: 01725 → 40470 = 38,745 ft³ in 31 days, 1,250 ft³/day against 150.
  W000096: { account: '100096', status: 'exception', codes: ['HIGH_USE'], consumption: 38745, usage: 38745 },
  // Line 97: 633155 → 633155, no use at all on an active account.
  W000061: { account: '100061', status: 'exception', codes: ['ZERO_USE_ACTIVE'], consumption: 0, usage: 0 },
};
// Looked for and not in the file: a unit that differs from the meter's (UNIT_MISMATCH), an
// account that differs from the meter's, reads wider than the dials, LOW_USE below 0.25× the
// class (the lowest is 0.36×), conflicting duplicates, malformed rows, missing meters (all 380
// master meters have a row).

describe('Millbrook AMI billing reads', () => {
  let october: AmiItem[];
  let november: AmiItem[];
  let results: MeterResult[];

  beforeAll(async () => {
    october = await readAllAmiBillingReads(OCTOBER);
    november = await readAllAmiBillingReads(NOVEMBER);
    const previousReads: Record<string, PreviousRead> = {};
    for (const item of october) {
      if (item.kind === 'row')
        previousReads[item.raw.meterId] = { read: Number(item.raw.read), readTime: item.raw.readTime };
    }
    results = validateReads({
      windows: WINDOWS,
      meters: METERS,
      reads: november.map(toIncomingRead).filter((r) => r !== null),
      previousReads,
      classAverages: CLASS_AVERAGES,
    });
  });

  it('parses October cleanly: one row per meter of the master, no flags', () => {
    expect(october).toHaveLength(380);
    expect(october.filter((i) => i.kind === 'rejected')).toEqual([]);
    const ids = october.map((i) => (i.kind === 'row' ? i.raw.meterId : ''));
    expect(new Set(ids).size).toBe(380);
    expect(new Set(ids)).toEqual(new Set(METERS.map((m) => m.meterId)));
    expect(october.every((i) => i.kind === 'row' && i.raw.flags === '' && /^\d+$/.test(i.raw.read))).toBe(
      true,
    );
  });

  it('parses November: 382 data rows, one rejection (the "ERR" read on line 122)', () => {
    expect(november).toHaveLength(382);
    const rejected = november.filter((i) => i.kind === 'rejected');
    expect(rejected).toEqual([
      expect.objectContaining({
        line: 122,
        field: 'Read',
        value: 'ERR',
        raw: expect.objectContaining({ meterId: 'W000077' }),
      }),
    ]);
    expect(november[0]).toMatchObject({ kind: 'row', line: 2, raw: { meterId: 'W000001', read: '219401' } });
  });

  it('finds every November anomaly, by meter, account and reason code', () => {
    const found = Object.fromEntries(
      results
        .filter((r) => r.reasons.length > 0 || r.status !== 'valid')
        .map((r) => [
          r.meterId,
          { account: r.accountId, status: r.status, codes: r.reasons.map((x) => x.code) },
        ]),
    );
    const expected = Object.fromEntries(
      Object.entries(NOVEMBER_ANOMALIES).map(([id, a]) => [
        id,
        { account: a.account, status: a.status, codes: a.codes },
      ]),
    );
    expect(found).toEqual(expected);
    for (const [id, a] of Object.entries(NOVEMBER_ANOMALIES)) {
      const r = results.find((x) => x.meterId === id);
      if (a.consumption !== undefined)
        expect({ id, consumption: r?.consumption, usage: r?.usage }).toEqual({
          id,
          consumption: a.consumption,
          usage: a.usage,
        });
      for (const reason of r?.reasons ?? []) expect(reason.message).toContain(id);
    }
  });

  it('says why, in words', () => {
    const msg = (id: string) => results.find((r) => r.meterId === id)?.reasons[0]?.message ?? '';
    expect(msg('W000039')).toMatch(/went back from 794970 .* to 793236 \(-1734 units\)/);
    expect(msg('E000051')).toMatch(
      /6205 kWh in 31 days is more than 3× the class RES-ELECTRIC-KWH average 30\.0 kWh\/day/,
    );
    expect(msg('E000089')).toMatch(/dated 2026-12-12T06:00:00 .* outside the cycle 1 2026-11 window/);
    expect(msg('E000108')).toMatch(/2 times with the identical read "83313".*lines 172, 173/);
  });

  it('finds every other meter valid, with positive consumption and no remarks', () => {
    const others = results.filter((r) => !(r.meterId in NOVEMBER_ANOMALIES));
    expect(others).toHaveLength(380 - 15); // 380 master meters + W999999 = 381 results, 16 anomalies
    expect(results).toHaveLength(381);
    for (const r of others) {
      expect({ id: r.meterId, status: r.status, reasons: r.reasons }).toEqual({
        id: r.meterId,
        status: 'valid',
        reasons: [],
      });
      expect(r.consumption).toBeGreaterThan(0);
      expect(r.days).toBe(31);
    }
  });
});

describe('Millbrook Green Button feed (meter E000001, November 2026)', () => {
  // Local November in Millbrook: from midnight EDT (UTC−4) on 1 November to midnight EST (UTC−5)
  // on 1 December, 721 hours (the clocks fall back on 1 November). The feed's daily blocks run at a
  // fixed UTC−5, so its first interval starts at 01:00 EDT and the month's first hour has no data.
  const NOVEMBER_2026 = {
    start: localMidnight('2026-11-01', 'America/New_York').getTime() / 1000,
    end: localMidnight('2026-12-01', 'America/New_York').getTime() / 1000,
  };

  it('has 720 hourly intervals in Wh and 344.597 kWh for November', async () => {
    const usage = await readGreenButton(GREEN_BUTTON);
    expect(usage.meterId).toBe('E000001');
    expect(usage.readingType).toEqual({
      uom: 72,
      powerOfTenMultiplier: 0,
      intervalLength: 3600,
      flowDirection: 1,
      accumulationBehaviour: 4,
      commodity: 1,
    });
    expect(usage.intervals).toHaveLength(720); // 30 IntervalBlocks × 24
    expect(usage.intervals.every((i) => i.duration === 3600)).toBe(true);
    expect(usage.intervals[0]).toEqual({ start: 1793509200, duration: 3600, value: 170 });
    expect(NOVEMBER_2026).toEqual({ start: 1793505600, end: 1796101200 });
    expect(sumIntervals(usage.intervals, NOVEMBER_2026)).toEqual({
      ...NOVEMBER_2026,
      intervalCount: 720,
      wh: '344597',
      kwh: '344.597',
      coveredSeconds: 30 * 86400,
      periodSeconds: 30 * 86400 + 3600,
      complete: false,
    });
  });

  it('gives the same answer from a string and from a stream of small chunks', async () => {
    const text = readFileSync(GREEN_BUTTON, 'utf8');
    const chunks = Readable.from(
      Buffer.from(text)
        .toString('utf8')
        .match(/[\s\S]{1,7}/g) ?? [],
    );
    expect(await readGreenButton(chunks)).toEqual(parseGreenButton(text));
  });

  it('refuses a copy carrying a DOCTYPE with entity declarations', () => {
    const text = readFileSync(GREEN_BUTTON, 'utf8').replace(
      '<?xml version="1.0" encoding="UTF-8"?>\n',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE feed [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n',
    );
    expect(text).toContain('<!DOCTYPE');
    expect(() => parseGreenButton(text)).toThrow(GreenButtonError);
    expect(() => parseGreenButton(text)).toThrow(/line 2: DOCTYPE declarations are not allowed/);
  });
});
