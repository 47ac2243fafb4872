// The preset registry: effective dating, zones and holiday regions, composition of ordinances.
import {
  composeProfile,
  getProfile,
  listProfiles,
  PROFILE_CODES,
  PROFILE_VERSIONS,
  selectVersion,
  VA_WEATHER_ELECTRIC,
} from './index';
import type { PolicyProfile, ProfileCode } from './types';

describe('getProfile', () => {
  it.each<[ProfileCode, string, string]>([
    ['PA', 'America/New_York', 'PA'],
    ['NY', 'America/New_York', 'NY'],
    ['OH', 'America/New_York', 'OH'],
    ['IL', 'America/Chicago', 'IL'],
    ['TX_ELECTRIC', 'America/Chicago', 'TX'],
    ['CA_ENERGY', 'America/Los_Angeles', 'CA'],
    ['CA_WATER', 'America/Los_Angeles', 'CA'],
    ['MUNICIPAL', 'America/New_York', 'PA'],
  ])('%s runs in %s with US-%s holidays', (code, zone, state) => {
    const p = getProfile(code, '2026-12-01');
    expect(p.code).toBe(code);
    expect(p.timeZone).toBe(zone);
    expect(p.holidayRegion).toEqual({ country: 'US', state });
  });

  it('throws RangeError for an unknown code, a bad date, or a date before the first version', () => {
    expect(() => getProfile('XX' as ProfileCode, '2026-12-01')).toThrow(RangeError);
    expect(() => getProfile('PA', '2026-13-01')).toThrow(RangeError);
    expect(() => getProfile('CA_WATER', '2020-01-31')).toThrow(/no version in force on 2020-01-31/);
    expect(getProfile('CA_WATER', '2020-02-01').effectiveFrom).toBe('2020-02-01');
    expect(() => getProfile('MUNICIPAL', '2026-06-30')).toThrow(RangeError);
  });

  it('picks the version in force on the date', () => {
    const v1 = getProfile('PA', '2026-01-01');
    const v2: PolicyProfile = { ...v1, effectiveFrom: '2027-07-01', name: 'PA v2' };
    expect(selectVersion([v1, v2], '2027-06-30')).toBe(v1);
    expect(selectVersion([v1, v2], '2027-07-01')).toBe(v2);
    expect(selectVersion([v2, v1], '2028-01-01')).toBe(v2);
    expect(selectVersion([v2], '2027-01-01')).toBeNull();
  });
});

describe('listProfiles', () => {
  it('lists every preset with its name and citations', () => {
    const list = listProfiles();
    expect(list.map((p) => p.code)).toEqual(PROFILE_CODES);
    expect(list.map((p) => p.code).sort()).toEqual([
      'CA_ENERGY',
      'CA_WATER',
      'IL',
      'MUNICIPAL',
      'NY',
      'OH',
      'PA',
      'TX_ELECTRIC',
      'TX_WATER',
    ]);
    const pa = list.find((p) => p.code === 'PA')!;
    expect(pa.citations).toContain('52 Pa. Code §56.100');
    for (const p of list) expect(p.citations.length).toBeGreaterThan(0);
  });

  it('every rule group carries a code and a citation', () => {
    for (const versions of Object.values(PROFILE_VERSIONS))
      for (const p of versions)
        for (const key of [
          'delinquency',
          'notice',
          'disconnectWindow',
          'medical',
          'dispute',
          'hold',
          'arrangementHold',
          'arrangementTerms',
          'reconnection',
        ] as const) {
          expect(p[key].code).toMatch(/^[A-Z][A-Z0-9_]+$/);
          expect(p[key].cite.length).toBeGreaterThan(0);
        }
  });
});

describe('composeProfile', () => {
  it('MUNICIPAL is Millbrook: the PA parameters with its own reconnection charge', () => {
    const m = getProfile('MUNICIPAL', '2026-07-01');
    const pa = getProfile('PA', '2026-07-01');
    expect(m.basedOn).toBe('PA');
    expect(m.effectiveFrom).toBe('2026-07-01');
    expect(m.moratoria).toEqual(pa.moratoria);
    expect(m.disconnectWindow).toEqual(pa.disconnectWindow);
    expect(m.reconnectionFee).toMatchObject({ businessHoursCents: 5000n, afterHoursCents: 15000n });
    expect(m.citations).toContain('Millbrook Ordinance 2026-14, General provisions');
  });

  it('builds an ordinance from a preset code with overrides, keeping the base untouched', () => {
    const o = composeProfile(
      'PA',
      { weather: VA_WEATHER_ELECTRIC, timeZone: 'America/New_York' },
      { code: 'RIVERTON', name: 'Riverton electric' },
    );
    expect(o.code).toBe('RIVERTON');
    expect(o.weather).toBe(VA_WEATHER_ELECTRIC);
    expect(o.citations).toContain('Va. Code §56-247.1 (check)');
    expect(getProfile('PA', '2026-07-01').weather).toBeNull();
  });

  it('refuses parameters that cannot be evaluated', () => {
    expect(() => composeProfile('PA', { timeZone: 'Mars/Olympus' }, { code: 'X', name: 'x' })).toThrow(
      /unknown time zone/,
    );
    const pa = getProfile('PA', '2026-07-01');
    expect(() =>
      composeProfile(
        pa,
        { disconnectWindow: { ...pa.disconnectWindow, hours: { start: '16:00', end: '08:00' } } },
        { code: 'X', name: 'x' },
      ),
    ).toThrow(/empty window/);
  });
});
