// The supervisor dashboard: server-rendered pages under /dashboard over the same services (and
// the same permission matrix) as the API. Mounted by api/app.ts; nothing here is in the API's
// route table, and nothing here answers JSON.
//
// Every response carries the security headers below. Pages need a session (web/session.ts);
// every POST needs the form's CSRF token; each page and action checks the signed-in role with
// domain/authorization.ts, so a CSR is refused approval and an auditor changes nothing.
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps';
import { statusFor } from '../api/errors';
import { can, type Permission } from '../domain/authorization';
import { recordAudit } from '../lib/audit';
import { AppError } from '../lib/errors';
import { signalCycle } from '../services/bill-cycles';
import { billHeldNow } from '../services/held-bills';
import {
  accountPage,
  accountSearchPage,
  billCyclePage,
  billCyclesPage,
  casesPage,
  EXCEPTION_STATUSES,
  mailPage,
  ORDER_STATUSES,
  ordersPage,
  overviewPage,
  readExceptionsPage,
  TIMELINE_KINDS,
  waterNoticePage,
  waterNoticesPage,
  type PageContext,
} from './data';
import { createRenderer } from './render';
import { noticePrintBatchFile, requestNoticePrintBatch } from '../services/notice-print';
import { postedNoticePdf } from '../services/posted-notice';
import { endWaterNotice } from '../services/water-notice-runs';
import { csrfValid, Sessions, type Session, type SessionOptions, DEFAULT_SESSION_OPTIONS } from './session';

const ASSETS_DIR = path.resolve(__dirname, 'assets');

// Scripts and styles come only from /dashboard/assets (no inline script or style anywhere), the
// pages may not be framed, and forms post only back here.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // HSTS only means something over TLS: sent when this request came over it (directly, or through
  // a proxy the app is configured to trust), never on plain HTTP.
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}

interface NavItem {
  href: string;
  label: string;
  permission: Permission;
}
const NAV: NavItem[] = [
  { href: '/dashboard', label: 'Overview', permission: 'account:read' },
  { href: '/dashboard/orders', label: 'Service orders', permission: 'service-order:read' },
  { href: '/dashboard/cases', label: 'Collections', permission: 'case:read' },
  { href: '/dashboard/read-exceptions', label: 'Read exceptions', permission: 'read-exception:read' },
  { href: '/dashboard/bill-cycles', label: 'Bill cycles', permission: 'bill-cycle:read' },
  { href: '/dashboard/mail', label: 'Mail', permission: 'mail:read' },
  { href: '/dashboard/water-notices', label: 'Water notices', permission: 'mail:read' },
  { href: '/dashboard/accounts', label: 'Accounts', permission: 'account:read' },
];

/** Where to go after signing in: only a dashboard path on this site. */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/dashboard(?:[/?][^\s\\]*)?$/.test(value) &&
    !value.startsWith('//') &&
    value.length <= 500
    ? value
    : '/dashboard';
}

const one = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : Array.isArray(v) ? one(v[0]) : undefined;
const many = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const isoDay = z.iso.date();
const ZUuid = z.uuid();
const ZCycle = z
  .object({
    cycleId: z.coerce.number().int().min(1).max(31),
    period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  })
  .strict();
const ZAccountId = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/);

export function createDashboard(deps: ApiDeps, options: Partial<SessionOptions> = {}): Router {
  const render = createRenderer();
  const sessions = new Sessions(deps, { ...DEFAULT_SESSION_OPTIONS, ...options });
  const router = Router();

  router.use(securityHeaders);
  router.use(
    '/assets',
    express.static(ASSETS_DIR, { index: false, dotfiles: 'ignore', fallthrough: false, maxAge: '1h' }),
  );
  router.use((_req, res, next) => {
    // Pages hold customer data: never cached.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));

  const page = (
    res: Response,
    status: number,
    view: string,
    model: Record<string, unknown>,
    s: Session | null,
    current?: string,
  ) => {
    const flash = s?.flash ?? null;
    if (s) s.flash = null;
    res
      .status(status)
      .type('html')
      .send(
        render(view, {
          ...model,
          flash,
          user: s && { id: s.user.id, name: s.user.name, role: s.user.role },
          csrf: s?.csrf ?? null,
          nav: s
            ? NAV.filter((n) => can(s.user.role, n.permission)).map((n) => ({
                ...n,
                current: n.href === current,
              }))
            : [],
        }),
      );
  };

  const errorPage = (res: Response, s: Session | null, status: number, message: string) =>
    page(
      res,
      status,
      'error',
      { title: status === 403 ? 'Not allowed' : 'Something is wrong', status, message },
      s,
    );

  // ---- sign in and out ---------------------------------------------------------------------------

  router.get('/sign-in', (req, res) => {
    const token = sessions.signin.issue(req, res);
    page(res, 200, 'sign-in', { title: 'Sign in', token, next: safeNext(one(req.query.next)) }, null);
  });

  router.post('/sign-in', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    if (!sessions.signin.valid(req, one(body._csrf))) {
      req.log.warn('dashboard sign-in refused: bad CSRF token');
      const token = sessions.signin.issue(req, res);
      return page(
        res,
        403,
        'sign-in',
        { title: 'Sign in', token, next, error: 'The sign-in form expired. Please try again.' },
        null,
      );
    }
    const result = await sessions.signIn(req, res, (one(body.key) ?? '').trim());
    if (!result.ok) {
      const token = sessions.signin.issue(req, res);
      return page(
        res,
        result.status,
        'sign-in',
        { title: 'Sign in', token, next, error: result.message },
        null,
      );
    }
    res.redirect(303, next);
  });

  // ---- everything else needs a session -------------------------------------------------------------

  router.use(async (req, res, next) => {
    const s = await sessions.current(req, res);
    if (!s) {
      if (req.method === 'GET')
        return res.redirect(303, `/dashboard/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
      return errorPage(res, null, 401, 'Your session has ended. Sign in again.');
    }
    res.locals.session = s;
    if (req.method === 'POST' && !csrfValid(s, req)) {
      req.log.warn({ actor: s.user.id, path: req.path }, 'dashboard form refused: bad CSRF token');
      return errorPage(
        res,
        s,
        403,
        'This form did not come from your dashboard session (or it expired). Go back, reload and try again.',
      );
    }
    next();
  });

  const sessionOf = (res: Response) => res.locals.session as Session;
  const ctx = (res: Response): PageContext => ({ deps, role: sessionOf(res).user.role, now: new Date() });
  /**
   * Refuses (a 403 page) a role without the permission, on the audit trail as the API does;
   * true when the request may go on.
   */
  const allowed = async (req: Request, res: Response, permission: Permission): Promise<boolean> => {
    const s = sessionOf(res);
    if (can(s.user.role, permission)) return true;
    req.log.warn({ actor: s.user.id, role: s.user.role, permission }, 'authorization refused');
    await deps.db.$transaction((tx) =>
      recordAudit(tx, Sessions.actor(s, req), {
        action: 'authorization.refused',
        entityType: 'route',
        entityId: `${req.method} ${req.baseUrl}${req.route?.path ?? req.path}`,
        reason: `the ${s.user.role} role lacks ${permission}`,
      }),
    );
    errorPage(res, s, 403, `The ${s.user.role} role may not ${permission.replace(':', ' ')}.`);
    return false;
  };

  router.post('/sign-out', async (req, res) => {
    await sessions.signOut(req, res, sessionOf(res));
    res.redirect(303, '/dashboard/sign-in');
  });

  router.get('/', async (req, res) => {
    const s = sessionOf(res);
    page(res, 200, 'overview', await overviewPage(ctx(res)), s, '/dashboard');
  });

  router.get('/orders', async (req, res) => {
    if (!(await allowed(req, res, 'service-order:read'))) return;
    const status = ORDER_STATUSES.find((x) => x === one(req.query.status)) ?? 'open';
    const offset = Math.max(0, Math.min(1_000_000, Number.parseInt(one(req.query.offset) ?? '0', 10) || 0));
    const model = await ordersPage(ctx(res), { status, breached: one(req.query.sla) === 'breached', offset });
    page(res, 200, 'orders', model, sessionOf(res), '/dashboard/orders');
  });

  router.get('/cases', async (req, res) => {
    if (!(await allowed(req, res, 'case:read'))) return;
    const stage = one(req.query.stage);
    const cursor = one(req.query.cursor);
    const model = await casesPage(ctx(res), {
      stage: stage && /^[A-Z_]{1,40}$/.test(stage) ? stage : undefined,
      overdue: one(req.query.overdue) === 'true',
      cursor: cursor && cursor.length <= 300 ? cursor : undefined,
    });
    page(res, 200, 'cases', model, sessionOf(res), '/dashboard/cases');
  });

  router.get('/read-exceptions', async (req, res) => {
    if (!(await allowed(req, res, 'read-exception:read'))) return;
    const run = one(req.query.cycleRunId);
    const model = await readExceptionsPage(ctx(res), {
      status: EXCEPTION_STATUSES.find((x) => x === one(req.query.status)) ?? 'OPEN',
      cycleRunId: run && /^\d{1,2}:\d{4}-\d{2}$/.test(run) ? run : undefined,
      offset: Math.max(0, Math.min(1_000_000, Number.parseInt(one(req.query.offset) ?? '0', 10) || 0)),
    });
    page(res, 200, 'read-exceptions', model, sessionOf(res), '/dashboard/read-exceptions');
  });

  router.get('/bill-cycles', async (req, res) => {
    if (!(await allowed(req, res, 'bill-cycle:read'))) return;
    page(res, 200, 'bill-cycles', await billCyclesPage(ctx(res)), sessionOf(res), '/dashboard/bill-cycles');
  });

  router.get('/bill-cycles/:cycleId/:period', async (req, res) => {
    if (!(await allowed(req, res, 'bill-cycle:read'))) return;
    const p = ZCycle.safeParse(req.params);
    if (!p.success) return errorPage(res, sessionOf(res), 404, 'No such bill cycle run.');
    const model = await billCyclePage(ctx(res), p.data.cycleId, p.data.period);
    page(res, 200, 'bill-cycle', model, sessionOf(res), '/dashboard/bill-cycles');
  });

  // Approve, hold and release: the same service (and audit) as POST /bill-cycles/:id/runs/:period/….
  for (const action of ['approve', 'hold', 'release'] as const) {
    router.post(`/bill-cycles/:cycleId/:period/${action}`, async (req, res) => {
      if (!(await allowed(req, res, 'bill-cycle:approve'))) return;
      const p = ZCycle.safeParse(req.params);
      if (!p.success) return errorPage(res, sessionOf(res), 404, 'No such bill cycle run.');
      const s = sessionOf(res);
      const reason = (one((req.body as Record<string, unknown>)?.reason) ?? '').trim().slice(0, 500);
      await signalCycle(
        { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue },
        Sessions.actor(s, req),
        p.data.cycleId,
        p.data.period,
        action,
        reason || undefined,
      );
      s.flash = {
        approve: `Cycle ${p.data.cycleId} for ${p.data.period} approved: it goes on to issue bills.`,
        hold: `Cycle ${p.data.cycleId} for ${p.data.period} held: it will not issue until released.`,
        release: `Cycle ${p.data.cycleId} for ${p.data.period} released.`,
      }[action];
      res.redirect(303, `/dashboard/bill-cycles/${p.data.cycleId}/${p.data.period}`);
    });
  }

  // Bill the held accounts whose reads are settled: the same service (and audit) as
  // POST /bill-cycles/:id/runs/:period/held/bill.
  router.post('/bill-cycles/:cycleId/:period/bill-held', async (req, res) => {
    if (!(await allowed(req, res, 'bill-cycle:run'))) return;
    const p = ZCycle.safeParse(req.params);
    if (!p.success) return errorPage(res, sessionOf(res), 404, 'No such bill cycle run.');
    const s = sessionOf(res);
    const r = await billHeldNow(
      { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue },
      Sessions.actor(s, req),
      `${p.data.cycleId}:${p.data.period}`,
    );
    s.flash = `${r.accountIds.length} held account(s) of cycle ${p.data.cycleId} for ${p.data.period} are being billed, dated today.`;
    res.redirect(303, `/dashboard/bill-cycles/${p.data.cycleId}/${p.data.period}#held`);
  });

  // A door hanger's notice, to print and post (the same PDF as the API's).
  router.get('/orders/:id/posted-notice', async (req, res) => {
    if (!(await allowed(req, res, 'service-order:read'))) return;
    const id = req.params.id ?? '';
    if (!/^SO-\d{7,}$/.test(id)) return errorPage(res, sessionOf(res), 404, 'No such service order.');
    let n: Awaited<ReturnType<typeof postedNoticePdf>>;
    try {
      n = await postedNoticePdf(deps.db, id);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        return errorPage(res, sessionOf(res), 404, 'This order has no notice to post.');
      throw err;
    }
    res.type('application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="posted-notice-${id}.pdf"`);
    res.send(n.pdf);
  });

  router.get('/mail', async (req, res) => {
    if (!(await allowed(req, res, 'mail:read'))) return;
    const channel = (['EMAIL', 'PRINT', 'POSTED'] as const).find((c) => c === one(req.query.channel));
    page(res, 200, 'mail', await mailPage(ctx(res), { channel }), sessionOf(res), '/dashboard/mail');
  });

  // Printed notices: a batch's files, and closing one ahead of the daily close (the same service
  // and audit as the API's /print-batches/notices).
  router.get('/print-batches/:id/:file', async (req, res) => {
    if (!(await allowed(req, res, 'mail:read'))) return;
    const id = req.params.id ?? '';
    const file = req.params.file === 'pdf' || req.params.file === 'csv' ? req.params.file : null;
    if (!file || !/^notices-\d{4}-\d{2}-\d{2}T\d{4}$/.test(id))
      return errorPage(res, sessionOf(res), 404, 'No such print batch file.');
    const f = await noticePrintBatchFile(deps.db, deps.outDir, id, file);
    res.type(file === 'pdf' ? 'application/pdf' : 'text/csv');
    res.setHeader('Content-Disposition', `attachment; filename="${id}.${file}"`);
    res.sendFile(f.file);
  });

  router.post('/print-batches/notices', async (req, res) => {
    if (!(await allowed(req, res, 'mail:print'))) return;
    const s = sessionOf(res);
    const r = await requestNoticePrintBatch(
      { temporal: deps.temporal, taskQueue: deps.taskQueue },
      Sessions.actor(s, req),
      new Date(),
    );
    s.flash = r.batch
      ? `Print batch ${r.batch.batchId} closed: ${r.batch.notices} letters, ${r.batch.pages} pages.`
      : 'No letter was waiting for print: no batch was made.';
    res.redirect(303, '/dashboard/mail');
  });

  // Drinking-water notices: the list, one notice's proof of delivery, and resolving it (the same
  // services and audit as GET /water-notices, GET /water-notices/:id and POST …/resolve).
  router.get('/water-notices', async (req, res) => {
    if (!(await allowed(req, res, 'mail:read'))) return;
    page(
      res,
      200,
      'water-notices',
      await waterNoticesPage(ctx(res)),
      sessionOf(res),
      '/dashboard/water-notices',
    );
  });

  router.get('/water-notices/:id', async (req, res) => {
    if (!(await allowed(req, res, 'mail:read'))) return;
    const id = ZUuid.safeParse(req.params.id);
    if (!id.success) return errorPage(res, sessionOf(res), 404, 'No such water notice.');
    const model = await waterNoticePage(ctx(res), id.data);
    page(res, 200, 'water-notice', model, sessionOf(res), '/dashboard/water-notices');
  });

  router.post('/water-notices/:id/resolve', async (req, res) => {
    if (!(await allowed(req, res, 'mail:print'))) return;
    const id = ZUuid.safeParse(req.params.id);
    if (!id.success) return errorPage(res, sessionOf(res), 404, 'No such water notice.');
    const s = sessionOf(res);
    const reason = (one((req.body as Record<string, unknown>)?.reason) ?? '').trim().slice(0, 500);
    if (!reason) {
      s.flash = 'Say why the notice is resolved: the reason is kept with it.';
      return res.redirect(303, `/dashboard/water-notices/${id.data}`);
    }
    await endWaterNotice(
      { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue },
      Sessions.actor(s, req),
      id.data,
      reason,
    );
    s.flash = 'Notice resolved: it is no longer repeated.';
    res.redirect(303, `/dashboard/water-notices/${id.data}`);
  });

  router.get('/accounts', async (req, res) => {
    if (!(await allowed(req, res, 'account:read'))) return;
    const q = (one(req.query.q) ?? '').trim().slice(0, 100);
    page(res, 200, 'accounts', await accountSearchPage(ctx(res), q), sessionOf(res), '/dashboard/accounts');
  });

  router.get('/accounts/:id', async (req, res) => {
    if (!(await allowed(req, res, 'account:read'))) return;
    const id = ZAccountId.safeParse(req.params.id);
    if (!id.success) return errorPage(res, sessionOf(res), 404, 'No such account.');
    const known = new Set<string>(TIMELINE_KINDS.map((k) => k.value));
    const from = one(req.query.from);
    const to = one(req.query.to);
    const cursor = one(req.query.cursor);
    const limit = Number.parseInt(one(req.query.limit) ?? '25', 10);
    const model = await accountPage(ctx(res), id.data, {
      kinds: many(req.query.kind).filter((k) => known.has(k)),
      from: from && isoDay.safeParse(from).success ? from : undefined,
      to: to && isoDay.safeParse(to).success ? to : undefined,
      cursor: cursor && cursor.length <= 200 ? cursor : undefined,
      limit: [10, 25, 50, 100].includes(limit) ? limit : 25,
    });
    page(res, 200, 'account', model, sessionOf(res), '/dashboard/accounts');
  });

  router.use((req, res) =>
    errorPage(res, (res.locals.session as Session | undefined) ?? null, 404, 'There is no such page.'),
  );

  // One place an error becomes a page; details go to the log, never to the browser.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const s = (res.locals.session as Session | undefined) ?? null;
    if (err instanceof AppError) {
      const status = statusFor(err.code);
      if (status >= 500) req.log.error({ err }, 'dashboard request failed');
      else req.log.info({ code: err.code }, err.message);
      return errorPage(
        res,
        s,
        status,
        status >= 500 ? 'Something went wrong on our side; it has been logged.' : err.message,
      );
    }
    const status =
      (err as { status?: number; statusCode?: number })?.status ??
      (err as { statusCode?: number })?.statusCode;
    if (status === 404) return errorPage(res, s, 404, 'There is no such page.');
    if (status === 413 || status === 400) return errorPage(res, s, 400, 'The form could not be read.');
    req.log.error({ err }, 'dashboard request failed');
    errorPage(res, s, 500, 'Something went wrong on our side; it has been logged.');
  });

  return router;
}
