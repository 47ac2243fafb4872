// Activities of the billCycle workflow. Each is one or a few set-based transactions over a batch of
// accounts, idempotent per (cycle run, account): a retried or re-run batch finds its work done.
//   validate → cycle_meter_result + read_exception rows (the exception queue)
//   rate     → DRAFT bills with their lines (replaced while still drafts)
//   issue    → ISSUED bills + CHARGE ledger entries + timeline
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Prisma } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordAudit, recordTimeline, SYSTEM_ACTOR, type Actor } from '../lib/audit';
import { cycleCalendar, type CycleCalendar } from '../domain/billing/cycle-calendar';
import { resolveReadException } from '../services/read-exceptions';
import { AppError } from '../lib/errors';
import {
  billedEstimates,
  classAverages,
  lastGoodReads,
  localText,
  meterHistory,
} from '../services/read-history';
import { estimateCreditLines, planTrueUp } from '../domain/billing/true-up';
import { effectiveTariff } from '../services/tariffs';
import {
  validateReads,
  type IncomingRead,
  type MeterMaster,
  type MeterResult,
} from '../domain/reads/validate';
import { meterUsage, rateService, RatingError, type BillLine as RatedLine } from '../domain/rating/rate';
import { schedulesFor, type Tariff } from '../domain/rating/tariff';
import { MILLBROOK_TARIFF } from '../domain/rating/millbrook';
import type { Stage } from '../workflows/bill-cycle';
import {
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
} from '../workflows/collections-case';
import { postLateFee, pastDueBalances } from '../services/ledger';
import type { Mailer } from '../lib/mailer';
import { deliverBills } from '../services/bill-delivery';

export interface BillingActivityDeps {
  db: Db;
  /** For the hand-off to collections (signal-with-start). */
  temporal?: Client;
  taskQueue?: string;
  mailer?: Mailer;
  /** Where print mail-merge batches are written. */
  outDir?: string;
  tariff?: Tariff;
}

const STATUS: Record<Stage, Prisma.BillCycleRunUpdateInput['status']> = {
  opening: 'OPEN',
  'waiting-for-reads': 'OPEN',
  validating: 'VALIDATING',
  estimating: 'VALIDATING',
  rating: 'RATING',
  'held-for-review': 'HELD_FOR_REVIEW',
  issuing: 'ISSUING',
  delivering: 'ISSUED',
  'waiting-for-due-date': 'ISSUED',
  'late-charges': 'DUE',
  'handing-off': 'DUE',
  closed: 'CLOSED',
};

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
export const billId = (runId: string, accountId: string) => `B-${runId.replace(':', '-')}-${accountId}`;

export function createBillingActivities(deps: BillingActivityDeps) {
  const { db } = deps;
  const baseTariff = deps.tariff ?? MILLBROOK_TARIFF;

  async function loadRun(runId: string) {
    const run = await db.billCycleRun.findUnique({ where: { id: runId }, include: { cycle: true } });
    if (!run) throw new Error(`Bill cycle run ${runId} does not exist`);
    return { run, calendar: cycleCalendar(run.period, run.cycle.readDay) };
  }

  return {
    async openCycleRun(i: {
      cycleId: number;
      period: string;
      workflowId: string;
    }): Promise<{ runId: string; calendar: CycleCalendar }> {
      const cycle = await db.billCycle.findUnique({ where: { id: i.cycleId } });
      if (!cycle) throw new Error(`Bill cycle ${i.cycleId} does not exist`);
      const calendar = cycleCalendar(i.period, cycle.readDay);
      const runId = `${i.cycleId}:${i.period}`;
      await db.$transaction(async (tx) => {
        const existing = await tx.billCycleRun.findUnique({ where: { id: runId } });
        if (existing) return;
        await tx.billCycleRun.create({
          data: {
            id: runId,
            cycleId: i.cycleId,
            period: i.period,
            workflowId: i.workflowId,
            readWindowFrom: new Date(calendar.readWindowFrom),
            readWindowTo: new Date(calendar.readWindowTo),
            billDate: new Date(calendar.billDate),
            dueDate: new Date(calendar.dueDate),
          },
        });
        await recordAudit(tx, SYSTEM_ACTOR, {
          action: 'bill-cycle.open',
          entityType: 'bill_cycle_run',
          entityId: runId,
          after: calendar,
        });
      });
      return { runId, calendar };
    },

    async recordCycleStage(i: { runId: string; stage: Stage; progress: unknown }): Promise<void> {
      await db.billCycleRun.update({
        where: { id: i.runId },
        data: {
          status: STATUS[i.stage],
          counts: JSON.parse(JSON.stringify(i.progress)) as Prisma.InputJsonValue,
        },
      });
    },

    /** Validates every read of the cycle's meters in the window; writes results and exceptions. */
    async validateCycleReads(i: {
      runId: string;
    }): Promise<{ meters: number; valid: number; exceptions: number }> {
      const { run, calendar } = await loadRun(i.runId);
      const windowFrom = new Date(calendar.readWindowFrom);
      const windowTo = new Date(calendar.readWindowTo);
      const meters = await cycleMeters(db, run.cycleId);
      const masters: MeterMaster[] = meters.map((m) => ({
        meterId: m.meterId,
        accountId: m.accountId,
        cycle: String(run.cycleId),
        service: m.service,
        readUnit: m.readUnit,
        dials: m.dials,
        multiplier: m.multiplier,
        active: true,
        usageClass: `${m.accountClass}-${m.service}-${m.readUnit}`,
      }));
      const known = new Set(meters.map((m) => m.meterId));
      const rows = await readsForRun(db, run.cycleId, windowFrom, windowTo);
      // A read that names no account (the JSON API, a handheld) is the meter's account's read; a
      // read that names another account is still a mismatch.
      const accountOf = new Map(meters.map((m) => [m.meterId, m.accountId]));
      const reads: IncomingRead[] = rows.map((r) => ({
        line: r.sourceLine ?? Number(r.id),
        accountId: r.accountId ?? accountOf.get(r.meterId) ?? '',
        meterId: r.meterId,
        readUnit: r.unit,
        read: r.rawValue ?? (r.value ?? '').toString(),
        readTime: localText(r.readAt),
        flags: r.flags.join(' '),
      }));
      const previousReads = await lastGoodReads(db, [...known], windowFrom);
      const history = await meterHistory(db, [...known], run.id);
      const results = validateReads({
        history,
        windows: [
          {
            cycle: String(run.cycleId),
            period: run.period,
            from: localText(windowFrom),
            to: localText(new Date(windowTo.getTime() - 1000)),
          },
        ],
        meters: masters,
        reads,
        previousReads,
        classAverages: classAverages(masters, rows, previousReads),
      });
      const byLine = new Map(rows.map((r) => [r.sourceLine ?? Number(r.id), r]));
      await db.$transaction(
        async (tx) => {
          await tx.cycleMeterResult.deleteMany({
            where: { cycleRunId: run.id, status: { in: ['VALID', 'EXCEPTION'] } },
          });
          // In slices: one statement may bind at most 65,535 parameters.
          const resultRows = results.map((r) => resultRow(run.id, r, byLine));
          for (let k = 0; k < resultRows.length; k += 5000) {
            await tx.cycleMeterResult.createMany({
              data: resultRows.slice(k, k + 5000),
              skipDuplicates: true, // an estimated result written by a clerk stands
            });
          }
          const exceptions = results.flatMap((r) =>
            r.reasons
              .filter((x) => x.severity === 'exception')
              .map((x) => ({
                cycleRunId: run.id,
                meterId: r.meterId,
                accountId: r.accountId,
                readId: r.read ? (byLine.get(r.read.line)?.id ?? null) : null,
                code: x.code,
                message: x.message,
                details: JSON.parse(
                  JSON.stringify({
                    lines: x.lines ?? [],
                    baseline: r.baseline,
                    days: r.days,
                    consumption: r.consumption,
                  }),
                ) as Prisma.InputJsonValue,
              })),
          );
          const created = await tx.readException.createMany({ data: exceptions, skipDuplicates: true });
          if (created.count > 0) {
            await recordAudit(tx, SYSTEM_ACTOR, {
              action: 'read-exceptions.open',
              entityType: 'bill_cycle_run',
              entityId: run.id,
              after: { exceptions: created.count },
            });
          }
          for (const e of exceptions) {
            if (!e.accountId) continue;
            await recordTimeline(tx, SYSTEM_ACTOR, {
              accountId: e.accountId,
              kind: 'read.exception',
              entityType: 'meter',
              entityId: e.meterId,
              summary: `Read exception ${e.code} on meter ${e.meterId}: ${e.message}`,
              data: { cycleRunId: run.id, code: e.code },
            });
          }
        },
        { timeout: 300_000 },
      );
      const exceptionMeters = results.filter((r) => r.status === 'exception').length;
      return { meters: results.length, valid: results.length - exceptionMeters, exceptions: exceptionMeters };
    },

    /**
     * The ordinance's estimate for every meter that simply has no read (NO_READ and nothing else):
     * no clerk needs to decide those. Anything else stays in the queue.
     */
    async estimateMissingReads(i: { runId: string }): Promise<{ estimated: number; notEstimable: number }> {
      if (!deps.temporal || !deps.taskQueue)
        throw new Error('Estimation needs the Temporal client (a crew may be sent)');
      const open = await db.readException.findMany({ where: { cycleRunId: i.runId, status: 'OPEN' } });
      const codes = new Map<string, Set<string>>();
      for (const e of open) codes.set(e.meterId, (codes.get(e.meterId) ?? new Set()).add(e.code));
      let estimated = 0;
      let notEstimable = 0;
      for (const e of open) {
        if (e.code !== 'NO_READ' || codes.get(e.meterId)!.size !== 1) continue;
        Context.current().heartbeat(e.meterId);
        try {
          await resolveReadException(
            { db, temporal: deps.temporal, taskQueue: deps.taskQueue },
            SYSTEM_ACTOR,
            e.id,
            {
              action: 'estimate',
              reason: 'No read in the window: estimated per the ordinance (average daily use)',
            },
          );
          estimated++;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          notEstimable++; // no history and no class average: a clerk decides
        }
      }
      return { estimated, notEstimable };
    },

    async countOpenExceptions(i: { runId: string }): Promise<number> {
      return db.readException.count({ where: { cycleRunId: i.runId, status: 'OPEN' } });
    },

    /** Rates the next `limit` accounts after `afterAccountId` into DRAFT bills. */
    async rateBatch(i: { runId: string; afterAccountId: string | null; limit: number }) {
      const { run, calendar } = await loadRun(i.runId);
      const accounts = await db.account.findMany({
        where: {
          billCycle: run.cycleId,
          status: 'ACTIVE',
          ...(i.afterAccountId ? { id: { gt: i.afterAccountId } } : {}),
        },
        orderBy: { id: 'asc' },
        take: i.limit,
        select: { id: true, class: true, customer: { select: { language: true } } },
      });
      if (accounts.length === 0) return { lastAccountId: null, drafted: 0, skipped: 0 };
      const ids = accounts.map((a) => a.id);
      const [results, meters, bills, estimatesByMeter] = await Promise.all([
        db.cycleMeterResult.findMany({ where: { cycleRunId: run.id, accountId: { in: ids } } }),
        db.meter.findMany({
          where: { servicePoint: { premise: { accounts: { some: { id: { in: ids } } } } } },
        }),
        db.bill.findMany({
          where: { cycleRunId: run.id, accountId: { in: ids }, kind: 'REGULAR' },
          select: { id: true, accountId: true, status: true },
        }),
        db.cycleMeterResult
          .findMany({ where: { cycleRunId: run.id, accountId: { in: ids } }, select: { meterId: true } })
          .then((rs) => billedEstimates(db, [...new Set(rs.map((x) => x.meterId))], run.id)),
      ]);
      const meterById = new Map(meters.map((m) => [m.id, m]));
      // Read per batch: a rider rate the board sets while a cycle waits is in force for its rating.
      const tariff = await effectiveTariff(db, baseTariff);
      const billByAccount = new Map(bills.map((b) => [b.accountId, b]));
      let drafted = 0;
      let skipped = 0;
      const newBills: Prisma.BillCreateManyInput[] = [];
      const newLines: Prisma.BillLineCreateManyInput[] = [];
      const replaced: string[] = [];
      Context.current().heartbeat(i.afterAccountId);
      for (const a of accounts) {
        const existing = billByAccount.get(a.id);
        if (existing && existing.status !== 'DRAFT') continue; // issued: never touched again
        const mine = results.filter((r) => r.accountId === a.id);
        if (mine.length === 0 || mine.some((r) => r.status === 'EXCEPTION')) {
          skipped++;
          continue;
        }
        const lines: Omit<Prisma.BillLineCreateManyInput, 'billId'>[] = [];
        let total = 0n;
        let estimated = false;
        let periodFrom = null as Date | null;
        let periodTo = null as Date | null;
        try {
          for (const r of mine) {
            const meter = meterById.get(r.meterId);
            if (!meter || !r.previousReadAt || !r.readAt)
              throw new RangeError(`Meter ${r.meterId} has no read period`);
            const inUnits = (units: bigint) =>
              meterUsage({ registerDelta: units, multiplier: 1, readUnit: meter.readUnit });
            // Use in the meter's own units after its multiplier (ft³, gal, kWh). An actual read
            // after estimated bills is trued up: see domain/billing/true-up.ts.
            const plan =
              r.status === 'ESTIMATED'
                ? null
                : planTrueUp(
                    {
                      from: isoDay(r.previousReadAt),
                      to: isoDay(r.readAt),
                      units: r.registerDelta! * BigInt(meter.multiplier),
                    },
                    (estimatesByMeter[r.meterId] ?? [])
                      .filter((e) => e.from >= r.previousReadAt! && e.to <= r.readAt!)
                      .map((e) => ({ from: isoDay(e.from), to: isoDay(e.to), units: e.units })),
                    meter.readUnit,
                  );
            const usage = inUnits(plan ? plan.billableUnits : BigInt(r.estimatedUsage!));
            estimated ||= r.status === 'ESTIMATED';
            const from = plan ? plan.from : isoDay(r.previousReadAt);
            const to = isoDay(r.readAt);
            const fromAt =
              new Date(`${from}T00:00:00Z`) > r.previousReadAt
                ? new Date(`${from}T00:00:00Z`)
                : r.previousReadAt;
            periodFrom = !periodFrom || fromAt < periodFrom ? fromAt : periodFrom;
            periodTo = !periodTo || r.readAt > periodTo ? r.readAt : periodTo;
            const push = (l: RatedLine) =>
              lines.push({
                lineNo: lines.length + 1,
                service: meter.service,
                component: l.componentCode,
                description: l.description,
                quantity: l.quantity,
                unit: l.unit,
                rate: l.rate,
                ratePer: l.ratePer,
                amountCents: BigInt(l.amountCents),
                tariffSchedule: l.tariffSchedule,
                tariffVersion: l.tariffVersion,
                periodFrom: new Date(l.periodFrom),
                periodTo: new Date(l.periodTo),
                meterId: meter.id,
              });
            for (const schedule of schedulesFor(tariff, a.class, meter.service)) {
              const base = {
                schedule,
                riders: tariff.riders,
                accountClass: a.class,
                meterSize: meter.size,
              };
              if (plan && plan.estimatedUnits > 0n) {
                // The true-up explains itself on the bill: a zero-amount line with the arithmetic.
                lines.push({
                  lineNo: lines.length + 1,
                  service: meter.service,
                  component: 'TRUE_UP',
                  description: plan.note,
                  quantity: plan.billableUnits.toString(),
                  unit: meter.readUnit,
                  rate: '0',
                  ratePer: '1',
                  amountCents: 0n,
                  tariffSchedule: schedule.code,
                  tariffVersion: null,
                  periodFrom: new Date(`${plan.from}T00:00:00Z`),
                  periodTo: new Date(`${plan.to}T00:00:00Z`),
                  meterId: meter.id,
                });
                for (const c of plan.credits) {
                  for (const l of estimateCreditLines(
                    base,
                    c,
                    inUnits(c.billedUnits),
                    inUnits(c.correctedUnits),
                  )) {
                    push(l);
                    total += BigInt(l.amountCents);
                  }
                }
              }
              if (from === to) {
                // The estimates reached the read date: no days are left to price use on.
                if (plan && plan.billableUnits > 0n)
                  throw new RangeError(
                    `Meter ${meter.id}: ${plan.billableUnits} ${meter.readUnit} of trued-up use but no days left after the estimates`,
                  );
                continue;
              }
              const rated = rateService({ ...base, period: { from, to }, usage });
              for (const l of rated.lines) push(l);
              total += BigInt(rated.totalCents);
            }
          }
        } catch (err) {
          if (err instanceof RatingError || err instanceof RangeError) {
            await openRatingException(db, run.id, a.id, mine[0]!.meterId, (err as Error).message);
            skipped++;
            continue;
          }
          throw err;
        }
        const id = billId(run.id, a.id);
        if (existing) replaced.push(id);
        newBills.push({
          id,
          accountId: a.id,
          cycleRunId: run.id,
          kind: 'REGULAR',
          status: 'DRAFT',
          periodFrom: periodFrom!,
          periodTo: periodTo!,
          billDate: new Date(calendar.billDate),
          dueDate: new Date(calendar.dueDate),
          estimated,
          totalCents: total,
          language: a.customer.language,
        });
        newLines.push(...lines.map((l) => ({ ...l, billId: id })));
        drafted++;
      }
      // The whole batch in one transaction, set-based: a retry replaces drafts, never adds bills.
      await db.$transaction(
        async (tx) => {
          if (replaced.length) {
            await tx.billLine.deleteMany({ where: { billId: { in: replaced } } });
            await tx.bill.deleteMany({ where: { id: { in: replaced }, status: 'DRAFT' } });
          }
          await tx.bill.createMany({ data: newBills });
          await tx.billLine.createMany({ data: newLines });
        },
        { timeout: 120_000 },
      );
      return { lastAccountId: accounts[accounts.length - 1]!.id, drafted, skipped };
    },

    /** DRAFT → ISSUED for a batch: the bill becomes immutable and its charge is posted. */
    async issueBatch(i: { runId: string; afterAccountId: string | null; limit: number }) {
      const drafts = await db.bill.findMany({
        where: {
          cycleRunId: i.runId,
          kind: 'REGULAR',
          status: 'DRAFT',
          ...(i.afterAccountId ? { accountId: { gt: i.afterAccountId } } : {}),
        },
        orderBy: { accountId: 'asc' },
        take: i.limit,
      });
      if (drafts.length === 0) return { lastAccountId: null, issued: 0, totalCents: '0' };
      const total = drafts.reduce((t, b) => t + b.totalCents, 0n);
      const ids = drafts.map((b) => b.id);
      await db.$transaction(
        async (tx) => {
          // DRAFT → ISSUED only: a bill issued by an earlier attempt is not touched again.
          await tx.bill.updateMany({
            where: { id: { in: ids }, status: 'DRAFT' },
            data: { status: 'ISSUED', issuedAt: new Date() },
          });
          // Each bill's charge, keyed by the bill: a retried batch cannot post it twice.
          await tx.ledgerEntry.createMany({
            data: drafts
              .filter((b) => b.totalCents !== 0n)
              .map((b) => ({
                accountId: b.accountId,
                kind: 'CHARGE' as const,
                amountCents: b.totalCents,
                effectiveDate: b.billDate,
                dueDate: b.dueDate,
                billId: b.id,
                idempotencyKey: `bill:${b.id}:charge`,
                memo: `Bill ${b.id} for ${isoDay(b.periodFrom)} to ${isoDay(b.periodTo)}`,
              })),
            skipDuplicates: true,
          });
          await tx.timelineEvent.createMany({
            data: drafts.map((b) => ({
              accountId: b.accountId,
              occurredAt: new Date(),
              kind: 'bill.issued',
              entityType: 'bill',
              entityId: b.id,
              summary: `Bill ${b.id} issued: ${formatCents(b.totalCents)} due ${isoDay(b.dueDate)}${b.estimated ? ' (ESTIMATED)' : ''}`,
              actor: SYSTEM_ACTOR.id,
              data: {
                billId: b.id,
                totalCents: b.totalCents.toString(),
                dueDate: isoDay(b.dueDate),
                estimated: b.estimated,
              },
            })),
          });
          await recordAudit(tx, SYSTEM_ACTOR, {
            action: 'bills.issue',
            entityType: 'bill_cycle_run',
            entityId: i.runId,
            after: { bills: ids, totalCents: total.toString() },
          });
        },
        { timeout: 120_000 },
      );
      return {
        lastAccountId: drafts[drafts.length - 1]!.accountId,
        issued: drafts.length,
        totalCents: total.toString(),
      };
    },

    async deliverCycleBills(i: { runId: string }): Promise<{ emailed: number; printed: number }> {
      if (!deps.mailer || !deps.outDir) throw new Error('Bill delivery needs a mailer and an output folder');
      const r = await deliverBills(
        { db, mailer: deps.mailer, outDir: deps.outDir },
        { runId: i.runId, actor: SYSTEM_ACTOR },
      );
      return { emailed: r.emailed, printed: r.printed };
    },

    /** Late payment charges the day after the due date, and the accounts still past due. */
    async assessLateCharges(i: { runId: string; asOf: string }) {
      const bills = await db.bill.findMany({
        where: { cycleRunId: i.runId, status: 'ISSUED' },
        select: { id: true, accountId: true },
      });
      const pastDue = await pastDueBalances(
        db,
        bills.map((b) => b.accountId),
        new Date(i.asOf),
      );
      let assessed = 0;
      let total = 0n;
      const accounts: string[] = [];
      for (const [accountId, pastDueCents] of pastDue) {
        if (pastDueCents <= 0n) continue;
        accounts.push(accountId);
        const bill = bills.find((b) => b.accountId === accountId)!;
        const fee = await db.$transaction((tx) =>
          postLateFee(tx, {
            accountId,
            pastDueCents,
            asOf: new Date(i.asOf),
            billId: bill.id,
            idempotencyKey: `bill:${bill.id}:late-fee`,
          }),
        );
        if (fee) {
          assessed++;
          total += fee.amountCents;
        }
      }
      return { assessed, totalCents: total.toString(), pastDueAccounts: accounts };
    },

    async handOffToCollections(i: { runId: string; accountIds: string[]; asOf: string }) {
      if (!deps.temporal || !deps.taskQueue)
        throw new Error('The hand-off to collections needs a Temporal client');
      let handedOff = 0;
      for (const accountId of i.accountIds) {
        const balances = await pastDueBalances(db, [accountId], new Date(i.asOf));
        const pastDueCents = balances.get(accountId) ?? 0n;
        if (pastDueCents <= 0n) continue; // paid since
        const episode = await openEpisode(db, accountId, i.runId, pastDueCents);
        await deps.temporal.workflow.signalWithStart(collectionsCase, {
          workflowId: collectionsWorkflowId(accountId, episode),
          taskQueue: deps.taskQueue,
          args: [{ accountId, episode }],
          signal: collectionsHandoffSignal,
          signalArgs: [{ runId: i.runId, asOf: i.asOf, pastDueCents: pastDueCents.toString() }],
        });
        handedOff++;
      }
      return { handedOff };
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;

function formatCents(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}$${(a / 100n).toLocaleString('en-US')}.${(a % 100n).toString().padStart(2, '0')}`;
}

/** The meters of a cycle's active accounts. */
async function cycleMeters(db: Db, cycleId: number) {
  const rows = await db.account.findMany({
    where: { billCycle: cycleId, status: 'ACTIVE' },
    select: {
      id: true,
      class: true,
      premise: {
        select: {
          servicePoints: { where: { active: true }, select: { meters: { where: { removedOn: null } } } },
        },
      },
    },
    orderBy: { id: 'asc' },
  });
  return rows.flatMap((a) =>
    a.premise.servicePoints.flatMap((sp) =>
      sp.meters.map((m) => ({
        meterId: m.id,
        accountId: a.id,
        accountClass: a.class,
        service: m.service,
        readUnit: m.readUnit,
        dials: m.dials,
        multiplier: m.multiplier,
      })),
    ),
  );
}

/**
 * The reads a run judges: every read in the window for the cycle's meters or accounts, and every
 * other row of the files that delivered them — so a read dated outside the window, or for a meter
 * the master does not know, is reported as such instead of silently missing. One query with the
 * cycle as its only key, so a 100,000-meter cycle needs no id lists.
 */
async function readsForRun(db: Db, cycleId: number, from: Date, to: Date) {
  const rows = await db.$queryRaw<
    {
      id: bigint;
      meter_id: string;
      account_id: string | null;
      read_at: Date;
      value: bigint | null;
      raw_value: string | null;
      unit: string;
      flags: string[];
      import_id: string | null;
      source_line: number | null;
    }[]
  >`
    WITH cycle_accounts AS (
      SELECT id, premise_id FROM account WHERE bill_cycle = ${cycleId} AND status = 'ACTIVE'
    ), ours AS (
      SELECT m.id FROM cycle_accounts a
      JOIN service_point sp ON sp.premise_id = a.premise_id AND sp.active
      JOIN meter m ON m.service_point_id = sp.id AND m.removed_on IS NULL
    ), in_window AS (
      SELECT r.* FROM meter_read r
      WHERE r.read_at >= ${from} AND r.read_at < ${to} AND r.quality = 'ACTUAL'
        AND (r.meter_id IN (SELECT id FROM ours) OR r.account_id IN (SELECT id FROM cycle_accounts))
    ), files AS (
      SELECT DISTINCT import_id FROM in_window WHERE import_id IS NOT NULL
    )
    SELECT id, meter_id, account_id, read_at, value, raw_value, unit, flags, import_id::text, source_line FROM in_window
    UNION
    SELECT r.id, r.meter_id, r.account_id, r.read_at, r.value, r.raw_value, r.unit, r.flags, r.import_id::text, r.source_line
    FROM meter_read r
    WHERE r.import_id IN (SELECT import_id FROM files) AND r.quality = 'ACTUAL'
      AND (r.meter_id IN (SELECT id FROM ours) OR r.account_id IN (SELECT id FROM cycle_accounts)
           OR NOT EXISTS (SELECT 1 FROM meter m WHERE m.id = r.meter_id))
    ORDER BY read_at, id`;
  return rows.map((r) => ({
    id: r.id,
    meterId: r.meter_id,
    accountId: r.account_id,
    readAt: r.read_at,
    value: r.value,
    rawValue: r.raw_value,
    unit: r.unit,
    flags: r.flags,
    importId: r.import_id,
    sourceLine: r.source_line,
  }));
}

function resultRow(
  runId: string,
  r: MeterResult,
  byLine: Map<number, { id: bigint; readAt: Date }>,
): Prisma.CycleMeterResultCreateManyInput {
  const stored = r.read ? byLine.get(r.read.line) : undefined;
  return {
    cycleRunId: runId,
    meterId: r.meterId,
    accountId: r.accountId,
    status: r.status === 'valid' ? 'VALID' : 'EXCEPTION',
    readId: stored?.id ?? null,
    previousReadAt: r.previousRead ? new Date(`${r.previousRead.readTime}Z`) : null,
    readAt: stored?.readAt ?? (r.read ? new Date(`${r.read.readTime}Z`) : null),
    registerDelta: r.consumption !== null && r.consumption >= 0 ? BigInt(r.consumption) : null,
    basis: r.baseline,
  };
}

async function openRatingException(
  db: Db,
  runId: string,
  accountId: string,
  meterId: string,
  message: string,
) {
  await db.readException.createMany({
    data: [{ cycleRunId: runId, meterId, accountId, code: 'RATING_FAILED', message }],
    skipDuplicates: true,
  });
}

/** The account's open delinquency episode, or a new one. */
async function openEpisode(db: Db, accountId: string, runId: string, pastDueCents: bigint): Promise<number> {
  return db.$transaction(async (tx: Tx) => {
    const open = await tx.collectionsEpisode.findFirst({ where: { accountId, closedAt: null } });
    if (open) return open.episode;
    const last = await tx.collectionsEpisode.findFirst({
      where: { accountId },
      orderBy: { episode: 'desc' },
    });
    const episode = (last?.episode ?? 0) + 1;
    await tx.collectionsEpisode.create({
      data: {
        accountId,
        episode,
        workflowId: collectionsWorkflowId(accountId, episode),
        openedByRun: runId,
        pastDueCents,
      },
    });
    return episode;
  });
}

export type { Actor };
