// After a cure: when service must be back on, and what may be charged for it.
import { formatCents, min } from '../ledger/money';
import {
  addBusinessDays,
  inClockWindow,
  inSeason,
  isBusinessDay,
  isoInstant,
  localDate,
  localStamp,
  MS_HOUR,
  toInstant,
  wallClock,
  zonedInstant,
} from './calendar';
import { incomeStatus } from './income';
import { BUSINESS_HOURS } from './profiles/defaults';
import type { AccountSnapshot, Citation, PolicyProfile, ReconnectionCause, ReconnectionRule } from './types';

export interface ReconnectionOptions {
  /** Street or sidewalk digging is needed. */
  excavation?: boolean;
  /** The meter can be reconnected remotely; unknown = the shorter deadline is assumed. */
  remote?: boolean;
}

function matches(
  rule: ReconnectionRule,
  cause: ReconnectionCause,
  seasonDate: string,
  excavation: boolean,
): boolean {
  if (rule.causes !== 'ANY' && !rule.causes.includes(cause)) return false;
  if (rule.season && !inSeason(rule.season, seasonDate)) return false;
  return rule.excavation === null || rule.excavation === excavation;
}

export function reconnectionDeadline(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  cause: ReconnectionCause,
  curedAt: string,
  opts: ReconnectionOptions = {},
): { due: string; reasons: Citation[] } {
  const tz = profile.timeZone;
  const cured = toInstant(curedAt, tz);
  const excavation = opts.excavation ?? false;
  const reasons: Citation[] = [];
  // Seasonal deadlines follow the date of the termination ("terminations occurring after
  // November 30 and before April 1"); without one on record, the cure date stands in for it.
  const seasonDate = snapshot.disconnectedAt
    ? localDate(toInstant(snapshot.disconnectedAt, tz), tz)
    : localDate(cured, tz);
  const rule = profile.reconnection.rules.find((r) => matches(r, cause, seasonDate, excavation));
  if (!rule) {
    const due = cured + profile.reconnection.fallbackHours * MS_HOUR;
    reasons.push({
      code: `${profile.reconnection.code}_DEFAULT`,
      cite: profile.reconnection.cite,
      text: `${cause.toLowerCase()} reconnection: within ${profile.reconnection.fallbackHours} hours of the cure (${localStamp(due, tz)} local)`,
    });
    return { due: isoInstant(due), reasons };
  }
  const byHours = (h: number) => cured + h * MS_HOUR;
  const byBusinessDays = (n: number) => {
    const c = wallClock(cured, tz);
    return zonedInstant(addBusinessDays(profile, c.date, n), c.minutes, tz);
  };
  let due: number;
  let how: string;
  if (rule.remoteHours !== null && rule.businessDays !== null) {
    const remote = byHours(rule.remoteHours);
    const field = byBusinessDays(rule.businessDays);
    if (opts.remote === true) [due, how] = [remote, `remote: ${rule.remoteHours} hours`];
    else if (opts.remote === false) [due, how] = [field, `field: ${rule.businessDays} business day(s)`];
    else [due, how] = [Math.min(remote, field), 'remote or field not stated: the shorter deadline applies'];
  } else if (rule.hours !== null) [due, how] = [byHours(rule.hours), `${rule.hours} hours`];
  else if (rule.businessDays !== null)
    [due, how] = [byBusinessDays(rule.businessDays), `${rule.businessDays} business day(s)`];
  else
    [due, how] = [byHours(profile.reconnection.fallbackHours), `${profile.reconnection.fallbackHours} hours`];
  reasons.push({
    code: rule.code,
    cite: rule.cite,
    text: `${rule.text} (${how}); cured ${localStamp(cured, tz)}, due by ${localStamp(due, tz)} local`,
  });
  return { due: isoInstant(due), reasons };
}

/** A reconnection at `at` is after hours: not a business day, or outside the office hours. */
export function isAfterHours(profile: PolicyProfile, at: string): boolean {
  const { date, minutes } = wallClock(toInstant(at, profile.timeZone), profile.timeZone);
  return !isBusinessDay(profile, date) || !inClockWindow(minutes, BUSINESS_HOURS);
}

/**
 * The reconnection charge: the tariff amount, held to any income-based cap. Income that is
 * unknown or unverified gets the cap. `at` (optional) lets the verification's age be checked.
 * A cap only limits a charge: a profile with no tariff charge charges nothing, whatever the cap
 * (what chargeReconnection posts, and so what a notice may state).
 */
export function reconnectionFee(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  afterHours: boolean,
  at?: string,
): { feeCents: bigint; reasons: Citation[] } {
  const reasons: Citation[] = [];
  const when = afterHours ? 'after hours' : 'in business hours';
  const today = at ? localDate(toInstant(at, profile.timeZone), profile.timeZone) : null;
  const tariff = profile.reconnectionFee;
  let fee: bigint | null = null;
  if (tariff) {
    fee = afterHours ? tariff.afterHoursCents : tariff.businessHoursCents;
    reasons.push({
      code: tariff.code,
      cite: tariff.cite,
      text: `reconnection charge ${when}: ${formatCents(fee)}`,
    });
  }
  for (const cap of profile.reconnectionFeeCaps) {
    const inc = incomeStatus(profile, snapshot, today);
    const limit = afterHours ? cap.afterHoursCents : cap.businessHoursCents;
    if (inc.verified && inc.pct !== null && inc.pct >= cap.belowPctFpl) {
      reasons.push({
        code: cap.code,
        cite: cap.cite,
        text: `${inc.text}: not below ${cap.belowPctFpl}%, no cap`,
      });
      continue;
    }
    const why =
      inc.pct !== null && inc.pct < cap.belowPctFpl
        ? inc.text
        : `${inc.text}: the cap applies until verified`;
    if (fee === null) {
      reasons.push({
        code: cap.code,
        cite: cap.cite,
        text: `${why}: any charge ${when} is limited to ${formatCents(limit)} (the profile carries no tariff charge)`,
      });
    } else {
      const capped = min(fee, limit);
      reasons.push({
        code: cap.code,
        cite: cap.cite,
        text: `${why}: capped at ${formatCents(limit)} ${when}, charge ${formatCents(capped)}`,
      });
      fee = capped;
    }
  }
  if (fee === null) {
    reasons.push({
      code: 'RECONNECTION_FEE_NOT_SET',
      cite: `policy profile ${profile.code}`,
      text: 'the profile carries no reconnection charge; set reconnectionFee from the utility’s approved tariff',
    });
    fee = 0n;
  }
  return { feeCents: fee, reasons };
}
