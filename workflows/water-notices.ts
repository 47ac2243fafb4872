// One drinking-water notice delivered to everyone it goes to (services/water-notices.ts), started
// when a supervisor issues it: the first round at once, and for a notice that repeats while its
// situation persists (Tier 2: every three months, 40 CFR 141.203(b)(2)) each repeat at its time,
// until the `resolved` signal (POST /water-notices/:id/resolve) ends it.
import { condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WaterNoticeActivities } from '../activities/water-notices';
import { repeatDueAt, type WaterNoticeKind } from '../domain/water-notices';

const { deliverWaterNotice } = proxyActivities<WaterNoticeActivities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '5 minutes',
  // Nothing is sent twice (the register), so a failed pass is simply taken up again.
  retry: { initialInterval: '10 seconds', maximumInterval: '30 minutes' },
});

export const waterNoticeResolvedSignal = defineSignal('resolved');

export interface WaterNoticeRunInput {
  id: string;
  kind: WaterNoticeKind;
  actor: { id: string; role: string; requestId?: string };
}

export async function waterNoticeRun(input: WaterNoticeRunInput) {
  let resolved = false;
  setHandler(waterNoticeResolvedSignal, () => {
    resolved = true;
  });
  const first = workflowInfo().startTime;
  const rounds = [
    await deliverWaterNotice({
      id: input.id,
      round: 1,
      at: first.toISOString(),
      actor: input.actor,
      firstNoticeAt: null,
    }),
  ];
  for (let round = 2; ; round++) {
    const due = repeatDueAt(input.kind, first, round);
    if (!due) break;
    if (await condition(() => resolved, Math.max(0, due.getTime() - Date.now()))) break;
    const r = await deliverWaterNotice({
      id: input.id,
      round,
      at: new Date().toISOString(),
      actor: input.actor,
      firstNoticeAt: first.toISOString(),
    });
    if (r.resolved) break;
    rounds.push(r);
  }
  return { id: input.id, rounds };
}
