// Assertions shared by the API tests: the one error shape, row counts for "nothing was written",
// and the concrete URL of a route from the route table.
import type { RegisteredRoute } from '../../api/route';
import type { Db } from '../../lib/db/prisma';

export interface ApiResponse {
  status: number;
  body: any; // JSON of any shape
  headers: Headers;
}

/** The tables a request could write to. */
export const RECORD_TABLES = [
  'customer',
  'premise',
  'account',
  'service_point',
  'meter',
  'interaction',
  'timeline_event',
  'audit_event',
  'service_order',
  'crew',
  'app_user',
  'api_key',
] as const;
export type RecordTable = (typeof RECORD_TABLES)[number];

/** Row counts per table, in one query (audit rows of refused requests are not counted). */
export async function rowCounts(
  db: Db,
  tables: readonly string[] = RECORD_TABLES,
): Promise<Record<string, number>> {
  // A refusal writes its own audit row (who was refused, and why): that is not a change of data.
  const where = (t: string) =>
    t === 'audit_event' ? ` WHERE action NOT IN (${REFUSALS.map((a) => `'${a}'`).join(', ')})` : '';
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}${where(t)}`)
    .join(' UNION ALL ');
  const rows = await db.$queryRawUnsafe<{ t: string; n: number }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** Audit actions that record a refused request rather than a change. */
export const REFUSALS = ['auth.failed', 'auth.rate_limited', 'authorization.refused'] as const;

/** Audit rows that record changes (refusals excluded). */
export const auditCount = (db: Db) => db.auditEvent.count({ where: { action: { notIn: [...REFUSALS] } } });

/**
 * The error body is exactly `{ error: { code, message, field? } }`: no other keys at either
 * level, code and message non-empty strings, and `field` (when expected) as given.
 */
export function expectError(res: ApiResponse, status: number, code: string, field?: string): void {
  if (res.status !== status) {
    const wanted = `${status} ${code}${field ? ` (${field})` : ''}`;
    throw new Error(`expected ${wanted}, got ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  const e = res.body.error;
  expect(Object.keys(e).every((k) => ['code', 'message', 'field'].includes(k))).toBe(true);
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  if (field === undefined) expect(e).not.toHaveProperty('field');
  else expect(e.field).toBe(field);
}

/** True when the body has exactly the error shape (for collecting mismatches in a matrix). */
export function isErrorShape(body: unknown, code: string): boolean {
  if (!body || typeof body !== 'object' || Object.keys(body).join() !== 'error') return false;
  const e = (body as { error: Record<string, unknown> }).error;
  const keys = Object.keys(e);
  return (
    e.code === code &&
    typeof e.message === 'string' &&
    keys.every((k) => ['code', 'message', 'field'].includes(k))
  );
}

/**
 * A route's path with its `:id` filled from `idBySegment` (keyed by the path's first segment, e.g.
 * `customers`). A route whose segment has no id throws, so a new route cannot be tested against a
 * made-up id that would answer 404 before the authorization check was ever reached.
 */
export function concretePath(route: RegisteredRoute, idBySegment: Record<string, string>): string {
  const segment = route.path.split('/')[1]!;
  return route.path.replace(/:(\w+)/g, (_m, name: string) => {
    // `:id` takes the object for the route's first segment; any other parameter is named itself.
    const id = name === 'id' ? idBySegment[segment] : idBySegment[name];
    if (!id) throw new Error(`No existing object to put into ${route.path} (:${name})`);
    return encodeURIComponent(id);
  });
}

export const describeRoute = (r: RegisteredRoute) => `${r.method.toUpperCase()} ${r.path}`;
