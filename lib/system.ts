// Connects the parts of a running system — database, Temporal, mail, encryption key — from the
// configuration, starting the embedded ones where no external one is configured. Used by
// `npm start` (everything embedded by default) and by the separate worker and API entry points.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { Connection, Client } from '@temporalio/client';
import type { Config } from './config';
import { createPrisma, type Db } from './db/prisma';
import { createLogger, type Logger } from './logger';
import { createMailer, type Mailer } from './mailer';
import { loadEncryptionKey } from './field-crypto';
import { openDatabase, type DatabaseHandle } from './runtime/database';
import { resolveTemporalCli, startTemporalDevServer, type DevServer } from './runtime/temporal-dev-server';
import { startSmtpCatcher, type SmtpCatcher } from './runtime/smtp-catcher';
import { healthCheck } from './health';
import type { ApiDeps } from '../api/deps';
import type { ActivityDeps } from '../activities';

export interface System {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  db: Db;
  temporalAddress: string;
  temporalUiUrl: string | null;
  temporalConnection: Connection;
  temporal: Client;
  smtpUrl: string;
  mailDir: string | undefined;
  mailer: Mailer;
  encryptionKey: Buffer;
  /** Stops what this process started, in reverse order. */
  stop(): Promise<void>;
}

export async function startSystem(config: Config, opts: { embedded: boolean }): Promise<System> {
  const logger = createLogger(config.LOG_LEVEL);
  const dataDir = path.resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse())
      await s().catch((err: unknown) => logger.error({ err }, 'stopping a part failed'));
  };
  try {
    const database = await openDatabase(config, {
      log: (l) => logger.debug({ part: 'postgres' }, l),
      migrations: opts.embedded ? 'apply' : 'require',
    });
    stops.push(() => database.stop());

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let dev: DevServer | null = null;
    if (!temporalAddress) {
      if (!opts.embedded) throw new Error('TEMPORAL_ADDRESS is not set');
      dev = await startTemporalDevServer({
        cliPath: resolveTemporalCli(config.TEMPORAL_CLI_PATH),
        dataDir: path.join(dataDir, 'temporal'),
        port: config.TEMPORAL_DEV_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        log: (l) => logger.debug({ part: 'temporal' }, l.trim()),
      });
      stops.push(() => dev!.stop());
      temporalAddress = dev.address;
    }

    let smtpUrl = config.SMTP_URL;
    let catcher: SmtpCatcher | null = null;
    const mailDir = smtpUrl ? undefined : path.join(dataDir, 'mail');
    if (!smtpUrl) {
      catcher = await startSmtpCatcher({ mailDir: mailDir!, port: config.SMTP_CATCHER_PORT });
      stops.push(() => catcher!.stop());
      smtpUrl = catcher.url;
    }
    const mailer = createMailer(smtpUrl, config.MAIL_FROM);
    stops.push(async () => mailer.close());

    const encryptionKey = loadEncryptionKey(config.DATA_ENCRYPTION_KEY, {
      dataDir,
      allowGenerate: config.NODE_ENV !== 'production',
    });

    const db = createPrisma(database.appUrl);
    stops.push(() => db.$disconnect());
    const temporalConnection = await Connection.connect({ address: temporalAddress });
    stops.push(() => temporalConnection.close());
    const temporal = new Client({ connection: temporalConnection, namespace: config.TEMPORAL_NAMESPACE });

    return {
      config,
      logger,
      database,
      db,
      temporalAddress,
      temporalUiUrl: dev?.uiUrl ?? null,
      temporalConnection,
      temporal,
      smtpUrl,
      mailDir,
      mailer,
      encryptionKey,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Where the worker writes print batches and the API finds them: <DATA_DIR>/out. */
const outDirOf = (sys: System) => path.join(path.resolve(sys.config.DATA_DIR), 'out');

/** What the API needs from a running system. */
export function apiDeps(sys: System): ApiDeps {
  return {
    db: sys.db,
    temporal: sys.temporal,
    taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
    logger: sys.logger,
    encryptionKey: sys.encryptionKey,
    outDir: outDirOf(sys),
    ...(sys.mailDir ? { mailDir: sys.mailDir } : {}),
    health: healthCheck({
      db: sys.db,
      temporal: sys.temporalConnection,
      mailer: sys.mailer,
      smtpUrl: sys.smtpUrl,
      temporalAddress: sys.temporalAddress,
    }),
  };
}

/** What the worker's activities need from a running system. */
export function workerDeps(sys: System): ActivityDeps {
  return {
    db: sys.db,
    temporal: sys.temporal,
    taskQueue: sys.config.TEMPORAL_TASK_QUEUE,
    mailer: sys.mailer,
    outDir: outDirOf(sys),
    noticePrintTime: sys.config.NOTICE_PRINT_TIME,
    readValidation: {
      ...(sys.config.READ_HIGH_FACTOR ? { highFactor: sys.config.READ_HIGH_FACTOR } : {}),
      ...(sys.config.READ_LOW_FACTOR ? { lowFactor: sys.config.READ_LOW_FACTOR } : {}),
    },
    ...(sys.config.DELIVERY_RENDER_THREADS !== undefined
      ? { renderThreads: sys.config.DELIVERY_RENDER_THREADS }
      : {}),
  };
}
