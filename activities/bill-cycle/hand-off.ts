// Handing a batch of past-due accounts to their collections cases: each account's delinquency
// episode (the one this run opened, the account's open one, or a new one) and a signal-with-start
// of `collections:<account>:<episode>` with the run's hand-off. Set-based in the database, a few
// signals at a time to Temporal; safe to retry: an episode this run opened is found again (and not
// signalled again once its case has closed), and the case records a run's hand-off once.
import type { Client } from '@temporalio/client';
import type { Db } from '../../lib/db/prisma';
import { insertRows, query } from '../../lib/db/bulk';
import { pastDueOn } from '../../services/ledger';
import {
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
} from '../../workflows/collections-case';

/** Signal-with-starts in flight at once. */
const SIGNAL_CONCURRENCY = 20;

interface Episode {
  account_id: string;
  episode: number;
  open: boolean;
  ours: boolean;
}

/** Each account's episode for this hand-off: the one this run opened, else the open one. */
async function episodesFor(db: Db, runId: string, accountIds: string[]): Promise<Map<string, Episode>> {
  const rows = await query<Episode>(
    db,
    `SELECT account_id, episode, closed_at IS NULL AS open, opened_by_run IS NOT DISTINCT FROM $2 AS ours
     FROM collections_episode
     WHERE account_id = ANY($1) AND (closed_at IS NULL OR opened_by_run = $2)
     ORDER BY ours, episode`,
    [accountIds, runId],
  );
  return new Map(rows.map((r) => [r.account_id, r])); // ordered so this run's episode wins
}

export async function handOffAccounts(
  deps: { db: Db; temporal: Client; taskQueue: string },
  i: { runId: string; accountIds: string[]; asOf: string; heartbeat: () => void },
): Promise<{ handedOff: number }> {
  const { db } = deps;
  const pastDue = [...(await pastDueOn(db, i.accountIds, i.asOf))].filter(([, cents]) => cents > 0n); // paid since: no hand-off
  const ids = pastDue.map(([id]) => id);
  let episodes = await episodesFor(db, i.runId, ids);
  const toOpen = pastDue.filter(([id]) => !episodes.has(id));
  if (toOpen.length > 0) {
    const last = await query<{ account_id: string; episode: number }>(
      db,
      `SELECT account_id, max(episode) AS episode FROM collections_episode
       WHERE account_id = ANY($1) GROUP BY account_id`,
      [toOpen.map(([id]) => id)],
    );
    const lastOf = new Map(last.map((r) => [r.account_id, r.episode]));
    // A concurrent writer that opened one first wins (unique open episode per account).
    await insertRows(
      db,
      'collections_episode',
      {
        account_id: 'text',
        episode: 'int',
        workflow_id: 'text',
        opened_by_run: 'text',
        past_due_cents: 'bigint',
      },
      toOpen.map(([id, cents]) => {
        const episode = (lastOf.get(id) ?? 0) + 1;
        return [id, episode, collectionsWorkflowId(id, episode), i.runId, cents];
      }),
      'ON CONFLICT DO NOTHING',
    );
    episodes = await episodesFor(db, i.runId, ids);
  }
  i.heartbeat();

  const signals = pastDue.flatMap(([accountId, cents]) => {
    const e = episodes.get(accountId);
    // An episode this run opened whose case has already closed got this hand-off before.
    return e && e.open ? [{ accountId, episode: e.episode, pastDueCents: cents.toString() }] : [];
  });
  let next = 0;
  const sender = async () => {
    while (next < signals.length) {
      const s = signals[next++]!;
      await deps.temporal.workflow.signalWithStart(collectionsCase, {
        workflowId: collectionsWorkflowId(s.accountId, s.episode),
        taskQueue: deps.taskQueue,
        args: [{ accountId: s.accountId, episode: s.episode }],
        signal: collectionsHandoffSignal,
        signalArgs: [{ runId: i.runId, asOf: i.asOf, pastDueCents: s.pastDueCents }],
      });
      i.heartbeat();
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGNAL_CONCURRENCY, signals.length) }, sender));
  return { handedOff: pastDue.filter(([id]) => episodes.has(id)).length };
}
