// billCycle: one bill cycle for one billing period, `bill-cycle:<cycleId>:<period>`, end to end:
// open → wait for the read window to close (or readsComplete) → validate reads → estimate the
// missing ones → rate in batches, a few lanes of accounts side by side
// → hold for review when exceptions exceed the threshold (approve) → issue → deliver → sleep to
// the due date + 1 → late payment charges → hand past-due accounts to collections → close.
//
// Money never lives here: every amount is written by activities to Postgres, in batches that are
// idempotent per (cycle run, account), so a retry or a worker crash after a commit never bills an
// account twice. The workflow keeps only progress counters for the `progress` query.
import {
  condition,
  defineQuery,
  defineSignal,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing';
import { cycleDb, db } from './billing-activities';
import { cyclePeriodFor, type CycleCalendar } from '../domain/billing/cycle-calendar';
import { laneRanges, type LaneRange } from '../domain/billing/lanes';

export interface BillCycleInput {
  cycleId: number;
  /** YYYY-MM; when absent (a scheduled run), the month the workflow started in. */
  period?: string;
  /** Issue without a clerk's approval even when exceptions exceed the threshold. */
  autoApprove?: boolean;
  /** Hold for review when open exceptions exceed this share of meters (0..1). Default 0.05. */
  reviewThreshold?: number;
  /** Accounts per rating/issuing/hand-off activity. Default 2,000 (500 for runs started before). */
  batchSize?: number;
  /**
   * Ranges of accounts rated and issued side by side (domain/billing/lanes.ts). Default 2: one
   * batch's database work overlaps another's rating, which one lane at a time cannot do.
   */
  lanes?: number;
  /**
   * Keep the cycle's planned bill and due dates even when the bills are issued after them: a
   * rehearsal of a past period (a parallel run against the legacy system, a load test), whose
   * late charges and hand-off then come at once. Otherwise a run that issues after its bill date
   * dates its bills the day they are issued.
   */
  keepPlannedDates?: boolean;
}

export type Stage =
  | 'opening'
  | 'waiting-for-reads'
  | 'validating'
  | 'estimating'
  | 'rating'
  | 'held-for-review'
  | 'issuing'
  | 'delivering'
  | 'waiting-for-due-date'
  | 'late-charges'
  | 'handing-off'
  | 'closed';

export interface CycleProgress {
  runId: string | null;
  cycleId: number;
  period: string;
  stage: Stage;
  calendar: CycleCalendar | null;
  meters: number;
  validReads: number;
  exceptions: number;
  openExceptions: number;
  estimated: number;
  drafted: number;
  skipped: number;
  issued: number;
  issuedCents: string;
  emailed: number;
  /** Bill emails claimed but never confirmed sent (a stopped worker, a mail server that did not answer). */
  emailUnconfirmed: number;
  printed: number;
  lateFees: number;
  lateFeeCents: string;
  handedOff: number;
  held: boolean;
  approvedBy: string | null;
}

export const readsCompleteSignal = defineSignal<[{ by: string }]>('readsComplete');
export const approveSignal = defineSignal<[{ by: string }]>('approve');
export const holdSignal = defineSignal<[{ by: string; reason: string }]>('hold');
export const releaseSignal = defineSignal<[{ by: string }]>('release');
export const progressQuery = defineQuery<CycleProgress>('progress');

export const billCycleWorkflowId = (cycleId: number, period: string) => `bill-cycle:${cycleId}:${period}`;

export async function billCycle(input: BillCycleInput): Promise<CycleProgress> {
  const info = workflowInfo();
  const period = input.period ?? cyclePeriodFor(info.startTime);
  // Larger batches since the set-based activities: fewer round trips through Temporal per cycle. The
  // hand-off loop's length depends on it, so a run started with the old default keeps it.
  const batchSize = input.batchSize ?? (patched('cycle-batch-2000') ? 2000 : 500);
  const p: CycleProgress = {
    runId: null,
    cycleId: input.cycleId,
    period,
    stage: 'opening',
    calendar: null,
    meters: 0,
    validReads: 0,
    exceptions: 0,
    openExceptions: 0,
    estimated: 0,
    drafted: 0,
    skipped: 0,
    issued: 0,
    issuedCents: '0',
    emailed: 0,
    emailUnconfirmed: 0,
    printed: 0,
    lateFees: 0,
    lateFeeCents: '0',
    handedOff: 0,
    held: false,
    approvedBy: null,
  };
  let readsComplete = false;
  let approved = false;
  let supervisorHold = false;
  setHandler(progressQuery, () => p);
  setHandler(readsCompleteSignal, () => void (readsComplete = true));
  setHandler(approveSignal, ({ by }) => {
    approved = true;
    p.approvedBy = by;
  });
  setHandler(holdSignal, () => void (supervisorHold = true));
  setHandler(releaseSignal, () => void (supervisorHold = false));

  const stage = async (s: Stage) => {
    p.stage = s;
    if (p.runId) await db.recordCycleStage({ runId: p.runId, stage: s, progress: { ...p } });
  };

  // 1. Open the run (idempotent): its calendar — read window, bill date, due date.
  const opened = await db.openCycleRun({ cycleId: input.cycleId, period, workflowId: info.workflowId });
  p.runId = opened.runId;
  p.calendar = opened.calendar;

  // 2. Wait for the read window to close, or for the clerk to say the reads are in.
  await stage('waiting-for-reads');
  // Until the window has closed on the utility's clock (a run opened before this was known waits
  // until its end read as UTC, as it did when it started).
  const untilClose = Date.parse(opened.readWindowClosesAt ?? opened.calendar.readWindowTo) - Date.now();
  if (untilClose > 0) await condition(() => readsComplete, untilClose);

  // 3. Validate every read of the cycle; exceptions go to the work queue.
  await stage('validating');
  const v = await cycleDb.validateCycleReads({ runId: opened.runId });
  Object.assign(p, {
    meters: v.meters,
    validReads: v.valid,
    exceptions: v.exceptions,
    openExceptions: v.exceptions,
  });

  // 4. Estimate the meters that simply have no read, per the ordinance.
  await stage('estimating');
  const est = await cycleDb.estimateMissingReads({ runId: opened.runId });
  p.estimated = est.estimated;

  // 5. Rate in batches (draft bills), lane by lane side by side. Accounts with open exceptions wait.
  // A cycle started before lanes keeps rating and issuing in one sequence of batches, as recorded.
  const lanes: LaneRange[] | null = patched('cycle-lanes')
    ? laneRanges(
        await db.planCycleLanes({
          runId: opened.runId,
          lanes: Math.max(1, Math.floor(input.lanes ?? 2)),
        }),
      )
    : null;
  await stage('rating');
  await rateAll();

  // 6. Hold for review when exceptions exceed the threshold, or a supervisor holds the cycle.
  const threshold = input.reviewThreshold ?? 0.05;
  const needsReview = () => p.meters > 0 && p.openExceptions / p.meters > threshold;
  let calendar = opened.calendar;
  if ((needsReview() && !input.autoApprove) || supervisorHold) {
    p.held = true;
    await stage('held-for-review');
    const heldAt = new Date().toISOString();
    await condition(() => approved && !supervisorHold);
    p.held = false;
    // A hold that kept the bills past their bill date moves it (and the due date) to approval, so
    // the customer still has the ordinance's 20 days to pay.
    if (patched('redate-after-hold')) {
      calendar = await db.redateAfterHold({
        runId: opened.runId,
        heldAt,
        approvedAt: new Date().toISOString(),
      });
      p.calendar = calendar;
    }
    // Exceptions resolved during review (accepted, corrected, estimated) can now be rated.
    await stage('rating');
    await rateAll();
  }

  // 7. Issue: drafts become immutable bills and post their charges to the ledger. A run issuing
  // after its bill date (started late, or its reads late) dates its bills the day they are issued,
  // so the customer has the ordinance's 20 days to pay from the day the bill exists, and no late
  // charge or disconnection notice follows a bill the moment it is issued.
  if (!input.keepPlannedDates && patched('redate-late-issue')) {
    calendar = await db.redateLateIssue({ runId: opened.runId, issuingAt: new Date().toISOString() });
    p.calendar = calendar;
  }
  await stage('issuing');
  p.issued = 0;
  p.issuedCents = '0';
  await eachLane(async (lane) => {
    for (let after = lane?.after ?? null; ; ) {
      const r: Awaited<ReturnType<BillingActivities['issueBatch']>> = await db.issueBatch(
        batchInput(after, lane),
      );
      p.issued += r.issued;
      p.issuedCents = (BigInt(p.issuedCents) + BigInt(r.totalCents)).toString();
      if (!r.lastAccountId) break;
      after = r.lastAccountId;
    }
  });

  // 8. Deliver: email to paperless customers, the print mail-merge batch for the rest.
  await stage('delivering');
  const d = await cycleDb.deliverCycleBills({ runId: opened.runId });
  p.emailed = d.emailed;
  // Absent from the result an older worker recorded in a history being replayed.
  p.emailUnconfirmed = d.emailUnconfirmed ?? 0;
  p.printed = d.printed;

  // 9. Sleep to the day after the due date, then assess late payment charges.
  await stage('waiting-for-due-date');
  const lateChargeDay = Date.parse(`${calendar.lateChargeDate}T05:00:00Z`);
  if (lateChargeDay > Date.now()) await sleep(lateChargeDay - Date.now());
  await stage('late-charges');
  const fees = await cycleDb.assessLateCharges({ runId: opened.runId, asOf: calendar.lateChargeDate });
  p.lateFees = fees.assessed;
  p.lateFeeCents = fees.totalCents;

  // 10. Hand every past-due account to its collections case: signal-with-start from an activity
  // (a workflow cannot signal-with-start), in batches; the case dedupes repeated hand-offs.
  await stage('handing-off');
  for (let i = 0; i < fees.pastDueAccounts.length; i += batchSize) {
    const h = await cycleDb.handOffToCollections({
      runId: opened.runId,
      accountIds: fees.pastDueAccounts.slice(i, i + batchSize),
      asOf: calendar.lateChargeDate,
    });
    p.handedOff += h.handedOff;
  }

  await stage('closed');
  return p;

  /** Runs `batches` for each lane at once (for a cycle started before lanes: once, without one). */
  async function eachLane(batches: (lane: LaneRange | null) => Promise<void>): Promise<void> {
    await Promise.all((lanes ?? [null]).map(batches));
  }

  /** A rating or issuing batch's input: the next batch after `after`, within its lane. */
  function batchInput(after: string | null, lane: LaneRange | null) {
    return {
      runId: opened.runId,
      afterAccountId: after,
      limit: batchSize,
      ...(lane ? { throughAccountId: lane.through } : {}),
    };
  }

  async function rateAll(): Promise<void> {
    p.drafted = 0;
    p.skipped = 0;
    await eachLane(async (lane) => {
      for (let after = lane?.after ?? null; ; ) {
        const r: Awaited<ReturnType<BillingActivities['rateBatch']>> = await db.rateBatch(
          batchInput(after, lane),
        );
        p.drafted += r.drafted;
        p.skipped += r.skipped;
        if (!r.lastAccountId) break;
        after = r.lastAccountId;
      }
    });
    p.openExceptions = await db.countOpenExceptions({ runId: opened.runId });
  }
}
