// Ordinances built from the same parameters as the state presets: a base profile, a few
// overridden rule groups, a new code and name. The result is checked like any preset.
import { parseClock } from '../calendar';
import type { PolicyParameters, PolicyProfile } from '../types';
import { ENGINE_DEFAULT } from './defaults';

export interface ComposeMeta {
  code: string;
  name: string;
  /** YYYY-MM-DD the ordinance takes effect; the base version's date when absent. */
  effectiveFrom?: string;
}

function citesIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) citesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'cite' && typeof v === 'string') out.add(v);
      else citesIn(v, out);
    }
  }
}

export function composeFrom(
  base: PolicyProfile,
  overrides: Partial<PolicyParameters>,
  meta: ComposeMeta,
): PolicyProfile {
  const added = new Set<string>();
  citesIn(overrides, added);
  added.delete(ENGINE_DEFAULT);
  const profile: PolicyProfile = {
    ...base,
    ...overrides,
    code: meta.code,
    name: meta.name,
    effectiveFrom: meta.effectiveFrom ?? base.effectiveFrom,
    basedOn: base.code,
    citations: [...new Set([...base.citations, ...added])],
  };
  validateProfile(profile);
  return profile;
}

/** Throws RangeError naming the first parameter that cannot be evaluated. */
export function validateProfile(p: PolicyProfile): void {
  const fail = (what: string) => {
    throw new RangeError(`Profile ${p.code}: ${what}`);
  };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: p.timeZone });
  } catch {
    fail(`unknown time zone ${JSON.stringify(p.timeZone)}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.effectiveFrom)) fail('effectiveFrom must be YYYY-MM-DD');
  const windows = [p.disconnectWindow.hours, ...(p.contactHours ? [p.contactHours] : [])];
  for (const w of windows)
    if (parseClock(w.start) >= parseClock(w.end)) fail(`empty window ${w.start}–${w.end}`);
  if (p.disconnectWindow.weekdays.some((d) => d < 1 || d > 7)) fail('weekdays are 1 (Monday) to 7 (Sunday)');
  const wa = p.winterAffidavit;
  if (wa) {
    if (![wa.season.from, wa.season.to].every((md) => /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(md)))
      fail('winterAffidavit.season: from and to are MM-DD');
    if (!Number.isFinite(wa.leadHours) || wa.leadHours < 0)
      fail('winterAffidavit.leadHours: hours, 0 or more');
    if (wa.minArrearsCents !== null && wa.minArrearsCents < 0n)
      fail('winterAffidavit.minArrearsCents: cents, 0 or more, or null');
  }
  const tiers = p.arrangementTerms.tiers;
  if (tiers.length === 0 || tiers[tiers.length - 1]!.maxPctFpl !== null)
    fail('the last arrangement tier must be open-ended (maxPctFpl: null)');
  for (const t of tiers)
    if (t.minMonths < 1 || t.minMonths > t.maxMonths) fail(`tier ${t.label}: bad month range`);
}
