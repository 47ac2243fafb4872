import { getProfile } from './profiles';
import { lateChargeWaiver } from './late-charge-waiver';

describe('CA water: interest waived once every 12 months below 200% FPL (H&S Code §116914(a)(2))', () => {
  const CW = getProfile('CA_WATER', '2026-12-01');
  const household = (incomePctFpl: number | null, incomeVerifiedOn: string | null = '2026-10-01') => ({
    incomePctFpl,
    incomeVerifiedOn,
  });

  it('waives for a verified household below 200% FPL with no waiver before, and cites the rule', () => {
    const d = lateChargeWaiver(CW, household(199.99), null, '2026-12-23')!;
    expect(d.waive).toBe(true);
    expect(d.reason).toMatchObject({
      code: 'CA_WATER_LATE_CHARGE_WAIVER',
      cite: 'Cal. Health & Safety Code §116914(a)(2)',
    });
  });

  it('not at 200% or above, nor on income that is unknown, unverified or verified too long ago', () => {
    expect(lateChargeWaiver(CW, household(200), null, '2026-12-23')!.waive).toBe(false);
    expect(lateChargeWaiver(CW, household(null, null), null, '2026-12-23')!.waive).toBe(false);
    expect(lateChargeWaiver(CW, household(120, null), null, '2026-12-23')!.waive).toBe(false);
    const stale = lateChargeWaiver(CW, household(120, '2025-11-01'), null, '2026-12-23')!;
    expect(stale.waive).toBe(false);
    expect(stale.reason.text).toMatch(/more than 365 days ago/);
  });

  it('once every 12 months: refused the day before the anniversary of the last waiver, granted on it', () => {
    const before = lateChargeWaiver(CW, household(120), '2026-01-23', '2027-01-22')!;
    expect(before.waive).toBe(false);
    expect(before.reason.text).toMatch(
      /already waived on 2026-01-23: once every 12 months, the next from 2027-01-23/,
    );
    expect(lateChargeWaiver(CW, household(120, '2026-12-01'), '2026-01-23', '2027-01-23')!.waive).toBe(true);
  });

  it('profiles without the rule have no waiver', () => {
    for (const code of ['PA', 'NY', 'IL', 'OH', 'TX_ELECTRIC', 'CA_ENERGY', 'MUNICIPAL'] as const)
      expect(lateChargeWaiver(getProfile(code, '2026-12-01'), household(50), null, '2026-12-23')).toBeNull();
  });
});
