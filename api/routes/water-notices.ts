// Drinking-water notices to everyone served: public notification by tier and the Consumer
// Confidence Report (domain/water-notices.ts), with the notice register as proof of delivery.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import * as S from '../schemas';
import { idempotencyKeyOf } from '../idempotency-key';
import { listWaterNotices, waterNoticeStatus } from '../../services/water-notices';
import { endWaterNotice, issueWaterNotice } from '../../services/water-notice-runs';

const ZList = z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }).strict();

export function registerWaterNoticeRoutes(t: RouteTable, deps: ApiDeps): void {
  const d = { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue };
  const now = deps.now ?? (async () => new Date());
  t.add({
    method: 'post',
    path: '/water-notices',
    tag: 'mail',
    summary:
      'Issue (Idempotency-Key header required) a public notice (Tier 1, 2 or 3) or the Consumer Confidence Report to every water account in the given service areas (all when none); delivery starts at once, a Tier 2 notice repeats every three months until resolved',
    permission: 'mail:print',
    body: S.ZWaterNoticeCreate,
    status: 202,
    handler: async ({ req, res, actor, body }) => {
      const r = await issueWaterNotice(d, actor, body, idempotencyKeyOf(req, 'notice'));
      if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
      return r;
    },
  });
  t.add({
    method: 'get',
    path: '/water-notices',
    tag: 'mail',
    summary: 'Drinking-water notices issued, newest first',
    permission: 'mail:read',
    query: ZList,
    handler: async ({ query }) => listWaterNotices(deps.db, query.limit ?? 50),
  });
  t.add({
    method: 'get',
    path: '/water-notices/:id',
    tag: 'mail',
    summary:
      'A notice and its proof of delivery: copies per round by channel, first and last sent, on time against the deadline, accounts still without it',
    permission: 'mail:read',
    params: S.ZWaterNoticeId,
    handler: async ({ params }) => waterNoticeStatus(deps.db, params.id, await now()),
  });
  t.add({
    method: 'post',
    path: '/water-notices/:id/resolve',
    tag: 'mail',
    summary: 'The situation a notice is about is over: recorded, and a repeating notice stops repeating',
    permission: 'mail:print',
    params: S.ZWaterNoticeId,
    body: S.ZWaterNoticeResolve,
    handler: async ({ actor, params, body }) => endWaterNotice(d, actor, params.id, body.reason),
  });
}
