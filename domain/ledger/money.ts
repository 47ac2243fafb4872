// Money is integer cents as bigint, everywhere in the ledger: no floats, no rounding surprises.
// Division happens in one place (divideHalfUp) and always rounds half away from zero.

/** n / d rounded half away from zero (d > 0). */
export function divideHalfUp(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const q = (2n * (n < 0n ? -n : n) + d) / (2n * d);
  return n < 0n ? -q : q;
}

export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** 123456n → '$1,234.56'; -500n → '-$5.00'. */
export function formatCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}$${dollars}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Parses a plain dollar amount with exactly two decimals ('56.96') into cents; null otherwise. */
export function parseDollars(text: string): bigint | null {
  const m = /^(\d{1,12})\.(\d{2})$/.exec(text);
  return m ? BigInt(m[1]!) * 100n + BigInt(m[2]!) : null;
}
