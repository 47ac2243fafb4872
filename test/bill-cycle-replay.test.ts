// billCycle replays: cycles recorded with earlier workflow code (test/fixtures/bill-cycle-v1) must
// replay against the current code command for command, or a deploy would break the cycles running
// at the time; and a cycle run now replays as well.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { BillingActivities } from '../activities/billing';
import { billCycle, billCycleWorkflowId } from '../workflows/bill-cycle';
import { createTimeSkippingEnv, workflowBundle } from './helpers/temporal';

jest.setTimeout(120_000);

const FIXTURES = path.join(__dirname, 'fixtures', 'bill-cycle-v1');

test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.pb')))(
  'a cycle recorded before the 2,000-account batches (%s) replays unchanged',
  async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(FIXTURES, file)));
    // Throws DeterminismViolationError if the current code would issue other commands.
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  },
);

describe('a cycle run with the current code', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('batches 2,000 accounts by default and replays', async () => {
    const accounts = Array.from({ length: 4500 }, (_, i) => String(100001 + i));
    const limits: number[] = [];
    const page = (after: string | null, limit: number) => {
      limits.push(limit);
      const start = after ? accounts.indexOf(after) + 1 : 0;
      return accounts.slice(start, start + limit);
    };
    const activities: Partial<BillingActivities> = {
      async openCycleRun() {
        return {
          runId: '1:2026-10',
          calendar: {
            period: '2026-10',
            readDay: '2026-10-02',
            readWindowFrom: '2026-09-30T00:00:00.000Z',
            readWindowTo: '2026-10-06T00:00:00.000Z',
            billDate: '2026-10-06',
            dueDate: '2026-10-26',
            lateChargeDate: '2026-10-27',
          },
        };
      },
      async recordCycleStage() {},
      async validateCycleReads() {
        return { meters: 6000, valid: 6000, exceptions: 0 };
      },
      async estimateMissingReads() {
        return { estimated: 0, notEstimable: 0 };
      },
      async countOpenExceptions() {
        return 0;
      },
      async rateBatch(i) {
        const batch = page(i.afterAccountId, i.limit);
        return { lastAccountId: batch.at(-1) ?? null, drafted: batch.length, skipped: 0 };
      },
      async issueBatch(i) {
        const batch = page(i.afterAccountId, i.limit);
        return {
          lastAccountId: batch.at(-1) ?? null,
          issued: batch.length,
          totalCents: String(batch.length * 100),
        };
      },
      async deliverCycleBills() {
        return { emailed: 1500, printed: 3000 };
      },
      async assessLateCharges() {
        return { assessed: 4100, totalCents: '410000', pastDueAccounts: accounts.slice(0, 4100) };
      },
      async handOffToCollections(i) {
        return { handedOff: i.accountIds.length };
      },
    };
    const taskQueue = `replay-${randomBytes(4).toString('hex')}`;
    const workflowId = billCycleWorkflowId(1, '2026-10');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(billCycle, {
        taskQueue,
        workflowId,
        args: [{ cycleId: 1, period: '2026-10' }],
      }),
    );
    expect(result).toMatchObject({ stage: 'closed', drafted: 4500, issued: 4500, handedOff: 4100 });
    expect(new Set(limits)).toEqual(new Set([2000]));
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
