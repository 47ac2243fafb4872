// The lead service-line notice: the yearly run (40 CFR 141.85(e)) and where a year's notice stands.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { annualLeadNoticeStatus } from '../../services/lead-notice';
import { startAnnualLeadNoticeRun } from '../../services/lead-notice-runs';

const year = z.coerce
  .number()
  .int()
  .min(2000, 'must be a year from 2000')
  .max(2100, 'must be a year to 2100');
const ZYearBody = z.object({ year }).strict();
const ZYearParams = z.object({ year }).strict();

export function registerLeadNoticeRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'post',
    path: '/lead-notices/annual',
    tag: 'mail',
    summary:
      "Send the year's lead service-line notice now to every account whose line is lead, galvanized requiring replacement or unknown (each copy once)",
    permission: 'mail:print',
    body: ZYearBody,
    status: 202,
    handler: async ({ actor, body }) =>
      startAnnualLeadNoticeRun({ temporal: deps.temporal, taskQueue: deps.taskQueue }, actor, body.year),
  });

  t.add({
    method: 'get',
    path: '/lead-notices/annual/:year',
    tag: 'mail',
    summary:
      "Where a year's lead service-line notice stands: accounts owed it, those with it in the notice register, those without, copies by channel",
    permission: 'mail:read',
    params: ZYearParams,
    handler: async ({ params }) => annualLeadNoticeStatus(deps.db, params.year),
  });
}
