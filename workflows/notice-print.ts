// Closes a print batch of notices (services/notice-print.ts): every letter the register holds for
// print up to the cutoff goes to the vendor in one PDF and one CSV. Started every day by the
// `notice-print-schedule` Temporal Schedule at the vendor's pickup time, and on demand by a
// supervisor. The cutoff is the workflow's own start (or the one given), so a retried close
// lands in the same batch.
import { proxyActivities } from '@temporalio/workflow';
import type { NoticePrintActivities } from '../activities/notice-print';

const { printNoticeBatch } = proxyActivities<NoticePrintActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  // A close that fails changes nothing (its letters wait), so it is simply tried again.
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export interface NoticePrintRunInput {
  /** ISO instant; default: when the workflow starts. */
  cutoff?: string;
  actor?: { id: string; role: string; requestId?: string };
}

export async function noticePrintRun(input: NoticePrintRunInput = {}) {
  return printNoticeBatch({
    cutoff: input.cutoff ?? new Date().toISOString(),
    actor: input.actor ?? { id: 'system', role: 'system' },
  });
}
