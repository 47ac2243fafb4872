// The collections case's next move, decided from the evaluator's own answer. The case does not
// keep a second copy of the rules: it asks whether a disconnection would be lawful now and reads
// what blocks it. A missing or stale written notice → send the notice; a missing short-notice
// contact → attempt contact; a missing posted notice → post one; anything else (days, hours,
// weather, protections, lead times) → wait until the earliest lawful moment, or until the facts
// change when no moment can be named.
import { evaluate, nextLawfulMoment } from './evaluate';
import { localDate, startOfDay } from './calendar';
import type { AccountSnapshot, Decision, PolicyProfile, Step } from './types';

export type CaseAction = Step | 'CURED';

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
  const n = profile.notice.code;
  let action: Step = 'DISCONNECT';
  if (blocking.has(`${n}_MISSING`) || blocking.has(`${n}_STALE`)) action = 'DISCONNECT_NOTICE';
  else if (profile.shortNotice && blocking.has(`${profile.shortNotice.code}_MISSING`))
    action = 'SHORT_NOTICE_CONTACT';
  else if (profile.postedNotice && blocking.has(`${profile.postedNotice.code}_MISSING`))
    action = 'POSTED_NOTICE';

  let from = at;
  if (action === 'SHORT_NOTICE_CONTACT') {
    // Attempts by phone count on separate days: after today's attempt, the next one is tomorrow.
    const tz = profile.timeZone;
    const today = localDate(Date.parse(at), tz);
    const triedToday = snapshot.notices.some(
      (r) => r.step === 'SHORT_NOTICE_CONTACT' && localDate(Date.parse(r.sentAt), tz) === today,
    );
    if (triedToday) from = new Date(startOfDay(localDate(Date.parse(at) + DAY_MS, tz), tz)).toISOString();
  }
  const decision = from === at ? evaluate(profile, snapshot, action, at) : null;
  if (decision?.allowed) return { action, now: true, earliest: at, decision, why };
  const next = nextLawfulMoment(profile, snapshot, action, from);
  return { action, now: false, earliest: next.earliest, decision: next, why };
}
