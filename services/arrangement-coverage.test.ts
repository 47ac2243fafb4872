import { lateChargeBase } from './arrangement-coverage';

test('the late-charge base leaves out what a current arrangement covers, never below zero', () => {
  expect(lateChargeBase(10_000n, undefined)).toBe(10_000n);
  expect(lateChargeBase(10_000n, 8_000n)).toBe(2_000n);
  expect(lateChargeBase(10_000n, 12_000n)).toBe(0n);
});
