// How the dashboard shows money, times and ages. Figures arrive from the services as integer cents
// (numbers, strings or bigints) and as Dates or ISO strings; pages show them in the utility's time
// zone, because that is the clock the people answering the phone live by.
import { formatCents } from '../domain/ledger/money';
import { UTILITY_TIME_ZONE } from '../services/ledger';

const DAY_MS = 86_400_000;

/** Integer cents as money: 123456 → '$1,234.56'. Null stays empty. */
export function money(cents: bigint | number | string | null | undefined): string {
  if (cents === null || cents === undefined || cents === '') return '';
  return formatCents(BigInt(typeof cents === 'number' ? Math.trunc(cents) : cents));
}

const stamp = new Intl.DateTimeFormat('en-CA', {
  timeZone: UTILITY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** A moment in the utility's local time: '2026-11-28 09:15 EST'. */
export function when(at: Date | string | null | undefined): string {
  if (!at) return '';
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const p = Object.fromEntries(stamp.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName ?? ''}`.trim();
}

/** A calendar day as stored (YYYY-MM-DD); Date columns of @db.Date come back at UTC midnight. */
export function day(d: Date | string | null | undefined): string {
  if (!d) return '';
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `now` (never negative). */
export function ageDays(from: Date | string, now: Date): number {
  const t = typeof from === 'string' ? Date.parse(from) : from.getTime();
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

/** Age buckets used by every "by stage and age" table. */
export const AGE_BUCKETS = [
  { label: 'under 1 day', max: 1 },
  { label: '1–2 days', max: 3 },
  { label: '3–6 days', max: 7 },
  { label: '7–29 days', max: 30 },
  { label: '30+ days', max: Infinity },
] as const;

export function ageBucket(days: number): number {
  return AGE_BUCKETS.findIndex((b) => days < b.max);
}

export interface StageAgeRow {
  stage: string;
  counts: number[];
  total: number;
}

/** Counts per stage (rows, in first-seen or given order) and age bucket (columns). */
export function stageAgeTable(
  items: { stage: string; ageDays: number }[],
  order: readonly string[] = [],
): { buckets: string[]; rows: StageAgeRow[]; total: number } {
  const rows = new Map<string, StageAgeRow>();
  for (const s of order) rows.set(s, { stage: s, counts: AGE_BUCKETS.map(() => 0), total: 0 });
  for (const i of items) {
    let row = rows.get(i.stage);
    if (!row) {
      row = { stage: i.stage, counts: AGE_BUCKETS.map(() => 0), total: 0 };
      rows.set(i.stage, row);
    }
    row.counts[ageBucket(i.ageDays)]! += 1;
    row.total += 1;
  }
  return {
    buckets: AGE_BUCKETS.map((b) => b.label),
    rows: [...rows.values()].filter((r) => r.total > 0),
    total: items.length,
  };
}
