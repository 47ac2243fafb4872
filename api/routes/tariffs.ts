// The tariff in force and the board's monthly rider rates.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { effectiveTariff, setRiderRate } from '../../services/tariffs';
import { MILLBROOK_TARIFF } from '../../domain/rating/millbrook';

export function registerTariffRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'get',
    path: '/tariff',
    tag: 'billing',
    summary: 'The tariff in force: schedules, effective-dated versions and rider rates by month',
    permission: 'tariff:read',
    handler: () => effectiveTariff(deps.db, MILLBROOK_TARIFF),
  });
  t.add({
    method: 'put',
    path: '/tariff/riders/:rider/rates/:month',
    tag: 'billing',
    summary:
      "Set a rider's rate for a billing month (e.g. the power cost adjustment); a month already billed is refused",
    permission: 'tariff:write',
    params: z
      .object({
        rider: z.string().trim().min(1).max(20),
        month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM'),
      })
      .strict(),
    body: z
      .object({
        rate: z
          .string()
          .regex(/^\d{1,6}(\.\d{1,8})?$/, 'must be a non-negative decimal with at most 8 places, as text'),
        reason: z.string().trim().min(1).max(500),
      })
      .strict(),
    handler: ({ actor, params, body }) =>
      setRiderRate(deps.db, actor, MILLBROOK_TARIFF, { ...params, ...body }),
  });
}
