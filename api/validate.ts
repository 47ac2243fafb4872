// Validation at the edge: zod schemas, strict (unknown fields are refused), and the first problem
// becomes a 400 that names the field.
import type { z } from 'zod';
import { AppError } from '../lib/errors';

export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
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
