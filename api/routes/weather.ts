// Recorded weather (forecasts, observed highs and lows, heat advisories) per service area and day:
// the facts the collections policy's weather protections are judged on.
import type { Request } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { isoDate } from '../schemas';
import {
  importWeatherCsv,
  listWeather,
  recordWeather,
  WEATHER_CSV_COLUMNS,
  ZWeatherRecord,
  type WeatherChange,
} from '../../services/weather';

/**
 * Tells the collections cases in the changed areas to decide again. The weather is recorded by
 * then, so a failure here is logged, not answered: the cases still decide at their next timer.
 */
async function wakeCases(deps: ApiDeps, req: Request, changed: WeatherChange[]): Promise<void> {
  if (!changed.length || !deps.onWeatherChanged) return;
  try {
    await deps.onWeatherChanged(changed);
  } catch (err) {
    req.log.error({ err, changed: changed.length }, 'waking collections cases after a weather change failed');
  }
}

export function registerWeatherRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'post',
    path: '/weather',
    tag: 'collections',
    summary:
      'Record forecasts, observed highs/lows and heat advisories per service area and day (upsert; given figures are merged into what is stored)',
    permission: 'weather:write',
    body: ZWeatherRecord,
    handler: async ({ req, actor, body }) => {
      const result = await recordWeather(deps.db, actor, body.observations);
      await wakeCases(deps, req, result.changed);
      return result;
    },
  });
  t.add({
    method: 'post',
    path: '/weather/import',
    tag: 'collections',
    summary: `Import recorded weather as CSV (${WEATHER_CSV_COLUMNS.join(',')}): the whole file or nothing; rejected lines are reported (422)`,
    permission: 'weather:write',
    body: z
      .object({
        content: z.string().min(1, 'the file is empty').max(20_000_000),
        fileName: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    handler: async ({ req, res, actor, body }) => {
      const result = await importWeatherCsv(deps.db, actor, body);
      // Sent here: the route table answers with the route's own status otherwise.
      if (result.status === 'rejected') return void res.status(422).json(result);
      await wakeCases(deps, req, result.changed);
      return result;
    },
  });
  t.add({
    method: 'get',
    path: '/weather',
    tag: 'collections',
    summary: 'Recorded weather by day and service area',
    permission: 'weather:read',
    query: z
      .object({
        serviceArea: z.string().trim().min(1).max(60).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
        offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
      })
      .strict(),
    handler: ({ query }) => listWeather(deps.db, query),
  });
}
