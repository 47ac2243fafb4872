// The collections policy profile a premise follows when none is named: in the utility's own state,
// the utility's (Millbrook: its municipal ordinance, which adds the tariff's reconnection charge
// to the Pennsylvania parameters); elsewhere the state's preset, where there is one.
import { PROFILE_CODES } from '../domain/collections';
import { utilityInfo } from './bill-render';

const isProfile = (code: string) => (PROFILE_CODES as readonly string[]).includes(code);

export function defaultPolicyProfile(state: string): string | null {
  const u = utilityInfo();
  if (!isProfile(u.policyProfile))
    throw new Error(
      `notices/utility.json: policyProfile ${JSON.stringify(u.policyProfile)} is not a profile`,
    );
  if (state === u.state) return u.policyProfile;
  return isProfile(state) ? state : null;
}
