// Resending a bill email that was never confirmed. Bill email is at most once (bill-delivery.ts):
// an email claimed and not confirmed (the worker stopped, or the mail server did not answer) is
// marked unconfirmed in the notice register and never resent by itself. A clerk who has checked
// with the customer resends it here, deliberately and with a reason.
//
// The resend is at most once too: it takes the mark off the register row before sending (the row
// is then "in flight" again), and records the message id after. A resend that finds its row in
// flight was itself interrupted: it marks the row unconfirmed again and says so, rather than send a
// second time on a guess.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client as TemporalClient,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { actorRef, type Actor } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import { inTransaction, query } from '../lib/db/bulk';
import { AppError, conflict, notFound } from '../lib/errors';
import type { Mailer } from '../lib/mailer';
import { billNoticeKey } from './bill-artifacts';
import { classifySendError, NOTICE_TYPE_BILL, recordDeliveries } from './bill-delivery';
import { loadBillData } from './bill-render';
import { rendererFor } from './bill-render-pool';
import { billEmailResend } from '../workflows/bill-email-resend';

export interface ResentEmail {
  billId: string;
  recipient: string;
  messageId: string;
  sentAt: string;
}

interface RegisterRow {
  account_id: string;
  recipient: string;
  message_id: string | null;
  sent_at: Date;
  unconfirmed_at: Date | null;
}

/**
 * One resend outcome: the register row changed as `setSql` says (never over a message id: a
 * delivery that confirmed the email meanwhile wins), with its audit event and timeline entry.
 */
async function record(
  db: Db,
  actor: Actor,
  view: { billId: string; accountId: string },
  kind: string,
  summary: string,
  after: Record<string, unknown>,
  reason: string,
  setSql: string,
  setValues: unknown[],
): Promise<void> {
  await inTransaction(db, async (c) => {
    await c.query(`UPDATE notice SET ${setSql} WHERE idempotency_key = $1 AND message_id IS NULL`, [
      billNoticeKey(view.billId, 'EMAIL'),
      ...setValues,
    ]);
    await recordDeliveries(c, actor, [
      { view, kind, summary, audit: { action: kind, after, reason }, data: { billId: view.billId } },
    ]);
  });
}

/** Marks the bill's email unconfirmed (again), with why: a person decides what to do next. */
const markUnconfirmed = (
  db: Db,
  actor: Actor,
  view: { billId: string; accountId: string },
  recipient: string,
  error: string,
  summary: string,
  reason: string,
) =>
  record(
    db,
    actor,
    view,
    'bill.email_unconfirmed',
    summary,
    { channel: 'EMAIL', recipient, idempotencyKey: billNoticeKey(view.billId, 'EMAIL'), error },
    reason,
    'unconfirmed_at = $2',
    [new Date()],
  );

/**
 * Why bill `billId`'s email cannot be resent, read without changing anything: no such bill, a bill
 * no longer issued, one that was not emailed, one whose email was confirmed. Null when a resend may
 * go ahead (or finds the email in flight, which only the resend itself can tell and record).
 */
export async function resendRefusal(db: Db, billId: string): Promise<AppError | null> {
  const [bill] = await query<{ status: string }>(db, 'SELECT status FROM bill WHERE id = $1', [billId]);
  if (!bill) return notFound('Bill', billId);
  if (bill.status !== 'ISSUED')
    return conflict(
      `Bill ${billId} is ${bill.status.toLowerCase()}, not issued: send the bill that replaced it instead`,
    );
  const [row] = await query<RegisterRow>(
    db,
    `SELECT account_id, recipient, message_id, sent_at, unconfirmed_at FROM notice WHERE idempotency_key = $1`,
    [billNoticeKey(billId, 'EMAIL')],
  );
  if (!row)
    return conflict(
      `Bill ${billId} was not emailed (it is printed, or not delivered yet): nothing to resend`,
    );
  if (row.message_id)
    return conflict(
      `Bill ${billId}'s email was confirmed sent to ${row.recipient} at ${row.sent_at.toISOString()} ` +
        `(message ${row.message_id}): nothing to resend`,
    );
  return null;
}

/**
 * Sends again the email of bill `billId` that the register marks unconfirmed, to the customer's
 * address on file now, and records the message id and that address. Refuses (conflict) a bill no
 * longer issued, one that was not emailed, one whose email was confirmed, or one still in flight.
 */
export async function resendBillEmail(
  deps: { db: Db; mailer: Mailer },
  actor: Actor,
  billId: string,
  reason: string,
): Promise<ResentEmail> {
  const { db, mailer } = deps;
  const key = billNoticeKey(billId, 'EMAIL');
  const refused = await resendRefusal(db, billId);
  if (refused) throw refused;
  // Take the mark off: only one resend can, and the row is in flight until it is recorded.
  const [taken] = await query<RegisterRow>(
    db,
    `UPDATE notice SET unconfirmed_at = NULL
     WHERE idempotency_key = $1 AND type = $2 AND message_id IS NULL AND unconfirmed_at IS NOT NULL
     RETURNING account_id, recipient, message_id, sent_at, unconfirmed_at`,
    [key, NOTICE_TYPE_BILL],
  );
  if (!taken) {
    // Confirmed a moment ago by a delivery still running, say.
    const now = await resendRefusal(db, billId);
    if (now) throw now;
    const [row] = await query<RegisterRow>(
      db,
      `SELECT account_id, recipient, message_id, sent_at, unconfirmed_at FROM notice WHERE idempotency_key = $1`,
      [key],
    );
    // Released a moment ago (the delivery found it refused or not sent): nothing to resend now.
    if (!row)
      throw conflict(
        `Bill ${billId} was not emailed (it is printed, or not delivered yet): nothing to resend`,
      );
    // In flight: a delivery still sending it, or a resend that stopped before recording. Mark it
    // unconfirmed once more rather than guess; a person decides again.
    await markUnconfirmed(
      db,
      actor,
      { billId, accountId: row.account_id },
      row.recipient,
      'send in flight or interrupted',
      `Bill ${billId} email to ${row.recipient}: an earlier send was not confirmed; not resent`,
      'A send of this email was still unconfirmed when a resend was asked for; it is not sent twice.',
    );
    throw conflict(
      `Bill ${billId}'s email is being sent or an earlier send was interrupted; it is now marked ` +
        'unconfirmed: resend it again if the customer still lacks the bill',
    );
  }

  const accountId = taken.account_id;
  let recipient = taken.recipient;
  const remark = (error: string) =>
    markUnconfirmed(
      db,
      actor,
      { billId, accountId },
      recipient,
      error,
      `Bill ${billId} resend to ${recipient} failed: ${error}`,
      reason,
    );
  const views = await loadBillData(db, [billId]);
  const view = views.get(billId);
  const renderer = rendererFor(1, 0);
  let message;
  try {
    if (!view) throw notFound('Bill', billId);
    // To the address on file now: the clerk has checked it with the customer.
    if (!view.customer.email?.trim())
      throw conflict(`Bill ${billId}: the customer has no email address on file now; print the bill instead`);
    const [built] = await renderer.email([view], mailer.from);
    if (!built?.message)
      throw new AppError('validation_failed', `Bill ${billId}: ${built?.refusal ?? 'no message'}`);
    message = built.message;
    recipient = view.customer.email.trim();
  } catch (err) {
    await remark(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    await renderer.close();
  }

  let messageId: string;
  try {
    ({ messageId } = await mailer.sendBuilt(message));
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await remark(text);
    const kind = classifySendError(err);
    if (kind === 'not-sent')
      throw new AppError('unavailable', `The mail server did not take the email: ${text}`);
    if (kind === 'refused')
      throw new AppError('validation_failed', `The mail server refused ${recipient}: ${text}`);
    throw new AppError(
      'unavailable',
      `The mail server did not confirm the email (it may have gone out): ${text}`,
    );
  }
  const sentAt = new Date();
  await record(
    db,
    actor,
    { billId, accountId },
    'bill.email_resent',
    `Bill ${billId} (${view!.totalText}) emailed again to ${recipient}: ${reason}`,
    { channel: 'EMAIL', recipient, messageId, markedUnconfirmedAt: taken.unconfirmed_at?.toISOString() },
    reason,
    'message_id = $2, sent_at = $3, recipient = $4',
    [messageId, sentAt, recipient],
  );
  return { billId, recipient, messageId, sentAt: sentAt.toISOString() };
}

/** The resend workflow of a bill: one at a time per bill. */
export const billEmailResendWorkflowId = (billId: string) => `bill-email-resend:${billId}`;

/**
 * Asks the worker to resend bill `billId`'s unconfirmed email (the billEmailResend workflow) and
 * waits for the answer: the message id, or the refusal as the API's error.
 */
export async function requestBillEmailResend(
  d: { db: Db; temporal: TemporalClient; taskQueue: string },
  actor: Actor,
  billId: string,
  reason: string,
): Promise<ResentEmail> {
  // What can be refused from the record is refused here, without a workflow run for it; the
  // workflow's activity judges again at the moment it sends.
  const refused = await resendRefusal(d.db, billId);
  if (refused) throw refused;
  try {
    return await d.temporal.workflow.execute(billEmailResend, {
      taskQueue: d.taskQueue,
      workflowId: billEmailResendWorkflowId(billId),
      args: [
        {
          billId,
          reason,
          actor: actorRef(actor),
        },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw conflict(`A resend of bill ${billId}'s email is already under way`);
    // The activity's refusal, through the workflow's failure: the same code and message.
    let cause: unknown = err instanceof WorkflowFailedError ? err.cause : undefined;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as Error).cause;
    if (cause instanceof ApplicationFailure && cause.type)
      throw new AppError(cause.type as ConstructorParameters<typeof AppError>[0], cause.message);
    throw err;
  }
}
