// Regulatory collections reports from live data (services/collections-reports.ts): JSON with the
// ids behind every figure, or CSV; `?trace=<figure>` answers with the rows behind one figure.
import type { Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { RouteTable } from '../route';
import {
  collectionsReport,
  reportCsv,
  traceCsv,
  traceFigure,
  type ReportKind,
  type ReportParams,
} from '../../services/collections-reports';

const month = z.string().regex(/^(19|20)\d{2}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');
const year = z.string().regex(/^(19|20)\d{2}$/, 'must be a year as YYYY');
const common = {
  format: z.enum(['json', 'csv']).default('json'),
  trace: z
    .string()
    .trim()
    .min(1)
    .max(120)
    .optional()
    .describe("a figure's key: answer with the rows behind that figure"),
  profile: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe('only premises and actions under this policy profile (e.g. PA)'),
};

async function answer(
  deps: ApiDeps,
  res: Response,
  kind: ReportKind,
  q: ReportParams & { format: 'json' | 'csv'; trace?: string | undefined },
  label: string,
) {
  const params: ReportParams = { month: q.month, year: q.year, profile: q.profile };
  if (q.trace) {
    const trace = await traceFigure(deps.db, kind, params, q.trace);
    if (q.format === 'json') return trace;
    sendCsv(res, `${kind}-${label}-${q.trace}.csv`, traceCsv(trace));
    return;
  }
  const report = await collectionsReport(deps.db, kind, params);
  if (q.format === 'json') return report;
  sendCsv(res, `${kind}-${label}.csv`, reportCsv(report));
}

function sendCsv(res: Response, fileName: string, body: string) {
  const safe = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="${safe}"`).send(body);
}

export function registerReportRoutes(t: RouteTable, deps: ApiDeps): void {
  t.add({
    method: 'get',
    path: '/reports/collections/pa-56-231',
    tag: 'reports',
    summary:
      'Pennsylvania monthly collections report (52 Pa. Code §56.231): customers, arrears, notices, contacts, terminations, reconnections',
    permission: 'report:read',
    query: z.object({ month, ...common }).strict(),
    produces: ['application/json', 'text/csv'],
    handler: ({ res, query }) => answer(deps, res, 'pa-56-231', query, query.month),
  });
  t.add({
    method: 'get',
    path: '/reports/collections/il-monthly',
    tag: 'reports',
    summary:
      'Illinois monthly report by ZIP, class and service (220 ILCS 5/8-201.10): customers, notices, disconnections, reconnections, arrangements',
    permission: 'report:read',
    query: z.object({ month, ...common }).strict(),
    produces: ['application/json', 'text/csv'],
    handler: ({ res, query }) => answer(deps, res, 'il-monthly', query, query.month),
  });
  t.add({
    method: 'get',
    path: '/reports/collections/ca-water-annual',
    tag: 'reports',
    summary:
      'California annual count of residential water discontinuations for nonpayment (Health & Safety Code §116918)',
    permission: 'report:read',
    query: z.object({ year, ...common }).strict(),
    produces: ['application/json', 'text/csv'],
    handler: ({ res, query }) => answer(deps, res, 'ca-water-annual', query, query.year),
  });
}
