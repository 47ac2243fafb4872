import { FailureCounter } from './rate-limit';

test('blocks a key after max failures in a window, and lets it go when the window ends', () => {
  let now = 0;
  const c = new FailureCounter({ max: 3, windowMs: 60_000 }, () => now);
  expect(c.blocked('ip')).toBe(false);
  c.fail('ip');
  c.fail('ip');
  expect(c.blocked('ip')).toBe(false);
  expect(c.fail('ip')).toBe(3);
  expect(c.blocked('ip')).toBe(true);
  expect(c.blocked('other')).toBe(false);
  now = 30_000;
  expect(c.retryAfterSeconds('ip')).toBe(30);
  now = 60_000;
  expect(c.blocked('ip')).toBe(false);
  expect(c.fail('ip')).toBe(1);
});
