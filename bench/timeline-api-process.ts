// One API process of the timeline benchmark when it runs the API as several processes (node:cluster
// workers sharing one listening port, as a multi-process deployment would). Each process has its
// own pg pool, verified-key cache and event loop, and reports its CPU time and event-loop
// utilisation when the primary asks.
import { randomBytes } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Client as TemporalClient } from '@temporalio/client';
import { createApp } from '../api/app';
import { createPrisma } from '../lib/db/prisma';
import { createLogger } from '../lib/logger';

const appUrl = process.env.BENCH_APP_URL;
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
if (!appUrl || !process.send) throw new Error('run by bench/timeline.ts as a cluster worker');

const db = createPrisma(appUrl, poolSize);
const app = createApp({
  db,
  temporal: {} as unknown as TemporalClient, // the timeline never touches Temporal
  taskQueue: 'bench-unused',
  logger: createLogger('silent'),
  encryptionKey: randomBytes(32),
  health: async () => ({ postgres: { ok: true, detail: 'bench' } }),
});
const server = app.listen(0, '127.0.0.1');

let cpu0 = process.cpuUsage();
let elu0 = performance.eventLoopUtilization();
// Garbage collection pauses (every kind): each one holds every request in flight.
let gc = { n: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.n++;
    gc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
process.on('message', (m: { type: string }) => {
  if (m.type === 'mark') {
    cpu0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
    gc = { n: 0, ms: 0 };
    process.send!({ type: 'marked' });
  } else if (m.type === 'usage') {
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    process.send!({
      type: 'usage',
      cpuMs: (cpu.user + cpu.system) / 1000,
      elu: elu.utilization,
      gcPauses: gc.n,
      gcMs: gc.ms,
    });
  } else if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => void db.$disconnect().then(() => process.exit(0)));
  }
});
