// The worker process the fault suite kills with SIGKILL: the production worker (bin/worker.ts)
// with one difference — the workflows bundle is read from a file built once per run
// (FAULTS_WORKFLOW_BUNDLE), so a restarted worker polls again within seconds instead of spending
// them on webpack while the cycle waits.
import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import { startSystem, workerDeps } from '../../lib/system';
import { createWorker } from '../../lib/worker';

async function main() {
  const config = loadConfig();
  const bundlePath = process.env.FAULTS_WORKFLOW_BUNDLE;
  if (!bundlePath) throw new Error('FAULTS_WORKFLOW_BUNDLE must name the prebuilt workflows bundle');
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] as const) {
    if (!config[name]) throw new Error(`${name} must be set`);
  }
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const sys = await startSystem(config, { embedded: false });
  const connection = await NativeConnection.connect({ address: sys.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: workerDeps(sys),
    workflowBundle: { code: readFileSync(bundlePath, 'utf8') },
  });
  process.stdout.write('worker running\n');
  await worker.run();
  await connection.close();
  await sys.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exit(1);
});
