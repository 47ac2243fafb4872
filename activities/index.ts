// All activities, built from injected dependencies. Workflows import only the types.
import { createServiceOrderActivities, type ServiceOrderActivityDeps } from './service-orders';

export type ActivityDeps = ServiceOrderActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createServiceOrderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
