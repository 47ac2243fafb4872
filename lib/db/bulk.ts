// Set-based reads and writes over node-postgres, for the bill cycle's hot paths where Prisma's
// per-row mapping costs more than the work itself: plain queries, a transaction on one pooled
// connection, and COPY FROM STDIN. The pool is the one Prisma's driver adapter runs on
// (createPrisma registers it here), so bulk work connects as the same application role and counts
// against the same pool size.
//
// node-postgres returns int8 and numeric as strings and DATE as a local-time Date: queries here
// select dates as text (`col::text`, YYYY-MM-DD) so no time zone can shift a day.
import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from './prisma';

const pools = new WeakMap<Db, Pool>();

/** Records the pool behind a Prisma client (see createPrisma). */
export function registerPool(db: Db, pool: Pool): void {
  pools.set(db, pool);
}

/** The pg pool behind a Prisma client made by createPrisma. */
function bulkPool(db: Db): Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This Prisma client has no registered pool: create it with createPrisma');
  return pool;
}

/** Where a query runs: a Prisma client's pool, or a connection holding a transaction. */
export type Runner = Db | PoolClient;

export async function query<R extends QueryResultRow>(
  on: Runner,
  text: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  return (await runnerOf(on).query<R>(text, values as unknown[])).rows;
}

const runnerOf = (on: Runner): Pool | PoolClient =>
  typeof (on as PoolClient).release === 'function' ? (on as PoolClient) : bulkPool(on as Db);

const statementNames = new Map<string, string>();

/**
 * `query` as a named prepared statement: each connection parses and plans the text once and then
 * only binds and executes it, which saves the server most of its work on a short, hot query (the
 * timeline page). For statements whose text takes few shapes; the name is derived from the text.
 */
export async function preparedQuery<R extends QueryResultRow>(
  on: Runner,
  text: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  let name = statementNames.get(text);
  if (!name) {
    name = `ocis_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return (await runnerOf(on).query<R>({ name, text, values: values as unknown[] })).rows;
}

/** Runs `fn` in one transaction on one connection: committed when it returns, rolled back if it throws. */
export async function inTransaction<T>(db: Db, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await bulkPool(db).connect();
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/**
 * INSERT … SELECT FROM unnest($1::type[], …): many rows in one statement with one parameter per
 * column, for inserts that need ON CONFLICT or RETURNING (`tail`). `columns` maps each column to
 * its SQL type; `rows` are in that order.
 */
export async function insertRows<R extends QueryResultRow = QueryResultRow>(
  on: Runner,
  table: string,
  columns: Readonly<Record<string, string>>,
  rows: readonly (readonly unknown[])[],
  tail = '',
): Promise<R[]> {
  if (rows.length === 0) return [];
  const names = Object.keys(columns);
  const arrays = names.map((_, k) => rows.map((r) => r[k] ?? null));
  const unnest = names.map((n, k) => `$${k + 1}::${columns[n]}[]`).join(', ');
  return query<R>(
    on,
    `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${unnest}) ${tail}`,
    arrays.map((a) => a.map((v) => (typeof v === 'bigint' ? v.toString() : v))),
  );
}

export type CopyValue = string | number | bigint | boolean | null | undefined;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format: \N for null, backslash escapes for the delimiters. */
function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => ESCAPES[ch]!) : s;
}

/** Text is handed to the socket in pieces of about this many characters. */
const COPY_CHUNK = 64 * 1024;

/**
 * Loads rows into `table` with COPY FROM STDIN (text format) on the caller's connection, inside
 * the caller's transaction; columns left out take their defaults. Returns the rows copied.
 */
export async function copyRows(
  c: PoolClient,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<number> {
  const stream = c.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let pending = '';
  let count = 0;
  for (const row of rows) {
    pending += `${row.map(copyField).join('\t')}\n`;
    count++;
    if (pending.length >= COPY_CHUNK) {
      if (!stream.write(pending)) await new Promise((r) => stream.once('drain', r));
      pending = '';
    }
  }
  stream.end(pending);
  await done;
  return count;
}
