// collectionsCase: one delinquency episode of one account, `collections:<accountId>:<episode>`,
// started (or signalled) by the bill cycle's hand-off with signal-with-start. This first version
// records the hand-off on the account and closes the episode; the full case — notices, waiting
// periods, protections, arrangements, disconnection and reconnection — builds on it.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CollectionsActivities } from '../activities/collections';

export interface CollectionsCaseInput {
  accountId: string;
  episode: number;
}

export interface HandoffSignal {
  runId: string;
  asOf: string;
  pastDueCents: string;
}

export const collectionsHandoffSignal = defineSignal<[HandoffSignal]>('handoff');
export const collectionsWorkflowId = (accountId: string, episode: number) =>
  `collections:${accountId}:${episode}`;

const db = proxyActivities<CollectionsActivities>({ startToCloseTimeout: '1 minute' });

export async function collectionsCase(input: CollectionsCaseInput): Promise<{ handoffs: HandoffSignal[] }> {
  const pending: HandoffSignal[] = [];
  const seen = new Set<string>();
  setHandler(collectionsHandoffSignal, (h) => {
    // A retried hand-off from the same cycle run arrives twice; record it once.
    if (!seen.has(h.runId)) {
      seen.add(h.runId);
      pending.push(h);
    }
  });
  const recorded: HandoffSignal[] = [];
  await condition(() => pending.length > 0);
  while (pending.length > 0) {
    const h = pending.shift()!;
    await db.recordCollectionsHandoff({ accountId: input.accountId, episode: input.episode, ...h });
    recorded.push(h);
  }
  await db.closeCollectionsEpisode({
    accountId: input.accountId,
    episode: input.episode,
    reason: 'hand-off recorded',
  });
  return { handoffs: recorded };
}
