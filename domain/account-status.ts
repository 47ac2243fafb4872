// An account's standing on a past day, from what the record keeps: accounts keep no status history,
// only the day service started and the day it ended. Reports "as of" a month's end ask this, not
// today's status (an account closed since was a customer then; one opened since was not).

export interface AccountDates {
  status: 'PENDING' | 'ACTIVE' | 'FINAL' | 'CLOSED';
  /** YYYY-MM-DD: the day service started (for a PENDING account, the day asked for). */
  startDate: string;
  /** YYYY-MM-DD: the last day of service, when it has ended. */
  endDate: string | null;
}

/**
 * Whether the account was taking service at the end of `day` (YYYY-MM-DD): started on or before
 * it, and not ended by then (its end date after it). A PENDING account has not started, whatever
 * its start date says; a FINAL or CLOSED account without an end date is taken as ended.
 */
export function inServiceOn(a: AccountDates, day: string): boolean {
  if (a.status === 'PENDING' || a.startDate > day) return false;
  return a.endDate ? a.endDate > day : a.status === 'ACTIVE';
}
