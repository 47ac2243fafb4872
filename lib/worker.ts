// Builds the Temporal worker: the workflows bundle from workflows/index.ts and the activities
// from createActivities(deps), on one task queue.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

/**
 * Workflows kept in the worker's memory between tasks. The SDK sizes this from the heap (about
 * 2,300 on a 4 GiB heap), and every cached workflow keeps its state and recent history in the
 * worker, about half a megabyte for a collections case: at 10,000 open cases a cache of 500 peaked
 * at 978 MiB, a whisker under a gibibyte. Most cases sleep for days on a notice period, so a
 * bounded cache costs only a replay of a short history when one wakes. Measured at 2,000 cases
 * (bench collections-cases, scale 0.2), 250 against 500: peak 615 against 744 MiB while the cases
 * start, 755 against 833 MiB over the whole run, the same 12.6 cases/s brought to their notice
 * period, 19.0 against 22.5 cases/s woken and closed (more of them replayed). 250 is still over
 * ten times the 20 cases a bill run's hand-off starts at once.
 * WORKER_MAX_CACHED_WORKFLOWS overrides.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    maxCachedWorkflows: opts.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
