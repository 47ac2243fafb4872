// Prisma Client over the node-postgres driver adapter (no Rust query engine: see ARCHITECTURE.md).
// The pg pool is made here and registered with lib/db/bulk.ts, so the bill cycle's set-based
// queries and COPY run on the same connections, as the same role.
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { registerPool } from './bulk';

export type Db = PrismaClient;
/** A transaction client, as handed to `db.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  // A connection that breaks while idle leaves the pool by itself; the next query opens another.
  // Without a listener the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  // The same for a connection that is checked out but between queries (inside a transaction, or
  // a COPY being prepared) when the server goes away: pg emits 'error' on that client, which with
  // no listener ends the process — a Postgres restart would take every worker and API down. With
  // one, the next query on it fails (the activity or request retries) and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // $disconnect ends the pool, as it did when the adapter made its own.
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  registerPool(db, pool);
  return db;
}
