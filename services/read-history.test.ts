import type { MeterMaster } from '../domain/reads/validate';
import { classAverages } from './read-history';

// Three residential water meters over 10 days: 100, 200 and 900 gallons a day (the last one an
// anomaly validation would flag, left in to show the difference).
const master = (meterId: string): MeterMaster => ({
  meterId,
  accountId: `A-${meterId}`,
  cycle: '1',
  service: 'WATER',
  readUnit: 'GAL',
  dials: 6,
  multiplier: 1,
  active: true,
  usageClass: 'RES-WATER-GAL',
});
const masters = ['W1', 'W2', 'W3'].map(master);
const previous = Object.fromEntries(
  masters.map((m) => [m.meterId, { read: 1_000, readTime: '2026-11-01T06:00:00' }]),
);
const at = new Date('2026-11-11T06:00:00Z');
const rows = [
  { meterId: 'W1', value: 2_000n, readAt: at },
  { meterId: 'W2', value: 3_000n, readAt: at },
  { meterId: 'W3', value: 10_000n, readAt: at },
];

test('validation judges against the class median; an estimate uses the class average', () => {
  expect(classAverages(masters, rows, previous)).toEqual({ 'RES-WATER-GAL': { usage: 200_000, days: 1000 } });
  expect(classAverages(masters, rows, previous, 'mean')).toEqual({
    'RES-WATER-GAL': { usage: 400_000, days: 1000 },
  });
});

test('no advance, a backwards register or a read the same day is left out', () => {
  const odd = [
    { meterId: 'W1', value: 1_000n, readAt: at },
    { meterId: 'W2', value: 900n, readAt: at },
    { meterId: 'W3', value: 1_500n, readAt: new Date('2026-11-01T12:00:00Z') },
  ];
  expect(classAverages(masters, odd, previous, 'mean')).toEqual({});
});
