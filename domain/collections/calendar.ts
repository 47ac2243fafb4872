// Calendars for the policy engine: local wall clock in a profile's IANA zone (Intl only, no
// library), public and bank holidays from date-holidays (cached per country, state and year),
// business days, seasons. Instants are epoch milliseconds inside the engine; dates are
// 'YYYY-MM-DD' local days in the profile's zone. Nothing reads the clock.
import Holidays from 'date-holidays';
import { addDays, dayNumber, isIsoDate } from '../ledger/dates';
import type { ClockWindow, DayCount, PolicyParameters, Season } from './types';

export const MS_HOUR = 3_600_000;
export const MS_DAY = 86_400_000;

// ---- wall clock -------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
  seconds: number;
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minutes: Number(p.hour) * 60 + Number(p.minute),
    seconds: Number(p.second),
  };
}

/** Local date (YYYY-MM-DD) of an instant. */
export function localDate(ms: number, timeZone: string): string {
  return wallClock(ms, timeZone).date;
}

/** Offset of the zone at an instant: local wall clock minus UTC, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const c = wallClock(whole, timeZone);
  const [y, m, d] = c.date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, 0, c.minutes, c.seconds) - whole;
}

/** The instant a local date and minutes-after-midnight happen in a zone. */
export function zonedInstant(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, 0, minutes);
  const first = offsetAt(guess, timeZone);
  const candidate = guess - first;
  const second = offsetAt(candidate, timeZone);
  return second === first ? candidate : guess - second;
}

/**
 * The instant a local calendar day (YYYY-MM-DD) begins in a time zone. A range of local days as
 * instants — a report's month, a meter's interval use by date, a from/to filter — starts and ends
 * here, not at UTC midnight, and a day on which the clocks change is 23 or 25 hours long.
 */
export function localMidnight(iso: string, timeZone: string): Date {
  dayNumber(iso); // a day that does not exist (2026-02-30) is a RangeError, not a shifted date
  return new Date(zonedInstant(iso, 0, timeZone));
}

const midnights = new Map<string, number>();

/** Local midnight starting a date (memoised: the evaluator asks for the same days repeatedly). */
export function startOfDay(date: string, timeZone: string): number {
  const key = `${timeZone}|${date}`;
  let ms = midnights.get(key);
  if (ms === undefined) {
    ms = zonedInstant(date, 0, timeZone);
    if (midnights.size >= 100_000) midnights.clear();
    midnights.set(key, ms);
  }
  return ms;
}

/**
 * The last second of a local date (23:59:59 in the zone): when something good "until" that day
 * stops being good, wherever the server's clock or UTC stands.
 */
export function endOfDay(date: string, timeZone: string): number {
  return startOfDay(addDays(date, 1), timeZone) - 1000;
}

export function parseClock(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new RangeError(`Not a time as HH:MM: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function inClockWindow(minutes: number, w: ClockWindow): boolean {
  return minutes >= parseClock(w.start) && minutes < parseClock(w.end);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO instant with an offset ('...Z' or '+02:00'); a bare date is local midnight in the zone. */
export function toInstant(text: string, timeZone: string): number {
  if (isIsoDate(text)) return startOfDay(text, timeZone);
  if (!INSTANT.test(text)) throw new RangeError(`Not an ISO instant with an offset: ${JSON.stringify(text)}`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`Not an ISO instant: ${JSON.stringify(text)}`);
  return ms;
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** '2026-11-24 10:00' in the zone, for reasons people read. */
export function localStamp(ms: number, timeZone: string): string {
  const c = wallClock(ms, timeZone);
  return `${c.date} ${pad(Math.floor(c.minutes / 60))}:${pad(c.minutes % 60)}`;
}

// ---- days --------------------------------------------------------------------------------------

const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: string): number {
  // 1970-01-01 (day 0) was a Thursday.
  return ((((dayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

export function weekdayName(date: string): string {
  return WEEKDAY_NAMES[isoWeekday(date)]!;
}

export function weekdayList(days: number[]): string {
  return days.map((d) => WEEKDAY_NAMES[d]!.slice(0, 3)).join(', ');
}

// ---- holidays ---------------------------------------------------------------------------------

const holidayCalendars = new Map<string, Holidays>();
const holidayYears = new Map<string, ReadonlyMap<string, string>>();

/**
 * Public and bank holidays (substitute days included) of a country/state for a year, computed
 * once per (country, state, year). Observances and "optional" days (Christmas Eve) are not
 * holidays here; a utility that closes on them lists them in `extraHolidays`.
 */
export function holidaysOf(country: string, state: string, year: number): ReadonlyMap<string, string> {
  const key = `${country}-${state}-${year}`;
  let days = holidayYears.get(key);
  if (!days) {
    const regionKey = `${country}-${state}`;
    let cal = holidayCalendars.get(regionKey);
    if (!cal) {
      cal = new Holidays(country, state, { types: ['public', 'bank'] });
      holidayCalendars.set(regionKey, cal);
    }
    const map = new Map<string, string>();
    for (const h of cal.getHolidays(year)) {
      if (h.type !== 'public' && h.type !== 'bank') continue;
      const date = h.date.slice(0, 10);
      map.set(date, map.has(date) ? `${map.get(date)} / ${h.name}` : h.name);
    }
    days = map;
    holidayYears.set(key, days);
  }
  return days;
}

type CalendarParams = Pick<PolicyParameters, 'holidayRegion' | 'extraHolidays'>;

/** The holiday's name when the date is a public/bank holiday or one the utility observes. */
export function holidayName(p: CalendarParams, date: string): string | null {
  if (p.extraHolidays.includes(date)) return 'a holiday observed by the utility';
  const year = Number(date.slice(0, 4));
  return holidaysOf(p.holidayRegion.country, p.holidayRegion.state, year).get(date) ?? null;
}

export function isBusinessDay(p: CalendarParams, date: string): boolean {
  return isoWeekday(date) <= 5 && holidayName(p, date) === null;
}

/** The date `n` business days after `date` (n >= 0; 0 returns the date itself). */
export function addBusinessDays(p: CalendarParams, date: string, n: number): string {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isBusinessDay(p, d)) left--;
  }
  return d;
}

export function addCountedDays(p: CalendarParams, date: string, n: number, count: DayCount): string {
  return count === 'BUSINESS' ? addBusinessDays(p, date, n) : addDays(date, n);
}

// ---- seasons ----------------------------------------------------------------------------------

export function inSeason(season: Season, date: string): boolean {
  const md = date.slice(5);
  return season.from <= season.to
    ? md >= season.from && md <= season.to
    : md >= season.from || md <= season.to;
}

/** The first date after the season that contains `date` (the season's last day + 1). */
export function seasonEndAfter(season: Season, date: string): string {
  const year = Number(date.slice(0, 4));
  const md = date.slice(5);
  const endYear = season.from <= season.to || md <= season.to ? year : year + 1;
  const last = `${endYear}-${season.to === '02-29' ? '02-28' : season.to}`;
  return addDays(last, 1);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 'Dec 1–Mar 31'. */
export function seasonLabel(s: Season): string {
  const f = (md: string) => `${MONTHS[Number(md.slice(0, 2)) - 1]} ${Number(md.slice(3))}`;
  return `${f(s.from)}–${f(s.to)}`;
}
