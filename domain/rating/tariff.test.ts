import { E1, E2, MILLBROOK_TARIFF, PCA, W1, W2 } from './millbrook';
import {
  findSchedule,
  schedulesFor,
  scheduleProblems,
  tariffProblems,
  withRiderRates,
  type ScheduleVersion,
  type TariffSchedule,
} from './tariff';

test('the Millbrook tariff is valid data', () => {
  expect(tariffProblems(MILLBROOK_TARIFF)).toEqual([]);
});

test('a tariff is plain JSON: it survives a round trip through JSON unchanged', () => {
  expect(JSON.parse(JSON.stringify(MILLBROOK_TARIFF))).toEqual(MILLBROOK_TARIFF);
});

test.each([
  ['RES', 'WATER', ['W-1']],
  ['COM', 'WATER', ['W-2']],
  ['RES', 'ELECTRIC', ['E-1']],
  ['COM', 'ELECTRIC', ['E-2']],
] as const)('%s + %s → %j', (accountClass, service, codes) => {
  expect(schedulesFor(MILLBROOK_TARIFF, accountClass, service).map((s) => s.code)).toEqual(codes);
});

test('a class and service with no schedule is an error, not an empty list', () => {
  expect(() => schedulesFor(MILLBROOK_TARIFF, 'RES', 'GAS')).toThrow('no rate schedule for RES GAS service');
  expect(() => findSchedule(MILLBROOK_TARIFF, 'W-9')).toThrow('no rate schedule W-9');
});

test('the W-1 rate change is a second version: new volume rates, everything else the same', () => {
  expect(W1.versions.map((v) => v.effectiveFrom)).toEqual(['2026-07-01', '2027-01-01']);
  const [v2026, v2027] = W1.versions as [ScheduleVersion, ScheduleVersion];
  const volume = (v: ScheduleVersion) => v.components.find((c) => c.code === 'VOLUME');
  expect(volume(v2027)).toMatchObject({
    blocks: [
      { upTo: '3000', rate: '4.30' },
      { upTo: '10000', rate: '5.50' },
      { upTo: null, rate: '7.75', seasonalRates: { SUMMER: '9.30' } },
    ],
  });
  expect(v2027.components.filter((c) => c.code !== 'VOLUME')).toEqual(
    v2026.components.filter((c) => c.code !== 'VOLUME'),
  );
  expect(v2027.seasons).toEqual(v2026.seasons);
  for (const s of [W2, E1, E2]) expect(s.versions.map((v) => v.effectiveFrom)).toEqual(['2026-07-01']);
});

test('withRiderRates adds months without touching the original', () => {
  const t = withRiderRates(MILLBROOK_TARIFF, 'PCA', { '2026-12': '0.0131' });
  expect(t.riders.find((r) => r.code === 'PCA')?.ratesByMonth).toEqual({
    '2026-11': '0.0123',
    '2026-12': '0.0131',
  });
  expect(PCA.ratesByMonth).toEqual({ '2026-11': '0.0123' });
  expect(tariffProblems(t)).toEqual([]);
  expect(() => withRiderRates(MILLBROOK_TARIFF, 'XYZ', {})).toThrow('no rider XYZ');
});

function withVersion(edit: (v: ScheduleVersion) => ScheduleVersion): TariffSchedule {
  return { ...W1, versions: [edit(W1.versions[0] as ScheduleVersion)] };
}

test.each<[string, TariffSchedule, string]>([
  [
    'blocks out of order',
    withVersion((v) => ({
      ...v,
      components: [
        {
          kind: 'VOLUMETRIC',
          code: 'VOLUME',
          description: 'Volume',
          ratePer: '1000',
          blocks: [
            { upTo: '5000', rate: '1' },
            { upTo: '3000', rate: '2' },
            { upTo: null, rate: '3' },
          ],
        },
      ],
    })),
    'block limits must increase, 3000 does not',
  ],
  [
    'a last block with a limit',
    withVersion((v) => ({
      ...v,
      components: [
        {
          kind: 'VOLUMETRIC',
          code: 'VOLUME',
          description: 'Volume',
          ratePer: '1000',
          blocks: [{ upTo: '5000', rate: '1' }],
        },
      ],
    })),
    'the last block must be unlimited',
  ],
  [
    'a season that is not defined',
    withVersion((v) => ({ ...v, seasons: [] })),
    'season SUMMER is not defined',
  ],
  [
    'a tax over a later component',
    withVersion((v) => ({
      ...v,
      components: [
        { kind: 'TAX', code: 'TAX', description: 'Tax', percent: '6', over: ['BASE'] },
        ...v.components,
      ],
    })),
    'BASE is not an earlier component',
  ],
  [
    'a rate that is not a decimal',
    withVersion((v) => ({
      ...v,
      components: [{ kind: 'FIXED', code: 'BASE', description: 'Base', amount: '18,50' }],
    })),
    'bad amount 18,50',
  ],
  [
    'two versions on one date',
    { ...W1, versions: [W1.versions[0] as ScheduleVersion, W1.versions[0] as ScheduleVersion] },
    'two versions take effect on the same date',
  ],
  ['a rider that is not defined', { ...E1 }, 'rider PCA is not defined'],
])('validation catches %s', (_name, schedule, problem) => {
  expect(scheduleProblems(schedule).join('\n')).toContain(problem);
});
