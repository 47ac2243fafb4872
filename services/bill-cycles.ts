// Bill cycles from the API side: start a cycle run (its billCycle workflow), read its progress,
// tell it the reads are in, approve it, hold and release it; and the monthly Temporal Schedule
// per cycle that starts runs on its own.
import {
  ScheduleAlreadyRunning,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { Db } from '../lib/db/prisma';
import { recordAudit, type Actor } from '../lib/audit';
import { AppError, invalid, notFound } from '../lib/errors';
import {
  approveSignal,
  billCycle,
  billCycleWorkflowId,
  holdSignal,
  progressQuery,
  readsCompleteSignal,
  releaseSignal,
  type BillCycleInput,
  type CycleProgress,
} from '../workflows/bill-cycle';

export interface CycleDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export async function startCycleRun(
  d: CycleDeps,
  actor: Actor,
  input: Required<Pick<BillCycleInput, 'cycleId' | 'period'>> & BillCycleInput,
) {
  const cycle = await d.db.billCycle.findUnique({ where: { id: input.cycleId } });
  if (!cycle) throw invalid('cycleId', `cycleId: bill cycle ${input.cycleId} does not exist`);
  const workflowId = billCycleWorkflowId(input.cycleId, input.period);
  try {
    await d.temporal.workflow.start(billCycle, { taskQueue: d.taskQueue, workflowId, args: [input] });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new AppError(
        'conflict',
        `Cycle ${input.cycleId} for ${input.period} is already running (${workflowId})`,
      );
    }
    throw err;
  }
  await d.db.$transaction((tx) =>
    recordAudit(tx, actor, {
      action: 'bill-cycle.start',
      entityType: 'bill_cycle_run',
      entityId: `${input.cycleId}:${input.period}`,
      after: input,
    }),
  );
  return { runId: `${input.cycleId}:${input.period}`, workflowId };
}

const handle = (d: CycleDeps, cycleId: number, period: string) =>
  d.temporal.workflow.getHandle(billCycleWorkflowId(cycleId, period));

export async function cycleProgress(
  d: CycleDeps,
  cycleId: number,
  period: string,
): Promise<CycleProgress & { source: string }> {
  try {
    return { ...(await handle(d, cycleId, period).query(progressQuery)), source: 'workflow' };
  } catch (err) {
    const run = await d.db.billCycleRun.findUnique({ where: { id: `${cycleId}:${period}` } });
    if (!run) {
      if (err instanceof WorkflowNotFoundError) throw notFound('Bill cycle run', `${cycleId}:${period}`);
      throw err;
    }
    return { ...(run.counts as unknown as CycleProgress), source: 'database' };
  }
}

type CycleSignal = 'readsComplete' | 'approve' | 'hold' | 'release';

/** Sends a control signal to a running cycle and audits who sent it. */
export async function signalCycle(
  d: CycleDeps,
  actor: Actor,
  cycleId: number,
  period: string,
  what: CycleSignal,
  reason?: string,
) {
  const h = handle(d, cycleId, period);
  try {
    if (what === 'readsComplete') await h.signal(readsCompleteSignal, { by: actor.id });
    else if (what === 'approve') await h.signal(approveSignal, { by: actor.id });
    else if (what === 'hold')
      await h.signal(holdSignal, { by: actor.id, reason: reason ?? 'supervisor hold' });
    else await h.signal(releaseSignal, { by: actor.id });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound('Running bill cycle', `${cycleId}:${period}`);
    throw err;
  }
  await d.db.$transaction((tx) =>
    recordAudit(tx, actor, {
      action: `bill-cycle.${what}`,
      entityType: 'bill_cycle_run',
      entityId: `${cycleId}:${period}`,
      reason: reason ?? null,
    }),
  );
  return cycleProgress(d, cycleId, period);
}

/** One Temporal Schedule per active cycle: a run starts on the cycle's read day every month. */
export async function ensureCycleSchedules(d: CycleDeps): Promise<string[]> {
  const cycles = await d.db.billCycle.findMany({ where: { active: true } });
  const made: string[] = [];
  for (const c of cycles) {
    const scheduleId = `bill-cycle-schedule:${c.id}`;
    try {
      await d.temporal.schedule.create({
        scheduleId,
        spec: { calendars: [{ dayOfMonth: c.readDay, hour: 0, minute: 30, comment: `${c.name}: read day` }] },
        action: {
          type: 'startWorkflow',
          workflowType: billCycle,
          taskQueue: d.taskQueue,
          workflowId: `bill-cycle-scheduled:${c.id}`,
          args: [{ cycleId: c.id }],
        },
      });
      made.push(scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return made;
}
