// Correcting issued bills. An issued bill and its lines never change (database triggers refuse it;
// the only allowed change is ISSUED -> CANCELLED), so every correction is a new document:
//
//   Adjustment  POST /bills/:id/adjustments
//     A new bill of kind ADJUSTMENT (an adjustment memo), issued at once, id `<billId>-A<n>`.
//     Each of its lines may name the line of the adjusted bill it corrects (correctsLineId). Its
//     total is posted to the ledger as one ADJUSTMENT entry (key `bill:<memoId>:adjustment`):
//     negative lowers what the customer owes, positive raises it. The adjusted bill is unchanged.
//
//   Cancel/rebill  POST /bills/:id/rebill
//     The bill goes ISSUED -> CANCELLED and its CHARGE is exactly reversed by an ADJUSTMENT entry
//     (key `bill:<billId>:cancel`, reversesEntryId = the charge, so payments re-apply to the
//     replacement). Its adjustment memos are superseded with it: each is cancelled and its entry
//     reversed the same way. A new bill of kind REBILL (replacesId = the bill, id
//     `<first bill>-R<n>`) is issued with the corrected lines and its CHARGE posted (key
//     `bill:<newId>:charge`). Without lines, the replacement restates the bill as adjusted: its
//     lines, then its memos' lines — a reissue with a new bill and due date, nothing re-rated.
//
// Both take a client Idempotency-Key, claimed in idempotency_record in the same transaction: the
// same key and request returns the first answer and writes nothing; the same key for a different
// request is an idempotency_mismatch. Money on one account moves in turn (the account row is
// locked first), so two corrections of one bill never both apply.
import { createHash } from 'node:crypto';
import { Prisma, type Bill, type BillLine, type LedgerEntry } from '@prisma/client';
import type { Db, Tx } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { AppError, conflict, invalid, notFound } from '../lib/errors';
import { clientKeyFor, keyClaimed, once } from '../lib/idempotency';
import { addDays, balance, DUE_DAYS_AFTER_BILL, formatCents } from '../domain/ledger';
import { billView } from './bills';
import { lockStatementAccounts, onTransaction, recordStatements } from './statements';
import {
  dbDate,
  entryView,
  isoDay,
  jsonCents,
  loadEntries,
  lockAccount,
  postCharge,
  postEntry,
  TX_OPTIONS,
  utilityDate,
} from './ledger';

export interface CorrectionLineInput {
  /** The line of the bill being corrected that this line corrects (its lineNo on that bill). */
  correctsLineNo?: number | undefined;
  description: string;
  /** Integer cents; positive increases what the customer owes. */
  amountCents: number;
}

export interface AdjustmentInput {
  lines: CorrectionLineInput[];
  reason: string;
}

export interface RebillInput {
  reason: string;
  /** The replacement's lines; absent: the bill's own lines and its adjustments' lines, restated. */
  lines?: CorrectionLineInput[] | undefined;
}

type BillWithLines = Bill & { lines: BillLine[] };
type View = ReturnType<typeof billView>;

export interface AdjustmentResult {
  adjustment: View;
  adjustedBill: { id: string; status: Bill['status']; totalCents: number };
  ledgerEntry: ReturnType<typeof entryView>;
  balanceCents: number;
}

export interface RebillResult {
  cancelled: View;
  replacement: View;
  /** Adjustment memos of the cancelled bill, superseded by the replacement and cancelled with it. */
  cancelledAdjustments: string[];
  /** The ADJUSTMENT entries reversing the cancelled bill's charge and its memos' entries. */
  reversals: ReturnType<typeof entryView>[];
  /** The replacement's CHARGE; null when its lines net to zero. */
  charge: ReturnType<typeof entryView> | null;
  balanceCents: number;
}

export const adjustmentId = (billId: string, n: number) => `${billId}-A${n}`;
export const rebillId = (firstBillId: string, n: number) => `${firstBillId}-R${n}`;
export const chargeKey = (billId: string) => `bill:${billId}:charge`;
export const adjustmentKey = (memoId: string) => `bill:${memoId}:adjustment`;
export const cancelKey = (billId: string) => `bill:${billId}:cancel`;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const includeLines = { lines: { orderBy: { lineNo: 'asc' } } } as const;

/** Cents as a plain decimal of dollars: -1234n → '-12.34'. */
function dollars(c: bigint): string {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

// ---- reading ------------------------------------------------------------------------------------

/** The ADJUSTMENT memos of a bill (ids `<billId>-A<n>`), oldest first. */
async function adjustmentsOf(tx: Tx | Db, billId: string): Promise<BillWithLines[]> {
  const re = new RegExp(`^${escapeRe(billId)}-A(\\d+)$`);
  const rows = await tx.bill.findMany({
    where: { kind: 'ADJUSTMENT', id: { startsWith: `${billId}-A` } },
    include: includeLines,
  });
  return rows
    .filter((r) => re.test(r.id))
    .sort((a, b) => Number(re.exec(a.id)![1]) - Number(re.exec(b.id)![1]));
}

/** The bill an ADJUSTMENT memo adjusts (from its id), or null. */
function adjustedBillId(memo: Pick<Bill, 'id' | 'kind'>): string | null {
  return memo.kind === 'ADJUSTMENT' ? (/^(.+)-A\d+$/.exec(memo.id)?.[1] ?? null) : null;
}

/** GET /bills/:id/corrections: what replaced the bill, what it replaced, and its adjustments. */
export async function billCorrections(db: Db, billId: string) {
  const bill = await db.bill.findUnique({ where: { id: billId } });
  if (!bill) throw notFound('Bill', billId);
  const [replacedBy, adjustments] = await Promise.all([
    db.bill.findFirst({ where: { replacesId: billId, kind: 'REBILL' }, select: { id: true } }),
    adjustmentsOf(db, billId),
  ]);
  return {
    billId,
    kind: bill.kind,
    status: bill.status,
    totalCents: jsonCents(bill.totalCents),
    replacesId: bill.replacesId,
    replacedBy: replacedBy?.id ?? null,
    adjusts: adjustedBillId(bill),
    adjustments: adjustments.map((a) => ({
      id: a.id,
      status: a.status,
      billDate: isoDay(a.billDate),
      totalCents: jsonCents(a.totalCents),
    })),
  };
}

// ---- shared steps -------------------------------------------------------------------------------

/** Loads and locks the bill (after its account) for a correction; refuses what cannot be corrected. */
async function lockCorrectable(tx: Tx, billId: string, what: 'adjusted' | 'rebilled') {
  const found = await tx.bill.findUnique({ where: { id: billId }, select: { accountId: true } });
  if (!found) throw notFound('Bill', billId);
  await lockAccount(tx, found.accountId);
  await tx.$queryRaw`SELECT id FROM bill WHERE id = ${billId} FOR UPDATE`;
  const bill = await tx.bill.findUniqueOrThrow({ where: { id: billId }, include: includeLines });
  if (bill.status === 'DRAFT')
    throw conflict(
      `Bill ${billId} is a draft, not issued: the bill cycle re-rates drafts; it cannot be ${what}`,
    );
  if (bill.status === 'CANCELLED') {
    const by = await tx.bill.findFirst({
      where: { replacesId: billId, kind: 'REBILL' },
      select: { id: true },
    });
    throw conflict(
      `Bill ${billId} was cancelled on ${bill.cancelledAt?.toISOString().slice(0, 10)}` +
        (by ? ` and replaced by bill ${by.id}` : '') +
        `; a cancelled bill cannot be ${what}${by ? `: correct ${by.id} instead` : ''}`,
    );
  }
  if (bill.kind === 'ADJUSTMENT') {
    const of = adjustedBillId(bill);
    throw conflict(
      `Bill ${billId} is an adjustment memo; it cannot be ${what}` +
        (of ? `: correct bill ${of} instead` : ''),
    );
  }
  return bill;
}

interface LineDefaults {
  periodFrom: Date;
  periodTo: Date;
}

/** Bill lines for clerk-entered corrections: each a fixed amount, naming the line it corrects. */
function correctionLines(
  input: CorrectionLineInput[],
  corrected: BillWithLines,
  component: string | null,
  defaults: LineDefaults,
): Omit<Prisma.BillLineCreateManyInput, 'billId' | 'lineNo'>[] {
  const byNo = new Map(corrected.lines.map((l) => [l.lineNo, l]));
  return input.map((l, i) => {
    const base = l.correctsLineNo === undefined ? undefined : byNo.get(l.correctsLineNo);
    if (l.correctsLineNo !== undefined && !base)
      throw invalid(
        `lines.${i}.correctsLineNo`,
        `lines.${i}.correctsLineNo: bill ${corrected.id} has no line ${l.correctsLineNo}` +
          ` (its lines are ${corrected.lines.map((x) => x.lineNo).join(', ') || 'none'})`,
      );
    const amountCents = BigInt(l.amountCents);
    return {
      service: base?.service ?? 'ACCOUNT',
      component: component ?? base?.component ?? 'MANUAL',
      description: l.description,
      quantity: new Prisma.Decimal(1),
      unit: 'period',
      rate: new Prisma.Decimal(dollars(amountCents)),
      ratePer: new Prisma.Decimal(1),
      amountCents,
      tariffSchedule: null,
      tariffVersion: null,
      periodFrom: base?.periodFrom ?? defaults.periodFrom,
      periodTo: base?.periodTo ?? defaults.periodTo,
      meterId: base?.meterId ?? null,
      correctsLineId: base?.id ?? null,
    };
  });
}

/** A line copied as it stands onto another bill. */
function copyLine(l: BillLine): Omit<Prisma.BillLineCreateManyInput, 'billId' | 'lineNo'> {
  const { id: _id, billId: _billId, lineNo: _lineNo, ...rest } = l;
  return rest;
}

/** Cancels an issued bill (the one change the database allows) and reverses its ledger entry. */
async function cancelBill(
  tx: Tx,
  actor: Actor,
  bill: Bill,
  entryKey: string,
  reason: string,
  now: Date,
  today: string,
  replacementId: string,
): Promise<LedgerEntry | null> {
  const after = await tx.bill.update({
    where: { id: bill.id },
    data: { status: 'CANCELLED', cancelledAt: now },
  });
  const entry = await tx.ledgerEntry.findUnique({ where: { idempotencyKey: entryKey } });
  if (!entry && bill.totalCents !== 0n)
    throw new AppError(
      'conflict',
      `Bill ${bill.id} (${formatCents(bill.totalCents)}) has no ledger entry ${entryKey} to reverse; ` +
        'it cannot be cancelled until its ledger is repaired',
    );
  let reversal: LedgerEntry | null = null;
  if (entry) {
    ({ entry: reversal } = await postEntry(
      tx,
      {
        accountId: bill.accountId,
        kind: 'ADJUSTMENT',
        amountCents: -entry.amountCents,
        effectiveDate: today,
        billId: bill.id,
        reversesEntryId: entry.id,
        idempotencyKey: cancelKey(bill.id),
        memo: `Bill ${bill.id} cancelled (rebilled as ${replacementId}): ${formatCents(-entry.amountCents)}`,
      },
      { actor, reason },
    ));
  }
  await recordChange(tx, actor, {
    action: 'bill.cancel',
    entityType: 'bill',
    entityId: bill.id,
    accountId: bill.accountId,
    before: { status: bill.status, cancelledAt: null },
    after: {
      status: after.status,
      cancelledAt: after.cancelledAt,
      replacedBy: replacementId,
      reversalEntryId: reversal?.id ?? null,
    },
    reason,
  });
  return reversal;
}

/**
 * A correcting bill (an adjustment memo, or a rebill that replaces `of`), issued at once for the
 * corrected bill's period and in its language, with its lines numbered from 1.
 */
async function issueCorrectingBill(
  tx: Tx,
  of: Pick<Bill, 'id' | 'accountId' | 'periodFrom' | 'periodTo' | 'language'>,
  c: {
    id: string;
    kind: 'ADJUSTMENT' | 'REBILL';
    now: Date;
    today: string;
    dueDate: string;
    estimated: boolean;
    total: bigint;
    lines: Omit<Prisma.BillLineCreateManyInput, 'billId' | 'lineNo'>[];
    replaces?: boolean;
  },
): Promise<void> {
  await tx.bill.create({
    data: {
      id: c.id,
      accountId: of.accountId,
      kind: c.kind,
      status: 'ISSUED',
      issuedAt: c.now,
      periodFrom: of.periodFrom,
      periodTo: of.periodTo,
      billDate: dbDate(c.today),
      dueDate: dbDate(c.dueDate),
      estimated: c.estimated,
      totalCents: c.total,
      language: of.language,
      ...(c.replaces ? { replacesId: of.id } : {}),
    },
  });
  if (c.lines.length)
    await tx.billLine.createMany({ data: c.lines.map((l, i) => ({ ...l, billId: c.id, lineNo: i + 1 })) });
}

/** Runs a correction exactly once per user and client key: a replay returns the first answer. */
async function exactlyOnce<T>(
  db: Db,
  actor: Actor,
  scope: string,
  clientKey: string,
  request: unknown,
  step: (tx: Tx) => Promise<T>,
): Promise<{ body: T; replayed: boolean }> {
  const requestHash = sha256(JSON.stringify(request));
  return db.$transaction(async (tx) => {
    const key = await clientKeyFor(`${scope}:`, actor.id, clientKey, (legacy) => keyClaimed(tx, legacy));
    const r = await once(tx, key, scope, async () => JSON.stringify(await step(tx)), requestHash);
    if (r.replayed && r.requestHash !== requestHash)
      throw new AppError(
        'idempotency_mismatch',
        `Idempotency-Key ${clientKey} was already used for a different request; ` +
          'use a new key for a new correction, and the same key with the same request only to retry',
        'Idempotency-Key',
      );
    return { body: JSON.parse(r.result) as T, replayed: r.replayed };
  }, TX_OPTIONS);
}

async function balanceOf(tx: Tx, accountId: string): Promise<number> {
  return jsonCents(balance(await loadEntries(tx, accountId)));
}

const sumCents = (lines: { amountCents: bigint | number }[]) =>
  lines.reduce((s, l) => s + BigInt(l.amountCents), 0n);

// ---- adjustment ---------------------------------------------------------------------------------

/** POST /bills/:id/adjustments: an ADJUSTMENT memo on an issued bill and its ledger entry. */
export async function adjustBill(
  db: Db,
  actor: Actor,
  billId: string,
  input: AdjustmentInput,
  clientKey: string,
): Promise<{ body: AdjustmentResult; replayed: boolean }> {
  return exactlyOnce(
    db,
    actor,
    'bill-adjustment',
    clientKey,
    [billId, input.reason, input.lines],
    async (tx) => {
      const bill = await lockCorrectable(tx, billId, 'adjusted');
      const lines = correctionLines(input.lines, bill, 'ADJUSTMENT', bill);
      const total = sumCents(lines.map((l) => ({ amountCents: l.amountCents as bigint })));
      if (total === 0n)
        throw invalid(
          'lines',
          'lines: the adjustment nets to zero, so it would not change what is owed; ' +
            'state the amounts that correct the bill',
        );
      const prior = await adjustmentsOf(tx, billId);
      const n = prior.reduce((m, a) => Math.max(m, Number(/-A(\d+)$/.exec(a.id)![1])), 0) + 1;
      const id = adjustmentId(billId, n);
      const now = new Date();
      const today = utilityDate(now);
      const dueDate = addDays(today, DUE_DAYS_AFTER_BILL);
      await issueCorrectingBill(tx, bill, {
        id,
        kind: 'ADJUSTMENT',
        now,
        today,
        dueDate,
        estimated: false,
        total,
        lines,
      });
      const { entry } = await postEntry(
        tx,
        {
          accountId: bill.accountId,
          kind: 'ADJUSTMENT',
          amountCents: total,
          effectiveDate: today,
          dueDate: total > 0n ? dueDate : null,
          billId: id,
          idempotencyKey: adjustmentKey(id),
          memo: `Adjustment ${id} to bill ${billId}: ${input.reason}`,
        },
        { actor, reason: input.reason },
      );
      const memo = await tx.bill.findUniqueOrThrow({ where: { id }, include: includeLines });
      await recordChange(
        tx,
        actor,
        {
          action: 'bill.adjust',
          entityType: 'bill',
          entityId: id,
          accountId: bill.accountId,
          after: { ...billView(memo), adjusts: billId, ledgerEntryId: entry.id },
          reason: input.reason,
        },
        {
          kind: 'bill.adjusted',
          occurredAt: now,
          summary: `Bill ${billId} adjusted by ${formatCents(total)} (${id}): ${input.reason}`,
          data: {
            billId,
            adjustmentId: id,
            amountCents: jsonCents(total),
            ledgerEntryId: entry.id.toString(),
            correctsLineNos: input.lines.map((l) => l.correctsLineNo ?? null),
          },
        },
      );
      return {
        adjustment: billView(memo),
        adjustedBill: { id: billId, status: bill.status, totalCents: jsonCents(bill.totalCents) },
        ledgerEntry: entryView(entry),
        balanceCents: await balanceOf(tx, bill.accountId),
      };
    },
  );
}

// ---- cancel / rebill ----------------------------------------------------------------------------

/** POST /bills/:id/rebill: cancel the bill (and its adjustments), reverse them, issue the replacement. */
export async function rebillBill(
  db: Db,
  actor: Actor,
  billId: string,
  input: RebillInput,
  clientKey: string,
): Promise<{ body: RebillResult; replayed: boolean }> {
  return exactlyOnce(
    db,
    actor,
    'bill-rebill',
    clientKey,
    [billId, input.reason, input.lines ?? null],
    async (tx) => {
      const bill = await lockCorrectable(tx, billId, 'rebilled');
      // Before any audit row: the replacement's summary takes its turn (services/statements.ts).
      await lockStatementAccounts(onTransaction(tx), [bill.accountId]);
      const memos = (await adjustmentsOf(tx, billId)).filter((m) => m.status === 'ISSUED');

      // The replacement's id: the first bill of the chain, then -R and its place in the chain.
      let first: Pick<Bill, 'id' | 'replacesId'> = bill;
      let depth = 1;
      while (first.replacesId) {
        const prev = await tx.bill.findUnique({
          where: { id: first.replacesId },
          select: { id: true, replacesId: true },
        });
        if (!prev || depth > 1000) break;
        first = prev;
        depth++;
      }
      const id = rebillId(first.id, depth);

      const lines = input.lines
        ? correctionLines(input.lines, bill, null, bill)
        : [...bill.lines, ...memos.flatMap((m) => m.lines)].map(copyLine);
      const total = sumCents(lines.map((l) => ({ amountCents: l.amountCents as bigint })));
      const now = new Date();
      const today = utilityDate(now);
      const dueDate = addDays(today, DUE_DAYS_AFTER_BILL);

      const reversals: LedgerEntry[] = [];
      const original = await cancelBill(tx, actor, bill, chargeKey(bill.id), input.reason, now, today, id);
      if (original) reversals.push(original);
      for (const m of memos) {
        const r = await cancelBill(tx, actor, m, adjustmentKey(m.id), input.reason, now, today, id);
        if (r) reversals.push(r);
      }

      await issueCorrectingBill(tx, bill, {
        id,
        kind: 'REBILL',
        now,
        today,
        dueDate,
        estimated: input.lines ? false : bill.estimated,
        total,
        lines,
        replaces: true,
      });
      const charge =
        total === 0n
          ? null
          : await postCharge(tx, {
              accountId: bill.accountId,
              amountCents: total,
              billId: id,
              effectiveDate: today,
              dueDate,
              idempotencyKey: chargeKey(id),
              memo: `Bill ${id} (rebill of ${bill.id}) for ${isoDay(bill.periodFrom)} to ${isoDay(bill.periodTo)}`,
              actor,
            });
      // The replacement's account summary: the cancelled bill's reversal is its activity.
      await recordStatements(onTransaction(tx), [
        { billId: id, accountId: bill.accountId, billDate: today, currentChargesCents: total },
      ]);
      const replacement = await tx.bill.findUniqueOrThrow({ where: { id }, include: includeLines });
      const cancelled = await tx.bill.findUniqueOrThrow({ where: { id: bill.id }, include: includeLines });
      const was = sumCents([bill, ...memos].map((b) => ({ amountCents: b.totalCents })));
      await recordChange(
        tx,
        actor,
        {
          action: 'bill.rebill',
          entityType: 'bill',
          entityId: id,
          accountId: bill.accountId,
          after: {
            ...billView(replacement),
            cancelledAdjustments: memos.map((m) => m.id),
            chargeEntryId: charge?.id ?? null,
          },
          reason: input.reason,
        },
        {
          kind: 'bill.rebilled',
          occurredAt: now,
          summary:
            `Bill ${bill.id} cancelled and rebilled as ${id}: ${formatCents(was)} → ${formatCents(total)}` +
            ` due ${dueDate}: ${input.reason}`,
          data: {
            billId: bill.id,
            replacementId: id,
            cancelledAdjustments: memos.map((m) => m.id),
            wasCents: jsonCents(was),
            totalCents: jsonCents(total),
            reversalEntryIds: reversals.map((r) => r.id.toString()),
            chargeEntryId: charge?.id.toString() ?? null,
          },
        },
      );
      return {
        cancelled: billView(cancelled),
        replacement: billView(replacement),
        cancelledAdjustments: memos.map((m) => m.id),
        reversals: reversals.map(entryView),
        charge: charge ? entryView(charge) : null,
        balanceCents: await balanceOf(tx, bill.accountId),
      };
    },
  );
}
