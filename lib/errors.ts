// One error model for the whole system. Use cases throw AppError; the API maps `code` to an HTTP
// status in one table (api/error-handler.ts); workflows and scripts read the same codes.

export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_mismatch'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('not_found', `${what} ${id} was not found`);
export const invalid = (field: string, message: string) => new AppError('validation_failed', message, field);
export const conflict = (message: string, field?: string) => new AppError('conflict', message, field);
export const forbidden = (message = 'Your role may not do this') => new AppError('forbidden', message);
