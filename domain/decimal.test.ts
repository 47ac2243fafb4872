import fc from 'fast-check';
import { Decimal, centsToDollars, dec, formatCents, roundHalfUpToCents } from './decimal';

describe('parse and format', () => {
  test.each([
    ['0.1125', '0.1125'],
    ['7.48052', '7.48052'],
    ['4.10', '4.1'],
    ['18.50', '18.5'],
    ['+12', '12'],
    ['007.500', '7.5'],
    ['-0.005', '-0.005'],
    ['-0', '0'],
    ['0.000', '0'],
    ['123456789012345678901234567.895', '123456789012345678901234567.895'],
  ])('%s reads back as %s', (text, shown) => {
    expect(dec(text).toString()).toBe(shown);
  });

  test.each(['', ' 1', '1 ', '.5', '1.', '1e3', '1,000', '--1', 'abc', '0x10', 'NaN', 'Infinity'])(
    "'%s' is refused",
    (text) => {
      expect(() => Decimal.parse(text)).toThrow(SyntaxError);
      expect(Decimal.isDecimalText(text)).toBe(false);
    },
  );

  test('numbers convert only when they are safe integers', () => {
    expect(dec(3).toString()).toBe('3');
    expect(dec(10n ** 30n).toString()).toBe('1' + '0'.repeat(30));
    expect(() => dec(0.1)).toThrow(RangeError);
    expect(() => dec(2 ** 53)).toThrow(RangeError);
  });

  test('a value with no finite decimal expansion shows as a fraction, and toFixed rounds it', () => {
    const third = dec(1).div(dec(3));
    expect(third.toString()).toBe('1/3');
    expect(third.decimalPlaces()).toBeNull();
    expect(third.toFixed(4)).toBe('0.3333');
    expect(dec(2).div(dec(3)).toFixed(2)).toBe('0.67');
    expect(dec(-2).div(dec(3)).toFixed(2)).toBe('-0.67');
  });

  test.each([
    ['2.675', 2, '2.68'], // 2.675 is 2.67499999… as a float; here it is exact
    ['-2.675', 2, '-2.68'],
    ['1.5', 0, '2'],
    ['-1.5', 0, '-2'],
    ['-0.001', 2, '0.00'], // no negative zero
    ['0.0049999', 2, '0.00'],
    ['12', 3, '12.000'],
  ])('%s to %i places is %s', (text, places, fixed) => {
    expect(dec(text).toFixed(places)).toBe(fixed);
  });

  test('decimal places of the exact value', () => {
    expect(dec('7.48052').decimalPlaces()).toBe(5);
    expect(dec('4.10').decimalPlaces()).toBe(1);
    expect(dec(1).div(dec(8)).decimalPlaces()).toBe(3);
    expect(dec('1000').decimalPlaces()).toBe(0);
  });

  test('serialises as its decimal string', () => {
    expect(JSON.stringify({ rate: dec('1.50') })).toBe('{"rate":"1.5"}');
  });
});

describe('arithmetic is exact', () => {
  test('0.1 + 0.2 is 0.3', () => {
    expect(dec('0.1').add(dec('0.2')).eq(dec('0.3'))).toBe(true);
  });

  test('1,000 cubic feet is 7,480.52 gallons', () => {
    expect(dec('7.48052').mul(dec(1000)).toString()).toBe('7480.52');
  });

  test('a prorated charge stays a fraction until it is rounded: 18.50 × 17 ÷ 30 = 629/60', () => {
    const x = dec('18.50').mul(dec(17)).div(dec(30));
    expect(x.toString()).toBe('629/60');
    expect(roundHalfUpToCents(x)).toBe(1048n); // 10.48333…
    expect(x.mul(dec(30)).div(dec(17)).eq(dec('18.5'))).toBe(true);
  });

  test('sub, neg, abs, sign, compare', () => {
    expect(dec('5.25').sub(dec('7.40')).toString()).toBe('-2.15');
    expect(dec('-3').neg().toString()).toBe('3');
    expect(dec('-3.5').abs().toString()).toBe('3.5');
    expect([dec('-1').sign(), dec('0').sign(), dec('2').sign()]).toEqual([-1, 0, 1]);
    expect(dec('4.10').cmp(dec('4.1'))).toBe(0);
    expect(dec('4.09').lt(dec('4.1'))).toBe(true);
    expect(dec('-0.01').gt(dec('-0.02'))).toBe(true);
    expect(Decimal.min(dec('3'), dec('2.5')).toString()).toBe('2.5');
    expect(Decimal.max(dec('3'), dec('2.5')).toString()).toBe('3');
  });

  test('division by zero is refused', () => {
    expect(() => dec(1).div(Decimal.ZERO)).toThrow(RangeError);
    expect(() => Decimal.fraction(1n, 0n)).toThrow(RangeError);
  });

  test('large values keep every digit', () => {
    const big = dec('98765432109876543210.123456789');
    expect(big.mul(dec('1000000000')).toString()).toBe('98765432109876543210123456789');
    expect(big.add(dec('0.876543211')).toString()).toBe('98765432109876543211');
  });

  const decimalText = fc
    .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
    .map(([n, places]) => Decimal.fraction(n, 10n ** BigInt(places)));

  test('properties: add and sub are inverse, mul and div are inverse, toString parses back', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        expect(a.add(b).sub(b).eq(a)).toBe(true);
        if (!b.isZero()) expect(a.mul(b).div(b).eq(a)).toBe(true);
        expect(dec(a.toString()).eq(a)).toBe(true);
        expect(a.add(b).eq(b.add(a))).toBe(true);
      }),
    );
  });
});

describe('roundHalfUpToCents: half away from zero', () => {
  test.each([
    ['0.005', 1n],
    ['0.0049999', 0n],
    ['-0.005', -1n],
    ['-0.0049999', 0n],
    ['0.015', 2n],
    ['2.675', 268n],
    ['-2.675', -268n],
    ['23.625', 2363n], // 4,500 gal × $5.25 / 1,000
    ['17.835', 1784n], // 1,450 kWh × $0.0123
    ['9.676', 968n],
    ['14.632', 1463n],
    ['1.004999', 100n],
    ['0', 0n],
    ['123456789012345678901234567.895', 12345678901234567890123456790n],
    ['-123456789012345678901234567.894', -12345678901234567890123456789n],
  ])('%s dollars → %s cents', (text, cents) => {
    expect(roundHalfUpToCents(dec(text))).toBe(cents);
  });

  test('fractions: 1/3 → 33, 2/3 → 67, -2/3 → -67, 1/200 → 1', () => {
    expect(roundHalfUpToCents(dec(1).div(dec(3)))).toBe(33n);
    expect(roundHalfUpToCents(dec(2).div(dec(3)))).toBe(67n);
    expect(roundHalfUpToCents(dec(-2).div(dec(3)))).toBe(-67n);
    expect(roundHalfUpToCents(dec(1).div(dec(200)))).toBe(1n);
  });

  test('property: k cents and t thousandths of a cent round to k, or k + 1 from half a cent; sign is symmetric', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 999 }), (k, t) => {
        const x = Decimal.fraction(k * 1000n + BigInt(t), 100_000n);
        const expected = t >= 500 ? k + 1n : k;
        expect(roundHalfUpToCents(x)).toBe(expected);
        expect(roundHalfUpToCents(x.neg())).toBe(-expected);
      }),
    );
  });
});

describe('cents', () => {
  test.each([
    [1234n, '12.34'],
    [-1, '-0.01'],
    [5, '0.05'],
    [0, '0.00'],
    [-100, '-1.00'],
    [10n ** 20n, '1000000000000000000.00'],
  ])('%s cents is $%s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
    expect(centsToDollars(cents).eq(dec(text))).toBe(true);
  });
});
