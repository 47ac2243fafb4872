import { ageOn, isSeniorOn } from './age';

describe('age from a date of birth', () => {
  it('counts whole years, turning on the birthday', () => {
    expect(ageOn('1961-12-07', '2026-12-06')).toBe(64);
    expect(ageOn('1961-12-07', '2026-12-07')).toBe(65);
    expect(isSeniorOn('1961-12-07', '2026-12-06')).toBe(false);
    expect(isSeniorOn('1961-12-07', '2026-12-07')).toBe(true);
  });
  it('a 29 February birthday turns on 1 March in a common year', () => {
    expect(ageOn('1960-02-29', '2025-02-28')).toBe(64);
    expect(ageOn('1960-02-29', '2025-03-01')).toBe(65);
    expect(ageOn('1960-02-29', '2024-02-29')).toBe(64);
  });
});
