// Activities of the billCycle workflow. Each is one or a few set-based transactions over a batch of
// accounts, idempotent per (cycle run, account): a retried or re-run batch finds its work done.
// Whole-cycle steps work through the run in slices and heartbeat after each, so a worker that
// dies is noticed within the heartbeat timeout and the retry finds the finished slices done.
//   validate → cycle_meter_result + read_exception rows (the exception queue)
//   rate     → DRAFT bills with their lines (replaced while still drafts)
//   issue    → ISSUED bills + CHARGE ledger entries + timeline
//   deliver  → email and the print mail-merge batch, each bill once (the notice register)
//   late fee → LATE_FEE entries, once per bill; hand-off → collections cases
// The set-based work lives in activities/bill-cycle/, one module per step.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Prisma } from '@prisma/client';
import type { Db } from '../lib/db/prisma';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../lib/audit';
import {
  cycleCalendar,
  DUE_DAYS,
  holdShiftDays,
  shiftedCalendar,
  type CycleCalendar,
} from '../domain/billing/cycle-calendar';
import { isoDateIn } from '../domain/ledger/dates';
import { isoDay, UTILITY_TIME_ZONE, wallClockInstant } from '../services/ledger';
import { resolveReadException } from '../services/read-exceptions';
import { AppError } from '../lib/errors';
import { effectiveTariff } from '../services/tariffs';
import type { Tariff } from '../domain/rating/tariff';
import type { VeeConfig } from '../domain/reads/validate';
import { MILLBROOK_TARIFF } from '../domain/rating/millbrook';
import type { Stage } from '../workflows/bill-cycle';
import type { Mailer } from '../lib/mailer';
import { deliverBills, markInterruptedEmails, NOTICE_TYPE_BILL } from '../services/bill-delivery';
import { resendBillEmail as resendEmail } from '../services/bill-email-resend';
import { query } from '../lib/db/bulk';
import { validateCycle } from './bill-cycle/validate-reads';
import { refusalsFinal } from './refusals';
import { billId, RatingMemo, rateBills } from './bill-cycle/rate-bills';
import { heldAccounts, heldBillingOpen } from '../services/held-bills';
import { issueBills } from './bill-cycle/issue-bills';
import { laneSplits } from './bill-cycle/lanes';
import { assessRunLateCharges } from './bill-cycle/late-charges';
import { handOffAccounts } from './bill-cycle/hand-off';

export interface BillingActivityDeps {
  db: Db;
  /** For the hand-off to collections (signal-with-start). */
  temporal?: Client;
  taskQueue?: string;
  mailer?: Mailer;
  /** Where print mail-merge batches are written. */
  outDir?: string;
  /** Render threads for a cycle's delivery (DELIVERY_RENDER_THREADS; services/bill-render-pool.ts). */
  renderThreads?: number;
  tariff?: Tariff;
  /** When the day's print batch of notices closes (NOTICE_PRINT_TIME, HH:MM local). */
  noticePrintTime?: string;
  /** Read validation's factors (READ_HIGH_FACTOR, READ_LOW_FACTOR); the defaults otherwise. */
  readValidation?: Partial<VeeConfig>;
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

/** The regular bills of these accounts in the run (their ids are made from run and account). */
const runBillIds = (runId: string, accountIds: readonly string[]) => accountIds.map((a) => billId(runId, a));

export function createBillingActivities(deps: BillingActivityDeps) {
  const { db } = deps;
  const baseTariff = deps.tariff ?? MILLBROOK_TARIFF;
  // Kept across batches (and runs) of this worker: it resets itself when the rider rates change.
  const memo = new RatingMemo();

  /** The run's calendar for bills dated `billDate` instead (never earlier than the run's own). */
  const calendarFrom = (calendar: CycleCalendar, billDate: string): CycleCalendar =>
    shiftedCalendar(calendar, holdShiftDays(calendar.billDate, calendar.billDate, billDate));

  async function loadRun(runId: string) {
    const run = await db.billCycleRun.findUnique({ where: { id: runId }, include: { cycle: true } });
    if (!run) throw new Error(`Bill cycle run ${runId} does not exist`);
    // The run's own bill and due dates: a review hold may have moved them (redateAfterHold).
    const planned = cycleCalendar(run.period, run.cycle.readDay);
    const recorded = run.billDate ? isoDay(run.billDate) : planned.billDate;
    return { run, calendar: calendarFrom(planned, recorded) };
  }

  /**
   * Moves a run's bill and due dates (on the run and its drafts) from `from` to `to`, with an
   * audit row saying why; nothing when the run already has `to`'s bill date (a retried activity).
   */
  async function moveRunDates(
    run: { id: string; billDate: Date | null; dueDate: Date | null },
    from: CycleCalendar,
    to: CycleCalendar,
    reason: string,
  ): Promise<void> {
    const before = {
      billDate: run.billDate ? isoDay(run.billDate) : null,
      dueDate: run.dueDate ? isoDay(run.dueDate) : null,
    };
    if (to.billDate === (before.billDate ?? from.billDate)) return;
    await db.$transaction(async (tx) => {
      await tx.billCycleRun.update({
        where: { id: run.id },
        data: { billDate: new Date(to.billDate), dueDate: new Date(to.dueDate) },
      });
      await tx.bill.updateMany({
        where: { cycleRunId: run.id, status: 'DRAFT' },
        data: { billDate: new Date(to.billDate), dueDate: new Date(to.dueDate) },
      });
      await recordAudit(tx, SYSTEM_ACTOR, {
        action: 'bill-cycle.redate',
        entityType: 'bill_cycle_run',
        entityId: run.id,
        before,
        after: { billDate: to.billDate, dueDate: to.dueDate },
        reason,
      });
    });
  }

  return {
    async openCycleRun(i: { cycleId: number; period: string; workflowId: string }): Promise<{
      runId: string;
      calendar: CycleCalendar;
      /** When the read window closes, as an instant (absent from results recorded before it was). */
      readWindowClosesAt?: string;
    }> {
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
      // The window's end is a reading of the utility's clock (written as UTC, as reads are): the
      // instant it passes there, for the workflow's timer.
      const readWindowClosesAt = wallClockInstant(calendar.readWindowTo).toISOString();
      return { runId, calendar, readWindowClosesAt };
    },

    /**
     * After a review hold: when it kept the bills past their planned bill date, the run's bill date
     * moves to the day of approval (by the days the hold ran past it), and with it the due date and
     * the late-charge day, on the run and on its draft bills; audited. Returns the calendar in force.
     * `heldAt` and `approvedAt` are the workflow's own moments (deterministic on replay).
     */
    async redateAfterHold(i: { runId: string; heldAt: string; approvedAt: string }): Promise<CycleCalendar> {
      const { run } = await loadRun(i.runId);
      const planned = cycleCalendar(run.period, run.cycle.readDay);
      const shift = holdShiftDays(
        planned.billDate,
        isoDateIn(new Date(i.heldAt), UTILITY_TIME_ZONE),
        isoDateIn(new Date(i.approvedAt), UTILITY_TIME_ZONE),
      );
      const calendar = shiftedCalendar(planned, shift);
      await moveRunDates(
        run,
        planned,
        calendar,
        `held for review from ${i.heldAt} to ${i.approvedAt}: the bills go out ${shift} day(s) after their planned date, and keep the ordinance's ${DUE_DAYS} days to pay`,
      );
      return calendar;
    },

    /**
     * Before a run issues: when that is after the bill date it has (planned, or moved by a review
     * hold), the bill date moves to the day of issue (the utility's date of `issuingAt`, the
     * workflow's own moment), with the due date and the late-charge day, on the run and its drafts;
     * audited. Returns the calendar in force; asked again, it moves nothing more.
     */
    async redateLateIssue(i: { runId: string; issuingAt: string }): Promise<CycleCalendar> {
      const { run, calendar: current } = await loadRun(i.runId);
      const issueOn = isoDateIn(new Date(i.issuingAt), UTILITY_TIME_ZONE);
      const calendar = calendarFrom(current, issueOn);
      await moveRunDates(
        run,
        current,
        calendar,
        `issued on ${issueOn}, after the bill date ${current.billDate}: the bills are dated the day they are issued and keep the ordinance's ${DUE_DAYS} days to pay`,
      );
      return calendar;
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
      return validateCycle(db, {
        ...(deps.readValidation ? { config: deps.readValidation } : {}),
        runId: run.id,
        cycleId: run.cycleId,
        period: run.period,
        calendar,
        heartbeat: () => Context.current().heartbeat(),
      });
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

    /**
     * Where to split the run's accounts into `lanes` ranges of about equal size, rated and issued
     * side by side (domain/billing/lanes.ts).
     */
    async planCycleLanes(i: { runId: string; lanes: number }): Promise<string[]> {
      const { run } = await loadRun(i.runId);
      return laneSplits(db, run.cycleId, i.lanes);
    },

    /**
     * Rates the next `limit` accounts after `afterAccountId` (within its lane) into DRAFT bills; or,
     * for a round of the run's held accounts, these accounts dated `billDate`.
     */
    async rateBatch(i: {
      runId: string;
      afterAccountId: string | null;
      throughAccountId?: string | null;
      limit: number;
      accountIds?: string[];
      billDate?: string;
    }) {
      const { run, calendar } = await loadRun(i.runId);
      // Read per batch: a rider rate the board sets while a cycle waits is in force for its rating.
      const tariff = await effectiveTariff(db, baseTariff);
      const { billDate, ...batch } = i;
      return rateBills(db, {
        ...batch,
        cycleId: run.cycleId,
        calendar: billDate ? calendarFrom(calendar, billDate) : calendar,
        tariff,
        memo,
      });
    },

    /** DRAFT → ISSUED for a batch (or these accounts): the bill becomes immutable and its charge is posted. */
    async issueBatch(i: {
      runId: string;
      afterAccountId: string | null;
      throughAccountId?: string | null;
      limit: number;
      accountIds?: string[];
    }) {
      return issueBills(db, { ...i, heartbeat: () => Context.current().heartbeat() });
    },

    /**
     * A round of the run's held accounts (services/held-bills.ts): whether the run bills them
     * separately now, and if so the accounts and the calendar of bills dated `billDate` (never
     * before the run's own bill date). Audited.
     */
    async openHeldRound(i: {
      runId: string;
      billDate: string;
    }): Promise<
      { open: true; calendar: CycleCalendar; accountIds: string[] } | { open: false; reason: string }
    > {
      const state = await heldBillingOpen(db, i.runId);
      if (!state.open) return state;
      const { calendar } = await loadRun(i.runId);
      const accountIds = await heldAccounts(db, i.runId);
      const round = calendarFrom(calendar, i.billDate);
      await db.$transaction((tx) =>
        recordAudit(tx, SYSTEM_ACTOR, {
          action: 'bill-cycle.held-round',
          entityType: 'bill_cycle_run',
          entityId: i.runId,
          after: { billDate: round.billDate, dueDate: round.dueDate, accountIds },
          reason: 'Accounts the run held back for read exceptions, billed as their exceptions are resolved',
        }),
      );
      return { open: true, calendar: round, accountIds };
    },

    /**
     * Email and the print mail-merge batch for the run's issued bills, in slices with a heartbeat
     * after each. Then marks the emails an earlier, stopped attempt claimed and never confirmed:
     * this attempt's delivery has finished, and only this activity delivers the run. Returns the
     * run's deliveries from the register, so a retry reports them all.
     */
    async deliverCycleBills(i: {
      runId: string;
      /** Only these accounts' bills of the run (a round of its held accounts: a print batch of their own). */
      accountIds?: string[];
    }): Promise<{ emailed: number; printed: number; emailUnconfirmed: number }> {
      if (!deps.mailer || !deps.outDir) throw new Error('Bill delivery needs a mailer and an output folder');
      const which = i.accountIds ? { billIds: runBillIds(i.runId, i.accountIds) } : { runId: i.runId };
      await deliverBills(
        {
          db,
          mailer: deps.mailer,
          outDir: deps.outDir,
          heartbeat: () => Context.current().heartbeat(),
          ...(deps.renderThreads !== undefined ? { renderThreads: deps.renderThreads } : {}),
        },
        { ...which, actor: SYSTEM_ACTOR },
      );
      await markInterruptedEmails(db, SYSTEM_ACTOR, which);
      const [counts] = await query<{ emailed: number; printed: number; emailUnconfirmed: number }>(
        db,
        `SELECT count(*) FILTER (WHERE n.channel = 'EMAIL' AND n.message_id IS NOT NULL)::int AS emailed,
           count(*) FILTER (WHERE n.channel = 'PRINT')::int AS printed,
           count(*) FILTER (WHERE n.channel = 'EMAIL' AND n.message_id IS NULL)::int AS "emailUnconfirmed"
         FROM notice n JOIN bill b ON b.id = n.bill_id
         WHERE b.cycle_run_id = $1 AND n.type = $2 AND ($3::text[] IS NULL OR b.id = ANY($3))`,
        [i.runId, NOTICE_TYPE_BILL, which.billIds ?? null],
      );
      return counts!;
    },

    /** A clerk's resend of a bill email marked unconfirmed; a refusal is final (not retried). */
    async resendBillEmail(i: { billId: string; reason: string; actor: Actor }) {
      if (!deps.mailer) throw new Error('Resending a bill email needs a mailer');
      const mailer = deps.mailer;
      return refusalsFinal(() => resendEmail({ db, mailer }, i.actor, i.billId, i.reason));
    },

    /** Late payment charges the day after the due date, and the accounts still past due. */
    async assessLateCharges(i: { runId: string; asOf: string; accountIds?: string[] }) {
      const { accountIds, ...rest } = i;
      return assessRunLateCharges(db, {
        ...rest,
        ...(accountIds ? { billIds: runBillIds(i.runId, accountIds) } : {}),
        heartbeat: () => Context.current().heartbeat(),
      });
    },

    async handOffToCollections(i: { runId: string; accountIds: string[]; asOf: string }) {
      if (!deps.temporal || !deps.taskQueue)
        throw new Error('The hand-off to collections needs a Temporal client');
      return handOffAccounts(
        { db, temporal: deps.temporal, taskQueue: deps.taskQueue },
        { ...i, heartbeat: () => Context.current().heartbeat() },
      );
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
