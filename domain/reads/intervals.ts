// Interval reads (Green Button) against the ones already stored for the meter. A stored interval
// is evidence a bill may already rest on: a feed never replaces it silently, and two intervals of
// one meter never overlap (a 15-minute feed after an hourly one would count the same energy twice).

export interface Interval {
  /** Unix seconds. */
  readonly start: number;
  /** Seconds. */
  readonly duration: number;
  /** Whole Wh. */
  readonly value: number | bigint;
}

export interface FeedInterval extends Interval {
  /** The feed's line of the IntervalReading. */
  readonly line: number;
}

export interface IntervalConflict {
  line: number;
  /** The interval's start as an ISO instant. */
  time: string;
  field: 'start' | 'duration' | 'value';
  /** The feed's value of that field. */
  value: string;
  problem: string;
}

export interface IntervalCheck<T extends FeedInterval> {
  /** To store: meets no stored interval. */
  fresh: T[];
  /** Already stored exactly (same start, duration and value): nothing to do. */
  alreadyStored: number;
  conflicts: IntervalConflict[];
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * Sorts a feed's intervals (which do not overlap one another) against the stored ones of the same
 * meter: new, already stored as they are, or in conflict — the same start with another value or
 * duration, or overlapping a stored interval — each conflict with its line, time, field and why.
 */
export function checkIntervals<T extends FeedInterval>(
  feed: readonly T[],
  stored: readonly Interval[],
): IntervalCheck<T> {
  const byStart = [...stored].sort((a, b) => a.start - b.start);
  const fresh: T[] = [];
  const conflicts: IntervalConflict[] = [];
  let alreadyStored = 0;
  let j = 0;
  for (const iv of [...feed].sort((a, b) => a.start - b.start)) {
    const end = iv.start + iv.duration;
    // Stored intervals ending at or before this one's start meet no later feed interval either.
    while (j < byStart.length && byStart[j]!.start + byStart[j]!.duration <= iv.start) j++;
    const met: Interval[] = [];
    for (let k = j; k < byStart.length && byStart[k]!.start < end; k++)
      if (byStart[k]!.start + byStart[k]!.duration > iv.start) met.push(byStart[k]!);
    const at = { line: iv.line, time: iso(iv.start) };
    const same = met.find((s) => s.start === iv.start);
    if (met.length === 0) fresh.push(iv);
    else if (same && met.length === 1 && same.duration === iv.duration) {
      if (BigInt(same.value) === BigInt(iv.value)) alreadyStored++;
      else
        conflicts.push({
          ...at,
          field: 'value',
          value: String(iv.value),
          problem:
            `the interval at ${at.time} is stored as ${same.value} Wh, the feed has ${iv.value} Wh; ` +
            'a stored interval is not replaced',
        });
    } else if (same && same.duration !== iv.duration)
      conflicts.push({
        ...at,
        field: 'duration',
        value: String(iv.duration),
        problem:
          `the interval at ${at.time} is stored as ${same.duration} s long, the feed's is ${iv.duration} s; ` +
          'intervals of one meter may not overlap',
      });
    else {
      const other = met.find((s) => s.start !== iv.start)!;
      conflicts.push({
        ...at,
        field: 'start',
        value: String(iv.start),
        problem:
          `the interval ${at.time} + ${iv.duration} s overlaps the stored interval ` +
          `${iso(other.start)} + ${other.duration} s; intervals of one meter may not overlap`,
      });
    }
  }
  return { fresh, alreadyStored, conflicts };
}
