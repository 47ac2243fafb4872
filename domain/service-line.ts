// The service-line inventory's record of how each side's material is known (40 CFR 141.84(a)):
// a source and the day it was verified. Pure: which combinations make sense.
export const SERVICE_LINE_SOURCES = [
  'RECORDS',
  'VISUAL_INSPECTION',
  'EXCAVATION',
  'CUSTOMER_REPORT',
  'WATER_QUALITY_SAMPLING',
  'PREDICTIVE_MODEL',
  'OTHER',
] as const;
export type ServiceLineSource = (typeof SERVICE_LINE_SOURCES)[number];

export interface SideVerification {
  material: string;
  source: string | null;
  /** YYYY-MM-DD */
  verifiedOn: string | null;
}

/**
 * Why a side's verification cannot stand, or null: a source and its day go together, an unknown
 * material has not been verified, and a verification cannot be dated after today.
 */
export function verificationProblem(
  side: SideVerification,
  today: string,
): { field: 'source' | 'verifiedOn'; message: string } | null {
  if (side.source === null && side.verifiedOn !== null)
    return { field: 'source', message: 'a verification day needs the source that verified it' };
  if (side.source !== null && side.verifiedOn === null)
    return { field: 'verifiedOn', message: 'a verification source needs the day it verified the material' };
  if (side.source !== null && side.material === 'LEAD_STATUS_UNKNOWN')
    return {
      field: 'source',
      message: 'a line of unknown material has not been verified: record the material found with its source',
    };
  if (side.verifiedOn !== null && side.verifiedOn > today)
    return { field: 'verifiedOn', message: 'a verification cannot be dated after today' };
  return null;
}
