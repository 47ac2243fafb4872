// All activities, built from injected dependencies. Workflows import only the types.
import { createBillingActivities, type BillingActivityDeps } from './billing';
import { createCollectionsActivities } from './collections';
import { createServiceOrderActivities } from './service-orders';
import { createNoticePrintActivities } from './notice-print';
import { createLeadNoticeActivities } from './lead-notices';
import { createWaterNoticeActivities } from './water-notices';

export type ActivityDeps = BillingActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createServiceOrderActivities(deps),
    ...createBillingActivities(deps),
    ...createCollectionsActivities(deps),
    ...createNoticePrintActivities(deps),
    ...createLeadNoticeActivities(deps),
    ...createWaterNoticeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
