// A drinking-water notice's delivery round as an activity: one pass over the accounts it goes to,
// heartbeating its tally so a retried attempt picks up after the last account done (the notice
// register keeps every copy to one either way).
import { Context } from '@temporalio/activity';
import type { Actor } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { deliverWaterNotice, type WaterNoticeTally } from '../services/water-notices';

export function createWaterNoticeActivities(deps: { db: Db; mailer?: Mailer | undefined }) {
  return {
    async deliverWaterNotice(i: {
      id: string;
      round: number;
      at: string;
      actor: Actor;
      firstNoticeAt: string | null;
    }): Promise<WaterNoticeTally> {
      const ctx = Context.current();
      const resume = ctx.info.heartbeatDetails as WaterNoticeTally | undefined;
      return deliverWaterNotice(
        { db: deps.db, mailer: deps.mailer, heartbeat: (t) => ctx.heartbeat(t) },
        {
          id: i.id,
          round: i.round,
          at: new Date(i.at),
          actor: i.actor,
          firstNoticeAt: i.firstNoticeAt ? new Date(i.firstNoticeAt) : null,
          ...(resume?.id === i.id && resume.round === i.round ? { resume } : {}),
        },
      );
    },
  };
}

export type WaterNoticeActivities = ReturnType<typeof createWaterNoticeActivities>;
