// Starts one embedded Postgres for the whole integration run (a throwaway data directory) and
// builds a migrated template database; each test file then gets a fresh database cloned from it
// (test/helpers/db.ts). With TEST_DATABASE_ADMIN_URL set, an existing server is used instead.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../lib/db/migrate';
import { startEmbeddedPostgres } from '../../lib/runtime/embedded-postgres';
import { freePort } from '../../lib/runtime/ports';
import { TEMPLATE_DB, withDatabase } from './test-db-names';

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'opencis-test-pg-'));
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
    (globalThis as Record<string, unknown>).__OPENCIS_PG__ = pg;
    adminUrl = pg.adminUrl;
  }
  process.env.TEST_DATABASE_ADMIN_URL = adminUrl;
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    // A login role for the application, as in production: it may not alter the audit trail.
    await c.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'opencis_app') THEN CREATE ROLE opencis_app; END IF;
      ALTER ROLE opencis_app LOGIN PASSWORD 'opencis_app';
    END $$`);
  } finally {
    await c.end();
  }
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));
}
