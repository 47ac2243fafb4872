// A bill render thread: takes slices of bill views and answers with what services/bill-artifacts.ts
// renders for each, in order. Errors go back with their job, so the delivery that asked fails (and
// its activity retries) instead of waiting.
import { parentPort } from 'node:worker_threads';
import { renderJob, type RenderJob } from './bill-artifacts';

const port = parentPort;
if (!port) throw new Error('services/bill-render-thread.ts runs as a worker thread (bill-render-pool.ts)');

port.on('message', (job: RenderJob & { id: number }) => {
  try {
    port.postMessage({ id: job.id, result: renderJob(job) });
  } catch (err) {
    port.postMessage({ id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
