// timeline: GET /accounts/:id/timeline through the real API (createApp, in an API process, over loopback)
// on a timeline_event table of 100,000 accounts × 50 events (5 million) plus one account with 1,000
// events, loaded with set-based SQL. 50 concurrent clients for 10 s from a separate process; half
// the requests on the big account (page 1, then page 2 through the cursor page 1 returned), half on
// random accounts. The API runs in a process of its own, started as `npm run api` starts one;
// BENCH_API_PROCESSES=n runs n of them as node:cluster workers.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import path from 'node:path';
import type { Client } from 'pg';
import { SYSTEM_ACTOR } from '../lib/audit';
import { createPrisma } from '../lib/db/prisma';
import { timelinePageSql } from '../services/timeline';
import { seedDemoUsers } from '../services/users';
import { MiB, timed, withClient, withServer, type BenchOptions, type Figure, type Result } from './harness';
import { runLoad, walkPages, type LoadPlan } from './load-client';

export const name = 'timeline';
export const description =
  'GET /accounts/:id/timeline latency and rate at 50 clients for 10 s, 100,000 accounts and 5 million events';

const EVENTS_PER_ACCOUNT = 50;
const BIG_EVENTS = 1_000;
const BIG_ACCOUNT = 'B0000001';
const RANDOM_PREFIX = 'A';
const PAD = 7;
const CONCURRENCY = 50;
const DURATION_MS = 10_000;
const WARMUP_MS = 2_000;
const P95_TARGET_MS = 20;
const SEED = 7;
const ACCOUNTS = 100_000;
const TIMELINE_INDEX = 'timeline_event_account_id_occurred_at_id_idx';
/**
 * The Node flags of an API process (scripts/api-node-flags.cjs), as `npm run api` starts one;
 * BENCH_API_NODE_FLAGS replaces them ('' for Node's defaults) to measure what they change.
 */
const apiNodeFlags: string[] =
  process.env.BENCH_API_NODE_FLAGS !== undefined
    ? process.env.BENCH_API_NODE_FLAGS.split(/\s+/).filter(Boolean)
    : // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../scripts/api-node-flags.cjs') as { API_NODE_FLAGS: string[] }).API_NODE_FLAGS;
/** Each API process's pg pool: the production default (10) unless BENCH_POOL_SIZE says otherwise. */
const poolSize = Math.max(1, Math.floor(Number(process.env.BENCH_POOL_SIZE ?? 10)) || 10);

export async function run(opts: BenchOptions): Promise<Result> {
  const accounts = Math.max(10, Math.round(ACCOUNTS * opts.scale));
  return withServer('timeline', opts.log, async (server) => {
    const database = await server.createDatabase('bench_timeline');

    opts.log(
      `  loading ${accounts} accounts × ${EVENTS_PER_ACCOUNT} events + 1 × ${BIG_EVENTS} (set-based SQL)…`,
    );
    const loaded = await withClient(database.adminUrl, (c) => timed(() => loadData(c, accounts, opts.log)));
    const size = await withClient(database.adminUrl, async (c) => {
      const r = await c.query<{ rows: string; bytes: string; index_bytes: string }>(
        `SELECT (SELECT count(*) FROM timeline_event) AS rows,
                pg_total_relation_size('timeline_event') AS bytes,
                pg_indexes_size('timeline_event') AS index_bytes`,
      );
      return r.rows[0]!;
    });
    const plan = await withClient(database.adminUrl, (c) => page2Plan(c));

    const db = createPrisma(database.appUrl, poolSize);
    const apiProcesses = Math.max(1, Math.floor(Number(process.env.BENCH_API_PROCESSES ?? 1)) || 1);
    let api: ApiProcesses | undefined;
    try {
      const keys = await seedDemoUsers(db, SYSTEM_ACTOR);
      api = await startApiProcesses(apiProcesses, database.appUrl);
      const port = api.port;
      const loadPlan: LoadPlan = {
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: keys.csr!,
        bigAccountId: BIG_ACCOUNT,
        randomPrefix: RANDOM_PREFIX,
        randomCount: accounts,
        randomPad: PAD,
        concurrency: CONCURRENCY,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        seed: SEED,
      };

      opts.log('  one client, sequential: every page of the big account, 50 random accounts…');
      const walk = await walkPages(loadPlan);
      if (walk.errors) throw new Error(`timeline requests failed: ${walk.firstError}`);

      opts.log(
        `  ${CONCURRENCY} clients: ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s measured…`,
      );
      // The warm-up is a run of its own, so the CPU, GC and latency figures cover the measured
      // phase only.
      await runLoad({ ...loadPlan, durationMs: WARMUP_MS, warmupMs: 0 });
      await api.mark();
      const pgCpu0 = server.cpuMs();
      const load = await runLoad({ ...loadPlan, warmupMs: 0 });
      const pgCpuMs = server.cpuMs() - pgCpu0;
      // The API processes' CPU and event loops over the measured phase.
      const usage = await api.usage();
      const serverCpuMs = usage.reduce((a, u) => a + u.cpuMs, 0);

      opts.log('  reference: the same load on a bare node:http server answering a big account page…');
      const bare = await bareServerLoad(loadPlan);

      const total = load.all.n;
      const figures: Figure[] = [
        { figure: 'data: timeline rows', value: Number(size.rows), unit: 'rows' },
        { figure: 'data: load time (insert + index + vacuum analyze)', value: loaded.ms / 1000, unit: 's' },
        { figure: 'data: timeline_event size (with indexes)', value: Number(size.bytes) / MiB, unit: 'MiB' },
        { figure: `${CONCURRENCY} clients: requests`, value: total, unit: 'requests' },
        { figure: `${CONCURRENCY} clients: rate`, value: total / (load.wallMs / 1000), unit: 'requests/s' },
        { figure: `${CONCURRENCY} clients: errors`, value: load.errors, unit: 'requests' },
        { figure: `${CONCURRENCY} clients: all p50`, value: load.all.p50, unit: 'ms' },
        {
          figure: `${CONCURRENCY} clients: all p95`,
          value: load.all.p95,
          unit: 'ms',
          target: `< ${P95_TARGET_MS}`,
        },
        { figure: `${CONCURRENCY} clients: all p99`, value: load.all.p99, unit: 'ms' },
      ];
      for (const [k, x] of Object.entries(load.byKind)) {
        figures.push(
          { figure: `${CONCURRENCY} clients: ${k} (n=${x.n}) p50`, value: x.p50, unit: 'ms' },
          { figure: `${CONCURRENCY} clients: ${k} p95`, value: x.p95, unit: 'ms' },
          { figure: `${CONCURRENCY} clients: ${k} p99`, value: x.p99, unit: 'ms' },
        );
      }
      figures.push(
        ...usage.map((u, k) => ({
          figure: `server event loop utilisation under load${usage.length > 1 ? ` (process ${k + 1})` : ''}`,
          value: u.elu * 100,
          unit: '%',
        })),
        ...usage.flatMap((u, k) => {
          const which = usage.length > 1 ? ` (process ${k + 1})` : '';
          return [
            { figure: `server GC pauses under load${which}`, value: u.gcPauses, unit: 'pauses' },
            {
              figure: `server GC pause time under load${which}`,
              value: (u.gcMs / (load.wallMs || 1)) * 100,
              unit: '% of the time',
            },
          ];
        }),
        {
          // The API processes' CPU time (user + system) over the requests they served, measured
          // phase only: the cost per request whatever else the machine was running.
          figure: 'server CPU per request',
          value: serverCpuMs / Math.max(1, total),
          unit: 'ms',
        },
        { figure: 'Postgres CPU per request', value: pgCpuMs / Math.max(1, total), unit: 'ms' },
        { figure: 'load client CPU per request', value: load.clientCpuMs / Math.max(1, total), unit: 'ms' },
        { figure: '1 client: random p1 median', value: walk.randomP1Median, unit: 'ms' },
        { figure: '1 client: big p1 median', value: walk.pageMedians[0] ?? NaN, unit: 'ms' },
        { figure: '1 client: big p2 median', value: walk.pageMedians[1] ?? NaN, unit: 'ms' },
        {
          figure: `1 client: big last page (p${walk.pageMedians.length}) median`,
          value: walk.pageMedians[walk.pageMedians.length - 1] ?? NaN,
          unit: 'ms',
        },
        {
          figure: `reference, bare node:http: ${CONCURRENCY} clients rate`,
          value: bare.all.n / (bare.wallMs / 1000),
          unit: 'requests/s',
        },
        { figure: 'reference, bare node:http: p50', value: bare.all.p50, unit: 'ms' },
        { figure: 'reference, bare node:http: p95', value: bare.all.p95, unit: 'ms' },
      );
      return {
        name,
        params: {
          scale: opts.scale,
          accounts,
          eventsPerAccount: EVENTS_PER_ACCOUNT,
          bigAccountEvents: BIG_EVENTS,
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
          pageSize: 50,
          pgPool: poolSize,
          referenceBareErrors: bare.errors,
          apiProcesses,
          apiNodeFlags,
          loadClient: load.client,
          loadErrorSample: load.firstError,
          bigAccountPageMediansMs: walk.pageMedians.map((m) => Math.round(m * 100) / 100),
          page2Plan: plan,
        },
        figures,
        notes: [
          "Rows were inserted in time order across accounts (as a live system writes them), so one account's events are spread over the heap, not clustered.",
          'Random accounts hold 50 events, one page at the default limit of 50, so only the big account has a page 2; the mix repeats: random, random, big page 1 → big page 2 (through the cursor page 1 returns).',
          `The load client is ${load.client === 'wrk' ? 'wrk (one thread, 50 keep-alive connections, a Lua script for the mix)' : 'a separate Node process (node:http, a keep-alive socket per client; wrk is not installed or BENCH_LOAD_CLIENT=node)'}; it, the API and Postgres share the machine's cores, so every figure of CPU per request is taken from the others. Latency is closed-loop: each client sends its next request when the last one answers, so the mean latency is 50 ÷ the rate (20 ms at 2,500 requests/s), and p95 < 20 ms needs a rate well above that: here p95 runs about 1.5 × p50.`,
          `Latency is per request as the client sees it, over loopback, after a ${WARMUP_MS / 1000} s warm-up at the same concurrency; the API runs with a silent logger and the csr demo key.`,
          'The reference figures run the same client and mix against a bare node:http server answering one fixed page (no Express, no database): what the machine allowed at that moment.',
          `The API ran as ${apiProcesses} process${apiProcesses > 1 ? 'es' : ''} of its own (node:cluster worker${apiProcesses > 1 ? 's sharing the port, each' : ','} with its own pool of ${poolSize} and key cache), started as \`npm run api\` starts one: node ${apiNodeFlags.join(' ') || '(no flags)'}.`,
          'Each request makes 1 query (the page behind a one-time check of the account, prepared once per connection; an empty page would ask again whether the account exists; each event returned as the JSON text stored with it, which the API sends as it is); the API key is looked up once and then trusted for 10 s from the verified-key cache.',
          'Postgres CPU per request is the CPU time of the server process and its backends over the measured phase (from /proc), divided by the requests.',
          `Page 2 of the big account (EXPLAIN ANALYZE of the statement the service runs): ${planSummary(plan)}; full plan in the result file.`,
        ],
      };
    } finally {
      await api?.stop();
      await db.$disconnect();
    }
  });
}

interface ApiProcesses {
  port: number;
  /** Starts counting CPU time and event-loop use in every process. */
  mark(): Promise<void>;
  /** CPU time (ms), event-loop utilisation and garbage-collection pauses of each process since mark(). */
  usage(): Promise<{ cpuMs: number; elu: number; gcPauses: number; gcMs: number }[]>;
  stop(): Promise<void>;
}

/** `n` API processes as node:cluster workers on one shared port (bench/timeline-api-process.ts). */
async function startApiProcesses(n: number, appUrl: string): Promise<ApiProcesses> {
  cluster.setupPrimary({
    exec: path.join(__dirname, 'timeline-api-process.ts'),
    execArgv: [...apiNodeFlags, '--import', 'tsx'],
  });
  const workers = Array.from({ length: n }, () =>
    cluster.fork({ BENCH_APP_URL: appUrl, BENCH_POOL_SIZE: String(poolSize) }),
  );
  const ports = await Promise.all(
    workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('listening', (a) => resolve(a.port));
          w.once('exit', (code) => reject(new Error(`API process exited with code ${code}`)));
        }),
    ),
  );
  const ask = <T>(type: string, answer: string) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<T>((resolve) => {
            const on = (m: { type: string } & T) => {
              if (m.type !== answer) return;
              w.off('message', on);
              resolve(m);
            };
            w.on('message', on);
            w.send({ type });
          }),
      ),
    );
  return {
    port: ports[0]!,
    mark: async () => void (await ask('mark', 'marked')),
    usage: () => ask<{ cpuMs: number; elu: number; gcPauses: number; gcMs: number }>('usage', 'usage'),
    stop: async () => {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((r) =>
              w.isDead() ? r() : (w.once('exit', () => r()), w.send({ type: 'stop' })),
            ),
        ),
      );
    },
  };
}

/**
 * The same load client and mix against a node:http server that answers every request with one
 * page of the big account, as bytes fetched from the API beforehand: no Express, no database. What
 * the machine itself allows at that moment, so the API's figures can be read against it.
 */
async function bareServerLoad(plan: LoadPlan) {
  const res = await fetch(`${plan.baseUrl}/accounts/${BIG_ACCOUNT}/timeline`, {
    headers: { authorization: `Bearer ${plan.apiKey}` },
  });
  const body = Buffer.from(await res.text());
  const bare = createServer((_req, out) => {
    out.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    out.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const addr = bare.address();
    return await runLoad({
      ...plan,
      baseUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    });
  } finally {
    bare.closeAllConnections();
    await new Promise<void>((r) => bare.close(() => r()));
  }
}

/**
 * Customers, premises and accounts, then the events, all in time order; then VACUUM ANALYZE. The
 * account index is dropped for the insert and built once afterwards (its definition read back from
 * the catalogue, so it stays the migration's): at 5 million rows, maintaining it row by row costs
 * more than the insert.
 */
export async function loadData(c: Client, accounts: number, log: (l: string) => void): Promise<void> {
  const id = (prefix: string, g: string) => `'${prefix}' || lpad(${g}::text, ${PAD}, '0')`;
  const step = async (what: string, sql: string, values: unknown[] = []) => {
    const t0 = performance.now();
    await c.query(sql, values);
    log(`    ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  // This server is the benchmark's own: no checkpoint in the middle of the load (each one would
  // write every page again, whole, into the WAL).
  await c.query(`ALTER SYSTEM SET max_wal_size = '16GB'`);
  await c.query(`ALTER SYSTEM SET checkpoint_timeout = '1h'`);
  await c.query(`SELECT pg_reload_conf()`);
  await c.query(`SET synchronous_commit = off`);
  await c.query(`SET work_mem = '256MB'`);
  await c.query(`SET maintenance_work_mem = '512MB'`);
  await c.query('BEGIN');
  await c.query(
    `INSERT INTO customer (id, name, mailing_address)
     SELECT ${id('C', 'g')}, 'Bench Customer ' || g, g || ' Main St, Millbrook, PA 16801'
     FROM generate_series(0, $1::int) g`,
    [accounts],
  );
  await c.query(
    `INSERT INTO premise (id, service_address, zip, service_area, state, jurisdiction_profile, premise_type)
     SELECT ${id('P', 'g')}, g || ' Main St, Millbrook, PA 16801', '16801', 'North', 'PA', 'PA', 'RESIDENTIAL'
     FROM generate_series(0, $1::int) g`,
    [accounts],
  );
  await c.query(
    `INSERT INTO account (id, customer_id, premise_id, class, bill_cycle, start_date)
     SELECT CASE WHEN g = 0 THEN '${BIG_ACCOUNT}' ELSE ${id(RANDOM_PREFIX, 'g')} END,
            ${id('C', 'g')}, ${id('P', 'g')}, 'RES', 1 + g % 2, DATE '2020-01-01'
     FROM generate_series(0, $1::int) g`,
    [accounts],
  );
  const def = await c.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [
    TIMELINE_INDEX,
  ]);
  const indexDef = def.rows[0]?.indexdef;
  if (!indexDef) throw new Error(`index ${TIMELINE_INDEX} not found: has the migration changed?`);
  await c.query(`DROP INDEX ${TIMELINE_INDEX}`);
  // 50 events every 14 days for each account, and the big account's 1,000 over the same 700 days.
  await step(
    'events (insert in time order)',
    // Only narrow tuples (account number, event number, time) are sorted; the text and JSON
    // columns are built after the sort, in its order (account number 0 is the big account).
    `INSERT INTO timeline_event (account_id, occurred_at, kind, entity_type, entity_id, summary, actor, data)
     SELECT account_id, occurred_at, kind, 'bench', account_id || '-' || e,
            'Bench event ' || e || ' (' || kind || ')', 'system',
            jsonb_build_object('n', e, 'amountCents', (h * 7919) % 100000,
                               'note', 'synthetic timeline event for the benchmark')
     FROM (
       SELECT CASE WHEN a = 0 THEN '${BIG_ACCOUNT}' ELSE ${id(RANDOM_PREFIX, 'a')} END AS account_id,
              e, h, occurred_at,
              (ARRAY['interaction','bill.issued','payment.received','meter.read','service-order.completed','account.updated'])[1 + h % 6] AS kind
       FROM (
         SELECT a, e, a + e AS h,
                TIMESTAMPTZ '2024-01-01 00:00Z' + e * interval '14 days' + (a % 1440) * interval '1 minute' AS occurred_at
         FROM generate_series(1, $1::int) a CROSS JOIN generate_series(1, $2::int) e
         UNION ALL
         SELECT 0, e, e, TIMESTAMPTZ '2024-01-01 00:00Z' + e * interval '1008 minutes'
         FROM generate_series(1, $3::int) e
         ORDER BY occurred_at
       ) sorted
     ) s`,
    [accounts, EVENTS_PER_ACCOUNT, BIG_EVENTS],
  );
  await step('account index (build)', indexDef);
  await c.query('COMMIT');
  await step('vacuum analyze', 'VACUUM (ANALYZE)');
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of page 2 of the big account: the very statement the service runs for
 * it (timelinePageSql, with the cursor page 1 returned), to show how cursor pages are served.
 */
async function page2Plan(c: Client): Promise<string[]> {
  const at = await c.query<{ occurred_at: Date; id: string }>(
    `SELECT occurred_at, id FROM timeline_event WHERE account_id = $1
     ORDER BY occurred_at DESC, id DESC OFFSET 49 LIMIT 1`,
    [BIG_ACCOUNT],
  );
  const row = at.rows[0];
  if (!row) return [];
  const cursor = Buffer.from(`${row.occurred_at.toISOString()}|${row.id}`).toString('base64url');
  const { text, values } = timelinePageSql(BIG_ACCOUNT, { limit: 50, cursor });
  const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
  return r.rows.map((x) => x['QUERY PLAN']);
}

/** "Limit > Sort > Bitmap Heap Scan (rows=950) …, 0.3 ms": the plan's node chain and its time. */
function planSummary(plan: string[]): string {
  const nodes = plan
    .filter((l, i) => i === 0 || l.trim().startsWith('->'))
    .map((l) => {
      const m = /^\s*(?:->\s*)?([A-Za-z ]+?)(?:\s+(?:on|using)\s+\w+)*\s*\(.*rows=([\d.]+)/.exec(l);
      return m ? `${m[1]!.trim()} (rows=${Number(m[2])})` : l.trim();
    });
  const exec = plan.find((l) => l.startsWith('Execution Time'));
  return `${nodes.join(' > ')}${exec ? `; ${exec}` : ''}`;
}
