// Calendar arithmetic on ISO dates ('2026-11-25') as day numbers (days since 1970-01-01). A ledger
// date is a whole civil day in the utility's time zone; no time of day, no Date object in the
// result, so nothing here depends on where the code runs.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function parts(iso: string): [number, number, number] {
  const m = ISO_DATE.exec(iso);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)) return [y, mo, d];
  }
  throw new RangeError(`Not a date as YYYY-MM-DD: ${JSON.stringify(iso)}`);
}

export function isIsoDate(text: string): boolean {
  try {
    parts(text);
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function dayNumber(iso: string): number {
  const [y, m, d] = parts(iso);
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

export function isoFromDayNumber(n: number): string {
  const d = new Date(n * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

export function addDays(iso: string, days: number): string {
  return isoFromDayNumber(dayNumber(iso) + days);
}

/** The same day `months` later (or earlier), clamped to the end of a shorter month. */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = parts(iso);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(d, daysInMonth(year, month)))}`;
}

/** Whole calendar months from `from` to `to` (0 when `to` is before `from`). */
export function fullMonthsBetween(from: string, to: string): number {
  if (to < from) return 0;
  const [y1, m1] = parts(from);
  const [y2, m2] = parts(to);
  let months = (y2 - y1) * 12 + (m2 - m1);
  if (addMonths(from, months) > to) months--;
  return months;
}

/** A Date's calendar day in a time zone, as YYYY-MM-DD. */
// Building a DateTimeFormat costs far more than using one (time zone data is resolved each time):
// one per zone, kept.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function isoDateIn(at: Date, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}
