// The one evaluator: for a profile, an account snapshot, a step and a moment, is the step lawful
// now, and when is the earliest lawful moment? Every rule the profile carries is checked and
// reported, satisfied or not, with its citation. Protections (hold, dispute, arrangement, medical
// certificate, moratorium, weather) are checked first; missing facts never count in the
// utility's favour (unknown income = protected, no weather record = refuse, unknown mail date =
// notice unverifiable).
//
// Each blocking rule also says when it could clear at the earliest (`retryAt`, null when waiting
// alone will not clear it). The forward search jumps to the latest of those moments and checks
// again, so the moment it returns is one `evaluate` itself allows, and no earlier moment is
// skipped as long as every `retryAt` is a lower bound — which each check below keeps, taking
// into account records the snapshot holds for later moments.
import { addDays, addMonths, daysBetween } from '../ledger/dates';
import { formatCents } from '../ledger/money';
import {
  addCountedDays,
  holidayName,
  inClockWindow,
  inSeason,
  isBusinessDay,
  isoInstant,
  isoWeekday,
  localDate,
  localStamp,
  MS_DAY,
  MS_HOUR,
  parseClock,
  seasonEndAfter,
  seasonLabel,
  startOfDay,
  toInstant,
  wallClock,
  weekdayList,
  weekdayName,
  zonedInstant,
} from './calendar';
import { incomeStatus } from './income';
import { DEFAULT_CONTACT_HOURS, ENGINE_DEFAULT } from './profiles/defaults';
import type {
  AccountSnapshot,
  Certifier,
  Citation,
  CriticalCareRule,
  Decision,
  MedicalCertificate,
  MedicalRule,
  NoticeRecord,
  PolicyProfile,
  Rule,
  Step,
  WeatherDay,
  WeatherRule,
} from './types';

/** How far the forward search looks. */
export const SEARCH_HORIZON_DAYS = 400;
const MAX_SEARCH_STEPS = 5000;

interface Finding {
  reason: Citation;
  blocks: boolean;
  protection: boolean;
  /** For a blocking finding: the earliest instant it could clear; null = not by waiting. */
  retryAt: number | null;
  /**
   * Blocks for lack of facts about this moment only (weather not recorded for the day): the
   * search may look past it when another rule blocks until later anyway, never stop on it there.
   */
  local?: boolean;
}

interface Ctx {
  p: PolicyProfile;
  s: AccountSnapshot;
  step: Step;
  t: number;
  today: string;
  minutes: number;
  found: Finding[];
  conditions: Citation[];
}

const cite = (code: string, citeText: string, text: string): Citation => ({ code, cite: citeText, text });

function ok(ctx: Ctx, rule: Rule, text: string, opts: { code?: string; protection?: boolean } = {}): void {
  ctx.found.push({
    reason: cite(opts.code ?? rule.code, rule.cite, text),
    blocks: false,
    protection: opts.protection ?? false,
    retryAt: null,
  });
}

function block(
  ctx: Ctx,
  rule: Rule,
  text: string,
  retryAt: number | null,
  opts: { code?: string; protection?: boolean; local?: boolean } = {},
): void {
  ctx.found.push({
    reason: cite(opts.code ?? rule.code, rule.cite, text),
    blocks: true,
    protection: opts.protection ?? false,
    retryAt,
    local: opts.local ?? false,
  });
}

const instant = (ctx: Ctx, text: string) => toInstant(text, ctx.p.timeZone);
const dateOf = (ctx: Ctx, ms: number) => localDate(ms, ctx.p.timeZone);
const dayStart = (ctx: Ctx, date: string) => startOfDay(date, ctx.p.timeZone);
const stamp = (ctx: Ctx, ms: number) => localStamp(ms, ctx.p.timeZone);
const maxDate = (a: string, b: string) => (a > b ? a : b);
const minDate = (a: string, b: string) => (a < b ? a : b);
const minRetry = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** A contact attempt for the customer (not a critical-care household's emergency contact). */
export const isCustomerContact = (r: NoticeRecord) =>
  r.step === 'SHORT_NOTICE_CONTACT' && r.recipient !== 'EMERGENCY_CONTACT';

/** The first instant after `t` at which one of the records happened (a later fact may clear a block). */
function nextRecordAfter(ctx: Ctx, records: readonly NoticeRecord[]): number | null {
  let next: number | null = null;
  for (const r of records) {
    const ms = instant(ctx, r.sentAt);
    if (ms > ctx.t && (next === null || ms < next)) next = ms;
  }
  return next;
}

// ---- protections ------------------------------------------------------------------------------

function checkAccount(ctx: Ctx): void {
  const { p, s } = ctx;
  const profileRule: Rule = { code: 'PROFILE_SERVICE', cite: `policy profile ${p.code}` };
  if (p.services.includes(s.service)) ok(ctx, profileRule, `profile ${p.code} governs ${s.service} service`);
  else
    block(
      ctx,
      profileRule,
      `profile ${p.code} governs ${p.services.join(', ')} service; this account is ${s.service}: evaluate it under its own profile`,
      null,
      { code: 'PROFILE_NOT_FOR_SERVICE' },
    );
  if (s.disconnectedAt && instant(ctx, s.disconnectedAt) <= ctx.t)
    block(
      ctx,
      { code: 'ALREADY_DISCONNECTED', cite: 'account state' },
      `service was disconnected at ${stamp(ctx, instant(ctx, s.disconnectedAt))}`,
      null,
    );
}

function checkHold(ctx: Ctx): void {
  const h = ctx.s.supervisorHold;
  if (h && instant(ctx, h.since) <= ctx.t)
    block(
      ctx,
      ctx.p.hold,
      `supervisor hold since ${h.since}: ${h.reason}; no collection step until released`,
      null,
      {
        protection: true,
      },
    );
  else ok(ctx, ctx.p.hold, 'no supervisor hold');
}

function checkDisputes(ctx: Ctx): void {
  const open = ctx.s.disputes.filter(
    (d) => instant(ctx, d.openedAt) <= ctx.t && (d.resolvedAt === null || instant(ctx, d.resolvedAt) > ctx.t),
  );
  if (open.length === 0) {
    ok(ctx, ctx.p.dispute, 'no dispute or complaint under investigation');
    return;
  }
  const unresolved = open.some((d) => d.resolvedAt === null);
  const retry = unresolved ? null : Math.max(...open.map((d) => instant(ctx, d.resolvedAt!)));
  block(
    ctx,
    ctx.p.dispute,
    `dispute opened ${open.map((d) => d.openedAt).join(', ')} is under investigation: no collection step while it is open`,
    retry,
    { protection: true },
  );
}

function checkArrangement(ctx: Ctx): void {
  const rule = ctx.p.arrangementHold;
  const a = ctx.s.arrangement;
  if (!a || instant(ctx, a.since) > ctx.t) {
    ok(ctx, rule, 'no payment arrangement in force');
    return;
  }
  if (a.status === 'CURRENT') {
    block(
      ctx,
      rule,
      `payment arrangement current since ${a.since}: no collection step while it is kept`,
      null,
      {
        code: `${rule.code}_CURRENT`,
        protection: true,
      },
    );
    return;
  }
  if (a.status === 'COMPLETED') {
    ok(ctx, rule, `payment arrangement of ${a.since} completed`);
    return;
  }
  if (!a.defaultedOn) {
    block(ctx, rule, 'the arrangement is marked defaulted but its default date is not recorded', null, {
      code: `${rule.code}_DEFAULT_DATE_MISSING`,
      protection: true,
    });
    return;
  }
  if (ctx.today < a.defaultedOn) {
    block(
      ctx,
      rule,
      `payment arrangement current until its default on ${a.defaultedOn}`,
      dayStart(ctx, a.defaultedOn),
      {
        code: `${rule.code}_CURRENT`,
        protection: true,
      },
    );
    return;
  }
  const resume = rule.resumeAfterDefault;
  if (resume) {
    const resumeOn = addDays(a.defaultedOn, resume.minDaysInDefault);
    if (ctx.today < resumeOn) {
      block(
        ctx,
        rule,
        `arrangement defaulted on ${a.defaultedOn}: shutoff only after ${resume.minDaysInDefault} days in default (from ${resumeOn}) and a ${resume.noticeLeadDays}-${resume.noticeDayCount === 'BUSINESS' ? 'business-' : ''}day notice after that`,
        dayStart(ctx, resumeOn),
        { code: `${rule.code}_DEFAULT_GRACE`, protection: true },
      );
      return;
    }
    ok(
      ctx,
      rule,
      `arrangement defaulted on ${a.defaultedOn}, ${resume.minDaysInDefault}+ days ago: collections may resume`,
      {
        code: `${rule.code}_DEFAULTED`,
      },
    );
    return;
  }
  ok(
    ctx,
    rule,
    `arrangement defaulted on ${a.defaultedOn}: collections may resume; only a notice sent after the default counts`,
    {
      code: `${rule.code}_DEFAULTED`,
    },
  );
}

const CERTIFIER_LABEL: Record<Certifier, string> = {
  PHYSICIAN: 'a physician',
  NURSE_PRACTITIONER: 'a nurse practitioner',
  PHYSICIAN_ASSISTANT: 'a physician assistant',
  BOARD_OF_HEALTH: 'a board of health',
  OTHER: 'someone the rule does not name',
};

/** 'a', 'a or b', 'a, b or c'. */
const alternatives = (items: readonly string[]) =>
  items.length <= 2 ? items.join(' or ') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

/** What a certificate lacks under the rule: who certified it, a showing of inability to pay, a plan. */
export function medicalConditionsUnmet(m: MedicalRule, c: MedicalCertificate): string[] {
  const unmet: string[] = [];
  const certifier = c.certifier ?? 'PHYSICIAN';
  if (m.certifiers && !m.certifiers.includes(certifier))
    unmet.push(
      `certified by ${CERTIFIER_LABEL[certifier]}; the rule accepts ${alternatives(m.certifiers.map((x) => CERTIFIER_LABEL[x]))}`,
    );
  const needsInability =
    m.inabilityToPay === 'EVERY_CERTIFICATE' || (m.inabilityToPay === 'RENEWALS' && c.renewalNumber > 0);
  if (needsInability && !c.inabilityToPay)
    unmet.push(
      m.inabilityToPay === 'RENEWALS'
        ? 'a renewal needs a showing that the customer cannot pay, and none is recorded'
        : 'the customer has not shown that they cannot pay',
    );
  if (m.planAgreement && !c.agreesToPlan) unmet.push('the customer has not agreed to a payment plan');
  return unmet;
}

/**
 * The day of the phone certificate a written one (`s.medicalCertificates[i]`) confirms: the last
 * phone certificate received before it, when the written one came by its follow-up date.
 */
function confirmedPhoneDate(ctx: Ctx, c: MedicalCertificate, received: number[], i: number): string | null {
  const follow = ctx.p.medical.phoneFollowUp;
  if (c.kind !== 'WRITTEN' || !follow) return null;
  let phone = -1;
  ctx.s.medicalCertificates.forEach((o, k) => {
    if (o.kind === 'PHONE' && received[k]! <= received[i]! && (phone < 0 || received[k]! > received[phone]!))
      phone = k;
  });
  if (phone < 0) return null;
  const phoneOn = dateOf(ctx, received[phone]!);
  const due = addCountedDays(ctx.p, phoneOn, follow.days, follow.dayCount);
  return dateOf(ctx, received[i]!) <= due ? phoneOn : null;
}

function checkMedical(ctx: Ctx): void {
  const { p, s } = ctx;
  const m = p.medical;
  if (s.medicalCertificates.length === 0) {
    ok(ctx, m, 'no medical certificate on file');
    return;
  }
  const received = s.medicalCertificates.map((c) => instant(ctx, c.receivedAt));
  s.medicalCertificates.forEach((c, i) => {
    const start = received[i]!;
    if (start > ctx.t) return;
    const receivedOn = dateOf(ctx, start);
    const unmet = medicalConditionsUnmet(m, c);
    if (unmet.length > 0) {
      ok(ctx, m, `certificate received ${receivedOn} does not protect: ${unmet.join('; ')}`, {
        code: `${m.code}_CONDITIONS_UNMET`,
      });
      return;
    }
    const window = m.restoresWithinDaysOfDisconnection;
    if (window !== null && s.disconnectedAt) {
      const offOn = dateOf(ctx, instant(ctx, s.disconnectedAt));
      // A written certificate confirming a phone one in time is the same certification: the
      // phone one's date is the one the window asks about.
      const certifiedOn = confirmedPhoneDate(ctx, c, received, i) ?? receivedOn;
      if (certifiedOn > addDays(offOn, window)) {
        ok(
          ctx,
          m,
          `certificate received ${receivedOn}, more than ${window} days after the disconnection on ${offOn}: it does not restore the service`,
          { code: `${m.code}_AFTER_RESTORE_WINDOW` },
        );
        return;
      }
    }
    // Protection runs through validUntil, but no longer than the rule lets one certificate run
    // (PA, OH: 30 days; a longer need is a renewal); the end below is the first day it no longer
    // protects.
    let endDate = addDays(c.validUntil, 1);
    let capNote = '';
    // "Valid for 30 days": through the 30th day after the day it was received.
    if (m.maxDays !== null && endDate > addDays(receivedOn, m.maxDays + 1)) {
      endDate = addDays(receivedOn, m.maxDays + 1);
      capNote = ` (the certificate says ${c.validUntil}; one certificate protects at most ${m.maxDays} days)`;
    }
    // "At least 60 days" (IL), counted as the cap is: through the 60th day after receipt.
    if (m.minDays !== null) endDate = maxDate(endDate, addDays(receivedOn, m.minDays + 1));
    let phoneNote = '';
    if (c.kind === 'PHONE' && m.phoneFollowUp) {
      let due = addCountedDays(p, receivedOn, m.phoneFollowUp.days, m.phoneFollowUp.dayCount);
      if (c.writtenFollowUpBy) due = maxDate(due, c.writtenFollowUpBy);
      endDate = minDate(endDate, addDays(due, 1));
      phoneNote = `; a phone certificate holds only until the written one is due (${due})`;
    }
    if (
      m.maxRenewalsSameArrears !== null &&
      c.renewalNumber > m.maxRenewalsSameArrears &&
      s.pastDueCents > c.arrearsCents
    ) {
      ok(
        ctx,
        m,
        `certificate received ${receivedOn} is renewal ${c.renewalNumber} for the same arrears (${formatCents(c.arrearsCents)}) while current bills go unpaid (past due now ${formatCents(s.pastDueCents)}): beyond the ${m.maxRenewalsSameArrears} renewals the rule requires, it does not protect`,
        { code: `${m.code}_RENEWAL_LIMIT` },
      );
      return;
    }
    if (m.maxPerRollingMonths) {
      const { count, months } = m.maxPerRollingMonths;
      // Calendar months back from the day received (a leap year's 366 days are 12 months too).
      const windowStart = addMonths(receivedOn, -months);
      const inWindow = received.filter((r) => r <= start && dateOf(ctx, r) > windowStart).length;
      if (inWindow > count) {
        ok(
          ctx,
          m,
          `certificate received ${receivedOn} is number ${inWindow} in ${months} months: only ${count} are honoured, so it does not protect`,
          { code: `${m.code}_ROLLING_LIMIT` },
        );
        return;
      }
    }
    const endMs = dayStart(ctx, endDate);
    const lastDay = addDays(endDate, -1);
    if (ctx.t < endMs)
      block(
        ctx,
        m,
        `medical certificate (${c.kind.toLowerCase()}) received ${receivedOn} protects through ${lastDay}${capNote}${phoneNote}`,
        endMs,
        { protection: true },
      );
    else
      ok(
        ctx,
        m,
        `medical certificate received ${receivedOn} ran out after ${lastDay}: it no longer protects${phoneNote}`,
      );
  });
}

function checkMoratoria(ctx: Ctx): void {
  const { p, s } = ctx;
  for (const m of p.moratoria) {
    const label = seasonLabel(m.season);
    if (!inSeason(m.season, ctx.today)) {
      ok(ctx, m, `outside the ${label} moratorium`);
      continue;
    }
    if (!m.customerClasses.includes(s.customerClass)) {
      ok(ctx, m, `the ${label} moratorium covers ${m.customerClasses.join(', ')} customers only`);
      continue;
    }
    if (m.heatingOnly && !s.heating) {
      ok(ctx, m, `the ${label} moratorium covers heating service only`);
      continue;
    }
    if (m.services && !m.services.includes(s.service)) {
      ok(ctx, m, `the ${label} moratorium does not cover ${s.service} service`);
      continue;
    }
    let why: string;
    if (m.maxPctFpl === null) why = 'every household';
    else {
      const inc = incomeStatus(p, s, ctx.today);
      if (inc.verified && inc.pct !== null && inc.pct > m.maxPctFpl) {
        ok(ctx, m, `${inc.text}, above ${m.maxPctFpl}%: the ${label} moratorium does not apply`);
        continue;
      }
      why =
        inc.pct !== null && inc.pct <= m.maxPctFpl
          ? `${inc.text}, at or below ${m.maxPctFpl}%`
          : `${inc.text}: treated as at or below ${m.maxPctFpl}% FPL until verified`;
    }
    const endDate = seasonEndAfter(m.season, ctx.today);
    if (ctx.step === 'DISCONNECT')
      block(
        ctx,
        m,
        `${label} moratorium (${why}): termination needs ${m.liftedBy}; without it the earliest day is ${endDate}`,
        dayStart(ctx, endDate),
        { protection: true },
      );
    else
      ok(
        ctx,
        m,
        `${label} moratorium in force (${why}): this step may proceed, termination needs ${m.liftedBy}`,
        {
          protection: true,
        },
      );
  }
}

// ---- delinquency and notices ------------------------------------------------------------------

/** Whether anything is past due; blocks (indefinitely) when not. */
function checkPastDue(ctx: Ctx): boolean {
  const { s } = ctx;
  const d = ctx.p.delinquency;
  if (!s.oldestUnpaidDueDate || s.pastDueCents <= 0n) {
    block(ctx, d, 'nothing is past due', null, { code: `${d.code}_NOTHING_PAST_DUE` });
    return false;
  }
  if (s.pastDueCents < d.minPastDueCents) {
    block(
      ctx,
      d,
      `past due ${formatCents(s.pastDueCents)} is below the ${formatCents(d.minPastDueCents)} minimum`,
      null,
      {
        code: `${d.code}_BELOW_MINIMUM`,
      },
    );
    return false;
  }
  return true;
}

/** The code of the notice owed after an arrangement default (CA water), where the profile has one. */
export function postDefaultNoticeCode(p: PolicyProfile): string {
  return `${p.arrangementHold.code}_DEFAULT_NOTICE`;
}

interface NoticePlan {
  /** The rule the notice answers to (its code and citation in the decision's reasons). */
  rule: Rule;
  /** First local date a notice for these arrears may lawfully go out; null = cannot be verified. */
  from: string | null;
  why: string;
  steps: NoticeRecord['step'][];
  lead: (r: NoticeRecord) => { date: string; text: string };
  validityDays: number | null;
}

/** Which notices count for this episode and how their lead time runs. */
function noticePlan(ctx: Ctx): NoticePlan {
  const { p, s } = ctx;
  const n = p.notice;
  const d = p.delinquency;
  const a = s.arrangement;
  const resume = p.arrangementHold.resumeAfterDefault;
  if (resume && a?.status === 'DEFAULTED' && a.defaultedOn) {
    const from = addDays(a.defaultedOn, resume.minDaysInDefault);
    const unit = resume.noticeDayCount === 'BUSINESS' ? 'business days' : 'days';
    return {
      // The post-default notice is the arrangement rule's, not the ordinary notice's (CA water:
      // §116910(b), not §116908's 7 business days).
      rule: { code: postDefaultNoticeCode(p), cite: p.arrangementHold.cite },
      from,
      why: `${resume.minDaysInDefault} days after the arrangement default of ${a.defaultedOn}`,
      steps: ['DISCONNECT_NOTICE', 'POSTED_NOTICE'],
      lead: (r) => {
        const sent = dateOf(ctx, instant(ctx, r.sentAt));
        return {
          date: addCountedDays(p, sent, resume.noticeLeadDays, resume.noticeDayCount),
          text: `${resume.noticeLeadDays} ${unit} since the post-default notice of ${sent}`,
        };
      },
      validityDays: n.validityDays,
    };
  }
  const due = s.oldestUnpaidDueDate!;
  let from: string | null = addDays(due, d.minDaysPastDue);
  let why = `${d.minDaysPastDue} day(s) after the due date ${due}`;
  if (d.notBeforeDaysAfterBillMailed !== null) {
    if (!s.billMailedOn) {
      from = null;
      why = `the bill's mail date is not recorded, so the day-${d.notBeforeDaysAfterBillMailed} rule cannot be checked`;
    } else {
      const mailRule = addDays(s.billMailedOn, d.notBeforeDaysAfterBillMailed);
      if (mailRule > from) {
        from = mailRule;
        why = `day ${d.notBeforeDaysAfterBillMailed} after the bill was mailed on ${s.billMailedOn}`;
      }
    }
  }
  if (from !== null && a?.status === 'DEFAULTED' && a.defaultedOn && a.defaultedOn > from) {
    from = a.defaultedOn;
    why = `the arrangement default of ${a.defaultedOn}`;
  }
  const unit = n.leadDayCount === 'BUSINESS' ? 'business days' : 'days';
  return {
    rule: n,
    from,
    why,
    steps: ['DISCONNECT_NOTICE'],
    lead: (r) => {
      const sent = dateOf(ctx, instant(ctx, r.sentAt));
      const days = n.leadDaysByChannel[r.channel] ?? n.leadDays;
      const mailed = r.channel === 'MAIL' && n.mailAllowanceDays > 0;
      const start = mailed ? addDays(sent, n.mailAllowanceDays) : sent;
      return {
        date: addCountedDays(p, start, days, n.leadDayCount),
        text: mailed
          ? `${days} ${unit} counted from ${start}, ${n.mailAllowanceDays} days after mailing on ${sent}`
          : `${days} ${unit} since ${sent} (${r.channel.toLowerCase().replace('_', ' ')})`,
      };
    },
    validityDays: n.validityDays,
  };
}

interface CountedNotice {
  record: NoticeRecord;
  sentMs: number;
  sentDate: string;
  leadMet: number;
  leadText: string;
}

function noticesOnFile(ctx: Ctx, plan: NoticePlan) {
  const valid: CountedNotice[] = [];
  const stale: { sentDate: string; lastDay: string }[] = [];
  const premature: string[] = [];
  const candidates = ctx.s.notices.filter((r) => plan.steps.includes(r.step));
  for (const r of candidates) {
    const sentMs = instant(ctx, r.sentAt);
    if (sentMs > ctx.t) continue;
    const sentDate = dateOf(ctx, sentMs);
    if (plan.from === null || sentDate < plan.from) {
      premature.push(sentDate);
      continue;
    }
    // Good through the Nth day after the day it was sent (notice-dates.ts: validUntil).
    let staleOn: string | null = plan.validityDays !== null ? addDays(sentDate, plan.validityDays + 1) : null;
    if (r.expiresOn) staleOn = staleOn ? minDate(staleOn, addDays(r.expiresOn, 1)) : addDays(r.expiresOn, 1);
    if (staleOn !== null && ctx.today >= staleOn) {
      stale.push({ sentDate, lastDay: addDays(staleOn, -1) });
      continue;
    }
    const lead = plan.lead(r);
    // Never before the day the notice itself gave the customer.
    const promised = r.onOrAfter && r.onOrAfter > lead.date ? r.onOrAfter : null;
    valid.push({
      record: r,
      sentMs,
      sentDate,
      leadMet: dayStart(ctx, promised ?? lead.date),
      leadText: promised ? `${lead.text}; the notice gives the customer until ${promised}` : lead.text,
    });
  }
  valid.sort((a, b) => a.leadMet - b.leadMet || a.sentMs - b.sentMs);
  return { valid, stale, premature, next: nextRecordAfter(ctx, candidates) };
}

function checkNoticeTiming(ctx: Ctx): void {
  const d = ctx.p.delinquency;
  const plan = noticePlan(ctx);
  if (plan.from === null) {
    block(ctx, d, `a notice cannot be timed: ${plan.why}`, null, { code: `${d.code}_UNVERIFIABLE` });
    return;
  }
  const pastDue = daysBetween(ctx.s.oldestUnpaidDueDate!, ctx.today);
  if (ctx.today < plan.from)
    block(
      ctx,
      d,
      `${pastDue} day(s) past due; a notice may go out from ${plan.from} (${plan.why})`,
      dayStart(ctx, plan.from),
    );
  else
    ok(
      ctx,
      d,
      `${pastDue} day(s) past due (${formatCents(ctx.s.pastDueCents)}); notices may go out from ${plan.from} (${plan.why})${d.fromRule ? '' : '; the rules set no further threshold'}`,
    );
  const { valid } = noticesOnFile(ctx, plan);
  if (valid.length > 0)
    ok(
      ctx,
      plan.rule,
      `a notice of ${valid[0]!.sentDate} is on file and still good; a new one restarts the lead time`,
      { code: `${plan.rule.code}_ON_FILE` },
    );
  ok(ctx, { code: 'NOTICE_DAYS', cite: ENGINE_DEFAULT }, 'written notices may be sent on any day');
}

/** The written notice behind a contact, a posting or the disconnection; returns the oldest good one. */
function checkNoticeOnFile(ctx: Ctx, needLead: boolean): CountedNotice | null {
  const plan = noticePlan(ctx);
  const n = plan.rule;
  const files = noticesOnFile(ctx, plan);
  if (files.valid.length === 0) {
    const early = files.premature.length
      ? ` (notices of ${files.premature.join(', ')} came before ${plan.from ?? 'a verifiable date'} — ${plan.why} — and do not count)`
      : '';
    if (files.stale.length > 0) {
      const last = files.stale[files.stale.length - 1]!;
      block(
        ctx,
        n,
        `the notice of ${last.sentDate} stopped being good after ${last.lastDay}${plan.validityDays !== null ? ` (${plan.validityDays}-day validity)` : ''}: a new notice is needed${early}`,
        files.next,
        { code: `${n.code}_STALE` },
      );
    } else
      block(ctx, n, `no written termination notice on file: send one first${early}`, files.next, {
        code: `${n.code}_MISSING`,
      });
    return null;
  }
  const best = files.valid[0]!;
  if (!needLead) {
    ok(ctx, n, `written notice of ${best.sentDate} on file`);
    return best;
  }
  if (best.leadMet <= ctx.t) ok(ctx, n, `notice lead time met: ${best.leadText}`);
  else
    block(
      ctx,
      n,
      `notice lead time not met: ${best.leadText}; termination from ${dateOf(ctx, best.leadMet)}`,
      minRetry(best.leadMet, files.next),
    );
  return best;
}

function checkDisconnectDelinquency(ctx: Ctx): void {
  const dd = ctx.p.disconnectDelinquency;
  if (!dd) return;
  const due = ctx.s.oldestUnpaidDueDate!;
  const from = addDays(due, dd.minDaysPastDue);
  const pastDue = daysBetween(due, ctx.today);
  if (ctx.today < from)
    block(
      ctx,
      dd,
      `${pastDue} day(s) delinquent since ${due}; no shutoff before ${dd.minDaysPastDue} days (${from})`,
      dayStart(ctx, from),
    );
  else ok(ctx, dd, `${pastDue} days delinquent since ${due} (at least ${dd.minDaysPastDue})`);
}

function checkWinterNotice(ctx: Ctx, notice: CountedNotice | null): void {
  const w = ctx.p.winterNotice;
  if (!w) return;
  const label = seasonLabel(w.season);
  if (!inSeason(w.season, ctx.today) || (w.heatingOnly && !ctx.s.heating)) {
    ok(ctx, w, `winter notification not required (${label}${w.heatingOnly ? ', heating service' : ''})`);
    return;
  }
  if (!notice) return;
  const records = ctx.s.notices.filter((r) => r.step === 'WINTER_NOTICE');
  const unit = w.waitDayCount === 'BUSINESS' ? 'business days' : 'days';
  let best: { met: number; sent: string } | null = null;
  for (const r of records) {
    const ms = instant(ctx, r.sentAt);
    // The notification belongs to this episode: on or after the oldest unpaid bill's due date.
    if (ms > ctx.t || ms < dayStart(ctx, ctx.s.oldestUnpaidDueDate ?? notice.sentDate)) continue;
    const sent = dateOf(ctx, ms);
    const met = dayStart(ctx, addCountedDays(ctx.p, sent, w.waitDays, w.waitDayCount));
    if (!best || met < best.met) best = { met, sent };
  }
  const next = nextRecordAfter(ctx, records);
  if (!best)
    block(
      ctx,
      w,
      `${label} heating termination: send the winter notification first, then wait ${w.waitDays} ${unit}`,
      next,
      {
        code: `${w.code}_MISSING`,
      },
    );
  else if (best.met <= ctx.t)
    ok(ctx, w, `winter notification of ${best.sent}: ${w.waitDays} ${unit} have passed`);
  else
    block(
      ctx,
      w,
      `winter notification of ${best.sent}: wait ${w.waitDays} ${unit}, until ${dateOf(ctx, best.met)}`,
      minRetry(best.met, next),
    );
}

function checkShortNotice(ctx: Ctx, notice: CountedNotice | null): void {
  const sc = ctx.p.shortNotice;
  if (!sc) return;
  if (sc.season && !inSeason(sc.season, ctx.today)) {
    ok(ctx, sc, `short-notice contact not required outside ${seasonLabel(sc.season)}`);
    return;
  }
  if (!notice) return;
  const tz = ctx.p.timeZone;
  const contacts = ctx.s.notices
    .filter((r) => isCustomerContact(r) && sc.channels.includes(r.channel))
    .map((r) => ({ r, ms: instant(ctx, r.sentAt) }))
    .filter((x) => x.ms >= notice.sentMs && x.ms <= ctx.t)
    .sort((a, b) => a.ms - b.ms);
  let completeAt: number | null = null;
  let how = '';
  const phoneDays = new Set<string>();
  for (const { r, ms } of contacts) {
    const reached = r.outcome === 'REACHED';
    if (sc.mustReach) {
      if (reached) {
        completeAt = ms;
        how = `${r.channel === 'PHONE' ? 'phone' : 'in-person'} contact made ${stamp(ctx, ms)}`;
        break;
      }
      continue;
    }
    if (r.channel === 'IN_PERSON') {
      completeAt = ms;
      how = `in-person attempt ${stamp(ctx, ms)}`;
      break;
    }
    if (sc.phoneHours && !inClockWindow(wallClock(ms, tz).minutes, sc.phoneHours)) continue;
    if (reached) {
      completeAt = ms;
      how = `phone contact made ${stamp(ctx, ms)}`;
      break;
    }
    phoneDays.add(dateOf(ctx, ms));
    if (phoneDays.size >= sc.phoneAttemptDays) {
      completeAt = ms;
      how =
        sc.phoneAttemptDays > 1
          ? `phone attempts on ${[...phoneDays].join(' and ')}${sc.phoneHours ? ` between ${sc.phoneHours.start} and ${sc.phoneHours.end}` : ''}`
          : `phone attempt ${stamp(ctx, ms)}`;
      break;
    }
  }
  const leadText = sc.lead.unit === 'HOURS' ? `${sc.lead.amount} hours` : `${sc.lead.amount} days`;
  const relevant = ctx.s.notices.filter(
    (r) => (isCustomerContact(r) && sc.channels.includes(r.channel)) || r.step === 'POSTED_NOTICE',
  );
  const next = nextRecordAfter(ctx, relevant);
  if (completeAt !== null) {
    const metAt =
      sc.lead.unit === 'HOURS'
        ? completeAt + sc.lead.amount * MS_HOUR
        : dayStart(ctx, addDays(dateOf(ctx, completeAt), sc.lead.amount));
    if (metAt <= ctx.t) ok(ctx, sc, `contact complete (${how}), at least ${leadText} before`);
    else
      block(
        ctx,
        sc,
        `contact complete (${how}); termination ${leadText} later, from ${stamp(ctx, metAt)}`,
        metAt,
      );
    return;
  }
  let unattemptedPosting = '';
  if (sc.postedFallbackHours !== null) {
    const postings = postingsSince(ctx, notice.sentMs);
    // The posting is what the utility does when its attempt to reach someone failed (§779.1:
    // "attempt contact …, else post"): a posting counts only after an attempt since the notice.
    const firstAttempt = contacts[0]?.ms ?? null;
    const first = postings.find((p) => firstAttempt !== null && p.ms >= firstAttempt);
    if (postings.length > 0 && !first)
      unattemptedPosting = ` (the notice posted ${stamp(ctx, postings[0]!.ms)} does not count: no attempt to reach the customer came before it)`;
    if (first) {
      const metAt = postedLeadEnds(ctx, first, sc.postedFallbackHours);
      if (metAt <= ctx.t)
        ok(
          ctx,
          sc,
          `nobody reached; notice posted at the premises ${stamp(ctx, first.ms)}, ${sc.postedFallbackHours} hours before`,
        );
      else
        block(
          ctx,
          sc,
          `nobody reached; notice posted ${stamp(ctx, first.ms)}: termination from ${stamp(ctx, metAt)} (${sc.postedFallbackHours} hours)`,
          minRetry(metAt, next),
        );
      return;
    }
  }
  const need = sc.mustReach
    ? `reach the customer by phone or in person at least ${leadText} before${sc.postedFallbackHours !== null ? `, or post a notice ${sc.postedFallbackHours} hours before` : ''}`
    : sc.phoneAttemptDays > 1
      ? `attempt contact in person, or by phone on ${sc.phoneAttemptDays} separate days${sc.phoneHours ? ` between ${sc.phoneHours.start} and ${sc.phoneHours.end}` : ''}, at least ${leadText} before`
      : `attempt contact by phone or in person at least ${leadText} before`;
  block(
    ctx,
    sc,
    `no completed short-notice contact since the notice of ${notice.sentDate}: ${need}${unattemptedPosting}`,
    next,
    { code: `${sc.code}_MISSING` },
  );
}

/** Notices posted at the premises since `sinceMs` and by now, earliest first. */
function postingsSince(ctx: Ctx, sinceMs: number): { ms: number; onOrAfter: string | null }[] {
  return ctx.s.notices
    .filter((r) => r.step === 'POSTED_NOTICE')
    .map((r) => ({ ms: instant(ctx, r.sentAt), onOrAfter: r.onOrAfter ?? null }))
    .filter((p) => p.ms >= sinceMs && p.ms <= ctx.t)
    .sort((a, b) => a.ms - b.ms);
}

/**
 * When a posted notice lets the act happen: `leadHours` after it was posted, and never before the
 * first moment of the day it states (a door hanger says "on or after" a date; the customer holds
 * the utility to it).
 */
function postedLeadEnds(ctx: Ctx, p: { ms: number; onOrAfter: string | null }, leadHours: number): number {
  const byLead = p.ms + leadHours * MS_HOUR;
  return p.onOrAfter ? Math.max(byLead, dayStart(ctx, p.onOrAfter)) : byLead;
}

function checkPostedNotice(ctx: Ctx, notice: CountedNotice | null): void {
  const pn = ctx.p.postedNotice;
  if (!pn) return;
  if (pn.season && !inSeason(pn.season, ctx.today)) {
    ok(ctx, pn, `no posted notice required outside ${seasonLabel(pn.season)}`);
    return;
  }
  if (!notice) return;
  const since = (r: NoticeRecord) => {
    const ms = instant(ctx, r.sentAt);
    return ms >= notice.sentMs && ms <= ctx.t;
  };
  if (pn.unlessInPersonContact) {
    const visit = ctx.s.notices.find(
      (r) => isCustomerContact(r) && r.channel === 'IN_PERSON' && r.outcome === 'REACHED' && since(r),
    );
    if (visit) {
      ok(
        ctx,
        pn,
        `personal contact at the residence on ${dateOf(ctx, instant(ctx, visit.sentAt))}: no posting needed`,
      );
      return;
    }
  }
  const relevant = ctx.s.notices.filter(
    (r) =>
      r.step === 'POSTED_NOTICE' ||
      (pn.unlessInPersonContact && isCustomerContact(r) && r.channel === 'IN_PERSON'),
  );
  const next = nextRecordAfter(ctx, relevant);
  const [first] = postingsSince(ctx, notice.sentMs);
  if (!first) {
    block(
      ctx,
      pn,
      `${pn.season ? `${seasonLabel(pn.season)}: ` : ''}post a ${pn.leadHours}-hour notice at the premises${pn.unlessInPersonContact ? ' (none needed after personal contact at the residence)' : ''}`,
      next,
      { code: `${pn.code}_MISSING` },
    );
    return;
  }
  const metAt = postedLeadEnds(ctx, first, pn.leadHours);
  if (metAt <= ctx.t)
    ok(
      ctx,
      pn,
      `notice posted at the premises ${stamp(ctx, first.ms)}, at least ${pn.leadHours} hours before`,
    );
  else
    block(
      ctx,
      pn,
      `notice posted ${stamp(ctx, first.ms)}: termination ${pn.leadHours} hours later, from ${stamp(ctx, metAt)}`,
      minRetry(metAt, next),
    );
}

/** The critical-care rule when it governs this account today, else null. */
export function criticalCareRuleOn(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  today: string,
): CriticalCareRule | null {
  const cc = profile.criticalCare;
  const d = snapshot.criticalCare;
  return cc && d && d.from <= today && today <= d.until ? cc : null;
}

const criticalCareInForce = (ctx: Ctx) => criticalCareRuleOn(ctx.p, ctx.s, ctx.today);

/**
 * TX: the customer and the emergency contact are contacted before a critical-care household is
 * disconnected. Calls that reach both are enough; otherwise someone visits the premises, and a door
 * hanger left when nobody answers completes it. Only contacts after the written notice count.
 */
function checkCriticalCare(ctx: Ctx, notice: CountedNotice | null): void {
  const cc = criticalCareInForce(ctx);
  if (!cc || !notice) return;
  const designation = ctx.s.criticalCare!;
  const since = ctx.s.notices.filter((r) => {
    const ms = instant(ctx, r.sentAt);
    return ms >= notice.sentMs && ms <= ctx.t;
  });
  const customer = since.filter(isCustomerContact);
  const emergency = since.filter(
    (r) => r.step === 'SHORT_NOTICE_CONTACT' && r.recipient === 'EMERGENCY_CONTACT',
  );
  const reached = (rs: NoticeRecord[]) => rs.some((r) => r.outcome === 'REACHED');
  const who = designation.emergencyContact ? 'the customer and the emergency contact' : 'the customer';
  const next = nextRecordAfter(
    ctx,
    ctx.s.notices.filter((r) => r.step === 'SHORT_NOTICE_CONTACT' || r.step === 'POSTED_NOTICE'),
  );
  const until = `critical-care household (designated until ${designation.until})`;
  if (reached(customer) && (!designation.emergencyContact || reached(emergency))) {
    ok(ctx, cc, `${until}: ${who} reached since the notice of ${notice.sentDate}`);
    return;
  }
  const attempted = customer.length > 0 && (!designation.emergencyContact || emergency.length > 0);
  if (!attempted) {
    block(ctx, cc, `${until}: contact ${who} before disconnection`, next, {
      code: `${cc.code}_CONTACT_MISSING`,
    });
    return;
  }
  // The visit comes after the calls: someone answering at the door, or a door hanger left.
  const lastCall = Math.max(...[...customer, ...emergency].map((r) => instant(ctx, r.sentAt)));
  const visit = since.find(
    (r) =>
      instant(ctx, r.sentAt) >= lastCall &&
      ((isCustomerContact(r) && r.channel === 'IN_PERSON' && r.outcome === 'REACHED') ||
        r.step === 'POSTED_NOTICE'),
  );
  if (visit) {
    const at = stamp(ctx, instant(ctx, visit.sentAt));
    // A door hanger says service may be disconnected on or after its date: never before it.
    const from = postedLeadEnds(
      ctx,
      { ms: instant(ctx, visit.sentAt), onOrAfter: visit.onOrAfter ?? null },
      0,
    );
    if (visit.step === 'POSTED_NOTICE' && from > ctx.t) {
      block(
        ctx,
        cc,
        `${until}: the door hanger left ${at} says service may be disconnected on or after ${visit.onOrAfter}: not before`,
        minRetry(from, next),
      );
      return;
    }
    ok(
      ctx,
      cc,
      visit.step === 'POSTED_NOTICE'
        ? `${until}: ${who} not reached by phone; premises visited and a door hanger left ${at}`
        : `${until}: ${who} not reached by phone; someone at the premises was reached in person ${at}`,
    );
    return;
  }
  block(
    ctx,
    cc,
    `${until}: ${who} not reached by phone: visit the premises and, if nobody answers, leave a door hanger with the pending disconnection and how to reach the utility`,
    next,
    { code: `${cc.code}_VISIT_MISSING` },
  );
}

/**
 * MD: from November 1 through March 31 (the act's local day) a termination needs an affidavit
 * filed with the Commission at least `leadHours` before the act. It certifies this termination, so
 * only one filed since the written notice the termination rests on counts; one filed before that
 * notice does not. Without one the act waits for the season's end.
 */
function checkWinterAffidavit(ctx: Ctx, notice: CountedNotice | null): void {
  const w = ctx.p.winterAffidavit;
  if (!w) return;
  const { s } = ctx;
  const label = seasonLabel(w.season);
  if (!inSeason(w.season, ctx.today)) {
    ok(ctx, w, `no affidavit to ${w.filedWith} needed outside ${label}`);
    return;
  }
  if (!w.customerClasses.includes(s.customerClass)) {
    ok(ctx, w, `the ${label} affidavit covers ${w.customerClasses.join(', ')} customers only`);
    return;
  }
  if (w.services && !w.services.includes(s.service)) {
    ok(ctx, w, `the ${label} affidavit covers ${w.services.join(', ')} service only`);
    return;
  }
  const seasonEnd = seasonEndAfter(w.season, ctx.today);
  // The affidavit certifies arrears above the floor (COMAR 20.31.03.03B(7)): at or below it no
  // affidavit can be filed, so there is no termination until the season ends.
  if (w.minArrearsCents !== null && s.pastDueCents <= w.minArrearsCents) {
    block(
      ctx,
      w,
      `${label}: past due ${formatCents(s.pastDueCents)} is not more than ${formatCents(w.minArrearsCents)}, the least an affidavit to ${w.filedWith} may certify: no termination before ${seasonEnd}`,
      dayStart(ctx, seasonEnd),
      { code: `${w.code}_ARREARS`, protection: true },
    );
    return;
  }
  if (!notice) return;
  const lead = w.leadHours * MS_HOUR;
  const filed = (s.affidavits ?? [])
    .map((a) => ({ a, ms: instant(ctx, a.filedAt) }))
    .sort((x, y) => x.ms - y.ms);
  const counted = filed.filter((x) => x.ms >= notice.sentMs && x.ms <= ctx.t);
  const before = filed.filter((x) => x.ms < notice.sentMs);
  // The season ends, or an affidavit the snapshot holds for later has run its hours.
  const later = filed.find((x) => x.ms > ctx.t);
  const clears = minRetry(dayStart(ctx, seasonEnd), later ? later.ms + lead : null);
  const ref = (a: { reference: string }) => (a.reference ? ` (${a.reference})` : '');
  if (counted.length === 0) {
    const early = before.length
      ? ` (the affidavit filed ${stamp(ctx, before[before.length - 1]!.ms)}${ref(before[before.length - 1]!.a)} came before the notice of ${notice.sentDate} and does not count)`
      : '';
    block(
      ctx,
      w,
      `${label}: no affidavit filed with ${w.filedWith} since the notice of ${notice.sentDate}: file one at least ${w.leadHours} hours before termination; without it the earliest day is ${seasonEnd}${early}`,
      clears,
      { code: `${w.code}_REQUIRED` },
    );
    return;
  }
  const first = counted[0]!;
  const metAt = first.ms + lead;
  if (metAt <= ctx.t)
    ok(
      ctx,
      w,
      `affidavit${ref(first.a)} filed with ${w.filedWith} ${stamp(ctx, first.ms)}, at least ${w.leadHours} hours before`,
    );
  else
    block(
      ctx,
      w,
      `affidavit${ref(first.a)} filed with ${w.filedWith} ${stamp(ctx, first.ms)}: termination ${w.leadHours} hours later, from ${stamp(ctx, metAt)}`,
      minRetry(metAt, dayStart(ctx, seasonEnd)),
    );
}

// ---- weather ----------------------------------------------------------------------------------

function weatherFor(s: AccountSnapshot, date: string): WeatherDay | null {
  let merged: WeatherDay | null = null;
  for (const w of s.weather) if (w.date === date) merged = { ...(merged ?? {}), ...w };
  return merged;
}

type Field = 'forecastHighF' | 'forecastLowF' | 'observedHighF' | 'observedLowF';
const FIELD_TEXT: Record<Field, string> = {
  forecastHighF: 'forecast high',
  forecastLowF: 'forecast low',
  observedHighF: 'observed high',
  observedLowF: 'observed low',
};

/** One weather rule read for one local day. */
export interface WeatherRuleVerdict {
  rule: WeatherRule;
  /** The rule does not apply to this account (heating or cooling service only). */
  skipped: boolean;
  /** It would block a disconnection on the day. */
  protect: boolean;
  text: string;
  /** For a protection: the first day it no longer holds, when the rule says (heat advisory). */
  clearsOn: string | null;
  /** Figures the rule needs for the day and that are not recorded. */
  missing: string[];
}

/**
 * The profile's weather rules read for an account and one local day, exactly as the disconnection
 * block reads them for today: null when the profile has none; `notCovered` when they do not cover
 * the account's service.
 */
export function weatherOnDay(
  p: PolicyProfile,
  s: AccountSnapshot,
  date: string,
): { notCovered: Citation | null; rules: WeatherRuleVerdict[] } | null {
  const wr = p.weather;
  if (!wr) return null;
  if (!wr.services.includes(s.service))
    return {
      notCovered: cite(
        'WEATHER',
        wr.rules.map((r) => r.cite).join('; '),
        `the weather rules cover ${wr.services.join(', ')} service only`,
      ),
      rules: [],
    };
  const cooling = s.cooling ?? s.service === 'ELECTRIC';
  const rules: WeatherRuleVerdict[] = [];
  for (const rule of wr.rules) {
    const heatingOnly = 'heatingOnly' in rule && rule.heatingOnly;
    const coolingOnly = 'coolingOnly' in rule && rule.coolingOnly;
    if ((heatingOnly && !s.heating) || (coolingOnly && !cooling)) {
      rules.push({
        rule,
        skipped: true,
        protect: false,
        text: `${heatingOnly ? 'heating' : 'cooling'} service only: not this account`,
        clearsOn: null,
        missing: [],
      });
      continue;
    }
    const missing = new Set<string>();
    const read = (day: string, field: Field): number | null => {
      const v = weatherFor(s, day)?.[field];
      if (v === undefined || !Number.isFinite(v)) {
        missing.add(`${FIELD_TEXT[field]} for ${day}`);
        return null;
      }
      return v;
    };
    const advisory = (day: string): boolean | null => {
      const w = weatherFor(s, day);
      if (!w) {
        missing.add(`weather record (heat advisory) for ${day}`);
        return null;
      }
      return w.heatAdvisory === true;
    };
    const verdict = evaluateWeatherRule(p, date, rule, read, advisory);
    rules.push({
      rule,
      skipped: false,
      protect: verdict.protect,
      text: verdict.text,
      clearsOn: verdict.clearsOn ?? null,
      missing: [...missing],
    });
  }
  return { notCovered: null, rules };
}

function checkWeather(ctx: Ctx): void {
  const judged = weatherOnDay(ctx.p, ctx.s, ctx.today);
  if (!judged) return;
  if (judged.notCovered) {
    ok(ctx, judged.notCovered, judged.notCovered.text);
    return;
  }
  const tomorrow = dayStart(ctx, addDays(ctx.today, 1));
  for (const v of judged.rules) {
    const { rule } = v;
    if (v.skipped) {
      ok(ctx, rule, v.text);
      continue;
    }
    if (v.protect)
      block(ctx, rule, v.text, v.clearsOn ? dayStart(ctx, v.clearsOn) : tomorrow, { protection: true });
    if (v.missing.length > 0)
      block(
        ctx,
        { code: 'WEATHER_DATA_MISSING', cite: rule.cite },
        `${rule.code}: no recorded ${v.missing.join(', ')}: disconnection is refused until the weather is recorded`,
        null,
        { local: true },
      );
    else if (!v.protect) ok(ctx, rule, v.text);
  }
}

function evaluateWeatherRule(
  p: PolicyProfile,
  today: string,
  rule: WeatherRule,
  read: (date: string, field: Field) => number | null,
  advisory: (date: string) => boolean | null,
): { protect: boolean; text: string; clearsOn?: string } {
  const days = (n: number) => Array.from({ length: n }, (_, i) => addDays(today, i));
  switch (rule.kind) {
    case 'PRIOR_DAY_COLD': {
      const yesterday = addDays(today, -1);
      const high = read(yesterday, 'observedHighF');
      if (high === null) return { protect: false, text: '' };
      if (high > rule.observedHighMaxF)
        return {
          protect: false,
          text: `previous day's high ${high}°F (${yesterday}) above ${rule.observedHighMaxF}°F`,
        };
      const forecast = read(today, 'forecastHighF');
      if (forecast === null) return { protect: false, text: '' };
      if (forecast <= rule.forecastHighMaxF)
        return {
          protect: true,
          text: `extreme cold: previous day's high ${high}°F and today's forecast high ${forecast}°F at or below ${rule.forecastHighMaxF}°F`,
        };
      return {
        protect: false,
        text: `previous day's high ${high}°F but today's forecast high ${forecast}°F is above ${rule.forecastHighMaxF}°F`,
      };
    }
    case 'HEAT_ADVISORY': {
      const window = Array.from({ length: rule.lookbackDays + 1 }, (_, i) => addDays(today, -i));
      const withAdvisory = window.filter((d) => advisory(d) === true);
      if (withAdvisory.length > 0) {
        const latest = withAdvisory.reduce((a, b) => (a > b ? a : b));
        const clear = addDays(latest, rule.lookbackDays + 1);
        return {
          protect: true,
          text: `heat advisory on ${latest}: no disconnection that day or the ${rule.lookbackDays} days after (through ${addDays(clear, -1)})`,
          clearsOn: clear,
        };
      }
      return { protect: false, text: `no heat advisory on ${window.slice().reverse().join(', ')}` };
    }
    case 'FORECAST_COLD': {
      const lows = days(rule.days).map((d) => [d, read(d, 'forecastLowF')] as const);
      const cold = lows.filter(([, v]) => v !== null && v <= rule.maxF);
      if (cold.length > 0)
        return {
          protect: true,
          text: `forecast low ${cold.map(([d, v]) => `${v}°F on ${d}`).join(', ')}: at or below ${rule.maxF}°F`,
        };
      return {
        protect: false,
        text: `forecast lows ${lows.map(([d, v]) => `${v ?? '?'}°F on ${d}`).join(', ')} above ${rule.maxF}°F`,
      };
    }
    case 'FORECAST_HOT': {
      const hot: string[] = [];
      const seen: string[] = [];
      for (const d of days(rule.days)) {
        const high = read(d, 'forecastHighF');
        if (high !== null && high >= rule.minF) hot.push(`forecast high ${high}°F on ${d}`);
        if (rule.advisory && advisory(d) === true) hot.push(`heat advisory on ${d}`);
        seen.push(`${high ?? '?'}°F on ${d}`);
      }
      if (hot.length > 0)
        return { protect: true, text: `${hot.join(', ')}: at or above ${rule.minF}°F or under advisory` };
      return {
        protect: false,
        text: `forecast highs ${seen.join(', ')} below ${rule.minF}°F${rule.advisory ? ', no heat advisory' : ''}`,
      };
    }
    case 'BEFORE_NON_WORKDAY': {
      const off: string[] = [];
      for (let d = addDays(today, 1); !isBusinessDay(p, d) && off.length < 7; d = addDays(d, 1)) off.push(d);
      if (off.length === 0)
        return { protect: false, text: `tomorrow (${addDays(today, 1)}) is a working day` };
      const bad: string[] = [];
      for (const d of off) {
        if (rule.maxLowF !== null) {
          const low = read(d, 'forecastLowF');
          if (low !== null && low <= rule.maxLowF) bad.push(`forecast low ${low}°F on ${d}`);
        }
        if (rule.minHighF !== null) {
          const high = read(d, 'forecastHighF');
          if (high !== null && high >= rule.minHighF) bad.push(`forecast high ${high}°F on ${d}`);
        }
      }
      const limit =
        rule.maxLowF !== null ? `at or below ${rule.maxLowF}°F` : `at or above ${rule.minHighF}°F`;
      if (bad.length > 0)
        return {
          protect: true,
          text: `day before a weekend or holiday (${off.join(', ')}) with ${bad.join(', ')}: ${limit}`,
        };
      return {
        protect: false,
        text: `day before a weekend or holiday (${off.join(', ')}), forecast not ${limit}`,
      };
    }
  }
}

// ---- allowed days and hours -------------------------------------------------------------------

/** Why a date is not a disconnection day, or null when it is one. */
function dayProblem(p: PolicyProfile, date: string): string | null {
  const w = p.disconnectWindow;
  if (!w.weekdays.includes(isoWeekday(date)))
    return `${weekdayName(date)} ${date} is not a termination day (allowed: ${weekdayList(w.weekdays)})`;
  const holiday = holidayName(p, date);
  if (holiday) return `${date} is a holiday (${holiday})`;
  if (w.noDayBeforeHoliday) {
    const next = addDays(date, 1);
    const h = holidayName(p, next);
    if (h) return `${date} is the day before a holiday (${next}, ${h})`;
  }
  return null;
}

/** End of the day's window in minutes: the OH 12:30 cutoff before a day without reconnection. */
function windowEnd(p: PolicyProfile, date: string): { end: number; cutoff: boolean } {
  const w = p.disconnectWindow;
  const end = parseClock(w.hours.end);
  if (w.cutoffBeforeNoReconnectDay && !isBusinessDay(p, addDays(date, 1))) {
    const cutoff = parseClock(w.cutoffBeforeNoReconnectDay);
    if (cutoff < end) return { end: cutoff, cutoff: true };
  }
  return { end, cutoff: false };
}

function nextWindowStart(p: PolicyProfile, fromDate: string): number | null {
  const start = parseClock(p.disconnectWindow.hours.start);
  for (let i = 0; i <= SEARCH_HORIZON_DAYS; i++) {
    const d = addDays(fromDate, i);
    if (!dayProblem(p, d) && windowEnd(p, d).end > start) return zonedInstant(d, start, p.timeZone);
  }
  return null;
}

function checkDisconnectWindow(ctx: Ctx): void {
  const { p } = ctx;
  const w = p.disconnectWindow;
  const hoursRule: Rule = { code: `${w.code}_HOURS`, cite: w.hoursCite ?? ENGINE_DEFAULT };
  const hoursText = `${w.hours.start}–${w.hours.end}${w.hoursCite ? '' : ' (default business hours: the jurisdiction sets none)'}`;
  const problem = dayProblem(p, ctx.today);
  const tomorrow = addDays(ctx.today, 1);
  if (problem) {
    block(ctx, w, problem, nextWindowStart(p, tomorrow));
    return;
  }
  ok(
    ctx,
    w,
    `${weekdayName(ctx.today)} ${ctx.today} is a termination day (${weekdayList(w.weekdays)}${w.noDayBeforeHoliday ? '; not a holiday or the day before one' : '; not a holiday'})`,
  );
  const start = parseClock(w.hours.start);
  const { end, cutoff } = windowEnd(p, ctx.today);
  const now = `${stamp(ctx, ctx.t)} local`;
  if (ctx.minutes < start)
    block(
      ctx,
      hoursRule,
      `${now} is before the window ${hoursText}`,
      zonedInstant(ctx.today, start, p.timeZone),
    );
  else if (ctx.minutes >= end)
    block(
      ctx,
      cutoff ? { code: `${w.code}_CUTOFF`, cite: w.cite } : hoursRule,
      cutoff
        ? `${now}: not after ${w.cutoffBeforeNoReconnectDay} on the day before a day without reconnection (${tomorrow})`
        : `${now} is after the window ${hoursText}`,
      nextWindowStart(p, tomorrow),
    );
  else
    ok(
      ctx,
      hoursRule,
      `${now} is inside the window ${hoursText}${cutoff ? `, cut off at ${w.cutoffBeforeNoReconnectDay} before a day without reconnection` : ''}`,
    );
}

function checkContactWindow(ctx: Ctx): void {
  const hours = ctx.p.contactHours ?? DEFAULT_CONTACT_HOURS;
  const rule: Rule = {
    code: 'CONTACT_HOURS',
    cite: ctx.p.contactHours && ctx.p.shortNotice ? ctx.p.shortNotice.cite : ENGINE_DEFAULT,
  };
  const text = `${hours.start}–${hours.end}${ctx.p.contactHours ? '' : ' (default: the jurisdiction sets none)'}`;
  const start = parseClock(hours.start);
  const now = `${stamp(ctx, ctx.t)} local`;
  if (ctx.minutes < start)
    block(ctx, rule, `${now} is before ${text}`, zonedInstant(ctx.today, start, ctx.p.timeZone));
  else if (!inClockWindow(ctx.minutes, hours))
    block(ctx, rule, `${now} is after ${text}`, zonedInstant(addDays(ctx.today, 1), start, ctx.p.timeZone));
  else ok(ctx, rule, `${now} is inside ${text}`);
}

function checkStepRequired(ctx: Ctx): void {
  const { p, step } = ctx;
  if (step === 'SHORT_NOTICE_CONTACT') {
    const sc = p.shortNotice;
    if (!sc)
      ok(
        ctx,
        { code: 'SHORT_NOTICE_NOT_REQUIRED', cite: `policy profile ${p.code}` },
        'no short-notice contact is required; a courtesy contact may be made',
      );
    else if (sc.season && !inSeason(sc.season, ctx.today))
      ok(
        ctx,
        sc,
        `short-notice contact not required outside ${seasonLabel(sc.season)}; a courtesy contact may be made`,
      );
    else
      ok(
        ctx,
        sc,
        `short-notice contact: at least ${sc.lead.amount} ${sc.lead.unit.toLowerCase()} before termination`,
      );
  }
  const cc = step === 'DISCONNECT' || step === 'DISCONNECT_NOTICE' ? null : criticalCareInForce(ctx);
  if (cc)
    ok(
      ctx,
      cc,
      step === 'SHORT_NOTICE_CONTACT'
        ? 'critical-care household: the customer and the emergency contact are contacted before disconnection'
        : 'critical-care household: when calls reach nobody, the premises is visited and a door hanger left',
    );
  if (step === 'POSTED_NOTICE') {
    const pn = p.postedNotice;
    const fallback = p.shortNotice?.postedFallbackHours ?? null;
    if (pn && (!pn.season || inSeason(pn.season, ctx.today)))
      ok(ctx, pn, `a ${pn.leadHours}-hour notice is posted at the premises before termination`);
    else if (fallback !== null && p.shortNotice)
      ok(ctx, p.shortNotice, `a ${fallback}-hour posted notice replaces a contact that reached nobody`);
    else
      ok(
        ctx,
        { code: 'POSTED_NOTICE_NOT_REQUIRED', cite: `policy profile ${p.code}` },
        'no posted notice is required now; one may be posted',
      );
  }
}

function collectConditions(ctx: Ctx): void {
  for (const c of ctx.p.actConditions)
    if (!c.season || inSeason(c.season, ctx.today)) ctx.conditions.push(cite(c.code, c.cite, c.text));
}

// ---- the evaluator ----------------------------------------------------------------------------

function check(p: PolicyProfile, s: AccountSnapshot, step: Step, t: number): Ctx {
  const clock = wallClock(t, p.timeZone);
  const ctx: Ctx = { p, s, step, t, today: clock.date, minutes: clock.minutes, found: [], conditions: [] };
  checkAccount(ctx);
  checkHold(ctx);
  checkDisputes(ctx);
  checkArrangement(ctx);
  checkMedical(ctx);
  checkMoratoria(ctx);
  const pastDue = checkPastDue(ctx);
  if (step === 'DISCONNECT_NOTICE') {
    if (pastDue) checkNoticeTiming(ctx);
    return ctx;
  }
  checkStepRequired(ctx);
  const notice = pastDue ? checkNoticeOnFile(ctx, step === 'DISCONNECT') : null;
  if (step === 'DISCONNECT') {
    if (pastDue) checkDisconnectDelinquency(ctx);
    checkWinterNotice(ctx, notice);
    checkShortNotice(ctx, notice);
    checkPostedNotice(ctx, notice);
    checkCriticalCare(ctx, notice);
    checkWinterAffidavit(ctx, notice);
    checkWeather(ctx);
    checkDisconnectWindow(ctx);
    collectConditions(ctx);
  } else checkContactWindow(ctx);
  return ctx;
}

interface SearchResult {
  at: number | null;
  /** When null: where the search stopped and what stopped it. */
  stoppedAt: number;
  stoppedBy: Citation[];
}

function search(p: PolicyProfile, s: AccountSnapshot, step: Step, from: number): SearchResult {
  const horizon = from + SEARCH_HORIZON_DAYS * MS_DAY;
  let t = from;
  for (let i = 0; i < MAX_SEARCH_STEPS; i++) {
    const blocking = check(p, s, step, t).found.filter((f) => f.blocks);
    if (blocking.length === 0) return { at: t, stoppedAt: t, stoppedBy: [] };
    const indefinite = blocking.filter((f) => f.retryAt === null && !f.local);
    if (indefinite.length > 0) return { at: null, stoppedAt: t, stoppedBy: indefinite.map((f) => f.reason) };
    // Missing facts about this moment stop the search unless another rule waits past it anyway.
    const waits = blocking.filter((f) => f.retryAt !== null);
    if (waits.length === 0) return { at: null, stoppedAt: t, stoppedBy: blocking.map((f) => f.reason) };
    let next = Math.max(...waits.map((f) => f.retryAt!));
    if (next <= t) next = t + 60_000;
    if (next > horizon)
      return {
        at: null,
        stoppedAt: t,
        stoppedBy: [
          cite(
            'NO_LAWFUL_MOMENT_IN_HORIZON',
            `policy profile ${p.code}`,
            `no lawful moment within ${SEARCH_HORIZON_DAYS} days`,
          ),
        ],
      };
    t = next;
  }
  return {
    at: null,
    stoppedAt: t,
    stoppedBy: [
      cite(
        'NO_LAWFUL_MOMENT_IN_HORIZON',
        `policy profile ${p.code}`,
        'the search for a lawful moment did not settle',
      ),
    ],
  };
}

function decide(p: PolicyProfile, s: AccountSnapshot, step: Step, t: number): Decision {
  const ctx = check(p, s, step, t);
  const blocking = ctx.found.filter((f) => f.blocks).map((f) => f.reason);
  const decision: Decision = {
    step,
    allowed: blocking.length === 0,
    earliest: null,
    reasons: ctx.found.map((f) => f.reason),
    blocking,
    protections: ctx.found.filter((f) => f.protection).map((f) => f.reason),
    conditions: ctx.conditions,
    earliestReasons: [],
  };
  if (decision.allowed) {
    decision.earliest = isoInstant(t);
    return decision;
  }
  const found = search(p, s, step, t);
  if (found.at !== null) {
    decision.earliest = isoInstant(found.at);
    decision.earliestReasons = [
      cite(
        'EARLIEST_LAWFUL_MOMENT',
        `policy profile ${p.code}`,
        `first moment every rule is met: ${localStamp(found.at, p.timeZone)} ${p.timeZone}`,
      ),
    ];
  } else
    decision.earliestReasons = found.stoppedBy.map((r) => ({
      ...r,
      text: `${found.stoppedAt === t ? 'now' : `from ${localStamp(found.stoppedAt, p.timeZone)}`}: ${r.text}`,
    }));
  return decision;
}

const STEPS: readonly Step[] = ['DISCONNECT_NOTICE', 'SHORT_NOTICE_CONTACT', 'POSTED_NOTICE', 'DISCONNECT'];

function parseAt(p: PolicyProfile, step: Step, at: string): number {
  if (!STEPS.includes(step)) throw new RangeError(`Unknown step ${JSON.stringify(step)}`);
  return toInstant(at, p.timeZone);
}

/** Is the step lawful at `at`; if not, the earliest lawful moment (searched forward) and why. */
export function evaluate(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  step: Step,
  at: string,
): Decision {
  return decide(profile, snapshot, step, parseAt(profile, step, at));
}

/**
 * The decision at the earliest lawful moment at or after `from` (allowed, with the reasons that
 * hold then), or — when there is none within the horizon — the decision at `from` with
 * `earliest: null`.
 */
export function nextLawfulMoment(
  profile: PolicyProfile,
  snapshot: AccountSnapshot,
  step: Step,
  from: string,
): Decision {
  const t = parseAt(profile, step, from);
  const found = search(profile, snapshot, step, t);
  return decide(profile, snapshot, step, found.at ?? t);
}
