// Payments: posting (exactly once per Idempotency-Key), returns (ACH returns and dishonored
// checks, with the ordinance's returned payment charge), and the bank files that bring both in
// (a NACHA returns file, a lockbox file).
//
// Exactly once. A client's Idempotency-Key is claimed in idempotency_record inside the posting
// transaction, and the payment row carries the same key under a unique constraint. Two requests
// with one key serialise on that claim: the second waits for the first to commit, then finds the
// key taken and answers with the first request's stored response (same status, same body) —
// or, if its body differs, with 409 idempotency_mismatch. A request that fails releases the key
// (its transaction rolls back with the claim). Money on one account moves in turn: the account
// row is locked (FOR UPDATE) before anything is written, so the allocation and balance in the
// answer are exact.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { Payment, PaymentChannel } from '@prisma/client';
import type { z } from 'zod';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { AppError, conflict, invalid, notFound } from '../lib/errors';
import { once } from '../lib/idempotency';
import {
  addDays,
  allocationOf,
  type AppliedTo,
  balance,
  describeReturnCode,
  stopsAutopay,
  DUE_DAYS_AFTER_BILL,
  formatCents,
  RETURNED_PAYMENT_FEE_CENTS,
  returnRefusal,
  matchAchReturn,
  type AchReturnCandidate,
} from '../domain/ledger';
import { NachaParseError, parseNachaReturns, type AchReturn } from '../lib/bank-files/nacha-returns';
import {
  LockboxFormatError,
  parseLockbox,
  paymentKey,
  type LockboxRejection,
} from '../lib/bank-files/lockbox';
import type { ZPaymentCreate } from '../api/schemas';
import {
  entryView,
  jsonCents,
  loadEntries,
  lockAccount,
  lockAccounts,
  postEntry,
  toDomainEntry,
  TX_OPTIONS,
  utilityDate,
} from './ledger';
import { syncDepositStatus } from './deposits';
import { achPayerColumns, achPayerView } from './bank-accounts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function paymentView(p: Payment) {
  return {
    id: p.id,
    accountId: p.accountId,
    amountCents: jsonCents(p.amountCents),
    channel: p.channel,
    externalRef: p.externalRef,
    receivedAt: p.receivedAt.toISOString(),
    status: p.status,
    returnedAt: p.returnedAt?.toISOString() ?? null,
    returnCode: p.returnCode,
    returnReason: p.returnReason,
    // The payer's bank account (ACH), masked: the clear number is only ever shown by a reveal.
    bankAccount: achPayerView(p),
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
  };
}

const postedKey = (paymentId: string) => `payment:${paymentId}:posted`;

// ---- posting ----------------------------------------------------------------------------------

interface PostPaymentTxInput {
  accountId: string;
  amountCents: bigint;
  channel: PaymentChannel;
  externalRef: string | null;
  receivedAt: Date;
  /** The ledger date (the utility's calendar day of receipt). */
  effectiveDate: string;
  idempotencyKey: string;
  /** The client's Idempotency-Key as it sent it (for the mismatch message); none for a file. */
  clientKey?: string;
  requestHash: string;
  /** Shown on the ledger entry and the timeline. */
  memo: string;
  timelineData?: Record<string, unknown>;
  /** ACH: the payer's account, already encrypted (achPayerColumns). */
  achPayer?: ReturnType<typeof achPayerColumns>;
}

/** The answer to a payment: the row, what it paid (oldest charge first) and the new balance. */
export interface PostedPayment {
  payment: ReturnType<typeof paymentView>;
  ledgerEntryId: string;
  effectiveDate: string;
  allocation: {
    entryId: string;
    kind: string;
    memo: string;
    billId: string | null;
    effectiveDate: string;
    dueDate: string;
    appliedCents: number;
    openCents: number;
  }[];
  unappliedCents: number;
  balanceCents: number;
}

/** What a payment paid, charge by charge, as the answer shows it (fresh post and later reads alike). */
function allocationView(
  appliedTo: readonly AppliedTo<ReturnType<typeof toDomainEntry>>[],
): PostedPayment['allocation'] {
  return appliedTo.map((a) => ({
    entryId: a.charge.id.toString(),
    kind: a.charge.kind,
    memo: a.charge.row.memo,
    billId: a.charge.row.billId,
    effectiveDate: a.charge.effectiveDate,
    dueDate: a.dueDate,
    appliedCents: jsonCents(a.appliedCents),
    openCents: jsonCents(a.openCents),
  }));
}

/**
 * Posts one payment in the caller's transaction: the payment row, its PAYMENT ledger entry, the
 * deposit status it may settle, and its audit and timeline entries. A payment already posted
 * under the key is returned as it is (`created: false`); under a different request hash it is an
 * idempotency_mismatch.
 */
async function postPaymentTx(
  tx: Tx,
  actor: Actor,
  p: PostPaymentTxInput,
): Promise<{ created: boolean; payment: Payment; answer: PostedPayment | null }> {
  await lockAccount(tx, p.accountId);
  const id = randomUUID();
  const claimed = await tx.payment.createMany({
    data: [
      {
        id,
        accountId: p.accountId,
        amountCents: p.amountCents,
        channel: p.channel,
        externalRef: p.externalRef,
        receivedAt: p.receivedAt,
        idempotencyKey: p.idempotencyKey,
        requestHash: p.requestHash,
        createdBy: actor.id,
        ...p.achPayer,
      },
    ],
    skipDuplicates: true,
  });
  if (claimed.count === 0) {
    const prior = await tx.payment.findUniqueOrThrow({ where: { idempotencyKey: p.idempotencyKey } });
    if (prior.requestHash !== p.requestHash) throw mismatch(p.clientKey ?? p.idempotencyKey);
    return { created: false, payment: prior, answer: null };
  }
  const payment = await tx.payment.findUniqueOrThrow({ where: { id } });
  const { entry } = await postEntry(
    tx,
    {
      accountId: p.accountId,
      kind: 'PAYMENT',
      amountCents: -p.amountCents,
      effectiveDate: p.effectiveDate,
      paymentId: id,
      idempotencyKey: postedKey(id),
      memo: p.memo,
    },
    { actor, audit: false },
  );
  await syncDepositStatus(tx, p.accountId, p.effectiveDate, actor);

  const rows = await loadEntries(tx, p.accountId);
  const entries = rows.map(toDomainEntry);
  const { appliedTo, unappliedCents } = allocationOf(entries, entry.id);
  const answer: PostedPayment = {
    payment: paymentView(payment),
    ledgerEntryId: entry.id.toString(),
    effectiveDate: p.effectiveDate,
    allocation: allocationView(appliedTo),
    unappliedCents: jsonCents(unappliedCents),
    balanceCents: jsonCents(balance(entries)),
  };
  await recordChange(
    tx,
    actor,
    {
      action: 'payment.create',
      entityType: 'payment',
      entityId: id,
      accountId: p.accountId,
      after: { ...answer.payment, ledgerEntryId: answer.ledgerEntryId },
    },
    {
      kind: 'payment.posted',
      occurredAt: p.receivedAt,
      summary: `${p.memo}: ${formatCents(p.amountCents)}`,
      data: {
        paymentId: id,
        channel: p.channel,
        amountCents: answer.payment.amountCents,
        allocation: answer.allocation.map((a) => ({ entryId: a.entryId, appliedCents: a.appliedCents })),
        unappliedCents: answer.unappliedCents,
        balanceCents: answer.balanceCents,
        ...p.timelineData,
      },
    },
  );
  return { created: true, payment, answer };
}

const mismatch = (clientKey: string) =>
  new AppError(
    'idempotency_mismatch',
    `Idempotency-Key ${clientKey} was already used for a different payment; ` +
      'use a new key for a new payment, and the same key with the same body only to retry',
    'Idempotency-Key',
  );

const CHANNEL_LABEL: Record<PaymentChannel, string> = {
  CASH: 'Cash payment',
  CHECK: 'Check payment',
  CARD: 'Card payment',
  ACH: 'ACH payment',
  LOCKBOX: 'Lockbox payment',
};

/**
 * Where a client's Idempotency-Key is kept: per authenticated user (the integration or clerk whose
 * API key sent it), because each client makes up its own keys — two integrations that both
 * number their requests, or reuse a vendor's reference, must not answer each other's payments or
 * collide. A user's rotated API key keeps its retries. The user id is URI-encoded so the first
 * colon after it ends it whatever the client's key holds.
 */
export const clientPaymentKey = (actorId: string, clientKey: string) =>
  `payment:${encodeURIComponent(actorId)}:${clientKey}`;

/** POST /payments. Returns the first answer again for a retry with the same key and body. */
export async function postPayment(
  db: Db,
  actor: Actor,
  input: z.infer<typeof ZPaymentCreate>,
  clientKey: string,
  encryptionKey: Buffer,
): Promise<{ body: PostedPayment; replayed: boolean }> {
  const receivedAt = input.receivedAt ? new Date(input.receivedAt) : new Date();
  if (receivedAt.getTime() > Date.now() + 5 * 60_000)
    throw invalid('receivedAt', 'receivedAt: a payment cannot be received in the future');
  if (input.bankAccount && input.channel !== 'ACH')
    throw invalid('bankAccount', 'bankAccount: only an ACH payment is drawn on a bank account');
  const key = clientPaymentKey(actor.id, clientKey);
  const requestHash = sha256(
    JSON.stringify([
      input.accountId,
      input.amountCents,
      input.channel,
      input.externalRef ?? null,
      input.receivedAt ? receivedAt.toISOString() : null,
      // The payer's account takes part (a retry with another account is a different payment) only
      // through a keyed hash: request hashes are stored, and a short number's plain hash is
      // reversible by trying every number.
      ...(input.bankAccount
        ? [
            createHmac('sha256', encryptionKey)
              .update(
                JSON.stringify([
                  input.bankAccount.routingNumber,
                  input.bankAccount.accountNumber,
                  input.bankAccount.accountType,
                ]),
              )
              .digest('hex'),
          ]
        : []),
    ]),
  );
  return db.$transaction(async (tx) => {
    // A payment posted before keys were kept per user is stored under the client's key alone: its
    // retry (the same key and body) is answered from that record rather than posted again.
    // Only the user who posted it: the payment row under the old key names who that was.
    const legacy = await tx.idempotencyRecord.findUnique({ where: { key: `payment:${clientKey}` } });
    if (legacy && legacy.scope === 'payment' && legacy.requestHash === requestHash) {
      const own = await tx.payment.findFirst({
        where: { idempotencyKey: `payment:${clientKey}`, createdBy: actor.id },
        select: { id: true },
      });
      if (own)
        return {
          body: JSON.parse((legacy.result as { body: string }).body) as PostedPayment,
          replayed: true,
        };
    }
    const r = await once(
      tx,
      key,
      'payment',
      async () => {
        const posted = await postPaymentTx(tx, actor, {
          accountId: input.accountId,
          amountCents: BigInt(input.amountCents),
          channel: input.channel,
          externalRef: input.externalRef ?? null,
          receivedAt,
          effectiveDate: utilityDate(receivedAt),
          idempotencyKey: key,
          clientKey,
          requestHash,
          memo: CHANNEL_LABEL[input.channel] + (input.externalRef ? ` (${input.externalRef})` : ''),
          achPayer: achPayerColumns(input.bankAccount, encryptionKey),
        });
        // The payment row holds the key too; finding it here means the record was lost, which
        // only a hand edit could do. Answer from the row rather than post twice.
        const body = posted.answer ?? (await answerFor(tx, posted.payment));
        return { status: 201, body: JSON.stringify(body) };
      },
      requestHash,
    );
    if (r.replayed && r.requestHash !== requestHash) throw mismatch(clientKey);
    return { body: JSON.parse(r.result.body) as PostedPayment, replayed: r.replayed };
  }, TX_OPTIONS);
}

/** The answer for a payment as it stands now (used when no stored answer exists). */
async function answerFor(tx: Tx | Db, payment: Payment): Promise<PostedPayment> {
  const rows = await loadEntries(tx, payment.accountId);
  const entries = rows.map(toDomainEntry);
  const posted = rows.find((r) => r.idempotencyKey === postedKey(payment.id));
  const { appliedTo, unappliedCents } = posted
    ? allocationOf(entries, posted.id)
    : { appliedTo: [], unappliedCents: 0n };
  return {
    payment: paymentView(payment),
    ledgerEntryId: posted?.id.toString() ?? '',
    effectiveDate: posted ? entryView(posted).effectiveDate : utilityDate(payment.receivedAt),
    allocation: allocationView(appliedTo),
    unappliedCents: jsonCents(unappliedCents),
    balanceCents: jsonCents(balance(entries)),
  };
}

/** GET /payments/:id: the payment, its ledger entries, and what it pays as the ledger stands now. */
export async function getPayment(db: Db, id: string) {
  const payment = await db.payment.findUnique({ where: { id } });
  if (!payment) throw notFound('Payment', id);
  const current = await answerFor(db, payment);
  const entries = await db.ledgerEntry.findMany({ where: { paymentId: id }, orderBy: { id: 'asc' } });
  return {
    ...current.payment,
    ledgerEntries: entries.map(entryView),
    allocation: payment.status === 'POSTED' ? current.allocation : [],
    balanceCents: current.balanceCents,
  };
}

// ---- returns ----------------------------------------------------------------------------------

export interface ReturnInput {
  code: string;
  reason?: string | null;
}

export interface ReturnedPayment {
  payment: ReturnType<typeof paymentView>;
  reversal: ReturnType<typeof entryView>;
  fee: ReturnType<typeof entryView>;
  balanceCents: number;
}

/**
 * Returns a posted payment in the caller's transaction: status RETURNED, a PAYMENT_REVERSAL entry
 * that cancels its PAYMENT entry (the charges it paid are open again), the $25.00 returned
 * payment charge, and both on the account timeline. A payment is returned once: a second return
 * is a conflict, never a second fee.
 */
export async function returnPaymentTx(
  tx: Tx,
  actor: Actor,
  paymentId: string,
  input: ReturnInput & { returnedAt?: Date; source?: Record<string, unknown> },
): Promise<ReturnedPayment> {
  const found = await tx.payment.findUnique({ where: { id: paymentId } });
  if (!found) throw notFound('Payment', paymentId);
  const refusal = returnRefusal(found.channel, input.code);
  if (refusal?.reason === 'channel') throw conflict(`Payment ${paymentId}: ${refusal.message}`);
  if (refusal) throw invalid('code', `code: ${refusal.message}`);
  await lockAccount(tx, found.accountId);
  await tx.$queryRaw`SELECT id FROM payment WHERE id = ${paymentId}::uuid FOR UPDATE`;
  const before = await tx.payment.findUniqueOrThrow({ where: { id: paymentId } });
  if (before.status === 'RETURNED')
    throw conflict(
      `Payment ${paymentId} was already returned on ${before.returnedAt?.toISOString().slice(0, 10)} ` +
        `(${before.returnCode}); a payment is returned once`,
    );
  const posted = await tx.ledgerEntry.findUnique({ where: { idempotencyKey: postedKey(paymentId) } });
  if (!posted) throw new AppError('internal', `Payment ${paymentId} has no ledger entry`);

  const returnedAt = input.returnedAt ?? new Date();
  const effectiveDate = utilityDate(returnedAt);
  const described = `${input.code} ${describeReturnCode(input.code)}`;
  const returnReason = input.reason ? `${described}: ${input.reason}` : described;
  const after = await tx.payment.update({
    where: { id: paymentId },
    data: { status: 'RETURNED', returnedAt, returnCode: input.code, returnReason },
  });
  const label = `${CHANNEL_LABEL[after.channel]} of ${formatCents(after.amountCents)}`;
  const { entry: reversal } = await postEntry(
    tx,
    {
      accountId: after.accountId,
      kind: 'PAYMENT_REVERSAL',
      amountCents: after.amountCents,
      effectiveDate,
      paymentId,
      reversesEntryId: posted.id,
      idempotencyKey: `payment:${paymentId}:reversal`,
      memo: `${label} returned: ${described}`,
    },
    { actor, audit: false },
  );
  await recordChange(
    tx,
    actor,
    {
      action: 'payment.return',
      entityType: 'payment',
      entityId: paymentId,
      accountId: after.accountId,
      before: paymentView(before),
      after: { ...paymentView(after), reversalEntryId: reversal.id.toString() },
      reason: returnReason,
    },
    {
      kind: 'payment.returned',
      occurredAt: returnedAt,
      summary: `${label} returned: ${described}`,
      data: { paymentId, code: input.code, reversalEntryId: reversal.id.toString(), ...input.source },
    },
  );
  const { entry: fee } = await postEntry(
    tx,
    {
      accountId: after.accountId,
      kind: 'RETURNED_PAYMENT_FEE',
      amountCents: RETURNED_PAYMENT_FEE_CENTS,
      effectiveDate,
      dueDate: addDays(effectiveDate, DUE_DAYS_AFTER_BILL),
      paymentId,
      idempotencyKey: `payment:${paymentId}:returned-fee`,
      memo: `Returned payment charge (${label}, ${input.code})`,
    },
    {
      actor,
      reason: returnReason,
      timeline: {
        kind: 'ledger.fee',
        occurredAt: returnedAt,
        summary: `Returned payment charge ${formatCents(RETURNED_PAYMENT_FEE_CENTS)} (${label}, ${input.code})`,
      },
    },
  );
  await syncDepositStatus(tx, after.accountId, effectiveDate, actor);
  if (after.channel === 'ACH' && stopsAutopay(input.code))
    await stopAutopay(tx, actor, after.accountId, described);
  const rows = await loadEntries(tx, after.accountId);
  return {
    payment: paymentView(after),
    reversal: entryView(reversal),
    fee: entryView(fee),
    balanceCents: jsonCents(balance(rows.map(toDomainEntry))),
  };
}

/**
 * Autopay off after a return that forbids debiting the bank account again (domain stopsAutopay):
 * the next bill asks for payment instead of saying it will be drafted. Audited, on the timeline.
 */
async function stopAutopay(tx: Tx, actor: Actor, accountId: string, why: string): Promise<void> {
  const before = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { autopay: true } });
  if (!before.autopay) return;
  await tx.account.update({ where: { id: accountId }, data: { autopay: false } });
  await recordChange(
    tx,
    actor,
    {
      action: 'account.autopay.stop',
      entityType: 'account',
      entityId: accountId,
      accountId,
      before: { autopay: true },
      after: { autopay: false },
      reason: `ACH return ${why}: the bank account may not be debited again without a new authorization`,
    },
    {
      kind: 'account.autopay-stopped',
      summary: `Autopay stopped after ACH return ${why}; a new authorization is needed to restart it`,
    },
  );
}

/** POST /payments/:id/return */
export async function returnPayment(db: Db, actor: Actor, paymentId: string, input: ReturnInput) {
  return db.$transaction((tx) => returnPaymentTx(tx, actor, paymentId, input), TX_OPTIONS);
}

// ---- bank files -------------------------------------------------------------------------------

/** Claims the file's hash; true the first time these exact bytes are imported. */
async function firstImport(tx: Tx, kind: string, hash: string): Promise<boolean> {
  const claimed = await tx.idempotencyRecord.createMany({
    data: [{ key: `bank-file:${kind}:${hash}`, scope: 'bank-file', result: {} }],
    skipDuplicates: true,
  });
  return claimed.count === 1;
}

async function auditImport(tx: Tx, actor: Actor, kind: string, hash: string, counts: Record<string, number>) {
  await recordChange(tx, actor, {
    action: 'bank-file.import',
    entityType: 'bank_file',
    entityId: `${kind}:${hash.slice(0, 16)}`,
    after: { kind, sha256: hash, counts },
  });
}

const achRow = (r: AchReturn) => ({
  record: r.record,
  accountId: r.accountId,
  amountCents: jsonCents(r.amountCents),
  returnCode: r.returnCode,
  traceNumber: r.traceNumber,
  originalTrace: r.originalTrace,
  name: r.name,
});

/** Noon UTC of a bank file's YYYY-MM-DD (the same day in the utility's zone), capped at now. */
function returnDate(day: string): Date {
  const at = new Date(`${day}T12:00:00Z`);
  const now = new Date();
  return Number.isNaN(at.getTime()) || at > now ? now : at;
}

/** The idempotency record of a payment's return by a bank file (what returned it). */
const returnKey = (paymentId: string) => `payment:${paymentId}:return`;

/**
 * The account's ACH payments, most recent first, as matchAchReturn sees them: each returned one
 * with the bank return that returned it, if a file did. Files imported before returns were keyed
 * by payment left an `ach-return:<original trace>` record; that one counts too (its date is the
 * payment's return date), so importing such a file again still changes nothing.
 */
async function achReturnCandidates(
  tx: Tx,
  accountId: string,
  originalTrace: string,
): Promise<AchReturnCandidate[]> {
  const payments = await tx.payment.findMany({
    where: { accountId, channel: 'ACH' },
    orderBy: [{ receivedAt: 'desc' }, { createdAt: 'desc' }],
  });
  const returnedIds = payments.filter((p) => p.status === 'RETURNED').map((p) => p.id);
  const byPayment = new Map<string, { originalTrace: string; effectiveDate: string | null }>();
  if (returnedIds.length) {
    const records = await tx.idempotencyRecord.findMany({
      where: { key: { in: returnedIds.map(returnKey) } },
    });
    for (const rec of records) {
      const r = rec.result as { paymentId: string; originalTrace: string; effectiveDate: string };
      byPayment.set(r.paymentId, { originalTrace: r.originalTrace, effectiveDate: r.effectiveDate });
    }
    const legacy = await tx.idempotencyRecord.findUnique({ where: { key: `ach-return:${originalTrace}` } });
    const p = payments.find(
      (x) => x.id === (legacy?.result as { paymentId?: string } | undefined)?.paymentId,
    );
    // A return imported before returns were keyed by payment kept no effective date (its payment's
    // returnedAt was capped at the import): that payment is this trace's return, whatever the day.
    if (p?.returnedAt && !byPayment.has(p.id)) byPayment.set(p.id, { originalTrace, effectiveDate: null });
  }
  return payments.map((p) => ({
    id: p.id,
    amountCents: p.amountCents,
    externalRef: p.externalRef,
    receivedOn: utilityDate(p.receivedAt),
    status: p.status,
    returnedBy: byPayment.get(p.id) ?? null,
  }));
}

/**
 * POST /bank-files/ach-returns. Each return is matched to the ACH payment it returns
 * (domain matchAchReturn): the payment carrying the original trace number, else the most recent
 * untraced posted ACH payment of the amount, never one received after the return. A return applies
 * once, keyed by the payment it returns, so importing the same file again (or another file
 * repeating a return) changes nothing, and a return for a payment already returned by hand is
 * reported as such. Returns that match nothing are listed with the reason.
 */
export async function importAchReturns(db: Db, actor: Actor, content: string) {
  let file;
  try {
    file = parseNachaReturns(content);
  } catch (err) {
    if (err instanceof NachaParseError) throw invalid('content', `content: ${err.message}`);
    throw err;
  }
  const hash = sha256(content);
  return db.$transaction(async (tx) => {
    const first = await firstImport(tx, 'ach-returns', hash);
    const known = await lockAccounts(tx, [...new Set(file.returns.map((r) => r.accountId))].sort());
    const returned: (ReturnType<typeof achRow> & { status: string; paymentId: string; feeCents?: number })[] =
      [];
    const rejections: (ReturnType<typeof achRow> & { reason: string })[] = [];
    for (const r of file.returns) {
      if (!known.has(r.accountId)) {
        rejections.push({ ...achRow(r), reason: `account ${r.accountId} does not exist` });
        continue;
      }
      const candidates = await achReturnCandidates(tx, r.accountId, r.originalTrace);
      const match = matchAchReturn(r, candidates);
      if (match.kind === 'none') {
        rejections.push({ ...achRow(r), reason: match.reason });
        continue;
      }
      // Keyed by the payment, not by the trace number: a trace number is unique only within one
      // file and recycles, so another account's return next month may carry the same one.
      const key = returnKey(match.paymentId);
      const claimed =
        match.kind === 'return'
          ? await tx.idempotencyRecord.createMany({
              data: [
                {
                  key,
                  scope: 'ach-return',
                  result: {
                    paymentId: match.paymentId,
                    originalTrace: r.originalTrace,
                    traceNumber: r.traceNumber,
                    effectiveDate: r.effectiveDate,
                  },
                },
              ],
              skipDuplicates: true,
            })
          : { count: 0 };
      if (claimed.count === 0) {
        returned.push({ ...achRow(r), status: 'already_returned', paymentId: match.paymentId });
        continue;
      }
      const res = await returnPaymentTx(tx, actor, match.paymentId, {
        // Returned on the entry's effective date in the file, not the day the file is imported
        // (never later than now): the reversal, the fee and its due date follow the bank's date.
        returnedAt: returnDate(r.effectiveDate),
        code: r.returnCode,
        reason: r.addendaInformation || null,
        source: { file: 'ach-returns', traceNumber: r.traceNumber, originalTrace: r.originalTrace },
      });
      returned.push({
        ...achRow(r),
        status: 'returned',
        paymentId: match.paymentId,
        feeCents: res.fee.amountCents,
      });
    }
    const counts = {
      returns: file.returns.length,
      returned: returned.filter((x) => x.status === 'returned').length,
      alreadyReturned: returned.filter((x) => x.status === 'already_returned').length,
      rejected: rejections.length,
    };
    if (first || counts.returned > 0) await auditImport(tx, actor, 'ach-returns', hash, counts);
    return { kind: 'ach-returns', sha256: hash, createdOn: file.createdOn, counts, returned, rejections };
  }, TX_OPTIONS);
}

/**
 * POST /bank-files/lockbox. Each good line posts a LOCKBOX payment keyed by its batch date, check
 * number, account and amount (lib/bank-files/lockbox.ts), so a file imported again — or a check
 * repeated in a later file — posts nothing new. Bad lines and unknown accounts are rejected per
 * line; the rest posts.
 */
export async function importLockbox(db: Db, actor: Actor, content: string) {
  let file;
  try {
    file = parseLockbox(content);
  } catch (err) {
    if (err instanceof LockboxFormatError) throw invalid('content', `content: ${err.message}`);
    throw err;
  }
  const hash = sha256(content);
  const today = utilityDate();
  return db.$transaction(async (tx) => {
    const first = await firstImport(tx, 'lockbox', hash);
    const known = await lockAccounts(tx, [...new Set(file.lines.map((l) => l.accountId))].sort());
    const rejections: LockboxRejection[] = [...file.rejections];
    const payments: {
      line: number;
      status: 'posted' | 'already_posted';
      paymentId: string;
      accountId: string;
      amountCents: number;
      checkNumber: string;
    }[] = [];
    for (const l of file.lines) {
      if (!known.has(l.accountId)) {
        rejections.push({
          line: l.line,
          field: 'account_id',
          reason: `account ${l.accountId} does not exist`,
        });
        continue;
      }
      if (l.batchDate > today) {
        rejections.push({
          line: l.line,
          field: 'batch_date',
          reason: `batch_date ${l.batchDate} is in the future`,
        });
        continue;
      }
      const key = paymentKey(l);
      const r = await postPaymentTx(tx, actor, {
        accountId: l.accountId,
        amountCents: l.amountCents,
        channel: 'LOCKBOX',
        externalRef: l.checkNumber,
        receivedAt: new Date(`${l.batchDate}T12:00:00Z`),
        effectiveDate: l.batchDate,
        idempotencyKey: key,
        requestHash: sha256(key),
        memo: `Lockbox payment (check ${l.checkNumber})`,
        timelineData: { payerName: l.payerName, line: l.line, file: hash.slice(0, 16) },
      });
      payments.push({
        line: l.line,
        status: r.created ? 'posted' : 'already_posted',
        paymentId: r.payment.id,
        accountId: l.accountId,
        amountCents: jsonCents(l.amountCents),
        checkNumber: l.checkNumber,
      });
    }
    rejections.sort((a, b) => a.line - b.line);
    const counts = {
      lines: file.lines.length + file.rejections.length,
      posted: payments.filter((p) => p.status === 'posted').length,
      alreadyPosted: payments.filter((p) => p.status === 'already_posted').length,
      rejected: rejections.length,
    };
    if (first || counts.posted > 0) await auditImport(tx, actor, 'lockbox', hash, counts);
    return { kind: 'lockbox', sha256: hash, counts, payments, rejections };
  }, TX_OPTIONS);
}
