// collectionsCase: one delinquency episode of one account, `collections:<accountId>:<episode>`,
// started (or signalled) by the bill cycle's hand-off with signal-with-start. A disconnection is a
// compliance event, so the case never decides the rules itself: at every turn it asks the policy
// evaluator (through planCollectionsCase) what the next lawful step is and when, takes it when it
// is lawful, and otherwise sleeps until the earliest lawful moment or until the facts change
// (a payment, a medical certificate, a dispute, a hold, the weather, an order finished).
//
//   hand-off → reminder → written notice → short-notice contact → posted notice → re-check at the
//   moment of action → disconnect order → (a protection arrives: the order is cancelled) →
//   disconnected → cure → reconnect order within the profile's deadline → closed.
// A payment arrangement (an update, accepted or refused with reasons) suspends all of it; each
// installment is a durable timer; a missed one defaults the arrangement and collections resumes
// with a new notice; the last one paid closes the episode.
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CollectionsActivities, CasePlanResult } from '../activities/collections';
import { orderFinishedSignal, type OrderFinished } from './service-order';

export interface CollectionsCaseInput {
  accountId: string;
  episode: number;
}

export interface HandoffSignal {
  runId: string;
  asOf: string;
  pastDueCents: string;
}

export interface FactsChanged {
  /**
   * What changed: 'payment', 'medical', 'dispute', 'hold', 'weather', 'contact', 'income',
   * 'affidavit'.
   */
  reason: string;
  by?: string;
}

export interface ArrangementRequestInput {
  downPaymentCents: string;
  installments: number;
  firstDueDate: string;
  requestKey: string;
  by: { id: string; role: string };
}

export interface ArrangementAnswer {
  accepted: boolean;
  reasons: string[];
  arrangementId: string | null;
  /**
   * `checkAt`: when the case checks the installment was paid, the end of the day after its due
   * date in the utility's time zone (a day's grace for posting). Answers given before it was
   * carried have none; their cases check at 00:00 UTC two days after the due date, as they were
   * recorded doing.
   */
  schedule: { n: number; dueDate: string; amountCents: string; checkAt?: string }[];
}

export type CaseStage =
  | 'OPEN'
  | 'REMINDED'
  | 'NOTICED'
  | 'CONTACTED'
  | 'POSTING'
  | 'POSTED'
  | 'DISCONNECT_ORDERED'
  | 'DISCONNECTED'
  | 'RECONNECT_ORDERED'
  /** Service restored while the debt remains (a medical certificate, an arrangement); the case goes on. */
  | 'RECONNECTED'
  | 'ARRANGEMENT'
  | 'CLOSED';

export interface CaseState {
  accountId: string;
  episode: number;
  stage: CaseStage;
  nextAction: string | null;
  nextActionAt: string | null;
  reasons: string[];
  blocking: string[];
  protections: string[];
  pastDueCents: string;
  orders: { orderId: string; type: string; status: string }[];
  arrangement: { id: string; installmentsPaid: number; installments: number } | null;
  closedReason: string | null;
}

export const collectionsHandoffSignal = defineSignal<[HandoffSignal]>('handoff');
export const factsChangedSignal = defineSignal<[FactsChanged]>('factsChanged');
export const requestArrangementUpdate = defineUpdate<ArrangementAnswer, [ArrangementRequestInput]>(
  'requestArrangement',
);
export const caseStateQuery = defineQuery<CaseState>('state');

export const collectionsWorkflowId = (accountId: string, episode: number) =>
  `collections:${accountId}:${episode}`;

const act = proxyActivities<CollectionsActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes' },
});

// Recording the stage and asking the rules are short, idempotent database steps: run in the
// worker beside the workflow task instead of as activity tasks, they cost the server no task
// round trip of their own — a bill cycle hands thousands of cases over at once. Notices, orders
// and money stay ordinary activities.
const quick = proxyLocalActivities<CollectionsActivities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes' },
});
/** Histories recorded before these steps were local replay them as activities. */
const LOCAL_STEPS = 'case-local-steps';

/**
 * Service that is off is restored when a medical certificate comes to protect the household or a
 * payment arrangement is accepted, within the profile's deadline for that cause (PA §1407(b), NY
 * PSL §35, IL §280.160, CA §779.6), not only when the balance is paid.
 */
const RECONNECT_WHEN_PROTECTED = 'reconnect-on-medical-or-arrangement';

/**
 * A crew that could not get to the meter or the door (NO_ACCESS) did nothing: a reconnection so
 * closed left the service off, so it is ordered again (the deadline still runs from the cure); a
 * door hanger so closed was never posted, so it is not a posted notice a disconnection may follow.
 */
const NO_ACCESS_NOT_DONE = 'no-access-not-done';

/**
 * A reconnection on an order opened by hand ends the case's disconnection (services/collections.ts
 * recordOrderAction): the case leaves DISCONNECTED instead of waiting as if service were off.
 */
const RECONNECTED_BY_HAND = 'reconnected-by-hand';

/** An installment is settled on the utility's local day of the check (the activity is given the moment). */
const INSTALLMENT_LOCAL_DAY = 'installment-local-day';

/** With nothing lawful to name (a protection without an end, no weather on record), look again daily. */
const RECHECK_MS = 24 * 3_600_000;

export async function collectionsCase(input: CollectionsCaseInput): Promise<CaseState> {
  const { workflowId } = workflowInfo();
  const { accountId, episode } = input;
  const state: CaseState = {
    accountId,
    episode,
    stage: 'OPEN',
    nextAction: null,
    nextActionAt: null,
    reasons: [],
    blocking: [],
    protections: [],
    pastDueCents: '0',
    orders: [],
    arrangement: null,
    closedReason: null,
  };
  const handoffs: HandoffSignal[] = [];
  const seenRuns = new Set<string>();
  let dirty = false;
  const finished: OrderFinished[] = [];
  let pendingArrangement: ArrangementAnswer | null = null;
  /** An accepted arrangement waiting for the service to come back on before it starts. */
  let arrangementPending = false;
  const seq: Record<string, number> = {};
  const next = (step: string) => (seq[step] = (seq[step] ?? 0) + 1);
  const now = () => new Date().toISOString(); // workflow time: deterministic on replay

  setHandler(caseStateQuery, () => state);
  setHandler(collectionsHandoffSignal, (h) => {
    // A retried hand-off from the same cycle run arrives twice; record it once.
    if (!seenRuns.has(h.runId)) {
      seenRuns.add(h.runId);
      handoffs.push(h);
      dirty = true;
    }
  });
  setHandler(factsChangedSignal, () => {
    dirty = true;
  });
  setHandler(orderFinishedSignal, (o) => {
    finished.push(o);
    dirty = true;
  });
  setHandler(
    requestArrangementUpdate,
    async (req) => {
      const answer = await act.requestCollectionsArrangement({ accountId, episode, at: now(), ...req });
      if (answer.accepted && answer.arrangementId) {
        pendingArrangement = answer;
        dirty = true;
      }
      return answer;
    },
    {
      validator: (req) => {
        if (state.stage === 'CLOSED') throw new Error('The collections episode is closed');
        if (state.arrangement || pendingArrangement || arrangementPending)
          throw new Error('A payment arrangement is already in force for this episode');
        if (!/^\d+$/.test(req.downPaymentCents)) throw new Error('downPaymentCents must be whole cents');
        if (!Number.isInteger(req.installments) || req.installments < 1)
          throw new Error('installments must be a whole number of at least 1');
      },
    },
  );

  const stage = async (s: CaseStage) => {
    if (state.stage === s) return;
    state.stage = s;
    await (patched(LOCAL_STEPS) ? quick : act).setCaseStage({ accountId, episode, stage: s });
  };
  const plan = async (): Promise<CasePlanResult> => {
    dirty = false;
    const p = await (patched(LOCAL_STEPS) ? quick : act).planCollectionsCase({
      accountId,
      episode,
      at: now(),
    });
    state.nextAction = p.action;
    state.nextActionAt = p.earliest;
    state.reasons = p.reasons;
    state.blocking = p.blocking;
    state.protections = p.protections;
    state.pastDueCents = p.pastDueCents;
    return p;
  };
  /** Sleeps until `until` (or a daily re-check) unless the facts change first. */
  const waitUntil = async (until: string | null) => {
    const ms = until ? Math.max(0, Date.parse(until) - Date.now()) : RECHECK_MS;
    if (ms > 0) await condition(() => dirty, ms);
  };
  const close = async (reason: string) => {
    await act.closeCollectionsEpisode({ accountId, episode, reason, at: now() });
    state.stage = 'CLOSED';
    state.closedReason = reason;
    state.nextAction = null;
    state.nextActionAt = null;
    return state;
  };
  const takeFinished = (orderId: string) => {
    const i = finished.findIndex((f) => f.orderId === orderId);
    return i >= 0 ? finished.splice(i, 1)[0]! : null;
  };
  const setOrder = (orderId: string, type: string, status: string) => {
    const o = state.orders.find((x) => x.orderId === orderId);
    if (o) o.status = status;
    else state.orders.push({ orderId, type, status });
  };

  /** Opens a field order and waits for it; returns null when the wait ended because facts changed. */
  const runOrder = async (
    type: 'DOOR_HANGER' | 'DISCONNECT' | 'RECONNECT',
    reason: string,
    cause?: 'PAID' | 'ARRANGEMENT' | 'MEDICAL',
  ) => {
    const o = await act.openCollectionsOrder({
      accountId,
      episode,
      type,
      seq: next(`order:${type}`),
      reason,
      workflowId,
      at: now(),
      ...(cause ? { cause } : {}),
    });
    setOrder(o.orderId, type, 'OPEN');
    return o;
  };

  /**
   * Orders the reconnection and waits for the crew: true once service is back on (recorded, and
   * the customer told), false when the order was cancelled or the crew could not get to the meter
   * (the callers order again).
   */
  const reconnect = async (
    cause: 'PAID' | 'ARRANGEMENT' | 'MEDICAL',
    reason: string,
    confirmationSeq: number,
  ) => {
    const o = await runOrder('RECONNECT', reason, cause);
    await stage('RECONNECT_ORDERED');
    let done: OrderFinished | null = null;
    while (!(done = takeFinished(o.orderId))) await condition(() => finished.length > 0);
    setOrder(o.orderId, 'RECONNECT', done.status);
    if (done.status !== 'COMPLETED') return false;
    if (done.completion?.outcome === 'NO_ACCESS' && patched(NO_ACCESS_NOT_DONE)) {
      await stage('DISCONNECTED'); // still off
      return false;
    }
    await act.recordCollectionsOrderOutcome({
      accountId,
      episode,
      orderId: o.orderId,
      type: 'RECONNECT',
      at: done.at,
      cause,
    });
    await act.sendCollectionsNotice({
      accountId,
      episode,
      type: 'RECONNECTION_CONFIRMATION',
      seq: confirmationSeq,
      at: now(),
    });
    return true;
  };

  // ---- the hand-off --------------------------------------------------------------------------
  await condition(() => handoffs.length > 0);
  while (handoffs.length > 0)
    await act.recordCollectionsHandoff({ accountId, episode, ...handoffs.shift()! });
  await act.sendCollectionsNotice({ accountId, episode, type: 'REMINDER', seq: next('REMINDER'), at: now() });
  await stage('REMINDED');

  // ---- the case ------------------------------------------------------------------------------
  for (;;) {
    while (handoffs.length > 0)
      await act.recordCollectionsHandoff({ accountId, episode, ...handoffs.shift()! });

    // A payment arrangement in force: each installment a durable timer.
    if (pendingArrangement) {
      const a: ArrangementAnswer = pendingArrangement;
      pendingArrangement = null;
      if (state.stage === 'DISCONNECTED' && patched(RECONNECT_WHEN_PROTECTED)) {
        // Accepted while off: service comes back on the arrangement, before its first installment.
        // Meanwhile the arrangement is in force: a second one is refused.
        arrangementPending = true;
        while (
          !(await reconnect(
            'ARRANGEMENT',
            'Reconnect: a payment arrangement was accepted',
            1 + next('RECONNECTION_CONFIRMATION'),
          ))
        );
        arrangementPending = false;
      }
      state.arrangement = { id: a.arrangementId!, installmentsPaid: 0, installments: a.schedule.length };
      await stage('ARRANGEMENT');
      let defaulted = false;
      for (const inst of a.schedule) {
        // Checked once the due day and a day's grace for posting are over, in the utility's time
        // (the answer says when). An answer without the moment is one recorded before it was
        // given: the UTC reckoning it was recorded with stands, so its history replays unchanged.
        const dueAt = inst.checkAt
          ? Date.parse(inst.checkAt)
          : Date.parse(`${inst.dueDate}T00:00:00Z`) + 2 * 86_400_000;
        state.nextAction = `INSTALLMENT_${inst.n}`;
        state.nextActionAt = new Date(dueAt).toISOString();
        while (Date.now() < dueAt) await condition(() => false, dueAt - Date.now());
        const r = await act.checkInstallment({
          arrangementId: a.arrangementId!,
          n: inst.n,
          asOf: now().slice(0, 10),
          // Settled on the utility's day of this moment, not the UTC day above.
          ...(patched(INSTALLMENT_LOCAL_DAY) ? { at: now() } : {}),
        });
        if (r === 'MISSED') {
          defaulted = true;
          break;
        }
        state.arrangement.installmentsPaid = inst.n;
      }
      if (!defaulted) {
        await act.settleArrangement({
          accountId,
          episode,
          arrangementId: a.arrangementId!,
          outcome: 'COMPLETED',
          at: now(),
        });
        return close('payment arrangement completed');
      }
      await act.settleArrangement({
        accountId,
        episode,
        arrangementId: a.arrangementId!,
        outcome: 'DEFAULTED',
        at: now(),
      });
      await act.sendCollectionsNotice({
        accountId,
        episode,
        type: 'DEFAULT_NOTICE',
        seq: next('DEFAULT_NOTICE'),
        at: now(),
      });
      state.arrangement = null;
      await stage('NOTICED');
      continue;
    }

    const p = await plan();
    if (p.finalBilled && !p.disconnected && p.action !== 'CURED' && patched('final-billed-close')) {
      // Service already ended with a final bill: no notice of disconnection applies. The debt
      // stays on the ledger (aging, reports) for collection outside this case.
      return close('service ended with a final bill: nothing to disconnect; the balance stays on the ledger');
    }
    if (p.action === 'CURED') {
      if (p.disconnected) {
        // Cured while off: reconnect within the profile's deadline, then close.
        if (await reconnect('PAID', 'Reconnect: the past-due balance is paid', 1))
          return close('past-due balance paid; service reconnected');
        continue; // a cancelled reconnect order (by a supervisor), or one the crew could not do, is opened again
      }
      return close('past-due balance paid');
    }
    if (p.disconnected && p.medical && patched(RECONNECT_WHEN_PROTECTED)) {
      // Off, and now under a medical certificate: restore service; the debt stays with the case.
      if (
        await reconnect(
          'MEDICAL',
          'Reconnect: a medical certificate protects the household',
          1 + next('RECONNECTION_CONFIRMATION'),
        )
      )
        await stage('RECONNECTED');
      continue;
    }
    if (state.stage === 'DISCONNECTED' && !p.disconnected && patched(RECONNECTED_BY_HAND)) {
      // Service was restored on an order no case opened (a supervisor's decision): the case goes
      // on with service on, as after a reconnection on a medical certificate; the debt stays.
      await stage('RECONNECTED');
      continue;
    }
    if (state.stage === 'DISCONNECTED') {
      // Off, not cured: nothing more to do until the facts change (payment, arrangement, medical).
      await waitUntil(null);
      continue;
    }
    if (!p.now) {
      await waitUntil(p.earliest);
      continue;
    }

    switch (p.action) {
      case 'DISCONNECT_NOTICE': {
        await act.sendCollectionsNotice({
          accountId,
          episode,
          type: 'DISCONNECT_NOTICE',
          seq: next('DISCONNECT_NOTICE'),
          at: now(),
        });
        await stage('NOTICED');
        break;
      }
      case 'WINTER_NOTICE':
        await act.sendCollectionsNotice({
          accountId,
          episode,
          type: 'DISCONNECT_NOTICE',
          noticeKind: 'WINTER_NOTICE',
          seq: next('WINTER_NOTICE'),
          at: now(),
        });
        break;
      case 'SHORT_NOTICE_CONTACT':
        await act.attemptContact({ accountId, episode, seq: next('contact'), at: now() });
        await stage('CONTACTED');
        break;
      case 'POSTED_NOTICE': {
        const o = await runOrder('DOOR_HANGER', 'Post the 48-hour disconnection notice at the premises');
        await stage('POSTING');
        let done: OrderFinished | null = null;
        while (!(done = takeFinished(o.orderId))) await condition(() => finished.length > 0);
        setOrder(o.orderId, 'DOOR_HANGER', done.status);
        // Not posted when the crew could not get to the premises: the plan asks for it again.
        const posted =
          done.status === 'COMPLETED' &&
          !(done.completion?.outcome === 'NO_ACCESS' && patched(NO_ACCESS_NOT_DONE));
        if (posted) {
          await act.recordCollectionsOrderOutcome({
            accountId,
            episode,
            orderId: o.orderId,
            type: 'DOOR_HANGER',
            at: done.at,
          });
          await stage('POSTED');
        }
        break;
      }
      case 'DISCONNECT': {
        const o = await runOrder(
          'DISCONNECT',
          'Disconnect for nonpayment: every notice and wait the rules require is done',
        );
        await stage('DISCONNECT_ORDERED');
        // While the crew is out, any change of facts re-checks eligibility; a protection that
        // arrives now cancels the order, and the crew's completion is then refused.
        let done: OrderFinished | null = null;
        while (!(done = takeFinished(o.orderId))) {
          await condition(() => dirty || finished.length > 0);
          if (finished.some((f) => f.orderId === o.orderId)) continue;
          const again = await plan();
          if (!(again.action === 'DISCONNECT' && again.now)) {
            const why =
              again.action === 'CURED'
                ? 'the past-due balance is paid'
                : again.blocking.join('; ') || 'no longer lawful now';
            const r = await act.cancelCollectionsOrder({
              orderId: o.orderId,
              reason: `Disconnection stopped: ${why}`,
            });
            if (r === 'CANCELLED') {
              while (!(done = takeFinished(o.orderId))) await condition(() => finished.length > 0);
              break;
            }
          }
        }
        setOrder(o.orderId, 'DISCONNECT', done.status);
        // A crew that could not get to the meter did not disconnect anything.
        if (done.status === 'COMPLETED' && done.completion?.outcome !== 'NO_ACCESS') {
          await act.recordCollectionsOrderOutcome({
            accountId,
            episode,
            orderId: o.orderId,
            type: 'DISCONNECT',
            at: done.at,
          });
          await stage('DISCONNECTED');
        } else {
          await stage(state.stage === 'DISCONNECT_ORDERED' ? 'NOTICED' : state.stage);
        }
        break;
      }
    }
  }
}
