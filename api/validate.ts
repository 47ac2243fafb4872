// Validation at the edge: zod schemas, strict (unknown fields are refused), and the first problem
// becomes a 400 that names the field.
import type { z } from 'zod';
import { AppError } from '../lib/errors';

export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  // Postgres text cannot hold a NUL character, and no field of ours means one: refuse it here,
  // naming the field, before it reaches a query (it would otherwise fail there as a 500).
  const nul = findNul(value, []);
  if (nul) {
    const field = nul.join('.') || where;
    throw new AppError('validation_failed', `${field}: must not contain NUL characters`, field);
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    path = [path, keys[0]].filter(Boolean).join('.');
    message = `Unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`;
  }
  const field = path || where;
  throw new AppError('validation_failed', `${field}: ${message}`, field);
}

/** The path of the first string (or key) holding U+0000, or null. */
function findNul(value: unknown, path: string[], depth = 0): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (!value || typeof value !== 'object' || depth > 20) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return [...path, k.split('\u0000').join('')];
    const found = findNul(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return null;
}
