// Where a delivery renders its bills. Rendering (Handlebars texts, the PDF layout, the PDF bytes,
// the email messages, the content hashes) is pure CPU, and a large delivery's own thread is also
// the one running its database round trips and mail sessions: measured at 20,000 bills, that
// thread was busy for 10 s of an 11.5 s delivery while the machine had a third of its CPU to
// spare. Render threads take the rendering off it. Small deliveries (a rebill, a final bill)
// render in place: starting a thread costs more than they do.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { renderJob, type EmailArtifacts, type PrintArtifacts, type RenderJob } from './bill-artifacts';
import type { Mailbox } from '../lib/mime';
import type { BillData } from './bill-render';

export interface BillRenderer {
  /** Each bill's email from `from` (the mailer's sender). */
  email(views: BillData[], from: Mailbox): Promise<EmailArtifacts[]>;
  /** `withHash[i]`: whether bill i needs its content hash (it is not in the batch yet). */
  print(views: BillData[], withHash: boolean[]): Promise<PrintArtifacts[]>;
  close(): Promise<void>;
}

/** Renders on the calling thread. */
export const inPlaceRenderer: BillRenderer = {
  email: async (views, from) => renderJob({ kind: 'email', views, from }) as EmailArtifacts[],
  print: async (views, withHash) => renderJob({ kind: 'print', views, withHash }) as PrintArtifacts[],
  close: async () => undefined,
};

/** Below this many bills a delivery renders in place. */
export const THREADED_RENDER_MIN_BILLS = 500;

/**
 * Render threads for a large delivery when none is configured: one per core beyond the first, at
 * most two (the database and the mail server need CPU too).
 */
export const defaultRenderThreads = () => Math.max(0, Math.min(2, os.availableParallelism() - 1));

/** The renderer for a delivery of `bills` bills with up to `threads` render threads. */
export function rendererFor(bills: number, threads = defaultRenderThreads()): BillRenderer {
  return threads > 0 && bills >= THREADED_RENDER_MIN_BILLS ? threadRenderer(threads) : inPlaceRenderer;
}

interface Pending {
  job: RenderJob;
  resolve(result: unknown[]): void;
  reject(err: Error): void;
}

/**
 * `threads` worker threads; each job goes to the one with the fewest waiting. A thread that cannot
 * start or dies (not a bill that fails to render: that error is the job's) is dropped, and its jobs
 * and every later one run in place, so a delivery never depends on threads being available.
 */
export function threadRenderer(
  threads: number,
  entry = path.join(__dirname, 'bill-render-thread.cjs'),
): BillRenderer {
  let pool = Array.from({ length: threads }, () => ({
    worker: new Worker(entry),
    pending: new Map<number, Pending>(),
  }));
  let nextId = 1;
  let closed = false;
  const settleInPlace = (p: Pending) => {
    try {
      p.resolve(renderJob(p.job));
    } catch (err) {
      p.reject(err as Error);
    }
  };
  for (const t of pool) {
    const drop = () => {
      pool = pool.filter((x) => x !== t);
      const orphans = [...t.pending.values()];
      t.pending.clear();
      for (const p of orphans)
        if (closed) p.reject(new Error('the bill renderer was closed before the job finished'));
        else settleInPlace(p);
    };
    t.worker.on('message', (m: { id: number; result?: unknown[]; error?: string }) => {
      const p = t.pending.get(m.id);
      if (!p) return;
      t.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`bill rendering failed: ${m.error}`));
      else p.resolve(m.result!);
    });
    t.worker.on('error', drop);
    t.worker.on('exit', drop);
  }
  const run = (job: RenderJob): Promise<unknown[]> => {
    if (closed) return Promise.reject(new Error('the bill renderer is closed'));
    if (pool.length === 0) return Promise.resolve().then(() => renderJob(job));
    const t = pool.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      t.pending.set(id, { job, resolve, reject });
      t.worker.postMessage({ ...job, id });
    });
  };
  return {
    async email(views, from) {
      const out = (await run({ kind: 'email', views, from })) as EmailArtifacts[];
      // A Buffer crosses the thread boundary as a plain Uint8Array.
      return out.map((a) =>
        a.message
          ? {
              ...a,
              message: {
                ...a.message,
                raw: Buffer.from(a.message.raw.buffer, a.message.raw.byteOffset, a.message.raw.byteLength),
              },
            }
          : a,
      );
    },
    async print(views, withHash) {
      return (await run({ kind: 'print', views, withHash })) as PrintArtifacts[];
    },
    async close() {
      closed = true;
      await Promise.all(pool.map((t) => t.worker.terminate()));
    },
  };
}
