// The preset registry: each code maps to its versions, oldest first; a version applies from its
// effectiveFrom until the next one's.
import { isIsoDate } from '../../ledger/dates';
import type { PolicyParameters, PolicyProfile, ProfileCode } from '../types';
import { CA_ENERGY_VERSIONS } from './ca-energy';
import { CA_WATER_VERSIONS } from './ca-water';
import { type ComposeMeta, composeFrom, validateProfile } from './compose';
import { IL_VERSIONS } from './il';
import { MUNICIPAL_VERSIONS } from './municipal';
import { NY_VERSIONS } from './ny';
import { OH_VERSIONS } from './oh';
import { PA_VERSIONS } from './pa';
import { TX_ELECTRIC_VERSIONS } from './tx-electric';
import { TX_WATER_VERSIONS } from './tx-water';

export { validateProfile } from './compose';
export type { ComposeMeta } from './compose';
export { MILLBROOK_ORDINANCE } from './municipal';
export { TX_EXTREME_WEATHER_PLAN } from './tx-electric';
export {
  IL_MUNICIPAL_GAS_WEATHER,
  MD_RULES,
  MD_WEATHER,
  MD_WINTER_AFFIDAVIT,
  VA_DISCONNECT_DAYS,
  VA_WEATHER_ELECTRIC,
  VA_WEATHER_WATER,
} from './weather-presets';

export const PROFILE_VERSIONS: Readonly<Record<ProfileCode, readonly PolicyProfile[]>> = {
  PA: PA_VERSIONS,
  NY: NY_VERSIONS,
  CA_ENERGY: CA_ENERGY_VERSIONS,
  CA_WATER: CA_WATER_VERSIONS,
  TX_ELECTRIC: TX_ELECTRIC_VERSIONS,
  TX_WATER: TX_WATER_VERSIONS,
  IL: IL_VERSIONS,
  OH: OH_VERSIONS,
  MUNICIPAL: MUNICIPAL_VERSIONS,
};

for (const versions of Object.values(PROFILE_VERSIONS)) for (const v of versions) validateProfile(v);

export const PROFILE_CODES = Object.keys(PROFILE_VERSIONS) as ProfileCode[];

function versionsOf(code: ProfileCode): readonly PolicyProfile[] {
  const versions = Object.hasOwn(PROFILE_VERSIONS, code) ? PROFILE_VERSIONS[code] : undefined;
  if (!versions) throw new RangeError(`Unknown policy profile ${JSON.stringify(code)}`);
  return versions;
}

/** The version in force on a date (the latest effectiveFrom on or before it). */
export function selectVersion(versions: readonly PolicyProfile[], onDate: string): PolicyProfile | null {
  let chosen: PolicyProfile | null = null;
  for (const v of versions)
    if (v.effectiveFrom <= onDate && (!chosen || v.effectiveFrom >= chosen.effectiveFrom)) chosen = v;
  return chosen;
}

export function getProfile(code: ProfileCode, onDate: string): PolicyProfile {
  const versions = versionsOf(code);
  if (!isIsoDate(onDate)) throw new RangeError(`Not a date as YYYY-MM-DD: ${JSON.stringify(onDate)}`);
  const v = selectVersion(versions, onDate);
  if (!v) throw new RangeError(`Policy profile ${code} has no version in force on ${onDate}`);
  return v;
}

function latest(code: ProfileCode): PolicyProfile {
  const versions = versionsOf(code);
  return versions.reduce((a, b) => (b.effectiveFrom > a.effectiveFrom ? b : a));
}

export function listProfiles(): { code: ProfileCode; name: string; citations: string[] }[] {
  return PROFILE_CODES.map((code) => {
    const p = latest(code);
    return { code, name: p.name, citations: [...p.citations] };
  });
}

/** An ordinance built from a preset (its latest version) or from a profile, with overrides. */
export function composeProfile(
  base: ProfileCode | PolicyProfile,
  overrides: Partial<PolicyParameters>,
  meta: ComposeMeta,
): PolicyProfile {
  return composeFrom(typeof base === 'string' ? latest(base) : base, overrides, meta);
}
