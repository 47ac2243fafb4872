// Lanes: a bill cycle rates and issues its accounts in a few ranges side by side, so the database
// and the worker are both busy (one batch at a time leaves a core idle while the other waits).
// The split points come from the database once per run and are recorded in the workflow history;
// the ranges cover every possible account number, so an account that joins the cycle after the
// split still falls in exactly one lane.

/** Accounts after `after` (from the first when null) up to and including `through` (to the last when null). */
export interface LaneRange {
  after: string | null;
  through: string | null;
}

/**
 * The ranges between split points, given in ascending order as the database sorts account numbers
 * (its collation decides which lane an account is in, so the points are never re-sorted here):
 * `n` distinct points make `n + 1` lanes.
 */
export function laneRanges(splits: readonly string[]): LaneRange[] {
  const points = splits.filter((s, i) => i === 0 || s !== splits[i - 1]);
  const bounds: (string | null)[] = [null, ...points, null];
  return bounds.slice(1).map((through, i) => ({ after: bounds[i]!, through }));
}
