// Payment arrangement requests: the terms a household may have under the profile (by income
// tier), whether a request fits them, and the installment schedule exact to the cent. Under a
// profile with an extreme-weather plan (Texas), bills that fell due in an extreme-weather emergency
// get a deferred plan even where the ordinary terms refuse one.
import { addMonths, isIsoDate } from '../ledger/dates';
import { formatCents, min } from '../ledger/money';
import { localDate, toInstant } from './calendar';
import { weatherOnDay } from './evaluate';
import { incomeStatus } from './income';
import type {
  AccountSnapshot,
  ArrangementDecision,
  ArrangementRequest,
  ArrangementTier,
  Citation,
  Installment,
  PolicyProfile,
} from './types';

/**
 * `installments` monthly amounts that sum exactly to `financedCents`: equal whole cents, the
 * remainder on the last one; due the same day each month from `firstDueDate` (clamped to the end
 * of shorter months, always counted from the first date so the 31st stays the 31st).
 */
export function installmentSchedule(
  financedCents: bigint,
  installments: number,
  firstDueDate: string,
): Installment[] {
  if (!Number.isInteger(installments) || installments < 1)
    throw new RangeError('installments must be a whole number >= 1');
  if (financedCents < 0n) throw new RangeError('the financed amount cannot be negative');
  const n = BigInt(installments);
  const each = financedCents / n;
  const last = financedCents - each * (n - 1n);
  return Array.from({ length: installments }, (_, i) => ({
    n: i + 1,
    dueDate: addMonths(firstDueDate, i),
    amountCents: i === installments - 1 ? last : each,
  }));
}

interface Terms {
  minMonths: number;
  maxMonths: number;
  maxDownPaymentPct: number | null;
  label: string;
}

/** Unknown or unverified income: the most generous bounds of all tiers, never a narrower one. */
function mostProtective(tiers: ArrangementTier[]): Terms {
  const pcts = tiers.map((t) => t.maxDownPaymentPct).filter((x): x is number => x !== null);
  return {
    minMonths: Math.min(...tiers.map((t) => t.minMonths)),
    maxMonths: Math.max(...tiers.map((t) => t.maxMonths)),
    maxDownPaymentPct: pcts.length ? Math.min(...pcts) : null,
    label: 'the most protective terms of every tier',
  };
}

/** A past-due bill's due date read against the weather rules: why it is an emergency bill. */
interface EmergencyDay {
  dueDate: string;
  openCents: bigint;
  /** The weather rules' own words for the day, or which figures are not recorded. */
  why: string;
  /** Not recorded: treated as an emergency, as missing weather never counts against the customer. */
  unrecorded: boolean;
}

/**
 * The past-due bills that fell due during an extreme-weather emergency: a due date (the utility's
 * local day) on which the profile's weather rules would block a disconnection, read for that day
 * as the disconnection block reads them for today (TX: the previous day's high at or below 32°F
 * and the day's forecast high at or below 32°F, or a heat advisory that day or on either of the
 * two days before). A day whose weather is not recorded, so that no rule can be shown to hold or
 * not, counts as one.
 */
export function extremeWeatherDueBills(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  today: string,
): EmergencyDay[] {
  const emergency: EmergencyDay[] = [];
  for (const bill of snapshot.pastDueBills ?? []) {
    if (bill.openCents <= 0n || bill.dueDate > today) continue;
    const judged = weatherOnDay(profile, snapshot, bill.dueDate);
    const applied = judged && !judged.notCovered ? judged.rules.filter((r) => !r.skipped) : [];
    const protecting = applied.filter((r) => r.protect);
    const unrecorded = applied.filter((r) => r.missing.length > 0);
    if (protecting.length)
      emergency.push({
        ...bill,
        why: protecting.map((r) => `${r.rule.code}: ${r.text}`).join('; '),
        unrecorded: false,
      });
    else if (unrecorded.length)
      emergency.push({
        ...bill,
        why: unrecorded.map((r) => `${r.rule.code}: no recorded ${r.missing.join(', ')}`).join('; '),
        unrecorded: true,
      });
  }
  return emergency;
}

export function evaluateArrangementRequest(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  request: ArrangementRequest,
  at: string,
): ArrangementDecision {
  const rule = profile.arrangementTerms;
  const today = localDate(toInstant(at, profile.timeZone), profile.timeZone);
  const reasons: Citation[] = [];
  let accepted = true;
  /** The ordinary terms' refusals, by code suffix. */
  const refused: { code: string; text: string }[] = [];
  const pass = (code: string, text: string) =>
    reasons.push({ code: `${rule.code}${code}`, cite: rule.cite, text });
  const fail = (code: string, text: string) => {
    accepted = false;
    refused.push({ code, text });
    pass(code, text);
  };

  // Terms by income tier.
  const inc = incomeStatus(profile, snapshot, today);
  let terms: Terms;
  if (inc.verified && inc.pct !== null) {
    const pct = inc.pct;
    const tier = rule.tiers.find((t) => t.maxPctFpl === null || pct <= t.maxPctFpl)!;
    terms = tier;
    pass('', `${inc.text}: tier ${tier.label}, ${tier.minMonths}–${tier.maxMonths} months`);
  } else {
    terms = mostProtective(rule.tiers);
    pass(
      '',
      `${inc.text}: ${terms.label} apply until verified (${terms.minMonths}–${terms.maxMonths} months)`,
    );
  }
  if (rule.note) pass('_NOTE', rule.note);

  const arrears = request.arrearsCents;
  const caps: { cents: bigint; why: string }[] = [];
  if (terms.maxDownPaymentPct !== null)
    caps.push({
      cents: (arrears * BigInt(Math.round(terms.maxDownPaymentPct * 100))) / 10_000n,
      why: `${terms.maxDownPaymentPct}% of the arrears`,
    });
  if (rule.downPaymentCapHalfOrThreeMonths) {
    const avg = snapshot.averageMonthlyBillCents ?? null;
    if (avg === null)
      caps.push({
        cents: 0n,
        why: 'the 3-month average bill is unknown, so no down payment can be shown to be within the cap',
      });
    else
      caps.push({
        cents: min(arrears / 2n, avg * 3n),
        why: `the lesser of half the arrears and 3 months' average bill (${formatCents(avg * 3n)})`,
      });
  }
  const cap = caps.length ? caps.reduce((a, b) => (b.cents < a.cents ? b : a)) : null;
  const minDown = 0n;
  const result = (schedule: Installment[]): ArrangementDecision => ({
    accepted,
    reasons,
    schedule: accepted ? schedule : [],
    terms: {
      maxMonths: terms.maxMonths,
      maxDownPaymentCents: cap?.cents ?? null,
      minDownPaymentCents: minDown,
    },
    coveredCents: arrears,
  });

  // The request itself.
  if (arrears <= 0n) fail('_REQUEST', 'nothing in arrears to arrange');
  if (request.downPaymentCents < 0n || request.downPaymentCents > arrears)
    fail(
      '_REQUEST',
      `down payment ${formatCents(request.downPaymentCents)} must be between $0.00 and the arrears ${formatCents(arrears)}`,
    );
  else if (arrears > 0n && request.downPaymentCents === arrears)
    fail('_REQUEST', 'the down payment pays the arrears in full: no arrangement is needed');
  if (request.frequency !== 'MONTHLY') fail('_REQUEST', 'installments are monthly');
  if (!Number.isInteger(request.installments) || request.installments < 1)
    fail('_REQUEST', 'the number of installments must be a whole number of at least 1');
  if (!isIsoDate(request.firstDueDate))
    fail('_REQUEST', `first due date ${JSON.stringify(request.firstDueDate)} is not a date`);
  else if (request.firstDueDate < today)
    fail('_REQUEST', `first due date ${request.firstDueDate} is before ${today}`);
  if (!accepted) return result([]);

  // One arrangement at a time.
  const a = snapshot.arrangement;
  if (a?.status === 'CURRENT' && toInstant(a.since, profile.timeZone) <= toInstant(at, profile.timeZone))
    fail('_ALREADY_CURRENT', `an arrangement is already current since ${a.since}`);

  // Default history.
  const defaults = [...snapshot.arrangementDefaults];
  if (a?.status === 'DEFAULTED' && a.defaultedOn && !defaults.includes(a.defaultedOn))
    defaults.push(a.defaultedOn);
  const past = defaults.filter((d) => d <= today).sort();
  const lastDefault = past[past.length - 1];
  if (rule.noNewAfterDefaultUnlessIncomeChanged && lastDefault) {
    const changed = snapshot.incomeChangedOn ?? null;
    if (changed && changed > lastDefault && changed <= today)
      pass(
        '_AFTER_DEFAULT',
        `defaulted on ${lastDefault}, but household income changed on ${changed}: a new agreement is allowed`,
      );
    else
      fail(
        '_AFTER_DEFAULT',
        `defaulted on ${lastDefault} and household income has not changed since: no second agreement${past.length >= 2 ? `; after ${past.length} defaults full payment may be required (66 Pa.C.S. §1407(c))` : ''}`,
      );
  }
  if (rule.refuseIfDefaultWithinMonths !== null) {
    const since = addMonths(today, -rule.refuseIfDefaultWithinMonths);
    const recent = past.filter((d) => d > since);
    if (recent.length)
      fail(
        '_RECENT_DEFAULT',
        `an agreement failed on ${recent[recent.length - 1]}, within the last ${rule.refuseIfDefaultWithinMonths} months`,
      );
    else
      pass('_RECENT_DEFAULT', `no agreement failed in the last ${rule.refuseIfDefaultWithinMonths} months`);
  }

  // Term and down payment.
  if (request.installments > terms.maxMonths)
    fail('_TERM', `${request.installments} monthly installments exceed the ${terms.maxMonths}-month maximum`);
  else if (request.installments < terms.minMonths)
    fail(
      '_TERM',
      `${request.installments} monthly installments are fewer than the ${terms.minMonths}-month minimum`,
    );
  else
    pass(
      '_TERM',
      `${request.installments} monthly installments within ${terms.minMonths}–${terms.maxMonths} months`,
    );
  if (cap && request.downPaymentCents > cap.cents)
    fail(
      '_DOWN_PAYMENT',
      `down payment ${formatCents(request.downPaymentCents)} exceeds ${formatCents(cap.cents)}: ${cap.why}`,
    );
  else if (request.downPaymentCents < minDown)
    fail('_DOWN_PAYMENT', `down payment below the ${formatCents(minDown)} minimum`);
  else
    pass(
      '_DOWN_PAYMENT',
      `down payment ${formatCents(request.downPaymentCents)}${cap ? ` within ${formatCents(cap.cents)} (${cap.why})` : ': no cap in this profile'}`,
    );

  // Bills that fell due in an extreme-weather emergency (TX §25.483): a deferred plan on request,
  // whatever the ordinary terms said above.
  const plan = profile.extremeWeatherPlan;
  if (plan) {
    const planReason = (code: string, text: string) =>
      reasons.push({ code: `${plan.code}${code}`, cite: plan.cite, text });
    const emergency = extremeWeatherDueBills(profile, snapshot, today);
    if (!plan.customerClasses.includes(snapshot.customerClass))
      planReason(
        '_NONE',
        `the plan is for ${plan.customerClasses.map((c) => (c === 'RES' ? 'residential' : 'commercial')).join(' and ')} customers: the ordinary terms apply`,
      );
    else if (!emergency.length)
      planReason(
        '_NONE',
        (snapshot.pastDueBills ?? []).length
          ? `no past-due bill fell due in an extreme-weather emergency: the ordinary terms apply`
          : `the past-due bills' due dates are not known: the ordinary terms apply`,
      );
    else {
      const termMonths = Math.max(plan.termMonths, terms.maxMonths);
      const required = (arrears * BigInt(Math.round(plan.downPaymentPct * 100))) / 10_000n;
      const offer = `a deferred plan of up to ${termMonths} monthly installments, ${required > 0n ? `${formatCents(required)} down (${plan.downPaymentPct}%)` : 'no down payment required'}`;
      for (const b of emergency)
        planReason(
          b.unrecorded ? '_WEATHER_UNRECORDED' : '',
          b.unrecorded
            ? `bill due ${b.dueDate} (${formatCents(b.openCents)} open): the weather for its due date is not recorded (${b.why}), so it is treated as due in an extreme-weather emergency`
            : `bill due ${b.dueDate} (${formatCents(b.openCents)} open) fell due in an extreme-weather emergency (the weather rules read for ${b.dueDate} as for a disconnection that day: ${b.why})`,
        );
      if (plan.note) planReason('_NOTE', plan.note);
      if (accepted)
        planReason('_ENTITLED', `the customer may have ${offer}; the ordinary terms grant this request`);
      else {
        // The plan holds against every ordinary refusal but one: an arrangement already current
        // holds collections for all the arrears, and there is one at a time.
        const current = refused.some((r) => r.code === '_ALREADY_CURRENT');
        const problems: string[] = [];
        if (current) problems.push('an arrangement is already current');
        if (request.downPaymentCents >= arrears)
          problems.push(
            `down payment ${formatCents(request.downPaymentCents)} leaves nothing of the ${formatCents(arrears)} to defer`,
          );
        else if (request.downPaymentCents < required)
          problems.push(`down payment below the plan's ${formatCents(required)}`);
        if (request.installments > termMonths)
          problems.push(`${request.installments} monthly installments exceed the plan's ${termMonths}`);
        if (problems.length)
          planReason('_REFUSED', `the customer may have ${offer}, but not as asked: ${problems.join('; ')}`);
        else {
          accepted = true;
          const financedPlan = arrears - request.downPaymentCents;
          const schedule = installmentSchedule(financedPlan, request.installments, request.firstDueDate);
          planReason(
            '_GRANTED',
            `deferred plan granted for the ${formatCents(arrears)} past due, bills due in an extreme-weather emergency among it, notwithstanding the ordinary terms (${refused.map((r) => r.text).join('; ')})`,
          );
          planReason('_SCHEDULE', scheduleText(financedPlan, schedule, request));
          return {
            accepted,
            reasons,
            schedule,
            terms: { maxMonths: termMonths, maxDownPaymentCents: null, minDownPaymentCents: required },
            // All the arrears, not only the emergency bills: an arrangement holds collections for
            // the whole account while it is kept, and its end closes the case, so a plan over part
            // of the arrears would leave the rest unpursued and then forgotten.
            coveredCents: arrears,
          };
        }
      }
    }
  }

  const financed = arrears - request.downPaymentCents;
  if (!accepted) return result([]);
  const schedule = installmentSchedule(financed, request.installments, request.firstDueDate);
  pass('_SCHEDULE', scheduleText(financed, schedule, request));
  return result(schedule);
}

function scheduleText(financed: bigint, schedule: Installment[], request: ArrangementRequest): string {
  const first = schedule[0]!.amountCents;
  const last = schedule[schedule.length - 1]!.amountCents;
  return `${formatCents(financed)} in ${request.installments} monthly installments of ${formatCents(first)}${schedule.length > 1 && last !== first ? ` (last ${formatCents(last)})` : ''} from ${request.firstDueDate}`;
}
