// The customer ledger in the database: posting entries (exactly once, by idempotency key), and
// reading an account's position. Every money movement is a ledger_entry row; rows are immutable
// (a database trigger refuses UPDATE and DELETE), so a correction is always a new entry.
//
// For other parts of the system (the bill cycle, collections):
//   postCharge(tx, { accountId, billId, amountCents, effectiveDate, dueDate, idempotencyKey })
//   postLateFee(tx, { accountId, pastDueCents | amountCents, asOf, idempotencyKey, billId? })
//   pastDueBalances(db, accountIds, asOf)  → Map<accountId, past-due cents>
//   accountPosition(db, accountId, asOf)   → balance, past due, aging
//   pastDueOn(db | connection, accountIds, asOf), postLateFees(connection, fees, asOf): the same
//   for a whole bill cycle at a time, on the pg pool (lib/db/bulk.ts)
// All take the caller's transaction, so the entry commits with the bill (or not at all), and are
// safe to retry: the same key returns the entry already posted, a different entry under the same
// key is refused (idempotency_mismatch).
import type { LedgerEntry, LedgerKind } from '@prisma/client';
import type { PoolClient } from 'pg';
import type { Db, Tx } from '../lib/db/prisma';
import { insertRows, query, type Runner } from '../lib/db/bulk';
import { recordChange, SYSTEM_ACTOR, type Actor } from '../lib/audit';
import { recordAudits, recordTimelines } from '../lib/audit-batch';
import { AppError, invalid, notFound } from '../lib/errors';
import {
  addDays,
  aging,
  allocate,
  amountProblem,
  DUE_DAYS_AFTER_BILL,
  formatCents,
  isIsoDate,
  isoDateIn,
  lateChargeableCents,
  lateFeeCents,
  type Entry,
} from '../domain/ledger';
import { localMidnight, zonedInstant } from '../domain/collections/calendar';

/** Millbrook is in Pennsylvania: ledger dates are civil days there. */
export const UTILITY_TIME_ZONE = 'America/New_York';

/**
 * A reading of the utility's clock ('2026-12-03T14:05:00', or written as UTC the way reads and read
 * windows are stored: '2026-11-06T00:00:00.000Z') as the instant it names.
 */
export function wallClockInstant(local: string): Date {
  const minutes = Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16));
  return new Date(
    zonedInstant(local.slice(0, 10), minutes, UTILITY_TIME_ZONE) + Number(local.slice(17, 19) || 0) * 1000,
  );
}

/**
 * The bounds of a `from`/`to` filter on instants (audit export, timeline): a bare date is a day
 * where the utility is, so `from` is that day's local midnight and `to` runs through its end; a
 * date-time is itself. The end is exclusive (a date-time `to` plus a millisecond, the columns'
 * precision), so one comparison serves both.
 */
export const rangeStart = (from: string): Date =>
  from.length === 10 ? localMidnight(from, UTILITY_TIME_ZONE) : new Date(from);
export const rangeEndExclusive = (to: string): Date =>
  to.length === 10 ? localMidnight(addDays(to, 1), UTILITY_TIME_ZONE) : new Date(Date.parse(to) + 1);

/** Today (or the day of `at`) in the utility's time zone, as YYYY-MM-DD. */
export const utilityDate = (at: Date = new Date()) => isoDateIn(at, UTILITY_TIME_ZONE);
/** A YYYY-MM-DD day as Prisma wants a `@db.Date`. */
export const dbDate = (iso: string) => new Date(`${iso}T00:00:00Z`);
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The late payment charge's ledger key: one per bill ("assessed once"). */
export const lateFeeKey = (billId: string) => `bill:${billId}:late-fee`;

/** Cents for a JSON response: a number (exact up to $90 trillion; beyond that, refuse). */
export function jsonCents(c: bigint): number {
  const n = Number(c);
  if (!Number.isSafeInteger(n)) throw new AppError('internal', 'an amount is too large to report');
  return n;
}

export const TX_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;

// ---- views --------------------------------------------------------------------------------------

export function toDomainEntry(e: LedgerEntry): Entry & { row: LedgerEntry } {
  return {
    id: e.id,
    kind: e.kind,
    amountCents: e.amountCents,
    effectiveDate: isoDay(e.effectiveDate),
    dueDate: e.dueDate ? isoDay(e.dueDate) : null,
    reversesEntryId: e.reversesEntryId,
    row: e,
  };
}

export function entryView(e: LedgerEntry) {
  return {
    id: e.id.toString(),
    accountId: e.accountId,
    kind: e.kind,
    amountCents: jsonCents(e.amountCents),
    effectiveDate: isoDay(e.effectiveDate),
    dueDate: e.dueDate ? isoDay(e.dueDate) : null,
    billId: e.billId,
    paymentId: e.paymentId,
    reversesEntryId: e.reversesEntryId?.toString() ?? null,
    memo: e.memo,
    createdAt: e.createdAt.toISOString(),
  };
}

// ---- reading ------------------------------------------------------------------------------------

export async function loadEntries(tx: Tx | Db, accountId: string): Promise<LedgerEntry[]> {
  return tx.ledgerEntry.findMany({
    where: { accountId },
    orderBy: [{ effectiveDate: 'asc' }, { id: 'asc' }],
  });
}

/** Balance, past due and aging on a day (entries effective that day or before). */
export async function accountPosition(tx: Tx | Db, accountId: string, asOf: DateLike = utilityDate()) {
  const rows = await loadEntries(tx, accountId);
  return aging(rows.map(toDomainEntry), day(asOf));
}

/**
 * Past-due cents per account on a day (charges open after their due date, oldest-first
 * allocation), for many accounts in one query. Every account asked about is in the map.
 */
export async function pastDueBalances(
  tx: Tx | Db,
  accountIds: readonly string[],
  asOf: DateLike = utilityDate(),
): Promise<Map<string, bigint>> {
  const on = day(asOf);
  const ids = [...new Set(accountIds)];
  const rows = ids.length
    ? await tx.ledgerEntry.findMany({ where: { accountId: { in: ids }, effectiveDate: { lte: dbDate(on) } } })
    : [];
  const byAccount = new Map<string, Entry[]>(ids.map((id) => [id, []]));
  for (const r of rows) byAccount.get(r.accountId)!.push(toDomainEntry(r));
  return new Map([...byAccount].map(([id, entries]) => [id, aging(entries, on).pastDueCents]));
}

/** Locks the account row for the rest of the transaction: money on one account moves in turn. */
export async function lockAccounts(tx: Tx, accountIds: readonly string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM account WHERE id = ANY(${[...accountIds]}::text[]) ORDER BY id FOR UPDATE`;
  return new Set(rows.map((r) => r.id));
}

export async function lockAccount(tx: Tx, accountId: string): Promise<void> {
  if (!(await lockAccounts(tx, [accountId])).has(accountId)) throw notFound('Account', accountId);
}

/** GET /accounts/:id/ledger: the entries, each charge's open amount, the balance and aging. */
export async function ledgerView(db: Db, accountId: string, asOf: string = utilityDate()) {
  const account = await db.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!account) throw notFound('Account', accountId);
  const rows = (await loadEntries(db, accountId)).filter((r) => isoDay(r.effectiveDate) <= asOf);
  const entries = rows.map(toDomainEntry);
  const a = allocate(entries);
  const open = new Map(a.charges.map((c) => [c.entry.id, c.openCents]));
  const unapplied = new Map(a.credits.map((c) => [c.entry.id, c.unappliedCents]));
  const position = aging(entries, asOf);
  return {
    accountId,
    asOf,
    balanceCents: jsonCents(position.balanceCents),
    owedCents: jsonCents(position.owedCents),
    creditBalanceCents: jsonCents(position.creditCents),
    pastDueCents: jsonCents(position.pastDueCents),
    aging: Object.fromEntries(Object.entries(position.buckets).map(([k, v]) => [k, jsonCents(v)])),
    entries: rows.map((r) => ({
      ...entryView(r),
      /** charges: what is still unpaid; null for credits and reversed entries */
      openCents: open.has(r.id) ? jsonCents(open.get(r.id)!) : null,
      /** credits: what is not yet applied to a charge (a credit balance) */
      unappliedCents: unapplied.has(r.id) ? jsonCents(unapplied.get(r.id)!) : null,
      reversed: a.cancelled.has(r.id),
    })),
  };
}

// ---- posting ------------------------------------------------------------------------------------

export interface PostEntryInput {
  accountId: string;
  kind: LedgerKind;
  /** Integer cents; positive increases what the customer owes. */
  amountCents: bigint;
  /** YYYY-MM-DD */
  effectiveDate: string;
  /** YYYY-MM-DD; for charges. */
  dueDate?: string | null;
  billId?: string | null;
  paymentId?: string | null;
  reversesEntryId?: bigint | null;
  /** Unique across the whole ledger, e.g. `bill:<billId>:charge`. */
  idempotencyKey: string;
  memo: string;
}

export interface PostOptions {
  actor?: Actor;
  /** Write an audit event for the entry (default true). */
  audit?: boolean;
  /** Put the entry on the account timeline with this kind and summary (default: not). */
  timeline?: { kind: string; summary: string; occurredAt?: Date; data?: unknown } | null;
  reason?: string | null;
}

const sameEntry = (row: LedgerEntry, i: PostEntryInput) =>
  row.accountId === i.accountId &&
  row.kind === i.kind &&
  row.amountCents === i.amountCents &&
  isoDay(row.effectiveDate) === i.effectiveDate &&
  (row.dueDate ? isoDay(row.dueDate) : null) === (i.dueDate ?? null) &&
  row.billId === (i.billId ?? null) &&
  row.paymentId === (i.paymentId ?? null) &&
  row.reversesEntryId === (i.reversesEntryId ?? null);

/**
 * Posts one entry exactly once. A retry with the same key and the same entry returns the row
 * already posted (`created: false`, nothing written); the same key for a different entry is an
 * idempotency_mismatch. Safe under concurrency: the insert is ON CONFLICT DO NOTHING on the
 * unique key, so the second writer waits for the first and then finds its row.
 */
export async function postEntry(
  tx: Tx,
  input: PostEntryInput,
  opts: PostOptions = {},
): Promise<{ entry: LedgerEntry; created: boolean }> {
  const problem = amountProblem(input.kind, input.amountCents);
  if (problem) throw invalid('amountCents', `amountCents: ${problem}`);
  for (const [field, value] of [
    ['effectiveDate', input.effectiveDate],
    ['dueDate', input.dueDate],
  ] as const)
    if (value != null && !isIsoDate(value)) throw invalid(field, `${field}: must be a date as YYYY-MM-DD`);
  if (!input.idempotencyKey.trim()) throw invalid('idempotencyKey', 'idempotencyKey: required');
  const account = await tx.account.findUnique({ where: { id: input.accountId }, select: { id: true } });
  if (!account) throw notFound('Account', input.accountId);

  const [row] = await tx.ledgerEntry.createManyAndReturn({
    data: [
      {
        accountId: input.accountId,
        kind: input.kind,
        amountCents: input.amountCents,
        effectiveDate: dbDate(input.effectiveDate),
        dueDate: input.dueDate ? dbDate(input.dueDate) : null,
        billId: input.billId ?? null,
        paymentId: input.paymentId ?? null,
        reversesEntryId: input.reversesEntryId ?? null,
        idempotencyKey: input.idempotencyKey,
        memo: input.memo,
      },
    ],
    skipDuplicates: true,
  });
  if (!row) {
    const prior = await tx.ledgerEntry.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    if (!sameEntry(prior, input))
      throw new AppError(
        'idempotency_mismatch',
        `Ledger key ${input.idempotencyKey} was already used for a different entry (${prior.id})`,
        'idempotencyKey',
      );
    return { entry: prior, created: false };
  }
  if (opts.audit !== false) {
    await recordChange(
      tx,
      opts.actor ?? SYSTEM_ACTOR,
      {
        action: 'ledger-entry.create',
        entityType: 'ledger_entry',
        entityId: row.id.toString(),
        accountId: row.accountId,
        after: entryView(row),
        reason: opts.reason ?? null,
      },
      opts.timeline
        ? {
            kind: opts.timeline.kind,
            summary: opts.timeline.summary,
            occurredAt: opts.timeline.occurredAt ?? new Date(),
            data: opts.timeline.data ?? {
              entryId: row.id.toString(),
              kind: row.kind,
              amountCents: jsonCents(row.amountCents),
            },
          }
        : undefined,
    );
  }
  return { entry: row, created: true };
}

/** A calendar day: 'YYYY-MM-DD', or a Date read as its UTC day (as Prisma returns `@db.Date`). */
export type DateLike = string | Date;
const day = (d: DateLike): string => (typeof d === 'string' ? d : isoDay(d));

/** A posted entry; `created` is false when the key had already posted it (nothing was written). */
export type PostedEntry = LedgerEntry & { created: boolean };

export interface PostChargeInput {
  accountId: string;
  /** The bill's total in cents (a bill that nets to a credit posts a negative CHARGE). */
  amountCents: bigint;
  billId: string;
  /** The bill date: the entry's effective date. */
  effectiveDate: DateLike;
  /** 20 days after the bill date under the ordinance. */
  dueDate: DateLike;
  /** e.g. `bill:<billId>:charge` */
  idempotencyKey: string;
  memo?: string;
  actor?: Actor;
  /** Also put the charge on the timeline (the bill's own 'bill issued' event usually covers it). */
  timeline?: boolean;
}

/**
 * Posts a bill's CHARGE entry in the caller's transaction (the bill cycle's issue step). Audited;
 * on the timeline only when asked. Retry-safe by key. A zero total is refused: skip the call.
 */
export async function postCharge(tx: Tx, input: PostChargeInput): Promise<PostedEntry> {
  const memo = input.memo ?? `Bill ${input.billId}`;
  const dueDate = day(input.dueDate);
  const { entry, created } = await postEntry(
    tx,
    {
      accountId: input.accountId,
      kind: 'CHARGE',
      amountCents: input.amountCents,
      effectiveDate: day(input.effectiveDate),
      dueDate,
      billId: input.billId,
      idempotencyKey: input.idempotencyKey,
      memo,
    },
    {
      actor: input.actor ?? SYSTEM_ACTOR,
      timeline: input.timeline
        ? { kind: 'ledger.charge', summary: `${memo}: ${formatCents(input.amountCents)} due ${dueDate}` }
        : null,
    },
  );
  return { ...entry, created };
}

export interface PostLateFeeInput {
  accountId: string;
  /** The unpaid past-due balance: the fee is the ordinance's 1.5%, minimum $1.00 (lateFeeCents). */
  pastDueCents?: bigint;
  /** Or the fee itself, in positive cents, when the caller has computed it. */
  amountCents?: bigint;
  /** The day the fee is assessed (the day after the due date): the entry's effective date. */
  asOf: DateLike;
  /** Defaults to 20 days after `asOf`; pass the next bill's due date if the fee rides on it. */
  dueDate?: DateLike;
  /** The bill whose unpaid balance the fee is on. */
  billId?: string | null;
  /** e.g. `bill:<billId>:late-fee` — one late fee per bill ("assessed once"). */
  idempotencyKey: string;
  memo?: string;
  actor?: Actor;
}

/**
 * Posts a LATE_FEE charge in the caller's transaction; audited and on the account timeline.
 * Returns null when there is no fee (nothing past due). Retry-safe by key.
 */
export async function postLateFee(tx: Tx, input: PostLateFeeInput): Promise<PostedEntry | null> {
  if ((input.amountCents === undefined) === (input.pastDueCents === undefined))
    throw new AppError('internal', 'postLateFee needs exactly one of amountCents and pastDueCents');
  const amountCents = input.amountCents ?? lateFeeCents(input.pastDueCents!);
  if (amountCents === 0n) return null;
  const effectiveDate = day(input.asOf);
  const dueDate = input.dueDate ? day(input.dueDate) : addDays(effectiveDate, DUE_DAYS_AFTER_BILL);
  const memo = input.memo ?? `Late payment charge${input.billId ? ` on bill ${input.billId}` : ''}`;
  const { entry, created } = await postEntry(
    tx,
    {
      accountId: input.accountId,
      kind: 'LATE_FEE',
      amountCents,
      effectiveDate,
      dueDate,
      billId: input.billId ?? null,
      idempotencyKey: input.idempotencyKey,
      memo,
    },
    {
      actor: input.actor ?? SYSTEM_ACTOR,
      timeline: {
        kind: 'ledger.fee',
        summary:
          `${memo}: ${formatCents(amountCents)}` +
          (input.pastDueCents !== undefined
            ? ` (1.5% of ${formatCents(input.pastDueCents)} past due, minimum $1.00)`
            : ''),
      },
    },
  );
  return { ...entry, created };
}

// ---- many accounts at once (the bill cycle) -------------------------------------------------------

/**
 * Past-due cents per account on a day, like pastDueBalances, read on the pg pool (or a
 * transaction's connection) with the ids as one array parameter: for a cycle's accounts at once.
 * Each account's entries are an index lookup (OFFSET 0 keeps the planner from turning the lookups
 * into a scan of the whole ledger when a cycle's inserts have outrun its statistics).
 */
export async function pastDueOn(
  on: Runner,
  accountIds: readonly string[],
  asOf: DateLike,
): Promise<Map<string, bigint>> {
  const on_ = day(asOf);
  const entries = await entriesOn(on, accountIds, on_);
  return new Map([...entries].map(([id, e]) => [id, aging(e, on_).pastDueCents]));
}

/**
 * Each account's past-due balance on `asOf` and, within it, what a late payment charge is computed
 * on (domain lateChargeableCents: earlier late charges left out).
 */
export async function lateChargeBasesOn(
  on: Runner,
  accountIds: readonly string[],
  asOf: DateLike,
): Promise<Map<string, { pastDueCents: bigint; baseCents: bigint }>> {
  const on_ = day(asOf);
  const entries = await entriesOn(on, accountIds, on_);
  return new Map(
    [...entries].map(([id, e]) => [
      id,
      { pastDueCents: aging(e, on_).pastDueCents, baseCents: lateChargeableCents(e, on_) },
    ]),
  );
}

/**
 * The past-due balance as the ledger stood at the instant `at`: only entries recorded by then, as
 * of that day. When a cure happened (services reconnect within a deadline from it), where
 * pastDueOn would count a payment recorded later the same day.
 */
export async function pastDueAsRecordedAt(
  on: Runner,
  accountId: string,
  at: Date,
  timeZone: string = UTILITY_TIME_ZONE,
): Promise<bigint> {
  // The civil day where the account is: a payment at 19:30 EST is the 10th's, not the 11th's.
  const on_ = isoDateIn(at, timeZone);
  const entries = await entriesOn(on, [accountId], on_, at);
  return aging(entries.get(accountId) ?? [], on_).pastDueCents;
}

/** A ledger entry's columns as the set-based writers insert them (lib/db/bulk.ts insertRows). */
export const LEDGER_ENTRY_COLUMNS = {
  account_id: 'text',
  kind: '"LedgerKind"',
  amount_cents: 'bigint',
  effective_date: 'date',
  due_date: 'date',
  bill_id: 'text',
  idempotency_key: 'text',
  memo: 'text',
} as const;

/** Each account's ledger entries in effect on the day (and, given `recordedBy`, recorded by then). */
async function entriesOn(
  on: Runner,
  accountIds: readonly string[],
  on_: string,
  recordedBy?: Date,
): Promise<Map<string, Entry[]>> {
  const ids = [...new Set(accountIds)];
  const byAccount = new Map<string, Entry[]>(ids.map((id) => [id, []]));
  const rows = await query<{
    id: string;
    account_id: string;
    kind: LedgerKind;
    amount_cents: string;
    effective_date: string;
    due_date: string | null;
    reverses_entry_id: string | null;
  }>(
    on,
    `SELECT e.id::text, e.account_id, e.kind, e.amount_cents::text, e.effective_date::text,
       e.due_date::text, e.reverses_entry_id::text
     FROM unnest($1::text[]) AS k(id)
     CROSS JOIN LATERAL (
       SELECT * FROM ledger_entry WHERE account_id = k.id AND effective_date <= $2::date
         ${recordedBy ? 'AND created_at <= $3' : ''} OFFSET 0
     ) e`,
    recordedBy ? [ids, on_, recordedBy] : [ids, on_],
  );
  for (const r of rows)
    byAccount.get(r.account_id)!.push({
      id: BigInt(r.id),
      kind: r.kind,
      amountCents: BigInt(r.amount_cents),
      effectiveDate: r.effective_date,
      dueDate: r.due_date,
      reversesEntryId: r.reverses_entry_id === null ? null : BigInt(r.reverses_entry_id),
    });
  return byAccount;
}

export interface LateFeeOnBill {
  accountId: string;
  billId: string;
  pastDueCents: bigint;
}

/**
 * postLateFee for many bills in one statement, in the caller's transaction: each fee (1.5% of the
 * past-due balance, minimum $1.00) under `bill:<billId>:late-fee`, audited and on the account
 * timeline as postLateFee records it. A fee already posted under its key is not posted again; a
 * key already used for a different entry is an idempotency_mismatch. Returns every fee due, with
 * `created: false` for those an earlier call had posted.
 */
export async function postLateFees(
  c: PoolClient,
  fees: readonly LateFeeOnBill[],
  asOf: DateLike,
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ accountId: string; billId: string; amountCents: bigint; created: boolean }[]> {
  const effectiveDate = day(asOf);
  const dueDate = addDays(effectiveDate, DUE_DAYS_AFTER_BILL);
  const wanted = fees
    .map((f) => ({ ...f, amountCents: lateFeeCents(f.pastDueCents), key: lateFeeKey(f.billId) }))
    .filter((f) => f.amountCents > 0n);
  const memo = (billId: string) => `Late payment charge on bill ${billId}`;
  const posted = await insertRows<{
    id: string;
    account_id: string;
    amount_cents: string;
    bill_id: string;
    idempotency_key: string;
    memo: string;
    created_at: Date;
  }>(
    c,
    'ledger_entry',
    LEDGER_ENTRY_COLUMNS,
    wanted.map((f) => [
      f.accountId,
      'LATE_FEE',
      f.amountCents,
      effectiveDate,
      dueDate,
      f.billId,
      f.key,
      memo(f.billId),
    ]),
    `ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id::text, account_id, amount_cents::text, bill_id, idempotency_key, memo, created_at`,
  );
  const fresh = new Set(posted.map((p) => p.idempotency_key));
  const again = wanted.filter((f) => !fresh.has(f.key));
  if (again.length > 0) {
    const prior = await query<{
      idempotency_key: string;
      account_id: string;
      kind: string;
      amount_cents: string;
      effective_date: string;
      due_date: string | null;
      bill_id: string | null;
    }>(
      c,
      `SELECT idempotency_key, account_id, kind, amount_cents::text, effective_date::text, due_date::text, bill_id
       FROM ledger_entry WHERE idempotency_key = ANY($1)`,
      [again.map((f) => f.key)],
    );
    const byKey = new Map(prior.map((p) => [p.idempotency_key, p]));
    for (const f of again) {
      const p = byKey.get(f.key);
      const same =
        p &&
        p.account_id === f.accountId &&
        p.kind === 'LATE_FEE' &&
        p.amount_cents === f.amountCents.toString() &&
        p.effective_date === effectiveDate &&
        p.due_date === dueDate &&
        p.bill_id === f.billId;
      if (!same)
        throw new AppError(
          'idempotency_mismatch',
          `Ledger key ${f.key} was already used for a different entry`,
          'idempotencyKey',
        );
    }
  }
  const pastDueOf = new Map(wanted.map((f) => [f.key, f.pastDueCents]));
  await recordAudits(
    c,
    actor,
    posted.map((p) => ({
      action: 'ledger-entry.create',
      entityType: 'ledger_entry',
      entityId: p.id,
      accountId: p.account_id,
      after: {
        id: p.id,
        accountId: p.account_id,
        kind: 'LATE_FEE',
        amountCents: jsonCents(BigInt(p.amount_cents)),
        effectiveDate,
        dueDate,
        billId: p.bill_id,
        paymentId: null,
        reversesEntryId: null,
        memo: p.memo,
        createdAt: p.created_at.toISOString(),
      },
      reason: null,
    })),
  );
  await recordTimelines(
    c,
    actor,
    posted.map((p) => ({
      accountId: p.account_id,
      kind: 'ledger.fee',
      entityType: 'ledger_entry',
      entityId: p.id,
      summary:
        `${p.memo}: ${formatCents(BigInt(p.amount_cents))} ` +
        `(1.5% of ${formatCents(pastDueOf.get(p.idempotency_key)!)} past due, minimum $1.00)`,
      data: { entryId: p.id, kind: 'LATE_FEE', amountCents: jsonCents(BigInt(p.amount_cents)) },
    })),
  );
  return wanted.map((f) => ({
    accountId: f.accountId,
    billId: f.billId,
    amountCents: f.amountCents,
    created: fresh.has(f.key),
  }));
}
