// collections-cases: N open collectionsCase workflows (default 10,000) on ONE in-process worker,
// through a real Temporal dev server, with real activities over a throwaway Postgres.
//
// 1. A throwaway embedded Postgres (migrated); `temporal server start-dev` with its own SQLite file
//    in a temp dir; the SMTP catcher (lib/runtime/smtp-catcher.ts) in a process of its own
//    (bench/smtp-catcher-process.ts), all on free ports; one worker (lib/worker.ts createWorker
//    with createActivities: Prisma as the application role with the production pool of 10, the
//    mailer, a print folder) in this process.
// 2. N past-due accounts generated with set-based SQL (INSERT … SELECT over generate_series):
//    customer (40 % paperless with email), premise under Millbrook's MUNICIPAL profile, a water
//    service point and meter, the account, one unpaid CHARGE billed 60 days ago and due 40 days
//    ago (so the written notice is lawful at once), and its open collections_episode — what the
//    bill cycle's hand-off leaves behind (activities/bill-cycle/hand-off.ts).
// 3. Start: the hand-off as the bill cycle sends it, a signal-with-start of
//    `collections:<account>:1` per account, 50 in flight. Each case records the hand-off, sends
//    the reminder, asks the rules, sends the written disconnection notice, asks again and sleeps
//    on a durable timer until the notice period ends. Measured: time until every case is waiting
//    (its episode names a next action whose earliest moment is in the future), this process's
//    RSS sampled every 200 ms (peak while starting, and steady: the mean over 10 s once all wait).
// 4. Advance: durable timers of a real server cannot be skipped, so the cases are moved the way
//    the product moves them before their date: every account pays its past-due balance (payment
//    and ledger rows, set-based and untimed, as services/payments.ts writes them) and the product's
//    wakeCases (services/collections.ts) sends each case factsChanged; each wakes from its timer,
//    asks the rules again and closes as cured. Measured: time until every episode is closed.
// 5. Everything started is stopped in reverse order in `finally` blocks (worker, connections,
//    dev server, catcher, Prisma, Postgres, temp dir), whatever happened.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { createPrisma } from '../lib/db/prisma';
import { createMailer } from '../lib/mailer';
import { freePort } from '../lib/runtime/ports';
import { resolveTemporalCli, startTemporalDevServer } from '../lib/runtime/temporal-dev-server';
import { createWorker, DEFAULT_MAX_CACHED_WORKFLOWS } from '../lib/worker';
import { wakeCases } from '../services/collections';
import {
  collectionsCase,
  collectionsHandoffSignal,
  collectionsWorkflowId,
} from '../workflows/collections-case';
import { fmt, MiB, withClient, withServer, type BenchOptions, type Figure, type Result } from './harness';

export const name = 'collections-cases';
export const description =
  '10,000 collectionsCase workflows on one worker: time to all waiting, worker RSS, time to advance all';

const NAMESPACE = 'default';
const RUN_ID = 'bench-collections';
const MAIL_FROM = 'Millbrook Water & Light <billing@millbrook.example>';
const IN_FLIGHT = 50;
const RSS_EVERY_MS = 200;
const STEADY_MS = 10_000;
const POLL_MS = 1_000;
const GiB = 1024 * MiB;

interface Counts {
  waiting: number;
  closed: number;
  stages: Record<string, number>;
}

export async function run(opts: BenchOptions): Promise<Result> {
  const cases = Math.max(10, Math.round(10_000 * opts.scale));
  // The worker's workflow cache, as the product's worker takes it from configuration.
  const maxCachedWorkflows = process.env.WORKER_MAX_CACHED_WORKFLOWS
    ? Number(process.env.WORKER_MAX_CACHED_WORKFLOWS)
    : undefined;
  // A bound per phase (25 min at the default size): a case that has not got there by then is
  // reported, not awaited, so a run on a slow or shared machine still ends with its figures.
  const phaseTimeoutMs = Math.max(300_000, cases * 150);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'opencis-bench-cases-'));
  installQuietRuntime(opts.log);
  try {
    return await withServer('collections', opts.log, async (server) => {
      const database = await server.createDatabase('bench_collections');
      const genMs = await generate(database.adminUrl, cases);
      opts.log(`  ${cases} past-due accounts with open episodes generated in ${fmt(genMs / 1000, 1)} s`);

      const stops: { what: string; stop: () => Promise<unknown> }[] = [];
      try {
        const [port, uiPort] = [await freePort(), await freePort()];
        const dev = await startTemporalDevServer({
          cliPath: resolveTemporalCli(),
          dataDir: path.join(scratch, 'temporal'),
          port,
          uiPort,
          namespace: NAMESPACE,
        });
        stops.push({ what: 'the Temporal dev server', stop: () => dev.stop() });
        const catcher = await startCatcherProcess(path.join(scratch, 'mail'));
        stops.push({ what: 'the SMTP catcher', stop: () => catcher.stop() });
        const mailer = createMailer(catcher.url, MAIL_FROM);
        stops.push({ what: 'the mailer', stop: async () => mailer.close() });
        const db = createPrisma(database.appUrl);
        stops.push({ what: 'Prisma', stop: () => db.$disconnect() });
        await db.$queryRaw`SELECT 1`;
        const connection = await Connection.connect({ address: dev.address });
        stops.push({ what: 'the Temporal client connection', stop: () => connection.close() });
        const client = new TemporalClient({ connection, namespace: NAMESPACE });
        const native = await NativeConnection.connect({ address: dev.address });
        stops.push({ what: 'the worker connection', stop: () => native.close() });
        const outDir = path.join(scratch, 'print');
        mkdirSync(outDir, { recursive: true });
        const taskQueue = `bench-collections-${process.pid}`;
        const tBundle = performance.now();
        const worker = await createWorker({
          connection: native,
          namespace: NAMESPACE,
          taskQueue,
          deps: { db, temporal: client, taskQueue, mailer, outDir },
          maxCachedWorkflows,
        });
        opts.log(`  worker created (workflow bundle) in ${fmt((performance.now() - tBundle) / 1000, 1)} s`);
        let workerError: unknown;
        const running = worker.run().catch((err: unknown) => {
          workerError = err;
        });
        stops.push({
          what: 'the worker',
          stop: async () => {
            if (worker.getState() === 'RUNNING') worker.shutdown();
            await Promise.race([running, sleep(30_000)]);
          },
        });

        const count = () => countCases(database.adminUrl);
        const samples: number[] = [];
        let rssPeak = process.memoryUsage.rss();
        const rssBefore = rssPeak;
        const sampler = setInterval(() => {
          const rss = process.memoryUsage.rss();
          rssPeak = Math.max(rssPeak, rss);
          samples.push(rss);
        }, RSS_EVERY_MS);
        stops.push({ what: 'the RSS sampler', stop: async () => clearInterval(sampler) });

        // ---- phase 1: start every case and wait until all are waiting on a timer ----
        opts.log(
          `  starting ${cases} collectionsCase workflows (signal-with-start, ${IN_FLIGHT} in flight)…`,
        );
        const accounts = Array.from({ length: cases }, (_, i) => accountId(i + 1));
        const asOf = new Date().toISOString().slice(0, 10);
        const t0 = performance.now();
        const signalled = await inParallel(accounts, IN_FLIGHT, (a) =>
          client.workflow.signalWithStart(collectionsCase, {
            workflowId: collectionsWorkflowId(a, 1),
            taskQueue,
            args: [{ accountId: a, episode: 1 }],
            signal: collectionsHandoffSignal,
            signalArgs: [{ runId: RUN_ID, asOf, pastDueCents: pastDueCents(a) }],
          }),
        );
        const startedMs = performance.now() - t0;
        opts.log(`  ${signalled} started in ${fmt(startedMs / 1000, 1)} s; waiting for every case to sleep…`);
        const waited = await until(
          count,
          (c) => c.waiting >= cases,
          t0 + phaseTimeoutMs,
          opts.log,
          (c) => `waiting ${c.waiting}/${cases}`,
          () => workerError,
        );
        const allWaitingMs = performance.now() - t0;
        const peakStart = rssPeak;
        const stagesWaiting = waited.stages;

        // Steady: the mean RSS over STEADY_MS with every case asleep in the worker's cache or out of it.
        const from = samples.length;
        await sleep(STEADY_MS);
        const steadySamples = samples.slice(from);
        const steady = steadySamples.reduce((s, x) => s + x, 0) / Math.max(1, steadySamples.length);

        // ---- phase 2: pay every balance, wake every case, wait until all have closed ----
        let advanceMs = NaN;
        let closed = 0;
        let payMs = NaN;
        if (waited.waiting >= cases && !workerError) {
          payMs = await payAll(database.adminUrl);
          opts.log(`  every past-due balance paid (untimed, ${fmt(payMs / 1000, 1)} s); waking every case…`);
          const t1 = performance.now();
          await inParallel(accounts, IN_FLIGHT, (a) =>
            wakeCases({ db, temporal: client }, a, 'payment', RUN_ID),
          );
          const end = await until(
            count,
            (c) => c.closed >= cases,
            t1 + phaseTimeoutMs,
            opts.log,
            (c) => `closed ${c.closed}/${cases}`,
            () => workerError,
          );
          advanceMs = performance.now() - t1;
          closed = end.closed;
        }
        clearInterval(sampler);

        const failed = workerError
          ? `the worker failed: ${(workerError as Error).message}`
          : waited.waiting < cases
            ? `only ${waited.waiting} of ${cases} cases were waiting after ${fmt(phaseTimeoutMs / 1000, 0)} s`
            : closed < cases
              ? `only ${closed} of ${cases} cases had closed after ${fmt(phaseTimeoutMs / 1000, 0)} s`
              : undefined;
        const figures: Figure[] = [
          { figure: 'open cases', value: cases, unit: 'cases' },
          { figure: 'signal-with-start of every case', value: startedMs / 1000, unit: 's' },
          { figure: 'start → all waiting at their notice period', value: allWaitingMs / 1000, unit: 's' },
          ...(waited.waiting < cases
            ? [{ figure: 'cases waiting when the phase ended', value: waited.waiting, unit: 'cases' }]
            : []),
          {
            figure: 'cases brought to waiting per second',
            value: waited.waiting / (allWaitingMs / 1000),
            unit: 'cases/s',
          },
          { figure: 'worker RSS before the cases', value: rssBefore / MiB, unit: 'MiB' },
          {
            figure: 'worker RSS peak (start → all waiting)',
            value: peakStart / MiB,
            unit: 'MiB',
            target: `< ${fmt(GiB / MiB, 0)} (1 GiB)`,
          },
          {
            figure: `worker RSS steady (mean over ${STEADY_MS / 1000} s, all waiting)`,
            value: steady / MiB,
            unit: 'MiB',
            target: `< ${fmt(GiB / MiB, 0)} (1 GiB)`,
          },
          { figure: 'wake → all advanced (paid, re-planned, closed)', value: advanceMs / 1000, unit: 's' },
          { figure: 'cases advanced per second', value: closed / (advanceMs / 1000), unit: 'cases/s' },
          {
            figure: 'worker RSS peak (whole run)',
            value: rssPeak / MiB,
            unit: 'MiB',
            target: '< 1,024 (1 GiB)',
          },
        ];
        return {
          name,
          params: {
            cases,
            inFlight: IN_FLIGHT,
            profile: 'MUNICIPAL',
            cpus: os.cpus().length,
            maxCachedWorkflows: maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
          },
          figures,
          notes: [
            `One in-process worker (createWorker: ${maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS} workflows cached, WORKER_MAX_CACHED_WORKFLOWS to change) with real activities, a real Temporal ` +
              'dev server (SQLite in a temp dir) and the SMTP catcher in its own process; Prisma pool 10 as opencis_app.',
            `Waiting: the case's episode names a next action whose earliest lawful moment is still ahead, so the ` +
              `case sleeps on a durable timer; stages at the end of the phase: ${JSON.stringify(stagesWaiting)}.`,
            'Advance: a real server cannot skip a durable timer, so each account pays its past-due balance ' +
              '(payments written set-based, untimed) and wakeCases sends factsChanged, the signal a payment ' +
              'sends in the product; the case wakes, asks the rules and closes as cured.',
            `RSS is this process's (worker, client and benchmark), sampled every ${RSS_EVERY_MS} ms.`,
            Number.isNaN(payMs)
              ? 'The advance was not run: not every case was waiting when the first phase ended.'
              : `The payments took ${fmt(payMs / 1000, 1)} s and are not in the advance time.`,
          ],
          ...(failed ? { failed } : {}),
        };
      } finally {
        for (const s of stops.reverse()) {
          try {
            await s.stop();
          } catch (err) {
            opts.log(`  stopping ${s.what} failed: ${(err as Error).message}`);
          }
        }
      }
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const accountId = (i: number) => String(200000 + i);
/** The generated balance of an account (deterministic: 25.00 to 124.99 dollars). */
const pastDueCents = (account: string) => String(2500 + ((Number(account) * 7919) % 10000));

/** The past-due utility, set-based; returns the elapsed milliseconds. */
async function generate(adminUrl: string, cases: number): Promise<number> {
  return withClient(adminUrl, async (c) => {
    const t0 = performance.now();
    await c.query('BEGIN');
    const series = `FROM generate_series(1, ${Math.trunc(cases)}) AS i`;
    const acct = `(200000 + i)::text`;
    await c.query(
      `INSERT INTO customer (id, name, mailing_address, email, language, paperless)
       SELECT 'CB' || ${acct}, 'Customer ' || ${acct}, i || ' Elm St, Millbrook, PA 16801',
              CASE WHEN i % 5 < 2 THEN 'c' || ${acct} || '@example.org' END, 'en', i % 5 < 2
       ${series}`,
    );
    await c.query(
      `INSERT INTO premise (id, service_address, zip, service_area, state, jurisdiction_profile, premise_type)
       SELECT 'PB' || ${acct}, i || ' Elm St, Millbrook, PA 16801', '16801', 'North', 'PA', 'MUNICIPAL',
              'RESIDENTIAL'::"PremiseType"
       ${series}`,
    );
    await c.query(
      `INSERT INTO service_point (id, premise_id, service)
       SELECT 'SP-PB' || ${acct} || '-WATER', 'PB' || ${acct}, 'WATER'::"ServiceKind" ${series}`,
    );
    await c.query(
      `INSERT INTO meter (id, service_point_id, service, read_unit, dials, multiplier, size, ami_endpoint, installed_on)
       SELECT 'WB' || ${acct}, 'SP-PB' || ${acct} || '-WATER', 'WATER'::"ServiceKind", 'GAL'::"ReadUnit", 6, 1,
              '5/8"', 'EPB' || ${acct}, date '2019-05-01'
       ${series}`,
    );
    await c.query(
      `INSERT INTO account (id, customer_id, premise_id, class, bill_cycle, start_date, deposit_held_cents)
       SELECT ${acct}, 'CB' || ${acct}, 'PB' || ${acct}, 'RES'::"AccountClass", 1, date '2015-04-01', 0 ${series}`,
    );
    // One unpaid bill's charge: billed 60 days ago, due 40 days ago (relative to today, so the data
    // stays past due whenever the benchmark runs).
    await c.query(
      `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, due_date, idempotency_key, memo)
       SELECT ${acct}, 'CHARGE'::"LedgerKind", 2500 + ((200000 + i) * 7919) % 10000,
              current_date - 60, current_date - 40, 'bench:charge:' || ${acct}, 'Water service (bench seed)'
       ${series}`,
    );
    await c.query(
      `INSERT INTO collections_episode (account_id, episode, workflow_id, opened_by_run, past_due_cents)
       SELECT ${acct}, 1, 'collections:' || ${acct} || ':1', '${RUN_ID}', 2500 + ((200000 + i) * 7919) % 10000
       ${series}`,
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');
    return performance.now() - t0;
  });
}

/** Every balance paid today, as services/payments.ts posts a payment (payment row, PAYMENT entry). */
async function payAll(adminUrl: string): Promise<number> {
  return withClient(adminUrl, async (c) => {
    const t0 = performance.now();
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO payment (id, account_id, amount_cents, channel, received_at, idempotency_key, request_hash, created_by)
       SELECT md5('bench-collections-payment-' || account_id)::uuid, account_id, past_due_cents, 'ACH'::"PaymentChannel",
              now(), 'bench:collections:payment:' || account_id, md5('bench-collections-payment-' || account_id),
              '${RUN_ID}'
       FROM collections_episode`,
    );
    await c.query(
      `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, payment_id, idempotency_key, memo)
       SELECT account_id, 'PAYMENT'::"LedgerKind", -past_due_cents,
              (now() AT TIME ZONE 'America/New_York')::date,
              md5('bench-collections-payment-' || account_id)::uuid,
              'payment:' || md5('bench-collections-payment-' || account_id)::uuid || ':posted',
              'Payment received (bench seed)'
       FROM collections_episode`,
    );
    await c.query('COMMIT');
    return performance.now() - t0;
  });
}

async function countCases(adminUrl: string): Promise<Counts> {
  return withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ stage: string; n: string; waiting: string; closed: string }>(
      `SELECT stage, count(*) AS n,
              count(*) FILTER (WHERE closed_at IS NULL AND next_action IS NOT NULL
                               AND (next_action_at IS NULL OR next_action_at > now())) AS waiting,
              count(*) FILTER (WHERE closed_at IS NOT NULL) AS closed
       FROM collections_episode GROUP BY stage`,
    );
    const counts: Counts = { waiting: 0, closed: 0, stages: {} };
    for (const r of rows) {
      counts.stages[r.stage] = Number(r.n);
      counts.waiting += Number(r.waiting);
      counts.closed += Number(r.closed);
    }
    return counts;
  });
}

/** Polls until `done`, the deadline, or a worker failure; logs progress every 15 s. */
async function until(
  poll: () => Promise<Counts>,
  done: (c: Counts) => boolean,
  deadline: number,
  log: (l: string) => void,
  say: (c: Counts) => string,
  failure: () => unknown,
): Promise<Counts> {
  let last = 0;
  for (;;) {
    const c = await poll();
    if (done(c) || performance.now() > deadline || failure()) return c;
    if (performance.now() - last > 15_000) {
      last = performance.now();
      log(`  … ${say(c)} (stages ${JSON.stringify(c.stages)})`);
    }
    await sleep(POLL_MS);
  }
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items.length) {
      await fn(items[next++]!);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return done;
}

/** The SMTP catcher in its own process (bench/smtp-catcher-process.ts), as a mail server would be. */
async function startCatcherProcess(mailDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'smtp-catcher-process.ts'), mailDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the SMTP catcher exited (${code}) before listening`)));
    });
    return {
      url,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/**
 * Worker and SDK-core logs at WARN and above only, to the progress stream (each distinct message
 * 3 times at most). A process has one Temporal runtime: when another benchmark made it first,
 * that one is kept.
 */
function installQuietRuntime(log: (l: string) => void): void {
  const seen = new Map<string, number>();
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN' as LogLevel, (entry) => {
        const msg = entry.message.slice(0, 200);
        // One message per kind: run ids and counters differ from workflow to workflow.
        const kind = msg.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').replace(/\d+/g, 'n');
        const n = (seen.get(kind) ?? 0) + 1;
        seen.set(kind, n);
        if (n <= 3) log(`  [worker ${entry.level}] ${msg}${n === 3 ? ' (further repeats not shown)' : ''}`);
      }),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // A runtime already exists in this process: keep it.
  }
}
