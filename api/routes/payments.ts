// Payments, returns, the account ledger, deposits and the bank files, as routes of the one route
// table (api/route.ts): each declares its permission and schemas.
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { idempotencyKeyOf } from '../idempotency-key';
import * as S from '../schemas';
import * as payments from '../../services/payments';
import { ledgerView } from '../../services/ledger';
import { depositStatus } from '../../services/deposits';
import { wakeCases } from '../../services/collections';
import { notifyDepositChanged } from '../../services/service-orders';

// Still exported from here, where it used to be defined.
export { IDEMPOTENCY_HEADER } from '../idempotency-key';

export function registerPaymentRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'post',
    path: '/payments',
    tag: 'payments',
    summary:
      'Post a payment (Idempotency-Key header required: a retry with the same key and body returns the first answer)',
    permission: 'payment:write',
    body: S.ZPaymentCreate,
    status: 201,
    handler: async ({ req, res, actor, body }) => {
      const key = idempotencyKeyOf(req, 'payment');
      const r = await payments.postPayment(deps.db, actor, body, key, deps.encryptionKey);
      // A payment may cure a collections case (or pay an arrangement): the case re-checks now. A
      // start of service held for its deposit is released as soon as the deposit is paid. Both
      // also on a replay: a first try that committed and then failed to reach Temporal answered
      // 5xx, and the client's retry is the only chance to deliver the wake-up (a second re-check
      // is harmless).
      await wakeCases(deps, body.accountId, 'payment', actor.id);
      await notifyDepositChanged(deps, body.accountId);
      res.setHeader('Location', `/payments/${r.body.payment.id}`);
      if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
      return r.body;
    },
  });
  t.add({
    method: 'get',
    path: '/payments/:id',
    tag: 'payments',
    summary: 'A payment, its ledger entries and what it pays',
    permission: 'payment:read',
    params: S.ZPaymentParams,
    handler: ({ params }) => payments.getPayment(deps.db, params.id),
  });
  t.add({
    method: 'post',
    path: '/payments/:id/return',
    tag: 'payments',
    summary: 'Return a payment (ACH return or dishonored check): reverse it and add the $25.00 charge',
    permission: 'payment:return',
    params: S.ZPaymentParams,
    body: S.ZPaymentReturn,
    handler: async ({ actor, params, body }) => {
      const r = await payments.returnPayment(deps.db, actor, params.id, body);
      // What the payment paid is open again: a collections case re-checks now.
      await wakeCases(deps, r.payment.accountId, 'payment returned', actor.id);
      return r;
    },
  });
  t.add({
    method: 'get',
    path: '/accounts/:id/ledger',
    tag: 'accounts',
    summary: 'The account ledger: entries, balance, past due and aging (as of today or ?asOf=)',
    permission: 'ledger:read',
    params: S.ZIdParams,
    query: S.ZLedgerQuery,
    handler: ({ params, query }) => ledgerView(deps.db, params.id, query.asOf),
  });
  t.add({
    method: 'get',
    path: '/accounts/:id/deposit',
    tag: 'accounts',
    summary: 'Security deposits on the account: status, interest to date, refund due or when',
    permission: 'ledger:read',
    params: S.ZIdParams,
    query: S.ZLedgerQuery,
    handler: ({ params, query }) => depositStatus(deps.db, params.id, query.asOf),
  });
  t.add({
    method: 'post',
    path: '/bank-files/ach-returns',
    tag: 'bank files',
    summary: 'Import a NACHA returns file: return each matched ACH payment (re-importing changes nothing)',
    permission: 'bank-file:import',
    body: S.ZBankFile,
    handler: async ({ actor, body }) => {
      const r = await payments.importAchReturns(deps.db, actor, body.content);
      // As for one return, for every account the file touched (a re-import wakes them again:
      // harmless, and the only delivery if the first import's wake-up failed).
      for (const accountId of new Set(r.returned.map((x) => x.accountId)))
        await wakeCases(deps, accountId, 'payment returned', actor.id);
      return r;
    },
  });
  t.add({
    method: 'post',
    path: '/bank-files/lockbox',
    tag: 'bank files',
    summary: 'Import a lockbox file: post each check as a LOCKBOX payment, rejecting bad lines',
    permission: 'bank-file:import',
    body: S.ZBankFile,
    handler: async ({ actor, body }) => {
      const r = await payments.importLockbox(deps.db, actor, body.content);
      // As for a payment posted one by one: cases re-check, held starts see their deposit paid.
      for (const accountId of new Set(r.payments.map((x) => x.accountId))) {
        await wakeCases(deps, accountId, 'payment', actor.id);
        await notifyDepositChanged(deps, accountId);
      }
      return r;
    },
  });
}
