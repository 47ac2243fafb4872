// The fault suite (`npm run test:faults`): a whole bill cycle over N generated accounts, with
// payments arriving through the API and the collections cases it hands off running, while the
// worker, the Temporal dev server and Postgres are killed with SIGKILL at seeded moments and
// started again on their same files. Afterwards every invariant is checked (invariants.ts).
//
//   npm run test:faults                         one run, a random seed (printed)
//   npm run test:faults -- --seed=42            replay seed 42 exactly (same data, faults, payments)
//   npm run test:faults -- --runs=20            20 consecutive seeds; stops at the first failure
//   npm run test:faults -- --accounts=1000 --faults=3   smaller and shorter (CI)
//
// Exit status 0 when every run kept every invariant, 1 otherwise. A failed run's scratch folder
// (logs of every part, the database and Temporal files) is kept and named.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { SYSTEM_ACTOR } from '../../lib/audit';
import { migrate } from '../../lib/db/migrate';
import { createPrisma } from '../../lib/db/prisma';
import { freePort } from '../../lib/runtime/ports';
import { startSmtpCatcher } from '../../lib/runtime/smtp-catcher';
import { resolveTemporalCli } from '../../lib/runtime/temporal-dev-server';
import { WORKFLOWS_PATH } from '../../lib/worker';
import { pastDueBalances } from '../../services/ledger';
import { seedDemoUsers } from '../../services/users';
import { billCycle, billCycleWorkflowId, type CycleProgress } from '../../workflows/bill-cycle';
import { prng } from '../../bench/harness';
import { checkInvariants, collectionsCensus, type Check } from './invariants';
import { drivePayments } from './payments';
import { describeFault, makePlan, MOMENTS, type Fault, type Moment } from './plan';
import { listening, Postgres, printed, Supervised, Temporal } from './stack';

const CYCLE_ID = 1;
const PERIOD = '2026-11';
const RUN_ID = `${CYCLE_ID}:${PERIOD}`;
const TASK_QUEUE = 'opencis';
const DB_NAME = 'opencis';
/** Worst case per fault: a killed worker's activity is retried after its heartbeat timeout (2 min). */
const CYCLE_DEADLINE_MS = 25 * 60_000;
/** Collections cases that stop making progress for this long are stuck (an activity's 2-minute
 * timeout plus its retry back-off fits well inside). */
const CASES_STALL_MS = 5 * 60_000;
const CASES_DEADLINE_MS = 40 * 60_000;

/**
 * The dev server on two free ports; when another program takes one between the choice and the bind,
 * it starts again on two others.
 */
async function startTemporal(dataDir: string): Promise<Temporal> {
  for (let attempt = 1; ; attempt++) {
    const temporal = new Temporal(resolveTemporalCli(), dataDir, await freePort(), await freePort());
    try {
      await temporal.start();
      return temporal;
    } catch (err) {
      if (attempt >= 3 || !/in use/.test(String(err))) throw err;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
let t0 = Date.now();
const say = (line: string) => process.stdout.write(`[${secs(Date.now() - t0).padStart(8)}] ${line}\n`);

interface Options {
  seed: number;
  runs: number;
  accounts: number;
  faults: number;
  /** Accounts generated with no payment on file (so past due and handed to collections). */
  pastDue: number | null;
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      runs: { type: 'string', default: '1' },
      accounts: { type: 'string', default: '10000' },
      faults: { type: 'string', default: '6' },
      'past-due': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run test:faults -- [--seed=N] [--runs=K] [--accounts=N (10000)] [--faults=N (6)] [--past-due=N (10 %, at most 250)] [--keep]\n',
    );
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be a whole number of at least ${min}`);
    return n;
  };
  return {
    seed: values.seed !== undefined ? int('seed', values.seed, 0) : randomBytes(3).readUIntBE(0, 3),
    runs: int('runs', values.runs, 1),
    accounts: int('accounts', values.accounts, 100),
    faults: int('faults', values.faults, 0),
    pastDue: values['past-due'] !== undefined ? int('past-due', values['past-due'], 0) : null,
    keep: values.keep ?? false,
  };
}

/**
 * The share of accounts generated with no payment on file, so past due and handed to collections:
 * 10 %, at most 250 accounts. The cases catch up after the cycle, several activities each, and a
 * few hundred of them show what faults do to them without making a run wait long for a thousand.
 */
function unpaidShare(o: Options): number {
  return o.pastDue !== null ? Math.min(1, o.pastDue / o.accounts) : Math.min(0.1, 250 / o.accounts);
}

/** Stops what the current run started (on Ctrl-C or SIGTERM, so no part is left running). */
let stopOnSignal: () => Promise<void> = async () => undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    process.stdout.write(`\n${sig}: stopping the run's processes\n`);
    void stopOnSignal().finally(() => process.exit(130));
  });

interface RunResult {
  seed: number;
  ok: boolean;
  ms: number;
  failures: string[];
  scratch: string;
}

async function oneRun(seed: number, o: Options, bundleCode: string): Promise<RunResult> {
  t0 = Date.now();
  process.stdout.write(`\nFAULTS SEED=${seed} (accounts ${o.accounts}, faults ${o.faults})\n`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), `opencis-faults-${seed}-`));
  const failures: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  stopOnSignal = async () => {
    for (const s of [...stops].reverse()) await s().catch(() => undefined);
  };
  try {
    const bundlePath = path.join(scratch, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundleCode);
    // Each port is chosen just before its server first binds it, so another program on the machine
    // has no time to take it in between.
    const pgPort = await freePort();
    let apiPort = 0;

    // ---- Postgres, schema, the generated utility ----
    const pg = new Postgres(path.join(scratch, 'postgres'), pgPort);
    const embedded = await pg.start();
    stops.push(() => pg.stop());
    await embedded.ensureDatabase(DB_NAME);
    const adminUrl = embedded.urlFor(DB_NAME);
    await migrate(adminUrl);
    const admin = async <T>(fn: (c: PgClient) => Promise<T>): Promise<T> => {
      const c = new PgClient({ connectionString: adminUrl });
      c.on('error', () => undefined); // a restart under a short-lived client is expected
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    await admin((c) => c.query(`ALTER ROLE opencis_app LOGIN PASSWORD 'opencis_app'`));
    const appUrl = `postgresql://opencis_app:opencis_app@127.0.0.1:${pgPort}/${DB_NAME}`;
    // Loaded here rather than at the top: the benchmark module reads the checkout's git status when
    // loaded, and must not take git's index lock while others work in the same checkout.
    process.env.GIT_OPTIONAL_LOCKS = '0';
    const { generateUtility, DEFAULTS } = await import('../../bench/billing');
    await admin((c) =>
      generateUtility(c, { ...DEFAULTS, accounts: o.accounts, seed, paidShare: 1 - unpaidShare(o) }, (l) =>
        say(l.trim()),
      ),
    );

    // ---- Temporal, mail, API keys ----
    const temporal = await startTemporal(path.join(scratch, 'temporal'));
    stops.push(() => temporal.stop());
    const mailDir = path.join(scratch, 'mail');
    const catcher = await startSmtpCatcher({ mailDir, port: 0 });
    stops.push(() => catcher.stop());
    const setupDb = createPrisma(appUrl);
    const keys = await seedDemoUsers(setupDb, SYSTEM_ACTOR);
    await setupDb.$disconnect();
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new TemporalClient({ connection, namespace: 'default' });

    // ---- the worker and the API, each a supervised process ----
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      DATA_DIR: path.join(scratch, 'data'),
      DATABASE_URL: appUrl,
      DATABASE_ADMIN_URL: adminUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SMTP_URL: catcher.url,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      API_PORT: String((apiPort = await freePort())),
      API_HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      FAULTS_WORKFLOW_BUNDLE: bundlePath,
    };
    const worker = new Supervised(
      'worker',
      ['test/faults/worker.ts'],
      env,
      path.join(scratch, 'worker.log'),
      printed('worker running'),
    );
    const api = new Supervised('api', ['bin/api.ts'], env, path.join(scratch, 'api.log'), listening(apiPort));
    await Promise.all([worker.start(), api.start()]);
    stops.push(
      () => api.stop(),
      () => worker.stop(),
    );
    const baseUrl = `http://127.0.0.1:${apiPort}`;

    // ---- the plan ----
    const { accounts, unpaid } = await admin(async (c) => ({
      accounts: (await c.query<{ id: string }>('SELECT id FROM account ORDER BY id')).rows.map((r) => r.id),
      unpaid: (
        await c.query<{ id: string }>(
          'SELECT id FROM account a WHERE NOT EXISTS (SELECT 1 FROM payment p WHERE p.account_id = a.id) ORDER BY id',
        )
      ).rows.map((r) => r.id),
    }));
    const plan = makePlan(seed, { faults: o.faults, accounts, unpaid });
    say(`schedule (seed ${seed}):`);
    for (const f of plan.faults) say(`  ${describeFault(f)}`);
    const returns = plan.payments.filter((p) => p.returnAfterMs !== null).length;
    say(
      `  ${plan.payments.length} payments through the API in ${plan.faults.length + 1} bursts (at the start and ` +
        `at each fault), ${returns} of them returned later`,
    );

    // ---- go ----
    const batchSize = Math.max(100, Math.round(o.accounts / 20));
    const workflowId = billCycleWorkflowId(CYCLE_ID, PERIOD);
    await client.workflow.start(billCycle, {
      workflowId,
      taskQueue: TASK_QUEUE,
      // A past period with its planned dates, so late charges and the hand-off come at once.
      args: [{ cycleId: CYCLE_ID, period: PERIOD, autoApprove: true, batchSize, keepPlannedDates: true }],
    });
    say(`billCycle ${workflowId} started (batch ${batchSize})`);
    const driver = drivePayments({
      baseUrl,
      csrKey: keys.csr!,
      supervisorKey: keys.supervisor!,
      payments: plan.payments,
      retryForMs: 5 * 60_000,
      concurrency: 4,
    });

    const stageNow = async (): Promise<string | null> => {
      try {
        return await admin(async (c) => {
          const r = await c.query<{ stage: string | null }>(
            `SELECT counts->>'stage' AS stage FROM bill_cycle_run WHERE id = $1`,
            [RUN_ID],
          );
          return r.rows[0]?.stage ?? 'opening';
        });
      } catch {
        return null; // Postgres is down or recovering
      }
    };
    const momentIndex = (stage: string): number => {
      if (stage === 'closed') return MOMENTS.indexOf('collections');
      const i = MOMENTS.indexOf(stage as Moment);
      return i >= 0 ? i : -1; // opening, waiting-for-reads, estimating: before the first moment
    };
    const reached = async (m: Moment, deadline: number): Promise<string> => {
      let stage: string | null = null;
      for (;;) {
        stage = (await stageNow()) ?? stage;
        if (stage !== null) {
          const idx = momentIndex(stage);
          // estimating sits between validating and rating; waiting-for-due-date before late-charges
          const at =
            stage === 'estimating'
              ? MOMENTS.indexOf('validating')
              : stage === 'waiting-for-due-date'
                ? MOMENTS.indexOf('delivering')
                : idx;
          if (at >= MOMENTS.indexOf(m)) return stage;
        }
        if (Date.now() > deadline)
          throw new Error(`the cycle did not reach ${m} (last stage ${stage ?? '?'})`);
        await sleep(200);
      }
    };

    const inject = async (f: Fault) => {
      const stage = await reached(f.at, Date.now() + CYCLE_DEADLINE_MS);
      await sleep(f.delayMs);
      const now = (await stageNow()) ?? stage;
      driver.openSlot(f.n); // a burst of payments, some in flight when the part goes down
      await sleep(300);
      const t = Date.now();
      if (f.kind === 'worker') {
        const pid = worker.pid;
        await worker.kill();
        await worker.waitReady();
        say(
          `fault #${f.n}: worker (pid ${pid}) killed in stage ${now}; restarted in ${secs(Date.now() - t)}`,
        );
      } else if (f.kind === 'temporal') {
        await temporal.kill();
        await sleep(f.downMs);
        await temporal.start();
        say(
          `fault #${f.n}: Temporal killed in stage ${now}; down ${secs(f.downMs)}, serving again after ${secs(Date.now() - t)}`,
        );
      } else {
        await pg.kill();
        await sleep(f.downMs);
        await pg.start();
        say(
          `fault #${f.n}: Postgres killed in stage ${now}; down ${secs(f.downMs)}, recovered after ${secs(Date.now() - t)}`,
        );
      }
    };
    try {
      for (const f of plan.faults) await inject(f);
    } finally {
      for (const f of plan.faults) driver.openSlot(f.n);
    }

    // ---- everything started must finish ----
    const cycleDeadline = Date.now() + CYCLE_DEADLINE_MS;
    let progress: CycleProgress | null = null;
    let lastStage = '';
    for (;;) {
      try {
        const d = await client.workflow.getHandle(workflowId).describe();
        if (d.status.name === 'COMPLETED') {
          progress = (await client.workflow.getHandle<typeof billCycle>(workflowId).result()) ?? null;
          break;
        }
        if (d.status.name !== 'RUNNING') throw new Error(`billCycle ended ${d.status.name}`);
        const pending = d.raw.pendingActivities?.[0];
        const stage = `${(await stageNow()) ?? '?'}${pending && (pending.attempt ?? 1) > 1 ? ` (${pending.activityType?.name} attempt ${pending.attempt}: ${pending.lastFailure?.message?.slice(0, 100) ?? 'timed out'})` : ''}`;
        if (stage !== lastStage) say(`billCycle: ${stage}`);
        lastStage = stage;
      } catch (err) {
        if ((err as Error).message.startsWith('billCycle ended')) throw err;
      }
      if (Date.now() > cycleDeadline)
        throw new Error(`billCycle did not finish in ${secs(CYCLE_DEADLINE_MS)}`);
      await sleep(2_000);
    }
    if (progress?.stage !== 'closed') failures.push(`billCycle finished in stage ${progress?.stage}`);
    say(
      `billCycle closed: ${progress?.issued} issued (${progress?.issuedCents} cents), ${progress?.emailed} emailed ` +
        `(${progress?.emailUnconfirmed ?? 0} unconfirmed), ` +
        `${progress?.printed} printed, ${progress?.lateFees} late fees, ${progress?.handedOff} handed off`,
    );
    const outcomes = await driver.done;
    say(`payments answered: ${driver.answered()} of ${plan.payments.length}`);

    // A thousand cases catching up on a loaded machine take a while: wait as long as they move
    // (more closed or at rest), and call it stuck after CASES_STALL_MS without any progress.
    let census = await admin((c) => collectionsCensus(c, client, RUN_ID));
    let settled = census.closed + census.resting;
    let movedAt = Date.now();
    const casesDeadline = Date.now() + CASES_DEADLINE_MS;
    while (
      (census.busy.length > 0 || census.broken.length > 0) &&
      Date.now() - movedAt < CASES_STALL_MS &&
      Date.now() < casesDeadline
    ) {
      say(
        `collections: ${census.episodes} cases, ${census.closed} closed, ${census.resting} at rest, ` +
          `${census.busy.length} busy (${census.busy[0] ?? ''}), ${census.broken.length} broken`,
      );
      await sleep(5_000);
      census = await admin((c) => collectionsCensus(c, client, RUN_ID));
      if (census.closed + census.resting > settled) {
        settled = census.closed + census.resting;
        movedAt = Date.now();
      }
    }

    // ---- the invariants ----
    const checkDb = createPrisma(adminUrl);
    const rnd = prng(seed ^ 0x5eed);
    const sample = [
      ...new Set([
        ...outcomes.map((x) => x.planned.accountId),
        ...Array.from({ length: 50 }, () => accounts[Math.floor(rnd() * accounts.length)]!),
      ]),
    ];
    let checks: Check[];
    try {
      checks = await admin((c) =>
        checkInvariants({
          pg: c,
          db: checkDb,
          temporal: client,
          runId: RUN_ID,
          baseUrl,
          csrKey: keys.csr!,
          mailDir,
          payments: outcomes,
          sample,
        }),
      );
    } finally {
      await checkDb.$disconnect();
    }
    const caseViolations = [
      ...census.broken,
      ...census.busy.map((b) => `not at rest (no case settled for ${secs(Date.now() - movedAt)}): ${b}`),
    ];
    // A paid-up account's case must have been woken by its payment and closed: an open one means
    // a wake-up was lost (it would sleep until its next timer, days away).
    const stillOpen = await admin(
      async (c) =>
        (
          await c.query<{ account_id: string; workflow_id: string }>(
            `SELECT account_id, workflow_id FROM collections_episode WHERE opened_by_run = $1 AND closed_at IS NULL`,
            [RUN_ID],
          )
        ).rows,
    );
    const wakeDb = createPrisma(adminUrl);
    try {
      const pastDue = await pastDueBalances(
        wakeDb,
        stillOpen.map((e) => e.account_id),
      );
      for (const e of stillOpen)
        if ((pastDue.get(e.account_id) ?? 0n) <= 0n)
          caseViolations.push(
            `${e.workflow_id} is open but its account is no longer past due (a lost wake-up)`,
          );
    } finally {
      await wakeDb.$disconnect();
    }
    if (progress && census.episodes !== progress.handedOff)
      caseViolations.push(`${progress.handedOff} accounts handed off but ${census.episodes} episodes opened`);
    checks.push({
      name: 'every workflow finishes',
      violations: caseViolations.slice(0, 8),
      counted:
        `billCycle ${progress?.stage}; ${census.episodes} cases: ${census.closed} closed, ${census.resting} at rest ` +
        `(${Object.entries(census.stages)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
    });
    for (const c of checks) {
      say(`${c.violations.length ? 'FAIL' : 'ok  '} ${c.name}: ${c.counted}`);
      for (const v of c.violations) say(`       ${v}`);
      failures.push(...c.violations.map((v) => `${c.name}: ${v}`));
    }
    const crashes = [...worker.crashes.map((c) => `worker ${c}`), ...api.crashes.map((c) => `api ${c}`)];
    say(
      `restarts: worker ${worker.restarts}, api ${api.restarts}` +
        (crashes.length ? ` (exits not caused by a kill: ${crashes.join(', ')})` : ''),
    );
  } catch (err) {
    failures.push(`the run did not complete: ${(err as Error).stack ?? String(err)}`);
    say(`ERROR ${(err as Error).message}`);
  } finally {
    for (const s of [...stops].reverse()) await s().catch(() => undefined);
  }
  const ok = failures.length === 0;
  const ms = Date.now() - t0;
  if (ok && !o.keep) rmSync(scratch, { recursive: true, force: true });
  say(
    `FAULTS SEED=${seed} ${ok ? 'PASSED' : 'FAILED'} in ${secs(ms)}${ok && !o.keep ? '' : ` (files kept in ${scratch})`}`,
  );
  return { seed, ok, ms, failures, scratch };
}

async function main(): Promise<number> {
  const o = options();
  const tb = Date.now();
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never,
  });
  process.stdout.write(`workflows bundled in ${secs(Date.now() - tb)}\n`);
  const results: RunResult[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await oneRun(o.seed + i, o, bundle.code);
    results.push(r);
    if (!r.ok) break;
  }
  const passed = results.filter((r) => r.ok).length;
  process.stdout.write(
    `\nfault suite: ${passed} of ${o.runs} runs passed` +
      ` (seeds ${results.map((r) => `${r.seed} ${r.ok ? 'ok' : 'FAILED'} ${secs(r.ms)}`).join(', ')})\n`,
  );
  for (const r of results.filter((x) => !x.ok)) {
    process.stdout.write(
      `seed ${r.seed} failed (replay: npm run test:faults -- --seed=${r.seed} --accounts=${o.accounts} --faults=${o.faults}${o.pastDue !== null ? ` --past-due=${o.pastDue}` : ''}):\n`,
    );
    for (const f of r.failures.slice(0, 20)) process.stdout.write(`  ${f}\n`);
  }
  return passed === o.runs ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fault suite failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
