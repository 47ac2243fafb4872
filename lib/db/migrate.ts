// Applies the SQL migrations in prisma/migrations (Prisma's folder layout) in name order, once
// each, recording name and checksum in opencis_migration. Prisma's own `migrate deploy` cannot run
// offline; this runner is the one path for dev, test, CI and production.
//
// Each migration runs in its own transaction under an advisory lock, so two processes starting at
// once (API and worker) never apply the same migration twice. A migration whose file changed after
// it was applied is refused: migrations are history, never edited.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'prisma', 'migrations');
const LOCK_KEY = 7_240_117; // arbitrary, fixed: "opencis migrations"

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export function listMigrations(dir = MIGRATIONS_DIR): { name: string; sql: string; checksum: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS opencis_migration (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (
        await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM opencis_migration')
      ).rows.map((r) => [r.name, r.checksum]),
    );
    const applied: string[] = [];
    for (const m of listMigrations(dir)) {
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum) {
          throw new Error(
            `Migration ${m.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO opencis_migration (name, checksum) VALUES ($1, $2)', [
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** Names of migrations in the folder that the database has not applied (read-only check). */
export async function pendingMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('opencis_migration') IS NOT NULL AS e`);
    const done = exists.rows[0]?.e
      ? new Set(
          (await client.query<{ name: string }>('SELECT name FROM opencis_migration')).rows.map(
            (r) => r.name,
          ),
        )
      : new Set<string>();
    return listMigrations(dir)
      .map((m) => m.name)
      .filter((n) => !done.has(n));
  } finally {
    await client.end();
  }
}
