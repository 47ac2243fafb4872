// A worker process on its own (production: run as many as the load needs, on the same task queue).
// Needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL (npm start runs an embedded worker instead).
import { NativeConnection, Runtime } from '@temporalio/worker';
import { workerTelemetry } from '../lib/metrics';
import { loadConfig } from '../lib/config';
import { startSystem, workerDeps } from '../lib/system';
import { createWorker } from '../lib/worker';
import { ensureCycleSchedules } from '../services/bill-cycles';
import { ensureNoticePrintSchedule } from '../services/notice-print';
import { ensureLeadNoticeSchedule } from '../services/lead-notice-runs';

async function main() {
  const config = loadConfig();
  const telemetryOptions = workerTelemetry(config.WORKER_METRICS_ADDRESS);
  if (telemetryOptions) Runtime.install({ telemetryOptions });
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] as const) {
    if (!config[name])
      throw new Error(`${name} must be set for a stand-alone worker (npm start runs an embedded one)`);
  }
  const sys = await startSystem(config, { embedded: false });
  const connection = await NativeConnection.connect({ address: sys.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: workerDeps(sys),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  // The schedules the system runs on (idempotent: every replica may ask). Without them no bill
  // cycle starts on its read day, no letter goes to the print vendor and no yearly lead notice goes out.
  const temporalDeps = { temporal: sys.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE };
  await ensureCycleSchedules({ db: sys.db, ...temporalDeps });
  await ensureNoticePrintSchedule(temporalDeps, config.NOTICE_PRINT_TIME);
  await ensureLeadNoticeSchedule(temporalDeps, config.LEAD_NOTICE_ANNUAL_DATE);
  sys.logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: sys.temporalAddress }, 'worker running');
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  await connection.close();
  await sys.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exit(1);
});
