// Where a cycle's lanes split (domain/billing/lanes.ts): the account numbers at equal shares of the
// cycle's active accounts, in the database's own order.
import type { Db } from '../../lib/db/prisma';
import { query } from '../../lib/db/bulk';

/**
 * Up to `lanes - 1` split points, ascending (repeats, when the cycle has fewer accounts than lanes,
 * are folded by laneRanges); none when the cycle has no accounts.
 */
export async function laneSplits(db: Db, cycleId: number, lanes: number): Promise<string[]> {
  if (lanes < 2) return [];
  const fractions = Array.from({ length: lanes - 1 }, (_, i) => (i + 1) / lanes);
  const [row] = await query<{ splits: (string | null)[] | null }>(
    db,
    `SELECT percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY id) AS splits
     FROM account WHERE bill_cycle = $1 AND status = 'ACTIVE'`,
    [cycleId, fractions],
  );
  return (row?.splits ?? []).filter((s): s is string => s !== null);
}
