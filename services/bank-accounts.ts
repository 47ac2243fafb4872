// Bank account numbers: an account's bank account on file (ACH autopay debits, refunds) and the
// payer's account an ACH payment was drawn on. The number is kept only as an AES-256-GCM token
// (lib/field-crypto.ts) beside its last four digits, so every ordinary read — responses, audit rows,
// timeline rows, the dashboard — shows `****1234` without decrypting anything. The clear number
// leaves the database only through a reveal: a role with `pii:read` asks for it with a reason, and
// the reveal itself is on the audit trail (the reason, never the number).
import type { BankAccount, Payment } from '@prisma/client';
import type { z } from 'zod';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { recordReveal } from './reveal';
import { decryptField, encryptField } from '../lib/field-crypto';
import { AppError, notFound } from '../lib/errors';
import { lastFour, type BankAccountType } from '../domain/bank-account';
import type { ZBankAccountPut } from '../api/schemas';

/** How a masked account number is shown: a fixed mask, so the number's length is not told either. */
export const maskedAccountNumber = (last4: string) => `****${last4}`;

export interface BankAccountView {
  accountId: string;
  routingNumber: string;
  /** `****1234`, or the whole number in the answer to a reveal. */
  accountNumber: string;
  accountNumberLast4: string;
  masked: boolean;
  accountType: string;
  holderName: string;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

export function bankAccountView(row: BankAccount, clearNumber?: string): BankAccountView {
  return {
    accountId: row.accountId,
    routingNumber: row.routingNumber,
    accountNumber: clearNumber ?? maskedAccountNumber(row.accountNumberLast4),
    accountNumberLast4: row.accountNumberLast4,
    masked: clearNumber === undefined,
    accountType: row.accountType,
    holderName: row.holderName,
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** What the audit trail keeps of a bank account: the masked view without the bookkeeping times. */
function auditView(row: BankAccount) {
  const { createdAt: _c, updatedAt: _u, ...rest } = bankAccountView(row);
  return rest;
}

const describe = (r: { accountType: string; accountNumberLast4: string; routingNumber: string }) =>
  `${r.accountType.toLowerCase()} ${maskedAccountNumber(r.accountNumberLast4)} at routing ${r.routingNumber}`;

async function accountMustExist(tx: Tx | Db, accountId: string): Promise<void> {
  const found = await tx.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!found) throw notFound('Account', accountId);
}

async function loadBankAccount(tx: Tx | Db, accountId: string): Promise<BankAccount> {
  await accountMustExist(tx, accountId);
  const row = await tx.bankAccount.findUnique({ where: { accountId } });
  if (!row) throw new AppError('not_found', `Account ${accountId} has no bank account on file`);
  return row;
}

/** GET /accounts/:id/bank-account: always masked. */
export async function getBankAccount(db: Db, accountId: string): Promise<BankAccountView> {
  return bankAccountView(await loadBankAccount(db, accountId));
}

/**
 * PUT /accounts/:id/bank-account: puts the account's bank account on file, replacing any other.
 * Sending the same details again changes nothing and writes no audit row.
 */
export async function setBankAccount(
  db: Db,
  actor: Actor,
  key: Buffer,
  accountId: string,
  input: z.infer<typeof ZBankAccountPut>,
): Promise<BankAccountView> {
  const { reason, accountNumber, ...fields } = input;
  return db.$transaction(async (tx) => {
    await accountMustExist(tx, accountId);
    const before = await tx.bankAccount.findUnique({ where: { accountId } });
    const same =
      before &&
      before.routingNumber === fields.routingNumber &&
      before.accountType === fields.accountType &&
      before.holderName === fields.holderName &&
      decryptField(before.accountNumberEnc, key) === accountNumber;
    if (same) return bankAccountView(before);
    const data = {
      ...fields,
      accountNumberEnc: encryptField(accountNumber, key),
      accountNumberLast4: lastFour(accountNumber),
      updatedBy: actor.id,
    };
    const after = await tx.bankAccount.upsert({
      where: { accountId },
      create: { accountId, ...data, createdBy: actor.id },
      update: data,
    });
    await recordChange(
      tx,
      actor,
      {
        action: before ? 'bank-account.update' : 'bank-account.create',
        entityType: 'bank_account',
        entityId: accountId,
        accountId,
        before: before ? auditView(before) : null,
        after: auditView(after),
        reason,
      },
      {
        kind: before ? 'bank-account.updated' : 'bank-account.created',
        summary: before
          ? `Bank account on file changed from ${describe(before)} to ${describe(after)}`
          : `Bank account on file: ${describe(after)}`,
        data: { routingNumber: after.routingNumber, accountNumberLast4: after.accountNumberLast4 },
      },
    );
    return bankAccountView(after);
  });
}

/** DELETE /accounts/:id/bank-account: the number is deleted, not kept; the audit row keeps its last four. */
export async function removeBankAccount(
  db: Db,
  actor: Actor,
  accountId: string,
  reason?: string,
): Promise<{ accountId: string; removed: BankAccountView }> {
  return db.$transaction(async (tx) => {
    const before = await loadBankAccount(tx, accountId);
    await tx.bankAccount.delete({ where: { accountId } });
    await recordChange(
      tx,
      actor,
      {
        action: 'bank-account.delete',
        entityType: 'bank_account',
        entityId: accountId,
        accountId,
        before: auditView(before),
        reason,
      },
      {
        kind: 'bank-account.removed',
        summary: `Bank account on file removed: ${describe(before)}`,
        data: { routingNumber: before.routingNumber, accountNumberLast4: before.accountNumberLast4 },
      },
    );
    return { accountId, removed: bankAccountView(before) };
  });
}

/** POST /accounts/:id/bank-account/reveal (pii:read): the whole number, audited. */
export async function revealBankAccount(
  db: Db,
  actor: Actor,
  key: Buffer,
  accountId: string,
  reason: string,
): Promise<BankAccountView> {
  return db.$transaction(async (tx) => {
    const row = await loadBankAccount(tx, accountId);
    const clear = decryptField(row.accountNumberEnc, key);
    await recordReveal(tx, actor, {
      entityType: 'bank_account',
      entityId: accountId,
      accountId,
      field: 'accountNumber',
      reason,
    });
    return bankAccountView(row, clear);
  });
}

// ---- the payer's account on an ACH payment --------------------------------------------------------

export interface AchPayerInput {
  routingNumber: string;
  accountNumber: string;
  accountType: BankAccountType;
}

/** The payment columns that hold an ACH payer's account: the number encrypted, its last four beside it. */
export function achPayerColumns(input: AchPayerInput | undefined, key: Buffer) {
  if (!input) return {};
  return {
    achRoutingNumber: input.routingNumber,
    achAccountNumberEnc: encryptField(input.accountNumber, key),
    achAccountLast4: lastFour(input.accountNumber),
    achAccountType: input.accountType,
  };
}

export interface AchPayerView {
  routingNumber: string;
  accountNumber: string;
  accountNumberLast4: string;
  masked: boolean;
  accountType: string | null;
}

/** The payer's account as a payment shows it: masked (or null when the payment carries none). */
export function achPayerView(p: Payment, clearNumber?: string): AchPayerView | null {
  if (!p.achAccountLast4 || !p.achRoutingNumber) return null;
  return {
    routingNumber: p.achRoutingNumber,
    accountNumber: clearNumber ?? maskedAccountNumber(p.achAccountLast4),
    accountNumberLast4: p.achAccountLast4,
    masked: clearNumber === undefined,
    accountType: p.achAccountType,
  };
}

/** POST /payments/:id/bank-account/reveal (pii:read): the payer's whole account number, audited. */
export async function revealPaymentBankAccount(
  db: Db,
  actor: Actor,
  key: Buffer,
  paymentId: string,
  reason: string,
): Promise<{ paymentId: string; accountId: string; bankAccount: AchPayerView }> {
  return db.$transaction(async (tx) => {
    const p = await tx.payment.findUnique({ where: { id: paymentId } });
    if (!p) throw notFound('Payment', paymentId);
    if (!p.achAccountNumberEnc)
      throw new AppError('not_found', `Payment ${paymentId} carries no bank account number`);
    const clear = decryptField(p.achAccountNumberEnc, key);
    await recordReveal(tx, actor, {
      entityType: 'payment',
      entityId: paymentId,
      accountId: p.accountId,
      field: 'bankAccount.accountNumber',
      reason,
    });
    return { paymentId, accountId: p.accountId, bankAccount: achPayerView(p, clear)! };
  });
}
