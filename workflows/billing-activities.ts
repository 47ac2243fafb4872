// The billing activities as the bill workflows call them (billCycle, billHeldAccounts).
import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing';

/** One batch or one record: minutes at most. */
export const db = proxyActivities<BillingActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

// Whole-cycle steps (validation, estimation, delivery, late charges, hand-off) work through the
// run in slices and heartbeat after each: a worker that dies is noticed within the heartbeat
// timeout, while a large cycle still has hours to finish. Changing these options changes no
// command, so running workflows replay unchanged.
export const cycleDb = proxyActivities<BillingActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});
