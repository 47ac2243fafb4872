// The real API in-process, with a real worker, against a fresh database and a Temporal
// time-skipping server. Requests go over HTTP on loopback.
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtpCatcher } from '../../lib/runtime/smtp-catcher';
import { createMailer, type Mailer } from '../../lib/mailer';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import type { RegisteredRoute } from '../../api/route';
import { createActivities } from '../../activities';
import { createLogger } from '../../lib/logger';
import { SYSTEM_ACTOR } from '../../lib/audit';
import { seedDemoUsers } from '../../services/users';
import { createTestDatabase, type TestDatabase } from './db';
import { createTimeSkippingEnv, workflowBundle } from './temporal';

export interface TestApp {
  /** Where the SMTP catcher keeps mail and where print batches go. */
  mailDir: string;
  outDir: string;
  /** The mailer the worker sends with (to the SMTP catcher). */
  mailer: Mailer;
  t: TestDatabase;
  env: TestWorkflowEnvironment;
  /** The worker's task queue (for workflows a test starts itself). */
  taskQueue: string;
  baseUrl: string;
  keys: Record<string, string>;
  encryptionKey: Buffer;
  /** The app's route table (method, path, permission, schemas), as `app.locals.routes` holds it. */
  routes: RegisteredRoute[];
  /** fetch against the app with the named demo key (or none) */
  call(
    key: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * When the day's print batch of notices closes (NOTICE_PRINT_TIME, HH:MM local; 16:00 by
   * default). A disconnection notice decided after the close (or in the 15 minutes before it) is
   * counted from the next day's batch, so a suite whose cases start at the real time of day sets a
   * late close to run the same way whenever it runs.
   */
  noticePrintTime?: string;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestDatabase();
  const env = await createTimeSkippingEnv();
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  // A real SMTP listener for the mail the system sends, and a private folder for print batches.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'opencis-app-'));
  const mailDir = path.join(scratch, 'mail');
  const catcher = await startSmtpCatcher({ mailDir, port: 0 });
  const mailer = createMailer(catcher.url, 'Millbrook Water & Light <billing@millbrook.example>');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      db: t.db,
      temporal: env.client,
      taskQueue,
      mailer,
      outDir: path.join(scratch, 'out'),
      ...(opts.noticePrintTime ? { noticePrintTime: opts.noticePrintTime } : {}),
    }),
  });
  const running = worker.run();
  const encryptionKey = randomBytes(32);
  const app = createApp({
    db: t.db,
    temporal: env.client,
    taskQueue,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    encryptionKey,
    mailDir,
    outDir: path.join(scratch, 'out'),
    // The suites call every route without a key many times; the limit has its own test.
    authFailureLimit: { max: 1_000_000, windowMs: 60_000 },
    // The workflows run on the time-skipping server's clock; rules the API judges use the same.
    now: async () => new Date(await env.currentTimeMs()),
    health: async () => ({
      postgres: { ok: true, detail: 'test' },
      temporal: { ok: true, detail: 'test' },
      smtp: { ok: true, detail: 'test' },
    }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const keys = await seedDemoUsers(t.db, SYSTEM_ACTOR);

  return {
    t,
    env,
    taskQueue,
    mailDir,
    outDir: path.join(scratch, 'out'),
    mailer,
    baseUrl,
    keys,
    encryptionKey,
    routes: app.locals.routes as RegisteredRoute[],
    async call(key, method, path, body, headers = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${keys[key] ?? key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      worker.shutdown();
      await running;
      await env.teardown();
      mailer.close();
      await catcher.stop();
      await t.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A small customer record through the API: customer, premise, account, water meter. */
export async function seedAccount(app: TestApp, n = 1) {
  const c = await app.call('csr', 'POST', '/customers', {
    name: `Test Customer ${n}`,
    mailingAddress: `${n} Main St, Millbrook, PA 16801`,
    email: `t${n}@example.org`,
    phone: '814-555-0100',
  });
  const p = await app.call('csr', 'POST', '/premises', {
    serviceAddress: `${n} Main St, Millbrook, PA 16801`,
    zip: '16801',
    serviceArea: 'North',
    state: 'PA',
    premiseType: 'RESIDENTIAL',
  });
  const a = await app.call('csr', 'POST', '/accounts', {
    customerId: c.body.id,
    premiseId: p.body.id,
    class: 'RES',
    billCycle: 1,
    startDate: '2026-01-01',
  });
  const m = await app.call('supervisor', 'POST', '/meters', {
    id: `WTEST${n}`,
    premiseId: p.body.id,
    service: 'WATER',
    readUnit: 'GAL',
    dials: 6,
    multiplier: 10,
    size: '5/8"',
  });
  for (const r of [c, p, a, m])
    if (r.status !== 201) throw new Error(`seed failed: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    customerId: c.body.id as string,
    premiseId: p.body.id as string,
    accountId: a.body.id as string,
    meterId: m.body.id as string,
  };
}
