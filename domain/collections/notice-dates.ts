// The dates a collections notice states, and the reasons that set them: the day service may be
// disconnected on or after, the last day to pay, how long the notice is good for. The reasons are
// data (a code, its numbers, the citation), worded for the customer by the notice templates in the
// notice's language; the engine's own explanations (configuration, recipients, charges) stay in the
// audit trail and never reach a notice.
import { addDays } from '../ledger/dates';
import { addCountedDays } from './calendar';
import type { PolicyProfile } from './types';

/** One reason behind a date a notice states. */
export type NoticeDateReason =
  /** The written notice period, counted from the day the notice is mailed (plus any mail days). */
  | { code: 'NOTICE_LEAD'; cite: string; days: number; business: boolean; mailDays: number }
  /** No disconnection before a bill is this many days past due (California water: 60). */
  | { code: 'DAYS_PAST_DUE'; cite: string; days: number; dueDate: string }
  /** The notice goes out with the print batch of `on`, a later day than it was decided. */
  | { code: 'MAILED_WITH_BATCH'; on: string }
  /** The notice is good for this many days, the day it is issued the first. */
  | { code: 'VALID_FOR'; cite: string; days: number };

export interface NoticeDates {
  disconnectOnOrAfter: string | null;
  /** The last day a payment made as the notice says still stops the disconnection. */
  payBy: string | null;
  validUntil: string | null;
  reasons: NoticeDateReason[];
}

/**
 * The last day to pay for a disconnection on or after `disconnectOnOrAfter`: the day before. The
 * engine may act from the first moment of that date, so a payment made "by" it would not protect.
 */
export const lastDayToPay = (disconnectOnOrAfter: string): string => addDays(disconnectOnOrAfter, -1);

/**
 * The dates of a notice issued on `today` (YYYY-MM-DD, the profile's zone) and mailed on `mailedOn`
 * (the day of the print batch it leaves with; `today` or later). A disconnection notice's date is
 * the longest notice lead any channel has (a mailed notice's, with its mail allowance) from the day
 * it is mailed, and not before the bill is as delinquent as the profile requires. A date already
 * decided (`disconnectOnOrAfter`) is kept; its reasons are then the caller's.
 */
export function noticeDates(
  profile: PolicyProfile,
  i: {
    today: string;
    mailedOn: string;
    disconnection: boolean;
    oldestUnpaidDueDate: string | null;
    disconnectOnOrAfter?: string | null;
  },
): NoticeDates {
  const n = profile.notice;
  const reasons: NoticeDateReason[] = [];
  let disconnectOnOrAfter: string | null = i.disconnectOnOrAfter ?? null;
  if (!disconnectOnOrAfter && i.disconnection) {
    const days = Math.max(n.leadDays, ...Object.values(n.leadDaysByChannel));
    const byLead = addCountedDays(profile, i.mailedOn, days + n.mailAllowanceDays, n.leadDayCount);
    const dd = profile.disconnectDelinquency;
    const byDelinquency =
      dd && i.oldestUnpaidDueDate ? addDays(i.oldestUnpaidDueDate, dd.minDaysPastDue) : null;
    if (dd && byDelinquency && byDelinquency > byLead) {
      disconnectOnOrAfter = byDelinquency;
      reasons.push({
        code: 'DAYS_PAST_DUE',
        cite: dd.cite,
        days: dd.minDaysPastDue,
        dueDate: i.oldestUnpaidDueDate!,
      });
    } else {
      disconnectOnOrAfter = byLead;
      reasons.push({
        code: 'NOTICE_LEAD',
        cite: n.cite,
        days,
        business: n.leadDayCount === 'BUSINESS',
        mailDays: n.mailAllowanceDays,
      });
      if (i.mailedOn > i.today) reasons.push({ code: 'MAILED_WITH_BATCH', on: i.mailedOn });
    }
  }
  const validDays = n.validityDays ?? null;
  // A notice good for N days is counted as periods of days are (1 Pa.C.S. §1908: the first day
  // excluded, the last included): the last day it is good for is today + N, the day the rules stop
  // honouring it today + N + 1 (evaluate). The same count as a medical certificate's 30 days.
  const validUntil = validDays ? addDays(i.today, validDays) : null;
  if (validDays) reasons.push({ code: 'VALID_FOR', cite: n.cite, days: validDays });
  return {
    disconnectOnOrAfter,
    payBy: disconnectOnOrAfter ? lastDayToPay(disconnectOnOrAfter) : null,
    validUntil,
    reasons,
  };
}

/**
 * The dates of a notice whose letter went out `days` later than they were counted from: the
 * disconnection date and the last day to pay move on together, and the reasons say when it was
 * mailed. The days it is valid for still count from its issue.
 */
export function movedNoticeDates(
  d: Pick<NoticeDates, 'disconnectOnOrAfter' | 'payBy' | 'reasons'>,
  days: number,
  mailedOn: string,
): Pick<NoticeDates, 'disconnectOnOrAfter' | 'payBy' | 'reasons'> {
  if (days <= 0 || !d.disconnectOnOrAfter) return d;
  const reasons: NoticeDateReason[] = d.reasons.filter((r) => r.code !== 'MAILED_WITH_BATCH');
  const at = reasons.findIndex((r) => r.code === 'NOTICE_LEAD' || r.code === 'DAYS_PAST_DUE');
  reasons.splice(at + 1, 0, { code: 'MAILED_WITH_BATCH', on: mailedOn });
  return {
    disconnectOnOrAfter: addDays(d.disconnectOnOrAfter, days),
    payBy: d.payBy ? addDays(d.payBy, days) : null,
    reasons,
  };
}
