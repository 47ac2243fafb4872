// The notice print batch as an activity: the worker holds the output folder the vendor collects from.
import { Context } from '@temporalio/activity';
import type { Actor } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import { printNoticeBatch } from '../services/notice-print';

export function createNoticePrintActivities(deps: { db: Db; outDir?: string; noticePrintTime?: string }) {
  return {
    async printNoticeBatch(i: { cutoff: string; actor: Actor }) {
      if (!deps.outDir) throw new Error('Printing notices needs an output folder');
      const ctx = Context.current();
      const r = await printNoticeBatch(
        {
          db: deps.db,
          outDir: deps.outDir,
          ...(deps.noticePrintTime ? { noticePrintTime: deps.noticePrintTime } : {}),
          heartbeat: () => ctx.heartbeat(),
          // A timed-out or cancelled attempt commits nothing: the next attempt does the close.
          cancelled: () => ctx.cancellationSignal.aborted,
        },
        { cutoff: new Date(i.cutoff), actor: i.actor },
      );
      return { batch: r.batch, claimed: r.claimed };
    },
  };
}

export type NoticePrintActivities = ReturnType<typeof createNoticePrintActivities>;
