// Millbrook Water & Light, a Pennsylvania municipal water and electric utility. Municipal
// utilities sit largely outside the PUC's Chapter 56, so Millbrook's ordinance adopts the
// Pennsylvania parameters as its own and adds its tariff's reconnection charge.
import type { PolicyProfile } from '../types';
import { composeFrom } from './compose';
import { PA_V1 } from './pa';

export const MILLBROOK_ORDINANCE = 'Millbrook Ordinance 2026-14, General provisions';

export const MUNICIPAL_V1: PolicyProfile = composeFrom(
  PA_V1,
  {
    timeZone: 'America/New_York',
    services: ['WATER', 'SEWER', 'ELECTRIC'],
    reconnectionFee: {
      code: 'MILLBROOK_RECONNECTION_CHARGE',
      cite: MILLBROOK_ORDINANCE,
      businessHoursCents: 5000n,
      afterHoursCents: 15000n,
    },
  },
  {
    code: 'MUNICIPAL',
    name: 'Millbrook Water & Light (municipal ordinance on Pennsylvania parameters)',
    effectiveFrom: '2026-07-01',
  },
);

export const MUNICIPAL_VERSIONS: readonly PolicyProfile[] = [MUNICIPAL_V1];
