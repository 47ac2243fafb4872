// Collections cases for supervisors: the open episodes by next action, and one case in full.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import { getCase, listCases } from '../../services/cases';

const id = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, . _ -');
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export function registerCaseRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'get',
    path: '/cases',
    tag: 'collections',
    summary:
      'Open collections cases, soonest next action first: stage, past due, age, next action and its earliest lawful time, overdue, protections',
    permission: 'case:read',
    query: z
      .object({
        stage: z
          .string()
          .regex(
            /^[A-Z_]{1,40}(,[A-Z_]{1,40}){0,19}$/,
            'must be a stage such as NOTICED, or several joined by commas',
          )
          .optional(),
        overdue: flag.optional(),
        profile: z.string().trim().min(1).max(40).optional(),
        includeClosed: flag.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.string().max(300).optional(),
      })
      .strict(),
    handler: ({ query }) => listCases(deps.db, query),
  });
  t.add({
    method: 'get',
    path: '/cases/:accountId/:episode',
    tag: 'collections',
    summary: 'One collections case: the episode, every action it took and the notices it sent',
    permission: 'case:read',
    params: z
      .object({
        accountId: id,
        episode: z.coerce.number().int().min(0).max(2_147_483_647),
      })
      .strict(),
    handler: ({ params }) => getCase(deps.db, params.accountId, params.episode),
  });
}
