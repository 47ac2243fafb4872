// The read-exception work queue: list what failed validation, and resolve each exception —
// accept the read as it is, correct it (with a reason), estimate the period, or send a crew (a
// meter-investigation service order). Every resolution is audited and goes on the account
// timeline; the meter's validated use for the cycle changes with it, so rating bills what the
// clerk decided.
import type { Prisma } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { AppError, invalid, notFound } from '../lib/errors';
import { registerDelta } from '../domain/reads/validate';
import { estimateUsage } from '../domain/reads/estimate';
import { cycleCalendar } from '../domain/billing/cycle-calendar';
import { billedEstimates, classAverages, lastGoodReads, localText, meterHistory } from './read-history';
import { openServiceOrder, type OrderDeps } from './service-orders';
import { billHeldAccount } from './held-bills';

export type Resolution =
  | { action: 'accept'; reason: string }
  | { action: 'correct'; value: number; reason: string }
  | { action: 'estimate'; reason: string }
  | { action: 'send-crew'; reason: string };

export async function listReadExceptions(
  db: Db,
  q: {
    status?: string | undefined;
    cycleRunId?: string | undefined;
    code?: string | undefined;
    accountId?: string | undefined;
    limit: number;
    offset: number;
  },
) {
  const where: Prisma.ReadExceptionWhereInput = {
    ...(q.status ? { status: q.status as Prisma.EnumReadExceptionStatusFilter['equals'] } : {}),
    ...(q.cycleRunId ? { cycleRunId: q.cycleRunId } : {}),
    ...(q.code ? { code: q.code } : {}),
    ...(q.accountId ? { accountId: q.accountId } : {}),
  };
  const [items, total] = await Promise.all([
    db.readException.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { meterId: 'asc' }],
      take: q.limit,
      skip: q.offset,
    }),
    db.readException.count({ where }),
  ]);
  return {
    items: items.map((e) => ({ ...e, readId: e.readId?.toString() ?? null })),
    total,
    limit: q.limit,
    offset: q.offset,
  };
}

export async function resolveReadException(d: OrderDeps, actor: Actor, id: string, r: Resolution) {
  const e = await d.db.readException.findUnique({
    where: { id },
    include: { cycleRun: { include: { cycle: true } } },
  });
  if (!e) throw notFound('Read exception', id);
  // A crew sent to the meter leaves the read unsettled: once it reports, the clerk accepts,
  // corrects (with the crew's read) or estimates, and the account is billed.
  const awaitingCrew = e.status === 'CREW_SENT' && r.action !== 'send-crew';
  if (e.status !== 'OPEN' && !awaitingCrew)
    throw new AppError(
      'conflict',
      `Read exception ${id} is already ${e.status.toLowerCase().replace('_', ' ')}`,
    );
  const meter = await d.db.meter.findUnique({ where: { id: e.meterId } });
  const result = await d.db.cycleMeterResult.findUnique({
    where: { cycleRunId_meterId: { cycleRunId: e.cycleRunId, meterId: e.meterId } },
  });
  // Where validation found no usable read (NO_READ, NON_NUMERIC), the period still starts at the
  // meter's last good read before the window.
  const previousReadAt = (async () => {
    if (result?.previousReadAt) return result.previousReadAt;
    const p = (await lastGoodReads(d.db, [e.meterId], e.cycleRun.readWindowFrom))[e.meterId];
    return p ? new Date(`${p.readTime}Z`) : null;
  })();

  let resultChange: Prisma.CycleMeterResultUpdateInput | null = null;
  let serviceOrderId: string | null = null;
  let correctedRead: Prisma.MeterReadCreateInput | null = null;
  const detail: Record<string, unknown> = { action: r.action, reason: r.reason };

  if (r.action === 'accept') {
    if (!result || result.registerDelta === null) {
      throw new AppError(
        'conflict',
        'There is no usable consumption to accept on this read: correct it or estimate instead',
      );
    }
    resultChange = { status: 'VALID' };
  } else if (r.action === 'correct') {
    if (!meter)
      throw new AppError(
        'conflict',
        `Meter ${e.meterId} is not in the meter master: it cannot be corrected, only investigated`,
      );
    if (!Number.isSafeInteger(r.value) || r.value < 0 || r.value >= 10 ** meter.dials) {
      throw invalid('value', `value: must be a whole register reading below 10^${meter.dials}`);
    }
    const from = await previousReadAt;
    const prev = from ? await previousValue(d.db, e.meterId, from) : null;
    if (prev === null)
      throw new AppError('conflict', 'No previous read to measure the corrected read against');
    const { delta, rolloverDelta } = registerDelta(prev, r.value, meter.dials);
    const consumption = delta >= 0 ? delta : rolloverDelta!;
    const readAt =
      result?.readAt ??
      new Date(`${cycleCalendar(e.cycleRun.period, e.cycleRun.cycle.readDay).readDay}T12:00:00Z`);
    correctedRead = {
      meterId: e.meterId,
      accountId: e.accountId,
      readAt,
      value: BigInt(r.value),
      rawValue: String(r.value),
      unit: meter.readUnit,
      source: 'API',
      quality: 'CORRECTED',
      correctsId: e.readId,
      reason: r.reason,
    };
    resultChange = { status: 'VALID', registerDelta: BigInt(consumption), readAt, previousReadAt: from };
    Object.assign(detail, { value: r.value, consumption });
  } else if (r.action === 'estimate') {
    const lastRead = await previousReadAt;
    if (!meter || !lastRead)
      throw new AppError('conflict', 'An estimate needs a known meter with a previous read');
    const to =
      result?.readAt ??
      new Date(`${cycleCalendar(e.cycleRun.period, e.cycleRun.cycle.readDay).readDay}T00:00:00Z`);
    // A month estimated before this one (no actual read since) billed up to its own end: this
    // estimate starts there, or the same days would be billed twice. The next actual read trues
    // up every estimate since that read.
    const from = (await lastEstimateEnd(d.db, e.meterId, e.cycleRunId, lastRead, to)) ?? lastRead;
    const history = (await meterHistory(d.db, [e.meterId], e.cycleRunId))[e.meterId] ?? [];
    const est = estimateUsage({
      meterId: e.meterId,
      readUnit: meter.readUnit,
      period: { from: localText(from), to: localText(to) },
      history,
      classAverage: await classAverageFor(d.db, e.cycleRunId, e.meterId, e.accountId),
    });
    if (!est.ok) throw new AppError('conflict', est.reason);
    resultChange = {
      status: 'ESTIMATED',
      estimatedUsage: String(est.estimate.usage),
      basis: est.estimate.description,
      readAt: to,
      previousReadAt: from,
    };
    Object.assign(detail, { usage: est.estimate.usage, basis: est.estimate.description });
  } else {
    const account = e.accountId ?? result?.accountId;
    if (!account) throw new AppError('conflict', 'The read names no account to send a crew to');
    const order = await openServiceOrder(d, actor, {
      accountId: account,
      type: 'METER_INVESTIGATION',
      priority: 'NORMAL',
      ...(meter ? { meterId: meter.id } : {}),
      reason: `Read exception ${e.code} on meter ${e.meterId}: ${r.reason}`,
    });
    serviceOrderId = order.id;
    detail.serviceOrderId = order.id;
  }

  const status = {
    accept: 'ACCEPTED',
    correct: 'CORRECTED',
    estimate: 'ESTIMATED',
    'send-crew': 'CREW_SENT',
  } as const;
  const resolved = await d.db.$transaction(async (tx) => {
    // The other exceptions of the same meter and run are settled by the same decision.
    const settled = await tx.readException.updateMany({
      where: {
        cycleRunId: e.cycleRunId,
        meterId: e.meterId,
        status: { in: awaitingCrew ? ['OPEN', 'CREW_SENT'] : ['OPEN'] },
      },
      data: {
        status: status[r.action],
        resolution: detail as Prisma.InputJsonValue,
        resolvedBy: actor.id,
        resolvedAt: new Date(),
        ...(awaitingCrew ? {} : { serviceOrderId }),
      },
    });
    if (correctedRead) await tx.meterRead.create({ data: correctedRead });
    if (resultChange) {
      await tx.cycleMeterResult.update({
        where: { cycleRunId_meterId: { cycleRunId: e.cycleRunId, meterId: e.meterId } },
        data: resultChange,
      });
    }
    await recordChange(
      tx,
      actor,
      {
        action: `read-exception.${r.action}`,
        entityType: 'read_exception',
        entityId: id,
        accountId: e.accountId,
        before: { status: e.status, code: e.code },
        after: { status: status[r.action], ...detail },
        reason: r.reason,
      },
      e.accountId
        ? {
            kind: 'read.exception.resolved',
            summary: `Read exception ${e.code} on meter ${e.meterId}: ${r.action} — ${r.reason}`,
            data: detail,
          }
        : undefined,
    );
    return { id, status: status[r.action], settled: settled.count, ...detail };
  });
  // A run that has issued its bills held this account back: it is billed now, in that run. The
  // resolution stands even when that request fails (the workflow service down): the answer says
  // so, and the run's held accounts can be billed by hand (billHeldNow).
  if (r.action === 'send-crew') return resolved;
  try {
    const heldBillWorkflowId = await billHeldAccount(d, e.cycleRunId, e.accountId, actor.id);
    return heldBillWorkflowId ? { ...resolved, heldBillWorkflowId } : resolved;
  } catch (err) {
    const [cycleId, period] = e.cycleRunId.split(':');
    return {
      ...resolved,
      heldBillError:
        `The account's bill could not be asked for (${err instanceof Error ? err.message : String(err)}): ` +
        `POST /bill-cycles/${cycleId}/runs/${period}/held/bill bills it`,
    };
  }
}

/**
 * The end of the meter's latest period billed on an estimate by another run (its bill issued and
 * standing) after `after` and before `before`; an estimate whose bill never went out billed nothing.
 */
async function lastEstimateEnd(
  db: Db,
  meterId: string,
  runId: string,
  after: Date,
  before: Date,
): Promise<Date | null> {
  const ends = ((await billedEstimates(db, [meterId], runId))[meterId] ?? [])
    .map((e) => e.to)
    .filter((to) => to > after && to < before);
  return ends.length > 0 ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null;
}

async function previousValue(db: Db, meterId: string, at: Date): Promise<number | null> {
  const r = await db.meterRead.findFirst({
    where: { meterId, readAt: at, value: { not: null } },
    orderBy: { quality: 'desc' },
  });
  return r?.value !== undefined && r?.value !== null ? Number(r.value) : null;
}

/** The class average of the meter's class in this run, from the run's valid results. */
async function classAverageFor(db: Db, runId: string, meterId: string, accountId: string | null) {
  const meter = await db.meter.findUnique({
    where: { id: meterId },
    include: { servicePoint: { include: { premise: { include: { accounts: true } } } } },
  });
  // The class of the account billed for the read: a premise keeps its closed accounts too.
  const accounts = meter?.servicePoint.premise.accounts ?? [];
  const account =
    accounts.find((a) => a.id === accountId) ?? accounts.find((a) => a.status === 'ACTIVE') ?? accounts[0];
  if (!meter || !account) return undefined;
  const usageClass = `${account.class}-${meter.service}-${meter.readUnit}`;
  const peers = await db.$queryRaw<
    { meter_id: string; value: bigint; read_at: Date; prev_at: Date; delta: bigint; multiplier: number }[]
  >`
    SELECT r.meter_id, 0::bigint AS value, r.read_at, r.previous_read_at AS prev_at, r.register_delta AS delta,
      m.multiplier
    FROM cycle_meter_result r JOIN meter m ON m.id = r.meter_id JOIN account a ON a.id = r.account_id
    WHERE r.cycle_run_id = ${runId} AND r.status = 'VALID' AND r.register_delta IS NOT NULL
      AND m.service::text = ${meter.service} AND m.read_unit::text = ${meter.readUnit} AND a.class::text = ${account.class}`;
  const masters = peers.map((p) => ({
    meterId: p.meter_id,
    accountId: '',
    cycle: '',
    service: meter.service,
    readUnit: meter.readUnit,
    dials: 15,
    // Each peer's own multiplier: its register counts in its own steps (10 gal, 40× CT).
    multiplier: p.multiplier,
    active: true,
    usageClass,
  }));
  const prev = Object.fromEntries(
    peers.map((p) => [p.meter_id, { read: 0, readTime: localText(p.prev_at) }]),
  );
  const rows = peers.map((p) => ({ meterId: p.meter_id, value: p.delta, readAt: p.read_at }));
  // The mean of the peers' accepted reads: the ordinance's class average.
  const rate = classAverages(masters, rows, prev, 'mean')[usageClass];
  return rate ? { usageClass, rate } : undefined;
}
