// Accounts a bill run held back, billed in the run once their read exceptions are resolved.
//
// A run rates only accounts whose reads are settled: one with an open read exception (a negative
// or unusually high read, a tamper flag, a crew sent to the meter) is skipped, and the run goes on
// to issue, deliver and, after its due date, assess late charges for everyone else. Without more,
// such an account would never get a bill for the period: the clerk's decision on the exception
// comes after the run has issued. So when an exception of a run that has already issued is
// resolved, the account is billed in that run after all: a `billHeldAccounts` workflow per run and
// bill date (`bill-cycle-held:<run>:<YYYY-MM-DD>`) rates, issues and delivers the run's held
// accounts whose reads are now settled, with that day as the bill date and the ordinance's 20 days
// to pay from it; resolutions later the same day join it. The day after that due date it assesses
// the late charges of its own bills and hands past-due accounts to collections, as the run does.
//
// Until the next run of the cycle starts validating its reads: that run's period for each meter
// starts at the meter's last good read as it stands then (a read still held is not one), so billing
// the old run afterwards could bill the same use twice. While the next run only waits for its
// reads, a resolution here is what it will start from.
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
import { conflict, notFound } from '../lib/errors';
import { recordAudit, type Actor } from '../lib/audit';
import { utilityDate } from './ledger';
import type { OrderDeps } from './service-orders';
import { billHeldAccounts, heldBillsRequestSignal } from '../workflows/bill-cycle-held';

export const heldBillsWorkflowId = (runId: string, billDate: string) =>
  `bill-cycle-held:${runId}:${billDate}`;

/** The run statuses after which its bills are issued: held accounts are billed separately. */
const ISSUED_STATUSES = ['ISSUED', 'DUE', 'CLOSED'];

export type HeldBilling = { open: true } | { open: false; reason: string };

/**
 * Whether the run's held accounts are billed in it now: only once the run has issued its bills (the
 * run itself bills what is resolved before), and only until the next run of its cycle starts
 * validating.
 */
export async function heldBillingOpen(db: Db, runId: string): Promise<HeldBilling> {
  const [run] = await query<{ status: string; later: string | null }>(
    db,
    `SELECT r.status::text, (SELECT min(n.id) FROM bill_cycle_run n
       WHERE n.cycle_id = r.cycle_id AND n.period > r.period AND n.status <> 'OPEN') AS later
     FROM bill_cycle_run r WHERE r.id = $1`,
    [runId],
  );
  if (!run) return { open: false, reason: `Bill cycle run ${runId} does not exist` };
  if (!ISSUED_STATUSES.includes(run.status))
    return { open: false, reason: `run ${runId} has not issued its bills yet: it bills the account itself` };
  if (run.later)
    return {
      open: false,
      reason: `run ${run.later} of the same cycle has read its meters: its period starts at each meter's last good read`,
    };
  return { open: true };
}

/**
 * The run's held accounts: active accounts of its cycle with no bill of the run at all (a bill
 * discarded for a final bill counts as one: that account was billed to its end). With `accountId`,
 * only whether that one is.
 */
export async function heldAccounts(
  db: Db,
  runId: string,
  accountId: string | null = null,
): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    `SELECT a.id FROM account a JOIN bill_cycle_run r ON r.cycle_id = a.bill_cycle
     WHERE r.id = $1 AND a.status = 'ACTIVE' AND ($2::text IS NULL OR a.id = $2)
       AND NOT EXISTS (SELECT 1 FROM bill b WHERE b.account_id = a.id AND b.cycle_run_id = r.id)
       AND EXISTS (SELECT 1 FROM cycle_meter_result m WHERE m.cycle_run_id = r.id AND m.account_id = a.id)
     ORDER BY a.id`,
    [runId, accountId],
  );
  return rows.map((r) => r.id);
}

/** The held accounts of a report whose reads are settled: what a round would bill now. */
export const readyAccounts = (r: Pick<HeldReport, 'held'>): string[] =>
  r.held.filter((h) => h.exceptions.length === 0).map((h) => h.accountId);

/**
 * Asks for a round of the run's held accounts today (signal-with-start of today's
 * `billHeldAccounts`): started, or told of more accounts when today's is already billing; one that
 * has finished (its rounds refused) is started afresh and looks again. Returns its id.
 */
async function requestHeldBills(deps: OrderDeps, runId: string, by: string): Promise<string> {
  const billDate = utilityDate();
  const workflowId = heldBillsWorkflowId(runId, billDate);
  await deps.temporal.workflow.signalWithStart(billHeldAccounts, {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [{ runId, billDate }],
    signal: heldBillsRequestSignal,
    signalArgs: [{ by }],
  });
  return workflowId;
}

/**
 * After a read exception of a run is resolved: when the run has issued and the account is one it
 * held back, asks for the account's bill. Returns the workflow's id, or null when the run bills the
 * account itself or can no longer bill it.
 */
export async function billHeldAccount(
  deps: OrderDeps,
  runId: string,
  accountId: string | null,
  by: string,
): Promise<string | null> {
  if (!accountId) return null;
  if (!(await heldBillingOpen(deps.db, runId)).open) return null;
  if ((await heldAccounts(deps.db, runId, accountId)).length === 0) return null;
  return requestHeldBills(deps, runId, by);
}

/**
 * A person's request to bill the run's held accounts whose reads are settled now (POST
 * …/runs/:period/held/bill): what a resolution does by itself, for when it could not (the workflow
 * service was down at that moment). Refused, with why, when the run does not bill them separately
 * or none is ready. Audited.
 */
export async function billHeldNow(deps: OrderDeps, actor: Actor, runId: string) {
  const report = await heldReport(deps.db, runId);
  if (!report.billing.open)
    throw conflict(`The held accounts of run ${runId} are not billed here: ${report.billing.reason}`);
  const ready = readyAccounts(report);
  if (ready.length === 0)
    throw conflict(`No held account of run ${runId} is ready: each has a read exception to resolve first`);
  const workflowId = await requestHeldBills(deps, runId, actor.id);
  await deps.db.$transaction((tx) =>
    recordAudit(tx, actor, {
      action: 'bill-cycle.bill-held',
      entityType: 'bill_cycle_run',
      entityId: runId,
      after: { workflowId, accountIds: ready },
    }),
  );
  return { runId, workflowId, accountIds: ready };
}

export interface HeldReport {
  runId: string;
  /** Whether resolving an exception now bills its account in this run, and why not. */
  billing: HeldBilling;
  /** Accounts the run has not billed, with the read exceptions holding them. */
  held: {
    accountId: string;
    exceptions: { id: string; meterId: string; code: string; status: string }[];
  }[];
  /** Bills the run issued after its own bill date: held accounts billed once resolved. */
  billedLater: { billId: string; accountId: string; billDate: string; dueDate: string; totalCents: string }[];
}

/** The run's held accounts and the bills issued for them since (GET …/runs/:period/held). */
export async function heldReport(db: Db, runId: string): Promise<HeldReport> {
  const [run] = await query<{ bill_date: string | null }>(
    db,
    `SELECT bill_date::text FROM bill_cycle_run WHERE id = $1`,
    [runId],
  );
  if (!run) throw notFound('Bill cycle run', runId);
  const accounts = await heldAccounts(db, runId);
  const exceptions = await query<{
    id: string;
    account_id: string;
    meter_id: string;
    code: string;
    status: string;
  }>(
    db,
    `SELECT id, account_id, meter_id, code, status::text FROM read_exception
     WHERE cycle_run_id = $1 AND account_id = ANY($2) AND status IN ('OPEN', 'CREW_SENT')
     ORDER BY account_id, meter_id, code`,
    [runId, accounts],
  );
  const later = await query<{
    id: string;
    account_id: string;
    bill_date: string;
    due_date: string;
    total_cents: string;
  }>(
    db,
    `SELECT id, account_id, bill_date::text, due_date::text, total_cents::text FROM bill
     WHERE cycle_run_id = $1 AND kind = 'REGULAR' AND status = 'ISSUED' AND bill_date > $2::date
     ORDER BY bill_date, account_id`,
    [runId, run.bill_date],
  );
  return {
    runId,
    billing: await heldBillingOpen(db, runId),
    held: accounts.map((accountId) => ({
      accountId,
      exceptions: exceptions
        .filter((e) => e.account_id === accountId)
        .map((e) => ({ id: e.id, meterId: e.meter_id, code: e.code, status: e.status })),
    })),
    billedLater: later.map((b) => ({
      billId: b.id,
      accountId: b.account_id,
      billDate: b.bill_date,
      dueDate: b.due_date,
      totalCents: b.total_cents,
    })),
  };
}
