// The tariff in force: the ordinance's schedules (domain/rating) plus the rider rates the utility
// board sets month by month, kept in rider_rate so that billing a new month needs no release.
import type { Db } from '../lib/db/prisma';
import { recordAudit, type Actor } from '../lib/audit';
import { AppError, notFound } from '../lib/errors';
import { withRiderRates, type Tariff } from '../domain/rating/tariff';
import { Decimal } from '../domain/decimal';

/** The base tariff with every rider month set through the API. */
export async function effectiveTariff(db: Db, base: Tariff): Promise<Tariff> {
  const rows = await db.riderRate.findMany({ orderBy: [{ rider: 'asc' }, { month: 'asc' }] });
  let tariff = base;
  const byRider = new Map<string, Record<string, string>>();
  for (const r of rows)
    byRider.set(r.rider, { ...byRider.get(r.rider), [r.month]: canonical(r.rate.toString()) });
  for (const [rider, rates] of byRider) {
    if (tariff.riders.some((x) => x.code === rider)) tariff = withRiderRates(tariff, rider, rates);
  }
  return tariff;
}

/** '0.01230000' → '0.0123': rates print as the board wrote them. */
function canonical(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export async function setRiderRate(
  db: Db,
  actor: Actor,
  base: Tariff,
  input: { rider: string; month: string; rate: string; reason: string },
) {
  const rider = base.riders.find((r) => r.code === input.rider);
  if (!rider) throw notFound('Rider', input.rider);
  const rate = canonical(Decimal.parse(input.rate).toFixed(8));
  return db.$transaction(async (tx) => {
    const before = await tx.riderRate.findUnique({
      where: { rider_month: { rider: input.rider, month: input.month } },
    });
    const inOrdinance = rider.ratesByMonth?.[input.month];
    const current = before ? canonical(before.rate.toString()) : inOrdinance;
    if (current === rate) return { rider: input.rider, month: input.month, rate, changed: false };
    // Bills issued at a rate stand: a different rate for a month already billed is a correction
    // of those bills (adjustment memos), not a tariff edit.
    const billed = await tx.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM bill_line l JOIN bill b ON b.id = l.bill_id
      WHERE b.status = 'ISSUED' AND l.component = ${input.rider}
        AND to_char(l.period_to - 1, 'YYYY-MM') = ${input.month}`; // the billing month: the day before the read
    if (current !== undefined && billed[0]!.n > 0n)
      throw new AppError(
        'conflict',
        `${rider.name} for ${input.month} has billed at ${current}: correct those bills instead of the rate`,
      );
    await tx.riderRate.upsert({
      where: { rider_month: { rider: input.rider, month: input.month } },
      create: { rider: input.rider, month: input.month, rate, setBy: actor.id, reason: input.reason },
      update: { rate, setBy: actor.id, reason: input.reason, createdAt: new Date() },
    });
    await recordAudit(tx, actor, {
      action: 'tariff.rider-rate.set',
      entityType: 'rider_rate',
      entityId: `${input.rider}:${input.month}`,
      before: current === undefined ? null : { rate: current },
      after: { rate },
      reason: input.reason,
    });
    return { rider: input.rider, month: input.month, rate, changed: true };
  });
}
