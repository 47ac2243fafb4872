// The Express app: thin transport over services/. Routes declare their permission and schemas
// (api/route.ts); errors leave through one handler (api/errors.ts).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { Router } from 'express';
import { authenticator, DEFAULT_AUTH_FAILURE_LIMIT, VerifiedKeyCache } from './auth';
import { FailureCounter } from '../lib/rate-limit';
import { recordAudit } from '../lib/audit';
import { createApiMetrics } from '../lib/metrics';
import type { Logger } from '../lib/logger';
import type { ApiDeps } from './deps';
import { errorHandler } from './errors';
import { buildOpenApi } from './openapi';
import { RouteTable } from './route';
import { docsPage } from './docs-page';
import { listenWithApiServer } from './http-server';
import * as S from './schemas';
import * as customers from '../services/customers';
import * as users from '../services/users';
import { accountTimelineJson, logInteraction } from '../services/timeline';
import { auditPage, writeAuditCsv } from '../services/audit-export';
import { verifyAuditChain } from '../lib/audit-verify';
import { listCaughtMail } from '../lib/runtime/smtp-catcher';
import { importLegacyExport } from '../services/import-legacy';
import { AppError } from '../lib/errors';
import { registerPaymentRoutes } from './routes/payments';
import { registerBillingRoutes } from './routes/billing';
import { registerTariffRoutes } from './routes/tariffs';
import { registerWeatherRoutes } from './routes/weather';
import { registerReportRoutes } from './routes/reports';
import { registerCaseRoutes } from './routes/cases';
import { registerCollectionsRoutes } from './routes/collections';
import { wakeCasesInAreas } from '../services/collections';
import { registerBillCorrectionRoutes } from './routes/bill-corrections';
import { registerServiceOrderRoutes } from './routes/service-orders';
import { registerBankAccountRoutes } from './routes/bank-accounts';
import { registerPrintBatchRoutes } from './routes/print-batches';
import { registerLeadNoticeRoutes } from './routes/lead-notices';
import { registerWaterNoticeRoutes } from './routes/water-notices';
import { createDashboard } from '../web/dashboard';

const VERSION = '0.1.0';

export function createApp(given: ApiDeps): express.Express {
  // Recorded weather decides disconnections: by default a change wakes the cases in those areas.
  const deps: ApiDeps = {
    ...given,
    onWeatherChanged:
      given.onWeatherChanged ??
      (async (changed) => {
        await wakeCasesInAreas(given, [...new Set(changed.map((c) => c.serviceArea))]);
      }),
  };
  const app = express();
  // Listening creates requests and responses already shaped as Express's (api/http-server.ts).
  app.listen = listenWithApiServer(app);
  app.disable('x-powered-by');
  // No ETag on responses: API answers change with every write, no client sends If-None-Match, and
  // hashing each body cost the most-read route a measurable share of its CPU.
  app.disable('etag');
  app.set('query parser', 'simple');

  // Request id (the caller's, when sane). `req.log` is a child logger carrying it, made on first
  // use: most requests log only their one line at the end, and a child logger per request (its
  // bindings serialised and redacted) cost more CPU than the timeline query.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: express.Request & { childLog?: Logger }) {
      return (this.childLog ??= deps.logger.child({ requestId: this.id }));
    },
    set(this: express.Request & { childLog?: Logger }, log: Logger) {
      this.childLog = log;
    },
  });
  // One listener per request for both the metrics and the request's log line.
  const metrics = createApiMetrics();
  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    req.id = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.observe(req, res, started);
      if (!deps.logger.isLevelEnabled('info')) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.logger.info(
        {
          requestId: req.id,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          actor: req.actor?.id,
        },
        'request',
      );
    });
    next();
  });
  // A request without a body (most are GETs) skips the JSON parser, which would only find that out
  // itself after some bookkeeping: the same outcome (no req.body), on the most-read routes' path.
  const json = express.json({ limit: '60mb', strict: true });
  app.use((req, res, next) =>
    req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined
      ? next()
      : json(req, res, next),
  );

  const router = Router();
  const verifiedKeys = new VerifiedKeyCache();
  const t = new RouteTable(
    router,
    authenticator(
      deps.db,
      new FailureCounter(deps.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT),
      verifiedKeys,
    ),
    // Every authorization refusal is on the audit trail: who tried what, and which rule said no.
    (req, actor, permission) =>
      deps.db.$transaction((tx) =>
        recordAudit(tx, actor, {
          action: 'authorization.refused',
          entityType: 'route',
          entityId: `${req.method} ${req.route?.path ?? req.path}`,
          reason: `the ${actor.role} role lacks ${permission}`,
        }),
      ),
  );
  const key = deps.encryptionKey;

  t.add({
    method: 'get',
    path: '/metrics',
    tag: 'system',
    summary: 'Prometheus metrics of this API process (requests by route and status, latency, Node)',
    permission: 'metrics:read',
    produces: ['text/plain'],
    handler: async ({ res }) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  });
  // ---- public ------------------------------------------------------------------------------------
  t.add({
    method: 'get',
    path: '/health',
    tag: 'system',
    summary: 'Health of each part: database, Temporal, mail',
    handler: async ({ res }) => {
      const parts = await deps.health();
      const ok = Object.values(parts).every((p) => p.ok);
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', parts });
    },
  });
  t.add({
    method: 'get',
    path: '/api/openapi.json',
    tag: 'system',
    summary: 'This API as an OpenAPI 3.1 document',
    handler: async () => buildOpenApi(t.routes, VERSION),
  });
  t.add({
    method: 'get',
    path: '/api/docs',
    tag: 'system',
    summary: 'Browsable API documentation',
    produces: ['text/html'],
    handler: async ({ res }) => void res.type('html').send(docsPage(t.routes)),
  });

  // ---- customers, premises, accounts, meters -----------------------------------------------------
  t.add({
    method: 'get',
    path: '/customers',
    tag: 'customers',
    summary: 'List or search customers',
    permission: 'customer:read',
    query: S.ZPage,
    handler: ({ query }) => customers.listCustomers(deps.db, key, query),
  });
  t.add({
    method: 'post',
    path: '/customers',
    tag: 'customers',
    summary: 'Create a customer',
    permission: 'customer:write',
    body: S.ZCustomerCreate,
    status: 201,
    handler: ({ actor, body }) => customers.createCustomer(deps.db, actor, key, body),
  });
  t.add({
    method: 'get',
    path: '/customers/:id',
    tag: 'customers',
    summary: 'A customer and their accounts',
    permission: 'customer:read',
    params: S.ZIdParams,
    handler: ({ params }) => customers.getCustomer(deps.db, key, params.id),
  });
  t.add({
    method: 'patch',
    path: '/customers/:id',
    tag: 'customers',
    summary: 'Change a customer',
    permission: 'customer:write',
    params: S.ZIdParams,
    body: S.ZCustomerUpdate,
    handler: ({ actor, params, body }) => customers.updateCustomer(deps.db, actor, key, params.id, body),
  });

  t.add({
    method: 'get',
    path: '/premises',
    tag: 'premises',
    summary: 'List or search premises',
    permission: 'premise:read',
    query: S.ZPage,
    handler: ({ query }) => customers.listPremises(deps.db, query),
  });
  t.add({
    method: 'post',
    path: '/premises',
    tag: 'premises',
    summary: 'Create a premise',
    permission: 'premise:write',
    body: S.ZPremiseCreate,
    status: 201,
    handler: ({ actor, body }) => customers.createPremise(deps.db, actor, body),
  });
  t.add({
    method: 'get',
    path: '/premises/:id',
    tag: 'premises',
    summary: 'A premise with its service points and meters',
    permission: 'premise:read',
    params: S.ZIdParams,
    handler: ({ params }) => customers.getPremise(deps.db, params.id),
  });
  t.add({
    method: 'patch',
    path: '/premises/:id',
    tag: 'premises',
    summary: 'Change a premise',
    permission: 'premise:write',
    params: S.ZIdParams,
    body: S.ZPremiseUpdate,
    handler: ({ actor, params, body }) => customers.updatePremise(deps.db, actor, params.id, body),
  });

  t.add({
    method: 'get',
    path: '/accounts',
    tag: 'accounts',
    summary: 'List or search accounts',
    permission: 'account:read',
    query: S.ZPage,
    handler: ({ query }) => customers.listAccounts(deps.db, query),
  });
  t.add({
    method: 'post',
    path: '/accounts',
    tag: 'accounts',
    summary: 'Open an account',
    permission: 'account:write',
    body: S.ZAccountCreate,
    status: 201,
    handler: ({ actor, body }) => customers.createAccount(deps.db, actor, body),
  });
  t.add({
    method: 'get',
    path: '/accounts/:id',
    tag: 'accounts',
    summary: 'An account with its customer, premise and meters',
    permission: 'account:read',
    params: S.ZIdParams,
    handler: ({ params }) => customers.getAccount(deps.db, key, params.id),
  });
  t.add({
    method: 'patch',
    path: '/accounts/:id',
    tag: 'accounts',
    summary: 'Change an account',
    permission: 'account:write',
    params: S.ZIdParams,
    body: S.ZAccountUpdate,
    handler: ({ actor, params, body }) => customers.updateAccount(deps.db, actor, params.id, body),
  });
  t.add({
    method: 'get',
    path: '/accounts/:id/timeline',
    tag: 'accounts',
    summary: 'Everything that happened on the account, newest first',
    permission: 'timeline:read',
    params: S.ZIdParams,
    query: S.ZTimelineQuery,
    handler: ({ params, query }) => accountTimelineJson(deps.db, params.id, query),
  });
  t.add({
    method: 'post',
    path: '/accounts/:id/interactions',
    tag: 'accounts',
    summary: 'Log a call, visit, email or letter',
    permission: 'interaction:write',
    params: S.ZIdParams,
    body: S.ZInteractionCreate,
    status: 201,
    handler: ({ actor, params, body }) => logInteraction(deps.db, actor, params.id, body),
  });

  t.add({
    method: 'get',
    path: '/meters',
    tag: 'meters',
    summary: 'List or search meters',
    permission: 'meter:read',
    query: S.ZPage,
    handler: ({ query }) => customers.listMeters(deps.db, query),
  });
  t.add({
    method: 'post',
    path: '/meters',
    tag: 'meters',
    summary: 'Set a meter at a premise',
    permission: 'meter:write',
    body: S.ZMeterCreate,
    status: 201,
    handler: ({ actor, body }) => customers.createMeter(deps.db, actor, body),
  });
  t.add({
    method: 'get',
    path: '/meters/:id',
    tag: 'meters',
    summary: 'A meter',
    permission: 'meter:read',
    params: S.ZIdParams,
    handler: ({ params }) => customers.getMeter(deps.db, params.id),
  });
  t.add({
    method: 'patch',
    path: '/meters/:id',
    tag: 'meters',
    summary: 'Change a meter',
    permission: 'meter:write',
    params: S.ZIdParams,
    body: S.ZMeterUpdate,
    handler: ({ actor, params, body }) => customers.updateMeter(deps.db, actor, params.id, body),
  });

  // ---- service orders and field crews ------------------------------------------------------------
  registerServiceOrderRoutes(t, deps);

  // ---- payments, ledger, deposits, bank files ---------------------------------------------------
  registerPaymentRoutes(t, deps);
  registerBillingRoutes(t, deps);
  registerTariffRoutes(t, deps);
  registerWeatherRoutes(t, deps);
  registerReportRoutes(t, deps);
  registerCaseRoutes(t, deps);
  registerCollectionsRoutes(t, deps);
  registerBillCorrectionRoutes(t, deps);
  registerBankAccountRoutes(t, deps);
  registerPrintBatchRoutes(t, deps);
  registerLeadNoticeRoutes(t, deps);
  registerWaterNoticeRoutes(t, deps);

  // ---- crews, users, keys ------------------------------------------------------------------------
  t.add({
    method: 'get',
    path: '/crews',
    tag: 'admin',
    summary: 'Field crews',
    permission: 'crew:read',
    handler: async () => ({ items: await users.listCrews(deps.db) }),
  });
  t.add({
    method: 'post',
    path: '/crews',
    tag: 'admin',
    summary: 'Add a crew',
    permission: 'crew:write',
    body: S.ZCrewCreate,
    status: 201,
    handler: ({ actor, body }) => users.createCrew(deps.db, actor, body),
  });
  t.add({
    method: 'post',
    path: '/users',
    tag: 'admin',
    summary: 'Add a user with a role',
    permission: 'user:admin',
    body: S.ZUserCreate,
    status: 201,
    handler: ({ actor, body }) => users.createUser(deps.db, actor, body),
  });
  t.add({
    method: 'post',
    path: '/users/:id/api-keys',
    tag: 'admin',
    summary: 'Issue an API key (shown once)',
    permission: 'user:admin',
    params: S.ZIdParams,
    body: S.ZApiKeyCreate,
    status: 201,
    handler: ({ actor, params, body }) => users.issueApiKey(deps.db, actor, params.id, body),
  });
  t.add({
    method: 'post',
    path: '/api-keys/:id/revoke',
    tag: 'admin',
    summary: 'Revoke an API key',
    permission: 'user:admin',
    params: S.ZIdParams,
    handler: async ({ actor, params }) => {
      const revoked = await users.revokeApiKey(deps.db, actor, params.id);
      verifiedKeys.forget(params.id); // in this process at once; elsewhere within the cache's TTL
      return revoked;
    },
  });

  // ---- conversion --------------------------------------------------------------------------------
  t.add({
    method: 'post',
    path: '/imports/legacy',
    tag: 'conversion',
    summary: 'Import a legacy export (the four CSV files as text)',
    permission: 'import:run',
    body: S.ZLegacyImport,
    handler: async ({ actor, body, res }) => {
      // Fixed file names in a private temp dir: nothing the caller sends becomes a path.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'opencis-import-'));
      try {
        for (const [name, content] of Object.entries(body.files))
          writeFileSync(path.join(dir, `${name}.csv`), content);
        const result = await importLegacyExport(deps.db, {
          dir,
          validOnly: body.validOnly,
          actor,
          encryptionKey: key,
        });
        res.status(result.status === 'rejected' ? 422 : 200);
        return result;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
  t.add({
    method: 'get',
    path: '/imports',
    tag: 'conversion',
    summary: 'Past conversion runs and their rejection reports',
    permission: 'import:read',
    handler: async () => ({
      items: await deps.db.importRun.findMany({ orderBy: { createdAt: 'desc' }, take: 50 }),
    }),
  });

  // ---- audit -------------------------------------------------------------------------------------
  t.add({
    method: 'get',
    path: '/audit',
    tag: 'audit',
    summary: 'Export audit events (JSON pages or CSV)',
    permission: 'audit:read',
    query: S.ZAuditQuery,
    produces: ['application/json', 'text/csv'],
    handler: async ({ query, res }) => {
      if (query.format === 'json') return auditPage(deps.db, query);
      res.type('text/csv').setHeader('Content-Disposition', 'attachment; filename="audit.csv"');
      await writeAuditCsv(deps.db, query, (chunk) => res.write(chunk));
      res.end();
    },
  });
  t.add({
    method: 'get',
    path: '/audit/verify',
    tag: 'audit',
    summary:
      'Walk the hash chain; name the first altered, deleted or reordered row; with a head published earlier (seq and hash), also find a cut or rebuilt end',
    permission: 'audit:verify',
    query: S.ZAuditVerify,
    handler: ({ query }) =>
      verifyAuditChain(deps.db, query.seq ? { seq: query.seq, hash: query.hash! } : undefined),
  });

  // ---- mail catcher ------------------------------------------------------------------------------
  t.add({
    method: 'get',
    path: '/mail',
    tag: 'system',
    summary: 'Messages kept by the development mail catcher',
    permission: 'mail:read',
    handler: async () => {
      if (!deps.mailDir)
        throw new AppError(
          'not_found',
          'Mail goes to an external SMTP server (SMTP_URL); there is no local outbox',
        );
      return { items: await listCaughtMail(deps.mailDir) };
    },
  });

  app.use('/dashboard', createDashboard(deps)); // server-rendered pages: web/README.md
  app.use(router);
  app.locals.routes = t.routes; // the route table, for the OpenAPI document and authorization tests
  app.use((req, _res, next) => next(new AppError('not_found', `No route for ${req.method} ${req.path}`)));
  app.use(errorHandler);
  return app;
}
