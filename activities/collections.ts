// Activities of the collectionsCase workflow (first version: the hand-off record).
import type { Db } from '../lib/db/prisma';
import { recordChange, SYSTEM_ACTOR } from '../lib/audit';
import { once } from '../lib/idempotency';

export function createCollectionsActivities({ db }: { db: Db }) {
  return {
    async recordCollectionsHandoff(h: {
      accountId: string;
      episode: number;
      runId: string;
      asOf: string;
      pastDueCents: string;
    }) {
      await db.$transaction(async (tx) => {
        await once(
          tx,
          `collections:${h.accountId}:${h.episode}:handoff:${h.runId}`,
          'collections',
          async () => {
            const dollars = `$${BigInt(h.pastDueCents) / 100n}.${(BigInt(h.pastDueCents) % 100n).toString().padStart(2, '0')}`;
            await recordChange(
              tx,
              SYSTEM_ACTOR,
              {
                action: 'collections.handoff',
                entityType: 'collections_episode',
                entityId: `${h.accountId}:${h.episode}`,
                accountId: h.accountId,
                after: h,
                reason: `past due ${dollars} after bill cycle ${h.runId}`,
              },
              {
                kind: 'collections.handoff',
                summary: `Handed to collections (episode ${h.episode}): ${dollars} past due after cycle ${h.runId}`,
                data: h,
              },
            );
          },
        );
      });
    },

    async closeCollectionsEpisode(c: { accountId: string; episode: number; reason: string }) {
      await db.collectionsEpisode.updateMany({
        where: { accountId: c.accountId, episode: c.episode, closedAt: null },
        data: { closedAt: new Date(), closeReason: c.reason },
      });
    },
  };
}

export type CollectionsActivities = ReturnType<typeof createCollectionsActivities>;
