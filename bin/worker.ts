// A worker process on its own (production: run as many as the load needs, on the same task queue).
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createPrisma } from '../lib/db/prisma';
import { createWorker } from '../lib/worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'opencis-worker');
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
    throw new Error(
      'DATABASE_URL and TEMPORAL_ADDRESS must be set for a stand-alone worker (npm start runs an embedded one)',
    );
  }
  const db = createPrisma(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: { db },
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, 'worker running');
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  await connection.close();
  await db.$disconnect();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exit(1);
});
