// The yearly lead service-line notice run through Temporal: its yearly schedule, and a run started
// on demand. The run itself is services/lead-notice.ts sendAnnualLeadNotices, on the worker.
import {
  ScheduleAlreadyRunning,
  WorkflowExecutionAlreadyStartedError,
  type Client as TemporalClient,
} from '@temporalio/client';
import { actorRef, type Actor } from '../lib/audit';
import { conflict } from '../lib/errors';
import { leadNoticeAnnualRun, type LeadNoticeAnnualInput } from '../workflows/lead-notices';
import { UTILITY_TIME_ZONE } from './ledger';

type TemporalDeps = { temporal: TemporalClient; taskQueue: string };

const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

export const LEAD_NOTICE_SCHEDULE_ID = 'lead-notice-annual-schedule';
export const leadNoticeRunId = (year: number) => `lead-notice-annual:${year}`;

/**
 * The yearly run on `monthDay` (MM-DD) at 10:00, the utility's local time. A schedule already
 * there is brought up to date.
 */
export async function ensureLeadNoticeSchedule(d: TemporalDeps, monthDay: string): Promise<void> {
  const [month, dayOfMonth] = monthDay.split('-').map(Number) as [number, number];
  const spec = {
    calendars: [
      {
        month: MONTHS[month - 1]!,
        dayOfMonth,
        hour: 10,
        comment: 'the yearly lead service-line notice (40 CFR 141.85(e))',
      },
    ],
    timezone: UTILITY_TIME_ZONE,
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: leadNoticeAnnualRun,
    taskQueue: d.taskQueue,
    workflowId: 'lead-notice-annual-scheduled',
    args: [{}] as [LeadNoticeAnnualInput],
  };
  try {
    await d.temporal.schedule.create({ scheduleId: LEAD_NOTICE_SCHEDULE_ID, spec, action });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await d.temporal.schedule
      .getHandle(LEAD_NOTICE_SCHEDULE_ID)
      .update((prev) => ({ ...prev, spec, action }));
  }
}

/** Starts the year's run now (a supervisor's request); refused while one for the year is running. */
export async function startAnnualLeadNoticeRun(
  d: TemporalDeps,
  actor: Actor,
  year: number,
): Promise<{ workflowId: string; year: number }> {
  const workflowId = leadNoticeRunId(year);
  try {
    await d.temporal.workflow.start(leadNoticeAnnualRun, {
      taskQueue: d.taskQueue,
      workflowId,
      args: [{ year, actor: actorRef(actor) }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict(`The ${year} lead service-line notice run is already running (${workflowId})`);
    throw err;
  }
  return { workflowId, year };
}
