// Security deposits on the books (rules in domain/deposits.ts):
//   assessDeposit          decide required or waived for a new account; a required deposit is
//                          billed as a DEPOSIT_BILLED charge and becomes HELD once payments cover it
//   recordDepositHeld      a deposit paid outside the bill (or converted) is recorded as HELD
//   syncDepositStatus      REQUIRED → HELD when the billed deposit is paid, back when a payment
//                          that paid it is returned (called by payments in their transaction)
//   applyDepositToFinalBill  DEPOSIT_APPLIED (+ DEPOSIT_INTEREST) credits on the final bill; a
//                          deposit billed and not fully paid: its unpaid part reversed, its paid
//                          part applied
//   refundDepositIfDue     after 12 months paid in full and on time: DEPOSIT_REFUND +
//                          DEPOSIT_INTEREST bill credits
// Each takes the caller's transaction and is safe to retry. account.deposit_held_cents follows
// the HELD deposits.
import { randomUUID } from 'node:crypto';
import type { Deposit, LedgerEntry } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, SYSTEM_ACTOR, type Actor } from '../lib/audit';
import { invalid, notFound } from '../lib/errors';
import { once } from '../lib/idempotency';
import {
  depositApplication,
  depositInterestCents,
  depositRefundDue,
  depositRequirement,
  unpaidDepositAtFinalBill,
  type RefundDecision,
} from '../domain/deposits';
import {
  addDays,
  allocate,
  DUE_DAYS_AFTER_BILL,
  formatCents,
  fullMonthsBetween,
  isIsoDate,
} from '../domain/ledger';
import { isoDay, jsonCents, loadEntries, postEntry, toDomainEntry, utilityDate, dbDate } from './ledger';

export function depositView(d: Deposit) {
  return {
    id: d.id,
    accountId: d.accountId,
    status: d.status,
    amountCents: jsonCents(d.amountCents),
    heldSince: d.heldSince ? isoDay(d.heldSince) : null,
    reason: d.reason,
    closedAt: d.closedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

const billedKey = (depositId: string) => `deposit:${depositId}:billed`;

async function adjustHeld(tx: Tx, accountId: string, deltaCents: bigint): Promise<number> {
  const a = await tx.account.findUniqueOrThrow({
    where: { id: accountId },
    select: { depositHeldCents: true },
  });
  const next = Math.max(0, a.depositHeldCents + Number(deltaCents));
  await tx.account.update({ where: { id: accountId }, data: { depositHeldCents: next } });
  return next;
}

async function audit(
  tx: Tx,
  actor: Actor,
  verb: string,
  before: Deposit | null,
  after: Deposit,
  timeline: { kind: string; summary: string; data?: unknown },
  accountDepositHeldCents?: number,
) {
  await recordChange(
    tx,
    actor,
    {
      action: `deposit.${verb}`,
      entityType: 'deposit',
      entityId: after.id,
      accountId: after.accountId,
      before: before ? depositView(before) : null,
      after: {
        ...depositView(after),
        ...(accountDepositHeldCents !== undefined ? { accountDepositHeldCents } : {}),
      },
      reason: after.reason,
    },
    timeline,
  );
}

// ---- assess -----------------------------------------------------------------------------------

export interface AssessDepositInput {
  accountId: string;
  estimatedAnnualBillingCents: bigint;
  newCustomer: boolean;
  satisfactoryHistory: boolean;
  /** The day of the decision (and of the DEPOSIT_BILLED charge), YYYY-MM-DD. */
  effectiveDate: string;
  /** When the deposit is due; 20 days after the effective date by default. */
  dueDate?: string;
  /** e.g. `account:<id>:deposit` */
  idempotencyKey: string;
  actor?: Actor;
}

export interface DepositAssessmentResult {
  depositId: string;
  required: boolean;
  amountCents: number;
  code: string;
  reason: string;
  ledgerEntryId: string | null;
}

export async function assessDeposit(tx: Tx, input: AssessDepositInput): Promise<DepositAssessmentResult> {
  if (!isIsoDate(input.effectiveDate))
    throw invalid('effectiveDate', 'effectiveDate: must be a date as YYYY-MM-DD');
  const actor = input.actor ?? SYSTEM_ACTOR;
  const { result } = await once(tx, `deposit-assessment:${input.idempotencyKey}`, 'deposit', async () => {
    const account = await tx.account.findUnique({ where: { id: input.accountId } });
    if (!account) throw notFound('Account', input.accountId);
    const decision = depositRequirement({
      accountClass: account.class,
      newCustomer: input.newCustomer,
      satisfactoryHistory: input.satisfactoryHistory,
      estimatedAnnualBillingCents: input.estimatedAnnualBillingCents,
    });
    const deposit = await tx.deposit.create({
      data: {
        id: randomUUID(),
        accountId: account.id,
        status: decision.required ? 'REQUIRED' : 'WAIVED',
        amountCents: decision.amountCents,
        reason: decision.reason,
        ...(decision.required ? {} : { closedAt: new Date() }),
      },
    });
    let ledgerEntryId: string | null = null;
    if (decision.required) {
      const { entry } = await postEntry(
        tx,
        {
          accountId: account.id,
          kind: 'DEPOSIT_BILLED',
          amountCents: decision.amountCents,
          effectiveDate: input.effectiveDate,
          dueDate: input.dueDate ?? addDays(input.effectiveDate, DUE_DAYS_AFTER_BILL),
          idempotencyKey: billedKey(deposit.id),
          memo: 'Security deposit (1/6 of estimated annual billing)',
        },
        { actor, audit: false },
      );
      ledgerEntryId = entry.id.toString();
    }
    await audit(tx, actor, 'create', null, deposit, {
      kind: decision.required ? 'deposit.required' : 'deposit.waived',
      summary: decision.required
        ? `Deposit of ${formatCents(decision.amountCents)} required and billed`
        : `Deposit waived: ${decision.reason.replace(/^Waived: /, '')}`,
      data: { depositId: deposit.id, code: decision.code },
    });
    return {
      depositId: deposit.id,
      required: decision.required,
      amountCents: jsonCents(decision.amountCents),
      code: decision.code,
      reason: decision.reason,
      ledgerEntryId,
    };
  });
  return result;
}

// ---- held -------------------------------------------------------------------------------------

export interface RecordDepositHeldInput {
  accountId: string;
  amountCents: bigint;
  heldSince: string;
  reason: string;
  idempotencyKey: string;
  actor?: Actor;
}

/** A deposit paid outside the bill (over the counter, or converted from the legacy system). */
export async function recordDepositHeld(
  tx: Tx,
  input: RecordDepositHeldInput,
): Promise<{ depositId: string }> {
  if (input.amountCents <= 0n) throw invalid('amountCents', 'amountCents: a held deposit is more than zero');
  if (!isIsoDate(input.heldSince)) throw invalid('heldSince', 'heldSince: must be a date as YYYY-MM-DD');
  const actor = input.actor ?? SYSTEM_ACTOR;
  const { result } = await once(tx, `deposit-held:${input.idempotencyKey}`, 'deposit', async () => {
    const account = await tx.account.findUnique({ where: { id: input.accountId }, select: { id: true } });
    if (!account) throw notFound('Account', input.accountId);
    const deposit = await tx.deposit.create({
      data: {
        id: randomUUID(),
        accountId: input.accountId,
        status: 'HELD',
        amountCents: input.amountCents,
        heldSince: dbDate(input.heldSince),
        reason: input.reason,
      },
    });
    const held = await adjustHeld(tx, input.accountId, input.amountCents);
    await audit(
      tx,
      actor,
      'hold',
      null,
      deposit,
      {
        kind: 'deposit.held',
        summary: `Deposit of ${formatCents(input.amountCents)} held since ${input.heldSince}`,
      },
      held,
    );
    return { depositId: deposit.id };
  });
  return result;
}

/**
 * A deposit billed on one account and moved with a transfer of service: its charge was carried
 * over as `transfer:<order>:in:<entry id>` entries, one per transfer. Follows that chain from the
 * deposit's own charge to the entry on the deposit's account now.
 */
async function transferredCharge(
  tx: Tx,
  d: Deposit,
  rows: readonly LedgerEntry[],
): Promise<LedgerEntry | undefined> {
  let entry = await tx.ledgerEntry.findUnique({ where: { idempotencyKey: billedKey(d.id) } });
  for (let hops = 0; entry && entry.accountId !== d.accountId && hops < 20; hops++) {
    const suffix = `:in:${entry.id}`;
    entry = await tx.ledgerEntry.findFirst({
      where: { idempotencyKey: { startsWith: 'transfer:', endsWith: suffix }, kind: 'ADJUSTMENT' },
    });
  }
  return entry ? rows.find((r) => r.id === entry.id) : undefined;
}

/**
 * A billed deposit is HELD from the day payments cover its DEPOSIT_BILLED charge (oldest-first
 * allocation), and REQUIRED again if a returned payment reopens it. Call in the transaction that
 * moved money on the account (payments do).
 */
export async function syncDepositStatus(
  tx: Tx,
  accountId: string,
  asOf: string,
  actor: Actor = SYSTEM_ACTOR,
) {
  const deposits = await tx.deposit.findMany({ where: { accountId, status: { in: ['REQUIRED', 'HELD'] } } });
  if (deposits.length === 0) return;
  // Service has ended: the final bill settled the deposit (applyDepositToFinalBill), so a payment
  // now pays the final balance and never starts holding a deposit nobody would refund.
  const account = await tx.account.findUnique({ where: { id: accountId }, select: { status: true } });
  const ended = account?.status === 'FINAL' || account?.status === 'CLOSED';
  const rows = await loadEntries(tx, accountId);
  const a = allocate(rows.map(toDomainEntry));
  const open = new Map(a.charges.map((c) => [c.entry.id, c.openCents]));
  for (const d of deposits) {
    const billed =
      rows.find((r) => r.idempotencyKey === billedKey(d.id)) ?? (await transferredCharge(tx, d, rows));
    if (!billed || a.cancelled.has(billed.id)) continue;
    const openCents = open.get(billed.id) ?? 0n;
    if (d.status === 'REQUIRED' && openCents === 0n && !ended) {
      const after = await tx.deposit.update({
        where: { id: d.id },
        data: { status: 'HELD', heldSince: dbDate(asOf) },
      });
      const held = await adjustHeld(tx, accountId, d.amountCents);
      await audit(
        tx,
        actor,
        'hold',
        d,
        after,
        { kind: 'deposit.held', summary: `Deposit of ${formatCents(d.amountCents)} paid and held` },
        held,
      );
    } else if (d.status === 'HELD' && openCents > 0n) {
      const after = await tx.deposit.update({
        where: { id: d.id },
        data: { status: 'REQUIRED', heldSince: null },
      });
      const held = await adjustHeld(tx, accountId, -d.amountCents);
      await audit(
        tx,
        actor,
        'unhold',
        d,
        after,
        {
          kind: 'deposit.required',
          summary: `Deposit of ${formatCents(d.amountCents)} unpaid again: the payment that covered it was returned`,
        },
        held,
      );
    }
  }
}

// ---- final bill and refund --------------------------------------------------------------------

/**
 * Closes one held deposit as bill credits: the principal credit, the interest credit when there is
 * any, the deposit's closing status, the account's held total and the audit/timeline record.
 * Applying on a final bill and refunding after 12 timely months are the same steps with different
 * entry kinds, keys, memos and wording, so both go through here to keep them in step.
 */
async function creditHeldDeposit(
  tx: Tx,
  actor: Actor,
  d: Deposit,
  c: {
    kind: 'DEPOSIT_APPLIED' | 'DEPOSIT_REFUND';
    /** Last part of the principal entry's idempotency key (`deposit:<id>:<keySuffix>`). */
    keySuffix: 'applied' | 'refund';
    memo: string;
    principalCents: bigint;
    interestCents: bigint;
    monthsHeld: number;
    effectiveDate: string;
    billId: string | null;
    status: 'APPLIED' | 'REFUNDED';
    verb: 'apply' | 'refund';
    timeline: { kind: string; summary: string; data: unknown };
  },
): Promise<boolean> {
  // Claim the deposit first: the row lock makes a second claimant (a retried batch running beside
  // the first, a final bill at the same moment) wait, then find it no longer held and do nothing,
  // so a deposit is credited once and the amount held comes down once.
  const claimed = await tx.deposit.updateMany({
    where: { id: d.id, status: 'HELD' },
    data: { status: c.status, closedAt: new Date() },
  });
  if (claimed.count === 0) return false;
  await postEntry(
    tx,
    {
      accountId: d.accountId,
      kind: c.kind,
      amountCents: -c.principalCents,
      effectiveDate: c.effectiveDate,
      billId: c.billId,
      idempotencyKey: `deposit:${d.id}:${c.keySuffix}`,
      memo: c.memo,
    },
    { actor, audit: false },
  );
  if (c.interestCents > 0n)
    await postEntry(
      tx,
      {
        accountId: d.accountId,
        kind: 'DEPOSIT_INTEREST',
        amountCents: -c.interestCents,
        effectiveDate: c.effectiveDate,
        billId: c.billId,
        idempotencyKey: `deposit:${d.id}:interest`,
        memo: `Interest on the security deposit, ${c.monthsHeld} months at 4.0%`,
      },
      { actor, audit: false },
    );
  const after = await tx.deposit.findUniqueOrThrow({ where: { id: d.id } });
  const heldCents = await adjustHeld(tx, d.accountId, -d.amountCents);
  await audit(tx, actor, c.verb, d, after, c.timeline, heldCents);
  return true;
}

export interface DepositCredit {
  depositId: string;
  creditedCents: number;
  interestCents: number;
  monthsHeld: number;
}

/**
 * On a final bill: each held deposit and its interest to date become credits on the account; each
 * deposit billed and not yet fully paid (REQUIRED) is settled too (domain unpaidDepositAtFinalBill):
 * the open part of its charge reversed, the part paid applied as a credit, the deposit closed.
 */
export async function applyDepositToFinalBill(
  tx: Tx,
  input: { accountId: string; billId?: string | null; effectiveDate: string; actor?: Actor },
): Promise<DepositCredit[]> {
  const actor = input.actor ?? SYSTEM_ACTOR;
  const held = await tx.deposit.findMany({
    where: { accountId: input.accountId, status: 'HELD' },
    orderBy: { createdAt: 'asc' },
  });
  const out: DepositCredit[] = [];
  for (const d of held) {
    const app = depositApplication(
      { status: d.status, amountCents: d.amountCents, heldSince: d.heldSince ? isoDay(d.heldSince) : null },
      input.effectiveDate,
    );
    if (!app) continue;
    const credited = await creditHeldDeposit(tx, actor, d, {
      kind: 'DEPOSIT_APPLIED',
      keySuffix: 'applied',
      memo: 'Security deposit applied to the final bill',
      principalCents: app.appliedCents,
      interestCents: app.interestCents,
      monthsHeld: app.monthsHeld,
      effectiveDate: input.effectiveDate,
      billId: input.billId ?? null,
      status: 'APPLIED',
      verb: 'apply',
      timeline: {
        kind: 'deposit.applied',
        summary: `Deposit of ${formatCents(app.appliedCents)} and ${formatCents(app.interestCents)} interest applied to the final bill`,
        data: { depositId: d.id, billId: input.billId ?? null },
      },
    });
    if (!credited) continue;
    out.push({
      depositId: d.id,
      creditedCents: jsonCents(app.appliedCents),
      interestCents: jsonCents(app.interestCents),
      monthsHeld: app.monthsHeld,
    });
  }
  out.push(...(await settleUnpaidDeposits(tx, actor, input)));
  return out;
}

/**
 * The REQUIRED deposits of an account at its final bill: the unpaid part of each one's charge is
 * reversed (left open it would be owed as a deposit, draw a late charge and go to collections), the
 * part paid is applied as a DEPOSIT_APPLIED credit, and the deposit is closed as APPLIED — so a
 * payment arriving later pays the final balance instead of holding a deposit on a closed account.
 */
async function settleUnpaidDeposits(
  tx: Tx,
  actor: Actor,
  input: { accountId: string; billId?: string | null; effectiveDate: string },
): Promise<DepositCredit[]> {
  const owed = await tx.deposit.findMany({
    where: { accountId: input.accountId, status: 'REQUIRED' },
    orderBy: { createdAt: 'asc' },
  });
  if (owed.length === 0) return [];
  // What each charge has open before the final bill's credits (payments go oldest first).
  const rows = await loadEntries(tx, input.accountId);
  const a = allocate(rows.map(toDomainEntry));
  const open = new Map(a.charges.map((c) => [c.entry.id, c.openCents]));
  const out: DepositCredit[] = [];
  for (const d of owed) {
    // Claimed first, as a held deposit is (creditHeldDeposit): a second claimant does nothing.
    const claimed = await tx.deposit.updateMany({
      where: { id: d.id, status: 'REQUIRED' },
      data: { status: 'APPLIED', closedAt: new Date() },
    });
    if (claimed.count === 0) continue;
    const found =
      rows.find((r) => r.idempotencyKey === billedKey(d.id)) ?? (await transferredCharge(tx, d, rows));
    const billed = found && !a.cancelled.has(found.id) ? found : undefined;
    const { reversedCents, appliedCents } = unpaidDepositAtFinalBill(
      billed?.amountCents ?? 0n,
      billed ? (open.get(billed.id) ?? 0n) : 0n,
    );
    if (billed && reversedCents > 0n)
      await postEntry(
        tx,
        {
          accountId: input.accountId,
          kind: 'ADJUSTMENT',
          amountCents: -reversedCents,
          effectiveDate: input.effectiveDate,
          billId: input.billId ?? null,
          // All of it unpaid: the reversal cancels the charge, as a waiver does.
          reversesEntryId: reversedCents === billed.amountCents ? billed.id : null,
          idempotencyKey: `deposit:${d.id}:unpaid-reversed`,
          memo: 'Security deposit not paid before service ended: the unpaid part reversed',
        },
        { actor, audit: false },
      );
    if (appliedCents > 0n)
      await postEntry(
        tx,
        {
          accountId: input.accountId,
          kind: 'DEPOSIT_APPLIED',
          amountCents: -appliedCents,
          effectiveDate: input.effectiveDate,
          billId: input.billId ?? null,
          idempotencyKey: `deposit:${d.id}:applied`,
          memo: 'Security deposit (the part paid) applied to the final bill',
        },
        { actor, audit: false },
      );
    const after = await tx.deposit.findUniqueOrThrow({ where: { id: d.id } });
    await audit(tx, actor, 'apply', d, after, {
      kind: 'deposit.applied',
      summary:
        `Deposit of ${formatCents(d.amountCents)} settled on the final bill: ${formatCents(appliedCents)} ` +
        `paid applied, ${formatCents(reversedCents)} unpaid reversed`,
      data: {
        depositId: d.id,
        billId: input.billId ?? null,
        appliedCents: jsonCents(appliedCents),
        reversedCents: jsonCents(reversedCents),
      },
    });
    out.push({ depositId: d.id, creditedCents: jsonCents(appliedCents), interestCents: 0, monthsHeld: 0 });
  }
  return out;
}

/** The days the account's late payment charges were waived (services/late-charge-waivers.ts). */
async function waiverDays(db: Db | Tx, accountId: string): Promise<string[]> {
  const rows = await db.lateChargeWaiver.findMany({ where: { accountId }, select: { waivedOn: true } });
  return rows.map((r) => isoDay(r.waivedOn));
}

/**
 * The account's payment arrangements as the refund rule reads them: the day each was made and the
 * day it ended, null while CURRENT (domain/deposits.ts DepositHistory.arrangements).
 */
async function arrangementSpans(
  db: Db | Tx,
  accountId: string,
): Promise<{ from: string; to: string | null }[]> {
  const rows = await db.paymentArrangement.findMany({
    where: { accountId },
    select: { status: true, createdAt: true, completedOn: true, defaultedOn: true },
  });
  return rows.map((r) => {
    const ended = r.completedOn ?? r.defaultedOn;
    return { from: utilityDate(r.createdAt), to: r.status === 'CURRENT' || !ended ? null : isoDay(ended) };
  });
}

/** At billing: refunds each held deposit that is due (12 timely months) as bill credits. */
export async function refundDepositIfDue(
  tx: Tx,
  input: { accountId: string; asOf: string; billId?: string | null; actor?: Actor },
): Promise<{ depositId: string; decision: RefundDecision }[]> {
  const actor = input.actor ?? SYSTEM_ACTOR;
  const held = await tx.deposit.findMany({
    where: { accountId: input.accountId, status: 'HELD' },
    orderBy: { createdAt: 'asc' },
  });
  if (held.length === 0) return [];
  const entries = (await loadEntries(tx, input.accountId)).map(toDomainEntry);
  const lateChargeWaivers = await waiverDays(tx, input.accountId);
  const arrangements = await arrangementSpans(tx, input.accountId);
  const out: { depositId: string; decision: RefundDecision }[] = [];
  for (const d of held) {
    const decision = depositRefundDue(
      {
        deposit: {
          status: d.status,
          amountCents: d.amountCents,
          heldSince: d.heldSince ? isoDay(d.heldSince) : null,
          historyFrom: d.historyFrom ? isoDay(d.historyFrom) : null,
        },
        entries,
        lateChargeWaivers,
        arrangements,
      },
      input.asOf,
    );
    out.push({ depositId: d.id, decision });
    if (!decision.due) continue;
    await creditHeldDeposit(tx, actor, d, {
      kind: 'DEPOSIT_REFUND',
      keySuffix: 'refund',
      memo: 'Security deposit refunded after 12 months of timely payment',
      principalCents: decision.refundCents,
      interestCents: decision.interestCents,
      monthsHeld: decision.monthsHeld,
      effectiveDate: input.asOf,
      billId: input.billId ?? null,
      status: 'REFUNDED',
      verb: 'refund',
      timeline: {
        kind: 'deposit.refunded',
        summary: `Deposit of ${formatCents(decision.refundCents)} and ${formatCents(decision.interestCents)} interest refunded as a bill credit`,
        data: { depositId: d.id, billId: input.billId ?? null, monthsHeld: decision.monthsHeld },
      },
    });
  }
  return out;
}

// ---- read -------------------------------------------------------------------------------------

/** GET /accounts/:id/deposit: the account's deposits, interest to date and whether a refund is due. */
export async function depositStatus(db: Db, accountId: string, asOf: string = utilityDate()) {
  const account = await db.account.findUnique({
    where: { id: accountId },
    select: { id: true, depositHeldCents: true },
  });
  if (!account) throw notFound('Account', accountId);
  const deposits = await db.deposit.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } });
  const entries = (await loadEntries(db, accountId)).map(toDomainEntry);
  const lateChargeWaivers = await waiverDays(db, accountId);
  const arrangements = await arrangementSpans(db, accountId);
  return {
    accountId,
    asOf,
    depositHeldCents: account.depositHeldCents,
    deposits: deposits.map((d) => {
      const view = depositView(d);
      if (d.status !== 'HELD' || !d.heldSince) return view;
      const heldSince = isoDay(d.heldSince);
      const monthsHeld = fullMonthsBetween(heldSince, asOf);
      const refund = depositRefundDue(
        {
          deposit: {
            status: d.status,
            amountCents: d.amountCents,
            heldSince,
            historyFrom: d.historyFrom ? isoDay(d.historyFrom) : null,
          },
          entries,
          lateChargeWaivers,
          arrangements,
        },
        asOf,
      );
      return {
        ...view,
        monthsHeld,
        interestToDateCents: jsonCents(depositInterestCents(d.amountCents, monthsHeld)),
        refund: refund.due
          ? {
              due: true,
              code: refund.code,
              reason: refund.reason,
              refundCents: jsonCents(refund.refundCents),
              interestCents: jsonCents(refund.interestCents),
            }
          : { due: false, code: refund.code, reason: refund.reason, eligibleOn: refund.eligibleOn },
      };
    }),
  };
}
