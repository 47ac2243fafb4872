// The calendar of one bill cycle run: when its read window opens and closes, the bill date, the
// due date (20 days after the bill date, per the ordinance) and the day late charges are assessed
// (the day after the due date). Pure; times are the utility's local clock, written as UTC.

export interface CycleCalendar {
  period: string;
  readDay: string;
  readWindowFrom: string;
  readWindowTo: string;
  billDate: string;
  dueDate: string;
  lateChargeDate: string;
}

/** Days before and after the read day that reads still count for the cycle. */
export const READ_WINDOW_DAYS_BEFORE = 2;
export const READ_WINDOW_DAYS_AFTER = 3;
export const DUE_DAYS = 20;

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function isPeriod(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/** The billing period a scheduled run started at `at` belongs to. */
export function cyclePeriodFor(at: Date): string {
  return at.toISOString().slice(0, 7);
}

export function cycleCalendar(period: string, readDayOfMonth: number): CycleCalendar {
  if (!isPeriod(period)) throw new Error(`period must be YYYY-MM, got ${period}`);
  if (!Number.isInteger(readDayOfMonth) || readDayOfMonth < 1 || readDayOfMonth > 28) {
    throw new Error(`read day must be 1..28, got ${readDayOfMonth}`);
  }
  const readDay = Date.parse(`${period}-${String(readDayOfMonth).padStart(2, '0')}T00:00:00Z`);
  const windowTo = readDay + (READ_WINDOW_DAYS_AFTER + 1) * DAY_MS;
  const billDate = windowTo;
  const dueDate = billDate + DUE_DAYS * DAY_MS;
  return {
    period,
    readDay: isoDay(readDay),
    readWindowFrom: new Date(readDay - READ_WINDOW_DAYS_BEFORE * DAY_MS).toISOString(),
    readWindowTo: new Date(windowTo).toISOString(),
    billDate: isoDay(billDate),
    dueDate: isoDay(dueDate),
    lateChargeDate: isoDay(dueDate + DAY_MS),
  };
}

/**
 * The calendar with the bill issued `shiftDays` later than planned: bill date, due date (still
 * DUE_DAYS after it) and late-charge day move together, so a customer always has the ordinance's
 * 20 days from the bill's date. Used when a review hold keeps a run's bills past their planned
 * bill date.
 */
export function shiftedCalendar(c: CycleCalendar, shiftDays: number): CycleCalendar {
  if (!Number.isInteger(shiftDays) || shiftDays < 0)
    throw new Error(`shift must be whole days ≥ 0, got ${shiftDays}`);
  const billDate = Date.parse(`${c.billDate}T00:00:00Z`) + shiftDays * DAY_MS;
  const dueDate = billDate + DUE_DAYS * DAY_MS;
  return {
    ...c,
    billDate: isoDay(billDate),
    dueDate: isoDay(dueDate),
    lateChargeDate: isoDay(dueDate + DAY_MS),
  };
}

/**
 * Days a review hold kept bills past their planned bill date: the days from the later of the hold's
 * first day and the planned bill date to the day of approval (utility-local dates). A hold that
 * ended on or before the bill date, or a past period's run held and approved the same day, moves
 * nothing.
 */
export function holdShiftDays(billDate: string, heldOn: string, approvedOn: string): number {
  const from = Math.max(Date.parse(`${billDate}T00:00:00Z`), Date.parse(`${heldOn}T00:00:00Z`));
  return Math.max(0, Math.round((Date.parse(`${approvedOn}T00:00:00Z`) - from) / DAY_MS));
}
