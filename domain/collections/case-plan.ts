// The collections case's next move, decided from the evaluator's own answer. The case does not
// keep a second copy of the rules: it asks whether a disconnection would be lawful now and reads
// what blocks it. A missing or stale written notice → send the notice; a missing short-notice
// contact → attempt contact; a missing posted notice → post one (a critical-care household's
// contacts and visit are the same two steps); a winter affidavit the regulator must have (MD) →
// wait for someone to file it and record it (the case cannot file it itself; recording it wakes
// the case); anything else (days, hours, weather, protections, lead times) → wait until the
// earliest lawful moment, or until the facts change when no moment can be named.
import { evaluate, isCustomerContact, nextLawfulMoment, postDefaultNoticeCode } from './evaluate';
import { localDate, startOfDay } from './calendar';
import type { AccountSnapshot, Decision, PolicyProfile, Step } from './types';

/**
 * WINTER_NOTICE: the separate winter notification some profiles require (IL heating).
 * FILE_AFFIDAVIT: the affidavit a winter termination needs (MD: with the Public Service
 * Commission), filed by the utility's staff and recorded on the account; never taken by the case.
 */
export type CaseAction = Step | 'WINTER_NOTICE' | 'FILE_AFFIDAVIT' | 'CURED';

export interface CasePlan {
  /** The step to take next. */
  action: CaseAction;
  /** Whether it may be taken at `at`. */
  now: boolean;
  /** Earliest lawful instant for it (ISO), null when no moment can be named yet. */
  earliest: string | null;
  /** The decision behind the plan (for the action), with every reason and citation. */
  decision: Decision | null;
  /** Why the case is at this step: the disconnection decision's blocking reasons. */
  why: Decision;
}

const DAY_MS = 86_400_000;

export function planCase(profile: PolicyProfile, snapshot: AccountSnapshot, at: string): CasePlan {
  const why = evaluate(profile, snapshot, 'DISCONNECT', at);
  if (snapshot.pastDueCents <= 0n) return { action: 'CURED', now: true, earliest: at, decision: null, why };
  const blocking = new Set(why.blocking.map((b) => b.code));
  // The written notice owed: the ordinary one, or after an arrangement default the post-default
  // notice (CA water), which the evaluator reports under its own rule.
  const notices = [profile.notice.code, postDefaultNoticeCode(profile)];
  const sc = profile.shortNotice;
  let action: Step | 'WINTER_NOTICE' = 'DISCONNECT';
  let repeatCall = false;
  if (notices.some((n) => blocking.has(`${n}_MISSING`) || blocking.has(`${n}_STALE`)))
    action = 'DISCONNECT_NOTICE';
  else if (profile.winterNotice && blocking.has(`${profile.winterNotice.code}_MISSING`))
    action = 'WINTER_NOTICE';
  else if (sc && blocking.has(`${sc.code}_MISSING`)) {
    // Where a posted notice may stand in for contact (CA energy: 48 hours), one unanswered
    // attempt since the latest written notice is enough: post rather than keep calling. (A
    // posting counts only after such an attempt, so an older one would only post in vain.)
    const lastNotice = Math.max(
      ...snapshot.notices.filter((r) => r.step === 'DISCONNECT_NOTICE').map((r) => Date.parse(r.sentAt)),
    );
    const unanswered = snapshot.notices.some(
      (r) => isCustomerContact(r) && r.outcome !== 'REACHED' && Date.parse(r.sentAt) >= lastNotice,
    );
    action = sc.postedFallbackHours !== null && unanswered ? 'POSTED_NOTICE' : 'SHORT_NOTICE_CONTACT';
    repeatCall = action === 'SHORT_NOTICE_CONTACT';
  } else if (profile.postedNotice && blocking.has(`${profile.postedNotice.code}_MISSING`))
    action = 'POSTED_NOTICE';
  else if (profile.criticalCare && blocking.has(`${profile.criticalCare.code}_CONTACT_MISSING`))
    action = 'SHORT_NOTICE_CONTACT';
  else if (profile.criticalCare && blocking.has(`${profile.criticalCare.code}_VISIT_MISSING`))
    action = 'POSTED_NOTICE';
  else if (
    profile.winterAffidavit &&
    blocking.has(`${profile.winterAffidavit.code}_REQUIRED`) &&
    why.protections.length === 0
  )
    // Filed outside the system, then recorded (POST /accounts/:id/disconnect-affidavits), which
    // wakes the case. No crew is ordered meanwhile; the case looks again daily, and on the season's
    // first day without the rule the disconnection needs no affidavit. Never asked for while a
    // protection holds the account (a medical certificate, a dispute, a moratorium, the weather):
    // the affidavit says termination may go ahead, which it may not; the case waits as it would.
    return { action: 'FILE_AFFIDAVIT', now: false, earliest: null, decision: why, why };

  let from = at;
  if (repeatCall) {
    // Attempts by phone count on separate days: after today's attempt, the next one is tomorrow.
    const tz = profile.timeZone;
    const today = localDate(Date.parse(at), tz);
    const triedToday = snapshot.notices.some(
      (r) => isCustomerContact(r) && localDate(Date.parse(r.sentAt), tz) === today,
    );
    if (triedToday) from = new Date(startOfDay(localDate(Date.parse(at) + DAY_MS, tz), tz)).toISOString();
  }
  // A winter notification is a written notice: it may go out when a notice may.
  const step: Step = action === 'WINTER_NOTICE' ? 'DISCONNECT_NOTICE' : action;
  const decision = from === at ? evaluate(profile, snapshot, step, at) : null;
  if (decision?.allowed) return { action, now: true, earliest: at, decision, why };
  const next = nextLawfulMoment(profile, snapshot, step, from);
  return { action, now: false, earliest: next.earliest, decision: next, why };
}
