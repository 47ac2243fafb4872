// A worker dies in the middle of rating — after a batch has committed, before Temporal hears of
// it — and another worker takes over. The cycle must finish with exactly one bill per account, no
// bill missing, and a ledger that matches the bills to the cent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { importLegacyExport } from '../services/import-legacy';
import { importAmiReads } from '../services/read-import';
import { createMailer } from '../lib/mailer';
import { startSmtpCatcher, type SmtpCatcher } from '../lib/runtime/smtp-catcher';
import { verifyAuditChain } from '../lib/audit-verify';
import { billCycle, billCycleWorkflowId } from '../workflows/bill-cycle';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createTimeSkippingEnv, workflowBundle } from './helpers/temporal';

jest.setTimeout(180_000);

const DEMO = path.resolve(__dirname, '..', 'demo-data', 'millbrook');
const actor = { id: 'test', role: 'admin' };
let t: TestDatabase;
let env: TestWorkflowEnvironment;
let catcher: SmtpCatcher;
let scratch: string;

beforeAll(async () => {
  t = await createTestDatabase();
  env = await createTimeSkippingEnv();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'opencis-crash-'));
  catcher = await startSmtpCatcher({ mailDir: path.join(scratch, 'mail'), port: 0 });
  await importLegacyExport(t.db, { dir: DEMO, actor, encryptionKey: randomBytes(32) });
  for (const f of ['billing-reads-2026-10.csv', 'billing-reads-2026-11.csv']) {
    await importAmiReads(t.db, { content: readFileSync(path.join(DEMO, 'reads', f)), fileName: f, actor });
  }
});
afterAll(async () => {
  await env?.teardown();
  await catcher?.stop();
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('a worker crash after a committed rating batch neither duplicates nor loses a bill', async () => {
  const taskQueue = `crash-${randomBytes(4).toString('hex')}`;
  const mailer = createMailer(catcher.url, 'billing@millbrook.example');
  const deps = { db: t.db, temporal: env.client, taskQueue, mailer, outDir: path.join(scratch, 'out') };
  const real = createActivities(deps);
  const bundle = await workflowBundle();

  // The first worker commits its second rating batch and then "dies" before reporting success:
  // the attempt fails after its commit, the worker is torn down, and Temporal runs that batch
  // again on the second worker.
  let calls = 0;
  let crashed!: () => void;
  const crashedNow = new Promise<void>((resolve) => (crashed = resolve));
  const crashing = {
    ...real,
    async rateBatch(i: Parameters<typeof real.rateBatch>[0]) {
      const r = await real.rateBatch(i);
      if (++calls === 2) {
        crashed();
        // The process dies here: the batch is committed but its completion is never reported.
        throw new Error('worker process killed after commit');
      }
      return r;
    },
  };
  const first = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: crashing,
    shutdownGraceTime: '200ms',
    // No sticky workflow cache: the test server would otherwise keep routing this workflow's
    // tasks to the dead worker's sticky queue.
    maxCachedWorkflows: 0,
    shutdownForceTime: '2s',
  });
  const firstRun = first.run();

  const handle = await env.client.workflow.start(billCycle, {
    taskQueue,
    workflowId: billCycleWorkflowId(2, '2026-11'),
    args: [{ cycleId: 2, period: '2026-11', autoApprove: true, batchSize: 20, keepPlannedDates: true }],
  });
  await crashedNow;
  first.shutdown();
  await firstRun.catch(() => undefined); // the first worker is gone
  expect(calls).toBe(2);
  const draftsAtCrash = await t.db.bill.count({ where: { cycleRunId: '2:2026-11' } });
  expect(draftsAtCrash).toBe(40); // two batches committed, the second never acknowledged

  const second = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: real,
  });
  const result = await second.runUntil(handle.result());
  mailer.close();

  expect(result.stage).toBe('closed');
  const accounts = await t.db.account.count({ where: { billCycle: 2, status: 'ACTIVE' } });
  const bills = await t.db.bill.findMany({ where: { cycleRunId: '2:2026-11' } });
  expect(bills).toHaveLength(accounts); // November cycle 2 is clean: every account billed once
  expect(new Set(bills.map((b) => b.accountId)).size).toBe(accounts);
  expect(bills.every((b) => b.status === 'ISSUED')).toBe(true);
  expect(result.issued).toBe(accounts);

  // The ledger matches the bills to the cent, one charge per bill.
  const charges = await t.db.ledgerEntry.findMany({
    where: { kind: 'CHARGE', billId: { in: bills.map((b) => b.id) } },
  });
  expect(charges).toHaveLength(accounts);
  const billed = bills.reduce((s, b) => s + b.totalCents, 0n);
  expect(charges.reduce((s, c) => s + c.amountCents, 0n)).toBe(billed);
  expect(BigInt(result.issuedCents)).toBe(billed);
  // No notice twice: one delivery per bill in the register.
  const notices = await t.db.notice.groupBy({ by: ['billId'], where: { type: 'BILL' }, _count: true });
  expect(notices.every((n) => n._count === 1)).toBe(true);
  expect(notices).toHaveLength(accounts);
  expect((await verifyAuditChain(t.db)).ok).toBe(true);
});
