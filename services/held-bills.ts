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
// Until the next run of the cycle opens: that run's reads start from the last read billed, so an
// account still held then is billed by it, and billing it in the old run as well would bill the
// same use twice.
import type { Db } from '../lib/db/prisma';
import { query } from '../lib/db/bulk';
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
 * run itself bills what is resolved before), and only until the next run of its cycle opens.
 */
export async function heldBillingOpen(db: Db, runId: string): Promise<HeldBilling> {
  const [run] = await query<{ status: string; later: string | null }>(
    db,
    `SELECT r.status::text, (SELECT min(n.id) FROM bill_cycle_run n
       WHERE n.cycle_id = r.cycle_id AND n.period > r.period) AS later
     FROM bill_cycle_run r WHERE r.id = $1`,
    [runId],
  );
  if (!run) return { open: false, reason: `Bill cycle run ${runId} does not exist` };
  if (!ISSUED_STATUSES.includes(run.status))
    return { open: false, reason: `run ${runId} has not issued its bills yet: it bills the account itself` };
  if (run.later)
    return {
      open: false,
      reason: `run ${run.later} of the same cycle has opened: it bills the account from its last billed read`,
    };
  return { open: true };
}

/**
 * The run's held accounts: active accounts of its cycle with no bill of the run at all (a bill
 * discarded for a final bill counts as one: that account was billed to its end).
 */
export async function heldAccounts(db: Db, runId: string): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    `SELECT a.id FROM account a JOIN bill_cycle_run r ON r.cycle_id = a.bill_cycle
     WHERE r.id = $1 AND a.status = 'ACTIVE'
       AND NOT EXISTS (SELECT 1 FROM bill b WHERE b.account_id = a.id AND b.cycle_run_id = r.id)
       AND EXISTS (SELECT 1 FROM cycle_meter_result m WHERE m.cycle_run_id = r.id AND m.account_id = a.id)
     ORDER BY a.id`,
    [runId],
  );
  return rows.map((r) => r.id);
}

/**
 * After a read exception of a run is resolved: when the run has issued and the account is one it
 * held back, asks for the account's bill (signal-with-start of today's `billHeldAccounts`). Returns
 * the workflow's id, or null when the run bills the account itself or can no longer bill it.
 */
export async function billHeldAccount(
  deps: OrderDeps,
  runId: string,
  accountId: string | null,
  by: string,
): Promise<string | null> {
  if (!accountId) return null;
  if (!(await heldBillingOpen(deps.db, runId)).open) return null;
  if (!(await heldAccounts(deps.db, runId)).includes(accountId)) return null;
  const billDate = utilityDate();
  const workflowId = heldBillsWorkflowId(runId, billDate);
  // Started, or told of one more account when today's is already billing; one that has finished
  // (its rounds refused) is started afresh and looks again.
  await deps.temporal.workflow.signalWithStart(billHeldAccounts, {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [{ runId, billDate }],
    signal: heldBillsRequestSignal,
    signalArgs: [{ by }],
  });
  return workflowId;
}
