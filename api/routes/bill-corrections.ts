// Bill corrections: adjustment memos and cancel/rebill of issued bills (services/bill-corrections.ts).
// Both writes need an Idempotency-Key header: a retry with the same key and body returns the first
// answer (Idempotent-Replayed: true) and never adjusts, cancels or rebills twice.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { idempotencyKeyOf } from '../idempotency-key';
import { adjustBill, billCorrections, rebillBill } from '../../services/bill-corrections';
import { requestBillEmailResend } from '../../services/bill-email-resend';

// Still exported from here, where it used to be defined.
export { IDEMPOTENCY_HEADER } from '../idempotency-key';

/** $100 million either way: beyond that an amount is a typo. */
const MAX_CENTS = 10_000_000_000;

const ZBillParams = z.object({ id: z.string().min(1).max(80) }).strict();
const reason = z.string().trim().min(1, 'a reason is required').max(500);
export const ZCorrectionLine = z
  .object({
    correctsLineNo: z.number().int().min(1).optional(),
    description: z.string().trim().min(1).max(200),
    amountCents: z
      .number()
      .int('must be a whole number of cents')
      .min(-MAX_CENTS)
      .max(MAX_CENTS)
      .refine((n) => n !== 0, 'must not be zero: a correction moves money'),
  })
  .strict();
const lines = z.array(ZCorrectionLine).min(1, 'at least one line').max(100);
export const ZAdjustment = z.object({ lines, reason }).strict();
export const ZRebill = z.object({ reason, lines: lines.optional() }).strict();

export function registerBillCorrectionRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'post',
    path: '/bills/:id/adjustments',
    tag: 'bills',
    summary:
      'Adjust an issued bill: an ADJUSTMENT memo whose lines name the lines they correct, and its ledger entry ' +
      '(Idempotency-Key header required)',
    permission: 'bill:adjust',
    params: ZBillParams,
    body: ZAdjustment,
    status: 201,
    handler: async ({ req, res, actor, params, body }) => {
      const r = await adjustBill(deps.db, actor, params.id, body, idempotencyKeyOf(req, 'correction'));
      res.setHeader('Location', `/bills/${encodeURIComponent(r.body.adjustment.id)}`);
      if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
      return r.body;
    },
  });
  t.add({
    method: 'post',
    path: '/bills/:id/rebill',
    tag: 'bills',
    summary:
      'Cancel an issued bill, reverse its charge and issue a replacement REBILL (given lines, or the bill as ' +
      'adjusted, restated); Idempotency-Key header required',
    permission: 'bill:rebill',
    params: ZBillParams,
    body: ZRebill,
    status: 201,
    handler: async ({ req, res, actor, params, body }) => {
      const r = await rebillBill(deps.db, actor, params.id, body, idempotencyKeyOf(req, 'correction'));
      res.setHeader('Location', `/bills/${encodeURIComponent(r.body.replacement.id)}`);
      if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
      return r.body;
    },
  });
  t.add({
    method: 'post',
    path: '/bills/:id/resend-email',
    tag: 'bills',
    summary:
      "Send again a bill email the notice register marks unconfirmed (a worker stopped, or the mail server did not answer), to the customer's address on file; a reason is required",
    permission: 'bill:resend',
    params: ZBillParams,
    body: z.object({ reason }).strict(),
    handler: ({ actor, params, body }) => requestBillEmailResend(deps, actor, params.id, body.reason),
  });
  t.add({
    method: 'get',
    path: '/bills/:id/corrections',
    tag: 'bills',
    summary: 'What a bill replaces, what replaced it, and its adjustment memos',
    permission: 'bill:read',
    params: ZBillParams,
    handler: ({ params }) => billCorrections(deps.db, params.id),
  });
}
