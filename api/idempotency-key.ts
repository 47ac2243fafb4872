// The Idempotency-Key request header shared by the write routes that must never run twice
// (payments, bill corrections, collections contacts, affidavits and arrangements, water notices):
// one reader so the rule and its error stay the same everywhere. Each service keeps the key under
// the user who sent it (lib/idempotency.ts clientKeyFor), so one user's key never answers another's.
import type { Request } from 'express';
import { AppError } from '../lib/errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The client's Idempotency-Key: required, 1–200 visible ASCII characters. `what` names the
 * operation in the "required" message ("payment", "correction") so the client knows what a key
 * stands for.
 */
export function idempotencyKeyOf(req: Request, what: string): string {
  const key = req.header(IDEMPOTENCY_HEADER);
  if (key === undefined || key.trim() === '')
    throw new AppError(
      'validation_failed',
      `${IDEMPOTENCY_HEADER}: this header is required — a unique value per ${what} (a UUID), ` +
        `sent again unchanged only to retry the same ${what}`,
      IDEMPOTENCY_HEADER,
    );
  if (!/^[\x21-\x7e]{1,200}$/.test(key))
    throw new AppError(
      'validation_failed',
      `${IDEMPOTENCY_HEADER}: must be 1–200 visible ASCII characters`,
      IDEMPOTENCY_HEADER,
    );
  return key;
}
