import { incomeChangeQualifies } from './income';

test('a change in income is a decrease of 10% at or below 200% of the poverty level, 20% above (66 Pa.C.S. §1403)', () => {
  // At or below 200% after the change: 10% is enough.
  expect(incomeChangeQualifies(200, 180)).toBe(true);
  expect(incomeChangeQualifies(200, 180.01)).toBe(false);
  expect(incomeChangeQualifies(240, 140)).toBe(true);
  // Above 200%: 20%.
  expect(incomeChangeQualifies(300, 240)).toBe(true);
  expect(incomeChangeQualifies(300, 250)).toBe(false);
  // A rise, no change, or no earlier figure is not a change in income.
  expect(incomeChangeQualifies(150, 180)).toBe(false);
  expect(incomeChangeQualifies(150, 150)).toBe(false);
  expect(incomeChangeQualifies(null, 100)).toBe(false);
});
