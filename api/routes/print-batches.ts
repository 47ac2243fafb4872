// Printed notices for the print vendor: the batches closed so far, their files, and closing one now.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import {
  listNoticePrintBatches,
  noticePrintBatchFile,
  requestNoticePrintBatch,
} from '../../services/notice-print';

const ZBatchFile = z
  .object({
    id: z
      .string()
      .regex(
        /^notices-\d{4}-\d{2}-\d{2}T\d{4}$/,
        'must be a notice print batch id (notices-YYYY-MM-DDTHHMM)',
      ),
    file: z.enum(['pdf', 'csv']),
  })
  .strict();
const ZList = z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }).strict();

export function registerPrintBatchRoutes(t: RouteTable, deps: ApiDeps): void {
  const now = deps.now ?? (async () => new Date());

  t.add({
    method: 'get',
    path: '/print-batches/notices',
    tag: 'mail',
    summary:
      'Print batches of notices handed to the print vendor, newest first, and how many letters wait for the next',
    permission: 'mail:read',
    query: ZList,
    handler: async ({ query }) => listNoticePrintBatches(deps.db, query.limit ?? 50),
  });

  t.add({
    method: 'post',
    path: '/print-batches/notices',
    tag: 'mail',
    summary: 'Close a print batch now: every letter registered for print so far, in one PDF and one CSV',
    permission: 'mail:print',
    status: 201,
    handler: async ({ actor }) =>
      requestNoticePrintBatch({ temporal: deps.temporal, taskQueue: deps.taskQueue }, actor, await now()),
  });

  t.add({
    method: 'get',
    path: '/print-batches/notices/:id/:file',
    tag: 'mail',
    summary: 'A closed batch’s PDF (the letters) or CSV (the vendor’s mail-merge list)',
    permission: 'mail:read',
    params: ZBatchFile,
    produces: ['application/pdf', 'text/csv'],
    handler: async ({ res, params }) => {
      const f = await noticePrintBatchFile(deps.db, deps.outDir, params.id, params.file);
      res
        .type(params.file === 'pdf' ? 'application/pdf' : 'text/csv')
        .setHeader('Content-Disposition', `attachment; filename="${params.id}.${params.file}"`)
        .setHeader('X-Content-SHA256', f.sha256);
      await new Promise<void>((resolve, reject) => {
        const s = createReadStream(f.file);
        s.on('error', reject);
        res.on('finish', resolve);
        res.on('close', resolve);
        s.pipe(res);
      });
    },
  });
}
