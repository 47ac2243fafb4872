// Bank accounts on file and personal data in clear, as routes of the one route table
// (api/route.ts). Every ordinary answer is masked (last four digits); the reveal routes need
// `pii:read` and a reason, and each reveal is on the audit trail.
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import * as S from '../schemas';
import * as bankAccounts from '../../services/bank-accounts';
import { revealDateOfBirth } from '../../services/customers';

export function registerBankAccountRoutes(t: RouteTable, deps: ApiDeps): void {
  const key = deps.encryptionKey;
  t.add({
    method: 'get',
    path: '/accounts/:id/bank-account',
    tag: 'accounts',
    summary: 'The bank account on file for ACH autopay and refunds (account number masked to its last four)',
    permission: 'bank-account:read',
    params: S.ZIdParams,
    handler: ({ params }) => bankAccounts.getBankAccount(deps.db, params.id),
  });
  t.add({
    method: 'put',
    path: '/accounts/:id/bank-account',
    tag: 'accounts',
    summary:
      'Put a bank account on file (routing number with its ABA check digit, 4-17 digit account number); stored encrypted',
    permission: 'bank-account:write',
    params: S.ZIdParams,
    body: S.ZBankAccountPut,
    handler: ({ actor, params, body }) => bankAccounts.setBankAccount(deps.db, actor, key, params.id, body),
  });
  t.add({
    method: 'delete',
    path: '/accounts/:id/bank-account',
    tag: 'accounts',
    summary: 'Remove the bank account on file (the number is deleted; the audit trail keeps its last four)',
    permission: 'bank-account:write',
    params: S.ZIdParams,
    body: S.ZBankAccountDelete,
    handler: ({ actor, params, body }) =>
      bankAccounts.removeBankAccount(deps.db, actor, params.id, body.reason),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/bank-account/reveal',
    tag: 'accounts',
    summary: 'The whole account number of the bank account on file, with a reason (audited)',
    permission: 'pii:read',
    params: S.ZIdParams,
    body: S.ZReveal,
    handler: ({ actor, params, body }) =>
      bankAccounts.revealBankAccount(deps.db, actor, key, params.id, body.reason),
  });
  t.add({
    method: 'post',
    path: '/payments/:id/bank-account/reveal',
    tag: 'payments',
    summary: 'The whole account number an ACH payment was drawn on, with a reason (audited)',
    permission: 'pii:read',
    params: S.ZPaymentParams,
    body: S.ZReveal,
    handler: ({ actor, params, body }) =>
      bankAccounts.revealPaymentBankAccount(deps.db, actor, key, params.id, body.reason),
  });
  t.add({
    method: 'post',
    path: '/customers/:id/date-of-birth/reveal',
    tag: 'customers',
    summary: "The customer's date of birth in clear, with a reason (audited)",
    permission: 'pii:read',
    params: S.ZIdParams,
    body: S.ZReveal,
    handler: ({ actor, params, body }) => revealDateOfBirth(deps.db, actor, key, params.id, body.reason),
  });
}
