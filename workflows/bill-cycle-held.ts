// billHeldAccounts: the bills of a run's held accounts, issued on one bill date once their read
// exceptions are resolved (`bill-cycle-held:<run>:<YYYY-MM-DD>`; services/held-bills.ts says when).
//
// Each request (the start, and a `billHeld` signal for every later resolution that day) is one
// round: rate the run's held accounts whose reads are now settled (the others stay held), issue
// them, deliver them (email, and a print batch of their own). The bills carry the round's bill date
// and are due 20 days after it. Rounds are taken until the day after that due date; then the late
// charges of these bills are assessed and past-due accounts handed to collections, as the run does
// for its own. Every step is the run's own activity, idempotent per (run, account).
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { cycleDb, db } from './billing-activities';
import type { CycleCalendar } from '../domain/billing/cycle-calendar';

export interface HeldBillsInput {
  runId: string;
  /** YYYY-MM-DD, the utility's day the bills are dated (never before the run's own bill date). */
  billDate: string;
  /** Accounts per rating and issuing activity. Default 500. */
  batchSize?: number;
}

export interface HeldBillsProgress {
  runId: string;
  billDate: string;
  stage: 'billing' | 'waiting-for-due-date' | 'late-charges' | 'handing-off' | 'closed' | 'refused';
  /** Why a round billed nothing: the run bills these accounts itself, or can no longer. */
  refused: string | null;
  calendar: CycleCalendar | null;
  rounds: number;
  /** Held accounts looked at in the last round, and those still held (an exception open). */
  held: number;
  stillHeld: number;
  drafted: number;
  issued: number;
  issuedCents: string;
  emailed: number;
  printed: number;
  lateFees: number;
  lateFeeCents: string;
  handedOff: number;
}

export const heldBillsRequestSignal = defineSignal<[{ by: string }]>('billHeld');
export const heldBillsProgressQuery = defineQuery<HeldBillsProgress>('progress');

export async function billHeldAccounts(input: HeldBillsInput): Promise<HeldBillsProgress> {
  const { runId, billDate } = input;
  const batchSize = input.batchSize ?? 500;
  const p: HeldBillsProgress = {
    runId,
    billDate,
    stage: 'billing',
    refused: null,
    calendar: null,
    rounds: 0,
    held: 0,
    stillHeld: 0,
    drafted: 0,
    issued: 0,
    issuedCents: '0',
    emailed: 0,
    printed: 0,
    lateFees: 0,
    lateFeeCents: '0',
    handedOff: 0,
  };
  let requested = true; // the start is the first request
  setHandler(heldBillsRequestSignal, () => void (requested = true));
  setHandler(heldBillsProgressQuery, () => p);

  /** Every account billed by a round of this workflow, for its late charges. */
  const billed = new Set<string>();
  for (;;) {
    if (requested) {
      requested = false;
      await round();
    }
    if (!p.calendar) break; // refused before any bill: nothing to charge
    const lateChargeAt = Date.parse(`${p.calendar.lateChargeDate}T05:00:00Z`);
    if (Date.now() >= lateChargeAt) break;
    p.stage = 'waiting-for-due-date';
    if (!(await condition(() => requested, lateChargeAt - Date.now()))) break;
    p.stage = 'billing';
  }
  if (!p.calendar) {
    p.stage = 'refused';
    return p;
  }

  p.stage = 'late-charges';
  const calendar = p.calendar;
  const fees = await cycleDb.assessLateCharges({
    runId,
    asOf: calendar.lateChargeDate,
    accountIds: [...billed],
  });
  p.lateFees = fees.assessed;
  p.lateFeeCents = fees.totalCents;
  p.stage = 'handing-off';
  for (let i = 0; i < fees.pastDueAccounts.length; i += batchSize) {
    const h = await cycleDb.handOffToCollections({
      runId,
      accountIds: fees.pastDueAccounts.slice(i, i + batchSize),
      asOf: calendar.lateChargeDate,
    });
    p.handedOff += h.handedOff;
  }
  p.stage = 'closed';
  return p;

  /** Rates, issues and delivers the held accounts whose reads are settled now. */
  async function round(): Promise<void> {
    const r = await db.openHeldRound({ runId, billDate });
    if (!r.open) {
      p.refused = r.reason;
      return;
    }
    p.refused = null;
    p.calendar = r.calendar;
    p.rounds++;
    p.held = r.accountIds.length;
    const chunks: string[][] = [];
    for (let i = 0; i < r.accountIds.length; i += batchSize)
      chunks.push(r.accountIds.slice(i, i + batchSize));
    let drafted = 0;
    for (const accountIds of chunks) {
      const rated = await db.rateBatch({
        runId,
        afterAccountId: null,
        limit: accountIds.length,
        accountIds,
        billDate: r.calendar.billDate,
      });
      drafted += rated.drafted;
    }
    p.drafted += drafted;
    p.stillHeld = r.accountIds.length - drafted;
    for (const accountIds of chunks) {
      const issued = await db.issueBatch({
        runId,
        afterAccountId: null,
        limit: accountIds.length,
        accountIds,
      });
      p.issued += issued.issued;
      p.issuedCents = (BigInt(p.issuedCents) + BigInt(issued.totalCents)).toString();
    }
    if (drafted === 0) return;
    for (const a of r.accountIds) billed.add(a);
    const d = await cycleDb.deliverCycleBills({ runId, accountIds: [...billed] });
    p.emailed = d.emailed;
    p.printed = d.printed;
  }
}
