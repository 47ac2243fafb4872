// Values the presets share where a jurisdiction is silent. Each one is labelled as the engine's
// default in the reasons it produces, so a decision never presents a house choice as the law.
import type { ClockWindow, DelinquencyRule, Rule, Service } from '../types';

export const ENGINE_DEFAULT = 'OpenCIS default (the jurisdiction sets none)';

/** Field work in business hours when a jurisdiction names no hours. */
export const DEFAULT_DISCONNECT_HOURS: ClockWindow = { start: '08:00', end: '16:00' };
/** Calls and postings when a jurisdiction names no hours. */
export const DEFAULT_CONTACT_HOURS: ClockWindow = { start: '08:00', end: '20:00' };

export const ALL_SERVICES: Service[] = ['WATER', 'SEWER', 'ELECTRIC', 'GAS'];
export const MON_FRI = [1, 2, 3, 4, 5];

/** Any past-due amount, from the day after the due date. */
export function anyPastDue(code: string, cite: string): DelinquencyRule {
  return {
    code,
    cite,
    minDaysPastDue: 1,
    minPastDueCents: 1n,
    notBeforeDaysAfterBillMailed: null,
    fromRule: false,
  };
}

/** A supervisor's hold is the utility's own decision, not a statute. */
export const SUPERVISOR_HOLD: Rule = { code: 'SUPERVISOR_HOLD', cite: 'utility supervisor hold' };

/** Profiles that set no reconnection time: within 24 hours of the cure. */
export const DEFAULT_RECONNECTION_HOURS = 24;

/** Income verified more than a year ago is treated as unknown for income-based protections. */
export const INCOME_VERIFICATION_MAX_AGE_DAYS = 365;

/**
 * Business hours for a reconnection charge (in business hours or after): the office hours the
 * notices give, on business days.
 */
export const BUSINESS_HOURS: ClockWindow = { start: '08:00', end: '16:30' };
