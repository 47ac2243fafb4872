// The one place an error becomes an HTTP response: { error: { code, message, field? } }.
import type { ErrorRequestHandler } from 'express';
import { AppError, type ErrorCode } from '../lib/errors';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code];
}

/** Maps what libraries throw (body parser, Prisma) onto AppError. */
function normalize(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as {
    type?: string;
    status?: number;
    code?: string;
    meta?: { target?: unknown };
    message?: string;
  };
  if (e?.type === 'entity.parse.failed')
    return new AppError('validation_failed', 'The request body is not valid JSON', 'body');
  if (e?.type === 'entity.too.large')
    return new AppError('validation_failed', 'The request body is too large', 'body');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return new AppError('validation_failed', 'Unsupported body encoding', 'body');
  }
  if (e?.code === 'P2002') {
    const target = Array.isArray(e.meta?.target)
      ? (e.meta.target as string[]).join(',')
      : String(e.meta?.target ?? 'id');
    return new AppError('conflict', `A record with this ${target} already exists`, target);
  }
  if (e?.code === 'P2025') return new AppError('not_found', 'The record was not found');
  if (e?.code === 'P2003') return new AppError('validation_failed', 'A referenced record does not exist');
  return new AppError('internal', 'Something went wrong on our side; it has been logged');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appErr = normalize(err);
  const status = statusFor(appErr.code);
  const log = req.log ?? console;
  if (status >= 500) log.error({ err }, 'request failed');
  else log.info({ code: appErr.code, field: appErr.field }, appErr.message);
  res.status(status).json({
    error: { code: appErr.code, message: appErr.message, ...(appErr.field ? { field: appErr.field } : {}) },
  });
};
