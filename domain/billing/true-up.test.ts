import { planTrueUp } from './true-up';

const actual = { from: '2026-10-02', to: '2027-01-02', units: 9000n };

test('no estimate in between: the whole actual period and use', () => {
  const p = planTrueUp(actual, [], 'GAL');
  expect(p).toMatchObject({ billableUnits: 9000n, from: '2026-10-02', credits: [] });
});

test('under-estimated: the remainder is billed from the end of the last estimate', () => {
  const p = planTrueUp(
    actual,
    [
      { from: '2026-11-02', to: '2026-12-02', units: 2500n },
      { from: '2026-10-02', to: '2026-11-02', units: 3000n },
    ],
    'GAL',
  );
  expect(p).toMatchObject({
    estimatedUnits: 5500n,
    billableUnits: 3500n,
    from: '2026-12-02',
    to: '2027-01-02',
  });
  expect(p.credits).toEqual([]);
  expect(p.note).toContain('less 5500 GAL billed as ESTIMATED');
});

test('over-estimated: nothing billed, the excess taken back latest period first', () => {
  const p = planTrueUp(
    { ...actual, units: 2000n },
    [
      { from: '2026-10-02', to: '2026-11-02', units: 3000n },
      { from: '2026-11-02', to: '2026-12-02', units: 2500n },
    ],
    'GAL',
  );
  expect(p.billableUnits).toBe(0n);
  // 3,500 too much: all 2,500 of December's estimate, then 1,000 of November's.
  expect(p.credits).toEqual([
    { from: '2026-10-02', to: '2026-11-02', billedUnits: 3000n, correctedUnits: 2000n },
    { from: '2026-11-02', to: '2026-12-02', billedUnits: 2500n, correctedUnits: 0n },
  ]);
});

test('an estimate outside the actual period is refused', () => {
  expect(() => planTrueUp(actual, [{ from: '2026-09-02', to: '2026-10-02', units: 1n }], 'GAL')).toThrow(
    RangeError,
  );
});
