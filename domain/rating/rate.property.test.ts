// Properties over random periods and use: the bill adds up, every line can be redone from its own
// strings (to the shown quantity's last place), and splitting a period (rate change, season, rider
// months) never loses or invents use.

import fc from 'fast-check';
import { Decimal, dec } from '../decimal';
import { dayNumber, isoDate } from './calendar';
import { E1, PCA, W1 } from './millbrook';
import { meterUsage, rateService, splitByDays, type BillLine, type RatingResult } from './rate';
import type { Rider } from './tariff';

const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.add(b), Decimal.ZERO);
/** Half the last place of a shown quantity: a line shows an inexact share rounded to 6 places. */
const HALF_PLACE = dec('0.0000005');
/** |a − b| ≤ tolerance. */
const near = (a: Decimal, b: Decimal, tolerance: Decimal) => a.sub(b).abs().lte(tolerance);
const quantities = (r: RatingResult, code: string) =>
  r.lines.filter((l) => l.componentCode === code).map((l) => dec(l.quantity));

/** A service period of 1–45 days starting between 2026-07-01 and 2027-12-31, in a period 0–10 days longer. */
const period = fc
  .record({
    start: fc.integer({ min: dayNumber('2026-07-01'), max: dayNumber('2027-12-31') }),
    days: fc.integer({ min: 1, max: 45 }),
    extra: fc.integer({ min: 0, max: 10 }),
  })
  .map(({ start, days, extra }) => ({
    from: isoDate(start),
    to: isoDate(start + days),
    days,
    billingPeriodDays: days + extra,
  }));

/** Whole gallons, gallons to 0.001, or a cubic-foot register (5 decimal places). */
const gallons = fc.oneof(
  fc.integer({ min: 0, max: 60_000 }).map((g) => dec(g)),
  fc.integer({ min: 0, max: 60_000_000 }).map((m) => Decimal.fraction(BigInt(m), 1000n)),
  fc
    .integer({ min: 0, max: 8_000 })
    .map((ft3) => meterUsage({ registerDelta: BigInt(ft3), multiplier: 1, readUnit: 'CUBIC_FEET' })),
);

function checkLines(lines: readonly BillLine[]): void {
  for (const l of lines) {
    // The amount is the exact quantity's, rounded to the cent: redone from the shown quantity it is
    // the same within half a cent plus the quantity's own rounding.
    const perUnit = dec(l.rate).div(dec(l.ratePer));
    const fromShown = dec(l.quantity).mul(perUnit);
    expect(
      near(
        Decimal.fraction(BigInt(l.amountCents), 100n),
        fromShown,
        dec('0.005').add(HALF_PLACE.mul(perUnit)),
      ),
    ).toBe(true);
    expect(dec(l.quantity).sign()).toBeGreaterThanOrEqual(0);
    expect(l.periodFrom < l.periodTo).toBe(true);
    expect(l.tariffVersion <= l.periodFrom).toBe(true);
  }
}

test('W-1: the bill adds up and the use is all billed, across versions, seasons and partial periods', () => {
  fc.assert(
    fc.property(period, gallons, fc.constantFrom('5/8"', '1"', '2"'), (p, usage, meterSize) => {
      const r = rateService({
        schedule: W1,
        accountClass: 'RES',
        period: { from: p.from, to: p.to },
        billingPeriodDays: p.billingPeriodDays,
        meterSize,
        usage,
      });
      checkLines(r.lines);
      expect(r.totalCents).toBe(r.lines.reduce((s, l) => s + l.amountCents, 0));
      // Every gallon is in exactly one volume line: sum of split quantities = usage (to the shown
      // quantities' rounding).
      const volume = quantities(r, 'VOLUME');
      expect(near(sum(volume), usage, HALF_PLACE.mul(dec(volume.length)))).toBe(true);
      // Sewer never bills more than the use, nor more than the cap for the days (12,000 × d ÷ P).
      const sewerLines = quantities(r, 'SEWER');
      const sewer = sum(sewerLines);
      const rounding = HALF_PLACE.mul(dec(sewerLines.length));
      const cap = dec(12_000).mul(Decimal.fraction(BigInt(p.days), BigInt(p.billingPeriodDays)));
      expect(sewer.lte(usage.add(rounding))).toBe(true);
      expect(sewer.lte(cap.add(rounding))).toBe(true);
      // The base charge lines cover the service period exactly, part after part.
      const base = r.lines.filter((l) => l.componentCode === 'BASE');
      expect(base[0]?.periodFrom).toBe(p.from);
      expect(base.at(-1)?.periodTo).toBe(p.to);
      base.slice(1).forEach((l, i) => expect(l.periodFrom).toBe(base[i]?.periodTo));
      // Lines under the 2027 rates are exactly those on or after 2027-01-01.
      for (const l of r.lines) {
        expect(l.tariffVersion).toBe(l.periodFrom >= '2027-01-01' ? '2027-01-01' : '2026-07-01');
      }
    }),
    { numRuns: 150 },
  );
});

test('E-1 with a rider on calendar days: every kWh gets exactly one month’s rate', () => {
  const months: Record<string, string> = {};
  for (let m = 0; m < 24; m++) {
    const ym = `${2026 + Math.floor((m + 6) / 12)}-${String(((m + 6) % 12) + 1).padStart(2, '0')}`;
    months[ym] = `0.0${100 + m}`;
  }
  const rider: Rider = { ...PCA, basis: 'CALENDAR_DAYS', ratesByMonth: months };
  fc.assert(
    fc.property(period, fc.integer({ min: 0, max: 5_000 }), (p, kwh) => {
      const r = rateService({
        schedule: E1,
        riders: [rider],
        accountClass: 'RES',
        period: { from: p.from, to: p.to },
        billingPeriodDays: p.billingPeriodDays,
        usage: String(kwh),
      });
      checkLines(r.lines);
      for (const code of ['PCA', 'ENERGY']) {
        const qs = quantities(r, code);
        expect(near(sum(qs), dec(kwh), HALF_PLACE.mul(dec(qs.length)))).toBe(true);
      }
      for (const l of r.lines.filter((x) => x.componentCode === 'PCA')) {
        expect(l.rate).toBe(months[l.periodFrom.slice(0, 7)]);
      }
    }),
    { numRuns: 100 },
  );
});

test('splitByDays: exact parts, never negative, that add up to the total', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.integer({ min: 0, max: 5 }),
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }),
      (units, places, days) => {
        fc.pre(days.some((d) => d > 0));
        const total = Decimal.fraction(units, 10n ** BigInt(places));
        const parts = splitByDays(total, days);
        expect(parts).toHaveLength(days.length);
        expect(sum(parts).eq(total)).toBe(true);
        const all = days.reduce((a, b) => a + b, 0);
        parts.forEach((part, i) =>
          expect(part.eq(total.mul(Decimal.fraction(BigInt(days[i]!), BigInt(all))))).toBe(true),
        );
        parts.forEach((part, i) => {
          expect(part.sign()).toBeGreaterThanOrEqual(0);
          if (days[i] === 0) expect(part.isZero()).toBe(true);
        });
      },
    ),
  );
});
