// A fresh, migrated database for one test file, cloned from the template built in global setup.
// `db` connects as the application role (opencis_app), `adminUrl` as the owner (for tests that
// must act as a superuser would, e.g. tampering with the audit trail).
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPrisma, type Db } from '../../lib/db/prisma';
import { TEMPLATE_DB, withDatabase } from './test-db-names';

export interface TestDatabase {
  name: string;
  db: Db;
  appUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = process.env.TEST_DATABASE_ADMIN_URL;
  if (!admin) throw new Error('TEST_DATABASE_ADMIN_URL is not set: run integration tests through `npm test`');
  const name = `opencis_test_${randomBytes(5).toString('hex')}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await c.end();
  }
  const adminUrl = withDatabase(admin, name);
  const u = new URL(adminUrl);
  u.username = 'opencis_app';
  u.password = 'opencis_app';
  const appUrl = u.toString();
  const db = createPrisma(appUrl, 5);
  return {
    name,
    db,
    appUrl,
    adminUrl,
    async close() {
      await db.$disconnect();
      const c2 = new Client({ connectionString: admin });
      await c2.connect();
      try {
        await c2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c2.end();
      }
    },
  };
}
