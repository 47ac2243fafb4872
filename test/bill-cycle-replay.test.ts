// billCycle replays: cycles recorded with earlier workflow code (test/fixtures/bill-cycle-v1: before
// the 2,000-account batches; bill-cycle-v2: before lanes) must replay against the current code
// command for command, or a deploy would break the cycles running at the time; and a cycle run now
// replays as well.
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

const recorded = (version: string) => {
  const dir = path.join(__dirname, 'fixtures', version);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => path.join(dir, f));
};

test.each([
  ...recorded('bill-cycle-v1').map((f) => ['before the 2,000-account batches', path.basename(f), f]),
  ...recorded('bill-cycle-v2').map((f) => ['before lanes', path.basename(f), f]),
])('a cycle recorded %s (%s) replays unchanged', async (_when, file, full) => {
  const history = temporal.api.history.v1.History.decode(readFileSync(full!));
  // Throws DeterminismViolationError if the current code would issue other commands.
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
});

describe('a cycle run with the current code', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('rates and issues 2,000 accounts a batch in two lanes side by side by default, and replays', async () => {
    const accounts = Array.from({ length: 4500 }, (_, i) => String(100001 + i));
    const limits: number[] = [];
    const batches: { kind: string; first: string; last: string }[] = [];
    const page = (
      kind: string,
      i: { afterAccountId: string | null; throughAccountId?: string | null; limit: number },
    ) => {
      limits.push(i.limit);
      const batch = accounts
        .filter(
          (a) =>
            (i.afterAccountId === null || a > i.afterAccountId) &&
            (!i.throughAccountId || a <= i.throughAccountId),
        )
        .slice(0, i.limit);
      if (batch.length) batches.push({ kind, first: batch[0]!, last: batch.at(-1)! });
      return batch;
    };
    let lanesAsked = 0;
    const redatedAt: string[] = [];
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
      // Issued after 2026-10-06: the bills are dated the day of issue (here, a fixed later day).
      async redateLateIssue(i) {
        redatedAt.push(i.issuingAt);
        return {
          period: '2026-10',
          readDay: '2026-10-02',
          readWindowFrom: '2026-09-30T00:00:00.000Z',
          readWindowTo: '2026-10-06T00:00:00.000Z',
          billDate: '2026-12-07',
          dueDate: '2026-12-27',
          lateChargeDate: '2026-12-28',
        };
      },
      async validateCycleReads() {
        return { meters: 6000, valid: 6000, exceptions: 0 };
      },
      async estimateMissingReads() {
        return { estimated: 0, notEstimable: 0 };
      },
      async countOpenExceptions() {
        return 0;
      },
      async planCycleLanes(i) {
        lanesAsked = i.lanes;
        return [accounts[2249]!];
      },
      async rateBatch(i) {
        const batch = page('rate', i);
        return { lastAccountId: batch.at(-1) ?? null, drafted: batch.length, skipped: 0 };
      },
      async issueBatch(i) {
        const batch = page('issue', i);
        return {
          lastAccountId: batch.at(-1) ?? null,
          issued: batch.length,
          totalCents: String(batch.length * 100),
        };
      },
      async deliverCycleBills() {
        return { emailed: 1500, printed: 3000, emailUnconfirmed: 0 };
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
    expect(lanesAsked).toBe(2);
    expect(redatedAt).toHaveLength(1);
    expect(result.calendar).toMatchObject({ billDate: '2026-12-07', dueDate: '2026-12-27' });
    // Lane 1 is accounts 100001–102250, lane 2 the rest: each covered once, in batches of 2,000.
    for (const kind of ['rate', 'issue'])
      expect(batches.filter((b) => b.kind === kind).sort((a, b) => (a.first < b.first ? -1 : 1))).toEqual([
        { kind, first: '100001', last: '102000' },
        { kind, first: '102001', last: '102250' },
        { kind, first: '102251', last: '104250' },
        { kind, first: '104251', last: '104500' },
      ]);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
