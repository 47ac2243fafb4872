// All activities, built from injected dependencies. Workflows import only the types.
import { createBillingActivities, type BillingActivityDeps } from './billing';
import { createCollectionsActivities } from './collections';
import { createServiceOrderActivities } from './service-orders';

export type ActivityDeps = BillingActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createServiceOrderActivities(deps),
    ...createBillingActivities(deps),
    ...createCollectionsActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
