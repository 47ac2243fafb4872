// Meter-to-cash routes: read import, the read-exception work queue, bill cycle runs and bills.
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import * as S from '../schemas';
import {
  importAmiReads,
  importGreenButton,
  importJsonReads,
  intervalUsage,
} from '../../services/read-import';
import { listReadExceptions, resolveReadException } from '../../services/read-exceptions';
import { billHeldNow, heldReport } from '../../services/held-bills';
import { cycleProgress, signalCycle, startCycleRun } from '../../services/bill-cycles';
import { getBill, listAccountBills } from '../../services/bills';

const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a billing period YYYY-MM');
const cycleId = z.coerce.number().int().min(1).max(31);
const reason = z.string().trim().min(1).max(500);
const ZCycleParams = z.object({ cycleId, period }).strict();
const isoDateTime = S.isoDateTime.or(S.isoDate);

export const ZReadImport = z
  .object({
    format: z.enum(['ami-csv', 'green-button']),
    fileName: z.string().trim().min(1).max(200),
    content: z.string().min(1).max(200_000_000),
  })
  .strict();
export const ZResolve = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), reason }).strict(),
  z
    .object({
      action: z.literal('correct'),
      value: z.number().int('must be a whole register reading').min(0),
      reason,
    })
    .strict(),
  z.object({ action: z.literal('estimate'), reason }).strict(),
  z.object({ action: z.literal('send-crew'), reason }).strict(),
]);
export const ZStartRun = z
  .object({
    period,
    autoApprove: z.boolean().optional(),
    reviewThreshold: z.number().min(0).max(1).optional(),
    batchSize: z.number().int().min(10).max(5000).optional(),
    lanes: z.number().int().min(1).max(8).optional(),
    /**
     * A rehearsal of a past period (a parallel run against the legacy system): the bills keep the
     * cycle's planned bill and due dates even when issued after them. Supervisors and admins.
     */
    keepPlannedDates: z.boolean().optional(),
  })
  .strict();

export function registerBillingRoutes(t: RouteTable, deps: ApiDeps): void {
  const d = { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue };

  t.add({
    method: 'post',
    path: '/reads/import',
    tag: 'reads',
    summary: 'Import an AMI billing-read CSV or a Green Button feed (the file as text)',
    permission: 'read:import',
    body: ZReadImport,
    handler: ({ actor, body }) => {
      const opts = { content: Buffer.from(body.content, 'utf8'), fileName: body.fileName, actor };
      return body.format === 'ami-csv' ? importAmiReads(deps.db, opts) : importGreenButton(deps.db, opts);
    },
  });
  t.add({
    method: 'post',
    path: '/reads',
    tag: 'reads',
    summary: 'Record one read or a batch (JSON); the same batch again is a no-op',
    permission: 'read:import',
    body: z
      .object({
        source: z.enum(['API', 'FIELD']).default('API'),
        reads: z
          .array(
            z
              .object({
                meterId: z.string().trim().min(1).max(40),
                accountId: z.string().trim().min(1).max(40).optional(),
                readAt: z
                  .string()
                  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'must be a local time YYYY-MM-DDTHH:MM:SS'),
                value: z.number().int('must be a whole register reading').min(0).max(999_999_999_999),
                flags: z
                  .array(z.enum(['NO_READ', 'TAMPER']))
                  .max(2)
                  .optional(),
              })
              .strict(),
          )
          .min(1)
          .max(10_000),
      })
      .strict(),
    handler: ({ actor, body }) => importJsonReads(deps.db, { reads: body.reads, source: body.source, actor }),
  });
  t.add({
    method: 'get',
    path: '/meters/:id/usage',
    tag: 'reads',
    summary:
      "Interval (Green Button) use of a meter over [from, to), exactly; a date alone is the utility's local midnight",
    permission: 'read:read',
    params: z.object({ id: z.string().min(1).max(40) }).strict(),
    query: z.object({ from: isoDateTime, to: isoDateTime }).strict(),
    // A date alone is the utility's local midnight (services/read-import.ts usageBound).
    handler: ({ params, query }) => intervalUsage(deps.db, params.id, query.from, query.to),
  });

  t.add({
    method: 'get',
    path: '/read-exceptions',
    tag: 'reads',
    summary: 'The read-exception work queue',
    permission: 'read-exception:read',
    query: z
      .object({
        status: z.enum(['OPEN', 'ACCEPTED', 'CORRECTED', 'ESTIMATED', 'CREW_SENT']).optional(),
        cycleRunId: z.string().max(20).optional(),
        code: z.string().max(40).optional(),
        accountId: z.string().max(40).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      })
      .strict(),
    handler: ({ query }) => listReadExceptions(deps.db, query),
  });
  t.add({
    method: 'post',
    path: '/read-exceptions/:id/resolve',
    tag: 'reads',
    summary: 'Accept, correct, estimate, or send a crew',
    permission: 'read-exception:work',
    params: z.object({ id: z.uuid() }).strict(),
    body: ZResolve,
    handler: ({ actor, params, body }) => resolveReadException(d, actor, params.id, body),
  });

  t.add({
    method: 'post',
    path: '/bill-cycles/:cycleId/runs',
    tag: 'bill cycles',
    summary: 'Start a bill cycle run for a period (its billCycle workflow)',
    permission: 'bill-cycle:run',
    params: z.object({ cycleId }).strict(),
    body: ZStartRun,
    status: 202,
    handler: async ({ actor, params, body, res, demand }) => {
      // Backdated bills (due dates already past, late charges at once) only by those who approve runs.
      if (body.keepPlannedDates) await demand('bill-cycle:approve', 'keepPlannedDates');
      const r = await startCycleRun(d, actor, { cycleId: params.cycleId, ...body });
      res.setHeader('Location', `/bill-cycles/${params.cycleId}/runs/${body.period}`);
      return r;
    },
  });
  t.add({
    method: 'get',
    path: '/bill-cycles/:cycleId/runs/:period',
    tag: 'bill cycles',
    summary: 'Progress of a run: counts per stage, exceptions, amounts',
    permission: 'bill-cycle:read',
    params: ZCycleParams,
    handler: ({ params }) => cycleProgress(d, params.cycleId, params.period),
  });
  t.add({
    method: 'get',
    path: '/bill-cycles/:cycleId/runs/:period/held',
    tag: 'bill cycles',
    summary: 'Accounts the run held back for read exceptions, and the bills issued for them once resolved',
    permission: 'bill-cycle:read',
    params: ZCycleParams,
    handler: ({ params }) => heldReport(deps.db, `${params.cycleId}:${params.period}`),
  });
  t.add({
    method: 'post',
    path: '/bill-cycles/:cycleId/runs/:period/held/bill',
    tag: 'bill cycles',
    summary:
      'Bill the held accounts whose read exceptions are resolved (what each resolution does by itself)',
    permission: 'bill-cycle:run',
    params: ZCycleParams,
    body: z.object({}).strict(),
    status: 202,
    handler: ({ actor, params }) => billHeldNow(d, actor, `${params.cycleId}:${params.period}`),
  });
  for (const [path, what, permission, summary] of [
    ['reads-complete', 'readsComplete', 'bill-cycle:run', 'All reads are in: validate now'],
    ['approve', 'approve', 'bill-cycle:approve', 'Approve a run held for review'],
    ['hold', 'hold', 'bill-cycle:approve', 'Hold a run before it issues'],
    ['release', 'release', 'bill-cycle:approve', 'Release a held run'],
  ] as const) {
    t.add({
      method: 'post',
      path: `/bill-cycles/:cycleId/runs/:period/${path}`,
      tag: 'bill cycles',
      summary,
      permission,
      params: ZCycleParams,
      body: z.object({ reason: reason.optional() }).strict(),
      handler: ({ actor, params, body }) =>
        signalCycle(d, actor, params.cycleId, params.period, what, body.reason),
    });
  }

  t.add({
    method: 'get',
    path: '/bills/:id',
    tag: 'bills',
    summary: 'A bill with its lines',
    permission: 'bill:read',
    params: z.object({ id: z.string().min(1).max(80) }).strict(),
    handler: ({ params }) => getBill(deps.db, params.id),
  });
  t.add({
    method: 'get',
    path: '/accounts/:id/bills',
    tag: 'bills',
    summary: "An account's bills, newest first",
    permission: 'bill:read',
    params: z.object({ id: z.string().min(1).max(40) }).strict(),
    handler: ({ params }) => listAccountBills(deps.db, params.id),
  });
}
