// The yearly lead service-line notice run (services/lead-notice.ts sendAnnualLeadNotices): every
// account whose line is lead, galvanized requiring replacement or unknown gets the year's notice,
// once. Started each year by the `lead-notice-annual-schedule` Temporal Schedule and on demand by a
// supervisor (POST /lead-notices/annual). The year is the run's own (given, or the year it started).
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LeadNoticeActivities } from '../activities/lead-notices';

const { sendAnnualLeadNotices } = proxyActivities<LeadNoticeActivities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '5 minutes',
  // Nothing is sent twice (the register), so a failed pass is simply taken up again.
  retry: { initialInterval: '10 seconds', maximumInterval: '30 minutes' },
});

export interface LeadNoticeAnnualInput {
  year?: number;
  actor?: { id: string; role: string; requestId?: string };
}

export async function leadNoticeAnnualRun(input: LeadNoticeAnnualInput = {}) {
  const started = workflowInfo().startTime;
  return sendAnnualLeadNotices({
    year: input.year ?? started.getUTCFullYear(),
    at: started.toISOString(),
    actor: input.actor ?? { id: 'system', role: 'system' },
  });
}
