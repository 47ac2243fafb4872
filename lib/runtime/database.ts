// Where the database is: DATABASE_URL when set; otherwise the embedded Postgres under DATA_DIR,
// started here unless `npm start` already runs it. Migrations are applied before anything else
// touches the database, so every entry point (start, CLI scripts) sees the current schema.
import { Client } from 'pg';
import path from 'node:path';
import type { Config } from '../config';
import { migrate, pendingMigrations } from '../db/migrate';
import { isPortFree } from './ports';
import { embeddedPostgresUrl, startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_DB_NAME = 'opencis';
const APP_ROLE = 'opencis_app';
const APP_PASSWORD = 'opencis_app';

export interface DatabaseHandle {
  /** What the API and worker connect with (the opencis_app role on the embedded server). */
  appUrl: string;
  /** What migrations connect with (the owner). */
  adminUrl: string;
  embedded: boolean;
  migrationsApplied: string[];
  stop(): Promise<void>;
}

/**
 * `migrations: 'apply'` (npm start, db:migrate, CLI scripts) brings the schema up to date;
 * `'require'` (the production API) only checks, because its login may not change the schema
 * and a deployment runs `db:migrate` as its own step.
 */
export async function openDatabase(
  config: Config,
  opts: { log?: (l: string) => void; migrations?: 'apply' | 'require' } = {},
): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) {
    const adminUrl = config.DATABASE_ADMIN_URL ?? config.DATABASE_URL;
    if (opts.migrations === 'require') {
      const pending = await pendingMigrations(config.DATABASE_URL);
      if (pending.length)
        throw new Error(
          `The database lacks migrations ${pending.join(', ')}: run \`npm run db:migrate\` first`,
        );
      return {
        appUrl: config.DATABASE_URL,
        adminUrl,
        embedded: false,
        migrationsApplied: [],
        stop: async () => undefined,
      };
    }
    const { applied } = await migrate(adminUrl);
    return {
      appUrl: config.DATABASE_URL,
      adminUrl,
      embedded: false,
      migrationsApplied: applied,
      stop: async () => undefined,
    };
  }
  const port = config.EMBEDDED_PG_PORT;
  const urlFor = (user: string, pass: string) => embeddedPostgresUrl(user, pass, port, EMBEDDED_DB_NAME);
  let stop = async () => undefined as void;
  if (await isPortFree(port)) {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(config.DATA_DIR, 'postgres'),
      port,
      log: opts.log,
    });
    await pg.ensureDatabase(EMBEDDED_DB_NAME);
    stop = () => pg.stop();
  }
  const adminUrl = urlFor('postgres', 'postgres');
  const { applied } = await migrate(adminUrl);
  await ensureAppLogin(adminUrl);
  return {
    appUrl: urlFor(APP_ROLE, APP_PASSWORD),
    adminUrl,
    embedded: true,
    migrationsApplied: applied,
    stop,
  };
}

/** On the embedded server the application role logs in with a fixed local password. */
async function ensureAppLogin(adminUrl: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`ALTER ROLE ${APP_ROLE} LOGIN PASSWORD '${APP_PASSWORD}'`);
  } finally {
    await c.end();
  }
}
