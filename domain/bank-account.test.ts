import { abaChecksumHolds, accountNumberProblem, lastFour, routingNumberProblem } from './bank-account';

// Published routing numbers of real institutions (their check digits are right by construction).
test.each([
  ['011000015', 'Federal Reserve Bank of Boston'],
  ['021000021', 'JPMorgan Chase, New York'],
  ['043000096', 'PNC Bank, Pittsburgh'],
  ['031000503', 'Wells Fargo, Philadelphia'],
  ['121000358', 'Bank of America, California'],
  ['322271627', 'Chase, California (a thrift prefix)'],
  ['000000000', 'all zeros checks out arithmetically, and 00 is the US government prefix'],
])('%s (%s) is a valid routing number', (routing) => {
  expect(abaChecksumHolds(routing)).toBe(true);
  expect(routingNumberProblem(routing)).toBeNull();
});

test('one mistyped digit, anywhere, fails the check digit', () => {
  const good = '021000021';
  for (let i = 0; i < 9; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) === good[i]) continue;
      const typo = good.slice(0, i) + String(d) + good.slice(i + 1);
      // Weights 3, 7 and 1 are all prime to 10, so any single-digit change moves the sum off 0 mod 10.
      expect({ typo, holds: abaChecksumHolds(typo) }).toEqual({ typo, holds: false });
    }
  }
});

test('two swapped neighbouring digits are caught', () => {
  expect(routingNumberProblem('201000021')).toMatch(/check digit|Federal Reserve/);
  expect(routingNumberProblem('043000069')).toMatch(/check digit/);
});

test.each([
  ['', 'must be exactly 9 digits'],
  ['02100002', 'must be exactly 9 digits'],
  ['0210000210', 'must be exactly 9 digits'],
  ['02100002a', 'must be exactly 9 digits'],
  ['021 00021', 'must be exactly 9 digits'],
  ['021000022', 'fails the ABA check digit'],
  ['123456789', 'fails the ABA check digit'],
  ['400000008', 'first two digits'],
  ['990000009', 'first two digits'],
])('routing %j is refused: %s', (routing, why) => {
  expect(routingNumberProblem(routing)).toContain(why);
});

test('a right check digit does not make an unknown district valid', () => {
  expect(abaChecksumHolds('400000008')).toBe(true);
  expect(routingNumberProblem('400000008')).toMatch(/first two digits/);
});

test('a refusal never repeats the number it refuses', () => {
  for (const n of ['021000022', '990000009', '12345678901234567890', '00000000'])
    expect(`${routingNumberProblem(n)} ${accountNumberProblem(n)}`).not.toContain(n);
});

test.each([
  ['1234', null],
  ['12345678901234567', null],
  ['000123456789', null],
  ['123', 'must be 4 to 17 digits'],
  ['123456789012345678', 'must be 4 to 17 digits'],
  ['0000', 'must not be all zeros'],
  ['1234-5678', 'must hold digits only'],
  ['12 34', 'must hold digits only'],
  ['', 'must hold digits only'],
])('account number %j → %s', (n, why) => {
  expect(accountNumberProblem(n)).toBe(why);
});

test('the last four digits are what may be shown', () => {
  expect(lastFour('000123456789')).toBe('6789');
  expect(lastFour('1234')).toBe('1234');
});
