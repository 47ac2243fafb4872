// Exact decimal arithmetic for money and quantities, on BigInt rationals. A Decimal is a reduced
// fraction num/den (den > 0), so add, subtract, multiply and divide are all exact: 18.50 × 17 ÷ 30
// stays 629/60 until the one place the rules say to round. Rounding is always explicit (roundHalfUp,
// toFixed, roundHalfUpToCents) and always half away from zero, negative amounts included.
//
// Values are immutable. toJSON() gives the decimal string, so a Decimal inside a result serialises
// as text; parse it back with Decimal.parse.

const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;

function abs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** floor(|n| / d + 1/2) with the sign of n: integer rounding half away from zero (d > 0). */
function roundQuotientHalfUp(n: bigint, d: bigint): bigint {
  const q = (2n * abs(n) + d) / (2n * d);
  return n < 0n ? -q : q;
}

function pow10(places: number): bigint {
  return 10n ** BigInt(places);
}

function checkPlaces(places: number): void {
  if (!Number.isSafeInteger(places) || places < 0) {
    throw new RangeError(`Decimal places must be a non-negative integer, not ${places}`);
  }
}

/** The digits of |scaled| with a point `places` from the right, and a minus sign when negative. */
function placeDecimalPoint(scaled: bigint, places: number): string {
  const digits = abs(scaled)
    .toString()
    .padStart(places + 1, '0');
  const sign = scaled < 0n ? '-' : '';
  if (places === 0) return sign + digits;
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

export class Decimal {
  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  static readonly ZERO = new Decimal(0n, 1n);
  static readonly ONE = new Decimal(1n, 1n);

  /** num ÷ den, reduced. */
  static fraction(num: bigint, den: bigint): Decimal {
    if (den === 0n) throw new RangeError('Division by zero');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den);
    return g > 1n ? new Decimal(num / g, den / g) : new Decimal(num, den);
  }

  /** Parses '7.48052', '-0.005', '+12', '4.10'. No exponents, no thousands separators, no spaces. */
  static parse(text: string): Decimal {
    const m = DECIMAL_TEXT.exec(text);
    if (!m) throw new SyntaxError(`Not a decimal number: '${text}'`);
    const fraction = m[3] ?? '';
    const digits = BigInt((m[2] ?? '') + fraction);
    return Decimal.fraction(m[1] === '-' ? -digits : digits, pow10(fraction.length));
  }

  /** Whether `text` is a decimal Decimal.parse accepts. */
  static isDecimalText(text: string): boolean {
    return DECIMAL_TEXT.test(text);
  }

  /** A Decimal from a decimal string, a bigint, or a safe integer number (never a fractional float). */
  static from(value: Decimal | string | bigint | number): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === 'string') return Decimal.parse(value);
    if (typeof value === 'bigint') return new Decimal(value, 1n);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Only safe integers convert from number; pass '${value}' as a string`);
    }
    return new Decimal(BigInt(value), 1n);
  }

  static min(a: Decimal, b: Decimal): Decimal {
    return a.lte(b) ? a : b;
  }

  static max(a: Decimal, b: Decimal): Decimal {
    return a.gte(b) ? a : b;
  }

  add(o: Decimal): Decimal {
    return Decimal.fraction(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(o: Decimal): Decimal {
    return Decimal.fraction(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  mul(o: Decimal): Decimal {
    return Decimal.fraction(this.num * o.num, this.den * o.den);
  }

  div(o: Decimal): Decimal {
    if (o.num === 0n) throw new RangeError('Division by zero');
    return Decimal.fraction(this.num * o.den, this.den * o.num);
  }

  neg(): Decimal {
    return new Decimal(-this.num, this.den);
  }

  abs(): Decimal {
    return this.num < 0n ? this.neg() : this;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `o`. */
  cmp(o: Decimal): -1 | 0 | 1 {
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  eq(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }
  lt(o: Decimal): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: Decimal): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Decimal): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: Decimal): boolean {
    return this.cmp(o) >= 0;
  }

  sign(): -1 | 0 | 1 {
    return this.num < 0n ? -1 : this.num > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  isInteger(): boolean {
    return this.den === 1n;
  }

  /**
   * How many decimal places the exact value needs ('7.48052' → 5, '12' → 0), or null when it has no
   * finite decimal expansion (1/3).
   */
  decimalPlaces(): number | null {
    let d = this.den;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
      d /= 2n;
      twos++;
    }
    while (d % 5n === 0n) {
      d /= 5n;
      fives++;
    }
    return d === 1n ? Math.max(twos, fives) : null;
  }

  /** Rounded half away from zero to `places` decimal places. */
  roundHalfUp(places: number): Decimal {
    checkPlaces(places);
    return Decimal.fraction(roundQuotientHalfUp(this.num * pow10(places), this.den), pow10(places));
  }

  /** Exactly `places` decimal places, rounded half away from zero ('0.005' → '0.01'; no '-0.00'). */
  toFixed(places: number): string {
    checkPlaces(places);
    return placeDecimalPoint(roundQuotientHalfUp(this.num * pow10(places), this.den), places);
  }

  /**
   * The exact value in shortest decimal form ('4.1', '7480.52', '-0.005'). A value with no finite
   * decimal expansion is written as its fraction ('1/3'); use toFixed to show it as a decimal.
   */
  toString(): string {
    const places = this.decimalPlaces();
    if (places === null) return `${this.num}/${this.den}`;
    return placeDecimalPoint((this.num * pow10(places)) / this.den, places);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Shorthand for Decimal.parse / Decimal.from. */
export function dec(value: Decimal | string | bigint | number): Decimal {
  return Decimal.from(value);
}

/** Dollars to integer cents, half away from zero: 0.005 → 1, 0.0049999 → 0, -0.005 → -1. */
export function roundHalfUpToCents(x: Decimal): bigint {
  return roundQuotientHalfUp(x.num * 100n, x.den);
}

/** Integer cents as dollars with two decimals: 1234n → '12.34', -1 → '-0.01'. */
export function formatCents(cents: bigint | number): string {
  const c = typeof cents === 'bigint' ? cents : BigInt(Decimal.from(cents).num);
  return placeDecimalPoint(c, 2);
}

/** Integer cents as an exact Decimal number of dollars. */
export function centsToDollars(cents: bigint | number): Decimal {
  return Decimal.fraction(typeof cents === 'bigint' ? cents : Decimal.from(cents).num, 100n);
}
