// The yearly lead service-line notice as an activity: one long pass over the accounts owed it,
// heartbeating its tally so a retried attempt picks up after the last account done (and the
// notice register keeps every copy to one either way).
import { Context } from '@temporalio/activity';
import type { Actor } from '../lib/audit';
import type { Db } from '../lib/db/prisma';
import type { Mailer } from '../lib/mailer';
import { sendAnnualLeadNotices, type AnnualLeadNoticeTally } from '../services/lead-notice';

export function createLeadNoticeActivities(deps: { db: Db; mailer?: Mailer | undefined }) {
  return {
    async sendAnnualLeadNotices(i: {
      year: number;
      at: string;
      actor: Actor;
    }): Promise<AnnualLeadNoticeTally> {
      const ctx = Context.current();
      const resume = ctx.info.heartbeatDetails as AnnualLeadNoticeTally | undefined;
      return sendAnnualLeadNotices(
        { db: deps.db, mailer: deps.mailer, heartbeat: (tally) => ctx.heartbeat(tally) },
        {
          year: i.year,
          at: new Date(i.at),
          actor: i.actor,
          resume: resume?.year === i.year ? resume : undefined,
        },
      );
    },
  };
}

export type LeadNoticeActivities = ReturnType<typeof createLeadNoticeActivities>;
