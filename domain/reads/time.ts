// Wall-clock timestamps as meter-reading files carry them: utility local time with no zone
// ("2026-11-02T06:00:00"). Pure arithmetic (no Date, no clock), so it is safe in workflows.
// Seconds are counted as if the wall clock were UTC: good for ordering and for windows, and
// calendar-day differences come from the date part alone, so a DST change never shifts a day.

export interface LocalDateTime {
  /** Normalised "YYYY-MM-DDTHH:MM:SS". */
  readonly text: string;
  /** Days since 1970-01-01 of the date part. */
  readonly day: number;
  /** Seconds since 1970-01-01T00:00:00 of the wall clock (not an instant). */
  readonly seconds: number;
  /** True when the text held a date only. */
  readonly dateOnly: boolean;
}

const LOCAL_TS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (a space may replace the T).
 * Returns null for anything else, including impossible dates (2026-02-30, 24:00) and text with
 * a zone designator: reading files are in utility local time and a zone would be misread.
 */
export function parseLocalDateTime(text: string): LocalDateTime | null {
  const m = LOCAL_TS.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dateOnly = m[4] === undefined;
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  const day = daysFromCivil(y, mo, d);
  return {
    text: `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`,
    day,
    seconds: day * 86400 + h * 3600 + mi * 60 + s,
    dateOnly,
  };
}

/** Calendar days from a's date to b's date (b − a), ignoring the time of day. */
export function calendarDaysBetween(a: LocalDateTime, b: LocalDateTime): number {
  return b.day - a.day;
}
