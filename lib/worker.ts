// Builds the Temporal worker: the workflows bundle from workflows/index.ts and the activities
// from createActivities(deps), on one task queue.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows', 'index.ts');

/**
 * Workflows kept in the worker's memory between tasks. The SDK sizes this from the heap (about
 * 2,300 on a 4 GiB heap), and every cached workflow keeps its state and recent history in the
 * worker: at 10,000 open collections cases the worker's memory passed a gibibyte. Most cases
 * sleep for days on a notice period, so a bounded cache costs only a replay of a short history
 * when one wakes, and the worker's memory stays flat however many cases a utility has open.
 * WORKER_MAX_CACHED_WORKFLOWS overrides.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

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
