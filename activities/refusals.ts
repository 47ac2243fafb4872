// How an activity reports a business refusal to its workflow.
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../lib/errors';

/**
 * Runs `fn`; a business refusal (AppError) becomes a non-retryable failure carrying its code as the
 * type, so the workflow (and the API behind it) sees the same answer and a person looks, instead of
 * Temporal retrying it. Anything else is thrown as it is and retried.
 */
export async function refusalsFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError)
      throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true });
    throw err;
  }
}
