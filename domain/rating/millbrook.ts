// Millbrook Water & Light, Ordinance 2026-14 (demo-data/millbrook/TARIFF.md), as tariff data:
// every number below is the ordinance's. Service on and after 2026-07-01; the W-1 volume charges
// rise on 2027-01-01 ("everything else stays", so that version repeats the rest). The power cost
// adjustment is set monthly by the board; add months with withRiderRates(MILLBROOK_TARIFF, 'PCA', …).

import type { FixedCharge, Rider, ScheduleVersion, Tariff, TariffSchedule, VolumetricCharge } from './tariff';

const ORDINANCE = 'Ordinance 2026-14';
const EFFECTIVE = '2026-07-01';

const SUMMER = { code: 'SUMMER', name: 'Summer', from: '06-01', to: '09-30' } as const;

/** W-1 and W-2 item 1. */
const WATER_BASE: FixedCharge = {
  kind: 'FIXED',
  code: 'BASE',
  description: 'Base charge',
  byMeterSize: { '5/8"': '18.50', '1"': '31.00', '2"': '96.00' },
};

function w1Volume(first: string, next: string, over: string, overSummer: string): VolumetricCharge {
  return {
    kind: 'VOLUMETRIC',
    code: 'VOLUME',
    description: 'Volume charge',
    ratePer: '1000',
    blocks: [
      { upTo: '3000', rate: first },
      { upTo: '10000', rate: next },
      { upTo: null, rate: over, seasonalRates: { [SUMMER.code]: overSummer } },
    ],
  };
}

/** W-1 item 3: per 1,000 gallons of water use, residential use capped at 12,000 gallons. */
const RESIDENTIAL_SEWER: VolumetricCharge = {
  kind: 'VOLUMETRIC',
  code: 'SEWER',
  description: 'Sewer charge',
  ratePer: '1000',
  blocks: [{ upTo: null, rate: '6.20' }],
  cap: '12000',
};

const W1_2026: ScheduleVersion = {
  effectiveFrom: EFFECTIVE,
  reference: ORDINANCE,
  seasons: [SUMMER],
  components: [WATER_BASE, w1Volume('4.10', '5.25', '7.40', '8.90'), RESIDENTIAL_SEWER],
};

const W1_2027: ScheduleVersion = {
  effectiveFrom: '2027-01-01',
  reference: `${ORDINANCE}, rate change`,
  seasons: [SUMMER],
  components: [WATER_BASE, w1Volume('4.30', '5.50', '7.75', '9.30'), RESIDENTIAL_SEWER],
};

export const W1: TariffSchedule = {
  code: 'W-1',
  name: 'Residential water',
  service: 'WATER',
  unit: 'GAL',
  accountClasses: ['RES'],
  versions: [W1_2026, W1_2027],
};

export const W2: TariffSchedule = {
  code: 'W-2',
  name: 'Commercial water',
  service: 'WATER',
  unit: 'GAL',
  accountClasses: ['COM'],
  versions: [
    {
      effectiveFrom: EFFECTIVE,
      reference: ORDINANCE,
      components: [
        WATER_BASE,
        {
          kind: 'VOLUMETRIC',
          code: 'VOLUME',
          description: 'Volume charge',
          ratePer: '1000',
          blocks: [{ upTo: null, rate: '5.60' }],
        },
        {
          kind: 'VOLUMETRIC',
          code: 'SEWER',
          description: 'Sewer charge',
          ratePer: '1000',
          blocks: [{ upTo: null, rate: '6.20' }],
        },
      ],
    },
  ],
};

/** E-1 items 3–4 and E-2 items 3–4. */
const PCA_AND_TAX = [
  { kind: 'RIDER', code: 'PCA', rider: 'PCA' },
  {
    kind: 'TAX',
    code: 'TAX',
    description: 'Municipal utility tax',
    percent: '6',
    over: ['CUSTOMER', 'ENERGY', 'PCA'],
  },
] as const;

export const E1: TariffSchedule = {
  code: 'E-1',
  name: 'Residential electric',
  service: 'ELECTRIC',
  unit: 'KWH',
  accountClasses: ['RES'],
  versions: [
    {
      effectiveFrom: EFFECTIVE,
      reference: ORDINANCE,
      components: [
        { kind: 'FIXED', code: 'CUSTOMER', description: 'Customer charge', amount: '12.00' },
        {
          kind: 'VOLUMETRIC',
          code: 'ENERGY',
          description: 'Energy charge',
          ratePer: '1',
          blocks: [
            { upTo: '1000', rate: '0.1125' },
            { upTo: null, rate: '0.1310' },
          ],
        },
        ...PCA_AND_TAX,
      ],
    },
  ],
};

export const E2: TariffSchedule = {
  code: 'E-2',
  name: 'Commercial electric',
  service: 'ELECTRIC',
  unit: 'KWH',
  accountClasses: ['COM'],
  versions: [
    {
      effectiveFrom: EFFECTIVE,
      reference: ORDINANCE,
      components: [
        { kind: 'FIXED', code: 'CUSTOMER', description: 'Customer charge', amount: '25.00' },
        {
          kind: 'VOLUMETRIC',
          code: 'ENERGY',
          description: 'Energy charge',
          ratePer: '1',
          blocks: [{ upTo: null, rate: '0.1190' }],
        },
        ...PCA_AND_TAX,
      ],
    },
  ],
};

/** E-1/E-2 item 3, set monthly by the utility board, charged on all kWh of the billing month. */
export const PCA: Rider = {
  code: 'PCA',
  name: 'Power cost adjustment',
  unit: 'KWH',
  ratePer: '1',
  basis: 'BILLING_MONTH',
  ratesByMonth: { '2026-11': '0.0123' },
};

export const MILLBROOK_TARIFF: Tariff = {
  utility: 'Millbrook Water & Light',
  schedules: [W1, W2, E1, E2],
  riders: [PCA],
  // Sewer is part of the water schedules (W-1 item 3, W-2 item 2), as the ordinance numbers it.
  applicability: [
    { accountClass: 'RES', service: 'WATER', schedules: ['W-1'] },
    { accountClass: 'COM', service: 'WATER', schedules: ['W-2'] },
    { accountClass: 'RES', service: 'ELECTRIC', schedules: ['E-1'] },
    { accountClass: 'COM', service: 'ELECTRIC', schedules: ['E-2'] },
  ],
};
