// Drinking-water notices through Temporal: issuing one starts its delivery workflow
// (`water-notice:<id>`); resolving one tells a repeating notice's workflow to stop.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client as TemporalClient,
} from '@temporalio/client';
import { actorRef, type Actor } from '../lib/audit';
import { waterNoticeResolvedSignal, waterNoticeRun } from '../workflows/water-notices';
import {
  createWaterNotice,
  resolveWaterNotice,
  waterNoticeId,
  type WaterNoticeInput,
  type WaterNoticeView,
} from './water-notices';
import type { Db } from '../lib/db/prisma';

type Deps = { db: Db; temporal: TemporalClient; taskQueue: string };

export const waterNoticeRunId = (id: string) => `water-notice:${id}`;

/**
 * Records the notice and starts its delivery; answers with the notice and its workflow. A retry
 * with the same Idempotency-Key names the same notice: it is not issued again, and its delivery is
 * started if the first try recorded it but never got to start it.
 */
export async function issueWaterNotice(
  d: Deps,
  actor: Actor,
  input: WaterNoticeInput,
  clientKey: string,
): Promise<WaterNoticeView & { workflowId: string; replayed: boolean }> {
  const n = await createWaterNotice(d.db, actor, input, waterNoticeId(actor.id, clientKey));
  const workflowId = waterNoticeRunId(n.id);
  try {
    await d.temporal.workflow.start(waterNoticeRun, {
      taskQueue: d.taskQueue,
      workflowId,
      args: [{ id: n.id, kind: n.kind, actor: actorRef(actor) }],
      // Once delivered, a retry does not deliver again (the register would keep it to one anyway).
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { ...n, workflowId };
}

/** The situation is over: recorded, and a repeating notice's workflow stops repeating. */
export async function endWaterNotice(
  d: Deps,
  actor: Actor,
  id: string,
  reason: string,
): Promise<WaterNoticeView> {
  const n = await resolveWaterNotice(d.db, actor, id, reason);
  try {
    await d.temporal.workflow.getHandle(waterNoticeRunId(id)).signal(waterNoticeResolvedSignal);
  } catch (err) {
    // Its delivery has finished already (a notice that does not repeat): nothing to stop.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return n;
}
