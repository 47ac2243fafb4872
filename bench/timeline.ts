// timeline: GET /accounts/:id/timeline through the real API (createApp, in-process, over loopback)
// on a timeline_event table of 10,000 accounts × 50 events plus one account with 1,000 events,
// loaded with set-based SQL. 50 concurrent clients for 10 s; half the requests on the big account
// (page 1, then page 2 through the cursor page 1 returned), half on random accounts.
import type { Server } from 'node:http';
import type { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import type { Client as TemporalClient } from '@temporalio/client';
import { createApp } from '../api/app';
import { SYSTEM_ACTOR } from '../lib/audit';
import { createPrisma } from '../lib/db/prisma';
import { createLogger } from '../lib/logger';
import { seedDemoUsers } from '../services/users';
import {
  MiB,
  percentile,
  timed,
  withClient,
  withServer,
  type BenchOptions,
  type Figure,
  type Result,
} from './harness';
import { runLoad, walkPages, type LoadPlan } from './load-client';

export const name = 'timeline';
export const description = 'GET /accounts/:id/timeline latency and rate at 50 clients for 10 s';

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

export async function run(opts: BenchOptions): Promise<Result> {
  const accounts = Math.max(10, Math.round(10_000 * opts.scale));
  return withServer('timeline', opts.log, async (server) => {
    const database = await server.createDatabase('bench_timeline');

    opts.log(`  loading ${accounts} accounts × ${EVENTS_PER_ACCOUNT} events + 1 × ${BIG_EVENTS} (set-based SQL)…`);
    const loaded = await withClient(database.adminUrl, (c) => timed(() => loadData(c, accounts)));
    const size = await withClient(database.adminUrl, async (c) => {
      const r = await c.query<{ rows: string; bytes: string; index_bytes: string }>(
        `SELECT (SELECT count(*) FROM timeline_event) AS rows,
                pg_total_relation_size('timeline_event') AS bytes,
                pg_indexes_size('timeline_event') AS index_bytes`,
      );
      return r.rows[0]!;
    });
    const plan = await withClient(database.adminUrl, (c) => page2Plan(c));

    const db = createPrisma(database.appUrl); // the production default pool (10)
    let http: Server | undefined;
    try {
      const keys = await seedDemoUsers(db, SYSTEM_ACTOR);
      const app = createApp({
        db,
        // These routes never touch Temporal (only service orders do), so a stub stands in for the
        // client; any call on it would throw, which would show as errors in the figures.
        temporal: {} as unknown as TemporalClient,
        taskQueue: 'bench-unused',
        logger: createLogger('silent'),
        encryptionKey: randomBytes(32),
        health: async () => ({ postgres: { ok: true, detail: 'bench' } }),
      });
      http = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      const addr = http.address();
      const loadPlan: LoadPlan = {
        baseUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
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

      opts.log(`  ${CONCURRENCY} clients: ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s measured…`);
      const elu0 = performance.eventLoopUtilization();
      const load = await runLoad(loadPlan);
      const elu = performance.eventLoopUtilization(elu0);

      const kinds = Object.keys(load.latencies);
      const all = kinds.flatMap((k) => load.latencies[k]!).sort((a, b) => a - b);
      const total = all.length;
      const figures: Figure[] = [
        { figure: 'data: timeline rows', value: Number(size.rows), unit: 'rows' },
        { figure: 'data: load time (insert + index + vacuum analyze)', value: loaded.ms / 1000, unit: 's' },
        { figure: 'data: timeline_event size (with indexes)', value: Number(size.bytes) / MiB, unit: 'MiB' },
        { figure: `${CONCURRENCY} clients: requests`, value: total, unit: 'requests' },
        { figure: `${CONCURRENCY} clients: rate`, value: total / (load.wallMs / 1000), unit: 'requests/s' },
        { figure: `${CONCURRENCY} clients: errors`, value: load.errors, unit: 'requests' },
        { figure: `${CONCURRENCY} clients: all p50`, value: percentile(all, 50), unit: 'ms' },
        {
          figure: `${CONCURRENCY} clients: all p95`,
          value: percentile(all, 95),
          unit: 'ms',
          target: `< ${P95_TARGET_MS}`,
        },
        { figure: `${CONCURRENCY} clients: all p99`, value: percentile(all, 99), unit: 'ms' },
      ];
      for (const k of kinds) {
        const xs = load.latencies[k]!.sort((a, b) => a - b);
        figures.push(
          { figure: `${CONCURRENCY} clients: ${k} (n=${xs.length}) p50`, value: percentile(xs, 50), unit: 'ms' },
          { figure: `${CONCURRENCY} clients: ${k} p95`, value: percentile(xs, 95), unit: 'ms' },
          { figure: `${CONCURRENCY} clients: ${k} p99`, value: percentile(xs, 99), unit: 'ms' },
        );
      }
      figures.push(
        { figure: 'server event loop utilisation under load', value: elu.utilization * 100, unit: '%' },
        { figure: '1 client: random p1 median', value: walk.randomP1Median, unit: 'ms' },
        { figure: '1 client: big p1 median', value: walk.pageMedians[0] ?? NaN, unit: 'ms' },
        { figure: '1 client: big p2 median', value: walk.pageMedians[1] ?? NaN, unit: 'ms' },
        {
          figure: `1 client: big last page (p${walk.pageMedians.length}) median`,
          value: walk.pageMedians[walk.pageMedians.length - 1] ?? NaN,
          unit: 'ms',
        },
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
          prismaPool: 10,
          loadErrorSample: load.firstError,
          bigAccountPageMediansMs: walk.pageMedians.map((m) => Math.round(m * 100) / 100),
          page2Plan: plan,
        },
        figures,
        notes: [
          'Rows were inserted in time order across accounts (as a live system writes them), so one account\'s events are spread over the heap, not clustered.',
          'Random accounts hold 50 events, one page at the default limit of 50, so only the big account has a page 2; each client repeats: random, random, big page 1 → big page 2 (its cursor).',
          'Client and server share one process but not an event loop: the load runs in a worker thread with Node fetch (undici, keep-alive). Both, and Postgres, share the machine\'s cores.',
          `Latency is per request as the client sees it, over loopback, after a ${WARMUP_MS / 1000} s warm-up at the same concurrency; the API runs with a silent logger and the csr demo key.`,
          'Each request makes 3 queries: API key lookup, account existence check, the page itself.',
          `Page 2 of the big account as SQL (EXPLAIN ANALYZE of the service's keyset condition): ${planSummary(plan)}; full plan in the result file.`,
        ],
      };
    } finally {
      if (http) {
        const s = http;
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await db.$disconnect();
    }
  });
}

/** Customers, premises and accounts, then the events, all in time order; then VACUUM ANALYZE. */
async function loadData(c: Client, accounts: number): Promise<void> {
  const id = (prefix: string, g: string) => `'${prefix}' || lpad(${g}::text, ${PAD}, '0')`;
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
  // 50 events every 14 days for each account, and the big account's 1,000 over the same 700 days.
  await c.query(
    `INSERT INTO timeline_event (account_id, occurred_at, kind, entity_type, entity_id, summary, actor, data)
     SELECT account_id, occurred_at, kind, 'bench', account_id || '-' || e,
            'Bench event ' || e || ' (' || kind || ')', 'system',
            jsonb_build_object('n', e, 'amountCents', (h * 7919) % 100000,
                               'note', 'synthetic timeline event for the benchmark')
     FROM (
       SELECT ${id(RANDOM_PREFIX, 'a')} AS account_id, e, a + e AS h,
              TIMESTAMPTZ '2024-01-01 00:00Z' + e * interval '14 days' + (a % 1440) * interval '1 minute' AS occurred_at,
              (ARRAY['interaction','bill.issued','payment.received','meter.read','service-order.completed','account.updated'])[1 + (a + e) % 6] AS kind
       FROM generate_series(1, $1::int) a CROSS JOIN generate_series(1, $2::int) e
       UNION ALL
       SELECT '${BIG_ACCOUNT}', e, e,
              TIMESTAMPTZ '2024-01-01 00:00Z' + e * interval '1008 minutes',
              (ARRAY['interaction','bill.issued','payment.received','meter.read','service-order.completed','account.updated'])[1 + e % 6]
       FROM generate_series(1, $3::int) e
     ) s
     ORDER BY occurred_at`,
    [accounts, EVENTS_PER_ACCOUNT, BIG_EVENTS],
  );
  await c.query('COMMIT');
  await c.query('VACUUM (ANALYZE)');
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of page 2 of the big account, written the way the service asks for it
 * (keyset condition as an OR of two conditions, newest first), to show how cursor pages are served.
 */
async function page2Plan(c: Client): Promise<string[]> {
  const at = await c.query<{ occurred_at: Date; id: string }>(
    `SELECT occurred_at, id FROM timeline_event WHERE account_id = $1
     ORDER BY occurred_at DESC, id DESC OFFSET 49 LIMIT 1`,
    [BIG_ACCOUNT],
  );
  const row = at.rows[0];
  if (!row) return [];
  const r = await c.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
     SELECT * FROM timeline_event WHERE account_id = $1
       AND (occurred_at < $2 OR (occurred_at = $2 AND id < $3))
     ORDER BY occurred_at DESC, id DESC LIMIT 51`,
    [BIG_ACCOUNT, row.occurred_at, row.id],
  );
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
