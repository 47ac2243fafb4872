// Exact arithmetic for quantities and rates: integers in, BigInt ratios inside, no floats. Usage
// rates are kept as "so much usage over so many days" so an average never has to be rounded
// before it is compared or multiplied out.

/** An exact non-negative-denominator fraction. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * Average use as an exact fraction: `usage` (whole billing units: gallons, ft³, kWh) over `days`.
 * 197.1 gal/day may be given as { usage: 1971, days: 10 }. Both are integers; days > 0.
 */
export interface DailyRate {
  readonly usage: number;
  readonly days: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "0.25" → 1/4 exactly (as 25/100). Throws RangeError on anything but a plain decimal. */
export function parseDecimal(text: string): Ratio {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a decimal number`);
  const frac = m[3] ?? '';
  const num = BigInt((m[2] ?? '0') + frac) * (m[1] === '-' ? -1n : 1n);
  return { num, den: 10n ** BigInt(frac.length) };
}

/** "197.1" (usage per day) → { usage: 1971, days: 10 }. */
export function dailyRate(perDay: string): DailyRate {
  const r = parseDecimal(perDay);
  if (r.num < 0n) throw new RangeError(`A daily use cannot be negative: ${perDay}`);
  return checkRate({ usage: Number(r.num), days: Number(r.den) });
}

export function checkRate(rate: DailyRate): DailyRate {
  if (!Number.isSafeInteger(rate.usage) || rate.usage < 0)
    throw new RangeError(`Daily-rate usage must be a non-negative integer, got ${rate.usage}`);
  if (!Number.isSafeInteger(rate.days) || rate.days <= 0)
    throw new RangeError(`Daily-rate days must be a positive integer, got ${rate.days}`);
  return rate;
}

export const ratio = (num: bigint | number, den: bigint | number = 1n): Ratio => {
  const n = BigInt(num);
  const d = BigInt(den);
  if (d === 0n) throw new RangeError('Division by zero');
  return d < 0n ? { num: -n, den: -d } : { num: n, den: d };
};

export const rateRatio = (r: DailyRate): Ratio => ratio(r.usage, r.days);

export const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.num, a.den * b.den);

/** -1, 0 or 1 as a <, = or > b. */
export function compare(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Nearest integer, halves away from zero (half-up for the non-negative quantities used here). */
export function roundHalfUp(r: Ratio): bigint {
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  const q = (2n * n + r.den) / (2n * r.den);
  return neg ? -q : q;
}

/** Fixed-point text of an integer scaled down by 10^decimals: (344597n, 3) → "344.597". */
export function formatScaled(value: bigint, decimals: number): string {
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}

/** A ratio as decimal text rounded half-up to `decimals` places: 1971/10 at 1 → "197.1". */
export function formatRatio(r: Ratio, decimals = 1): string {
  const scaled = roundHalfUp(ratio(r.num * 10n ** BigInt(decimals), r.den));
  return formatScaled(scaled, decimals);
}
