// audit-append: audit events appended through lib/audit.ts recordChange in Prisma interactive
// transactions of 1 and of 100 events, with 1 and 4 concurrent writers, then verifyAuditChain over
// the rows. The hash chain is built by the audit_event_chain trigger, which takes one advisory lock
// per transaction until commit, so concurrent writers are serialised: this measures what that
// costs. The same runs against a copy of the schema with that trigger disabled give the baseline.
import { createPrisma, type Db } from '../lib/db/prisma';
import { recordChange, type Actor } from '../lib/audit';
import { verifyAuditChain } from '../lib/audit-verify';
import {
  percentile,
  timed,
  withClient,
  withServer,
  type BenchOptions,
  type Figure,
  type Result,
} from './harness';

export const name = 'audit-append';
export const description = 'recordChange rate (1 and 100 events/tx, 1 and 4 writers) and verifyAuditChain rate';

/** Rows in the chain when verifyAuditChain is timed (scaled). */
const VERIFY_ROWS = 30_000;
const ACTOR: Actor = { id: 'bench:audit-append', role: 'csr', requestId: 'bench' };

interface Config {
  txSize: number;
  writers: number;
  events: number;
}

interface Measured {
  events: number;
  ms: number;
  txMs: number[];
}

export async function run(opts: BenchOptions): Promise<Result> {
  const small = Math.max(40, Math.round(200 * opts.scale));
  const large = Math.max(400, Math.round(1_600 * opts.scale));
  const configs: Config[] = [
    { txSize: 1, writers: 1, events: small },
    { txSize: 1, writers: 4, events: small },
    { txSize: 100, writers: 1, events: large },
    { txSize: 100, writers: 4, events: large },
  ];

  return withServer('audit', opts.log, async (server) => {
    // One at a time: concurrent migrations would race on the same role's grants.
    const chained = await server.createDatabase('bench_audit');
    const plain = await server.createDatabase('bench_audit_nochain');
    // Baseline: the same table and code path without the chain trigger (the trigger also draws
    // seq, whose column default the migration dropped, so it is put back here).
    await withClient(plain.adminUrl, (c) =>
      c.query(`ALTER TABLE audit_event DISABLE TRIGGER audit_event_chain;
        ALTER TABLE audit_event ALTER COLUMN seq SET DEFAULT nextval(pg_get_serial_sequence('audit_event', 'seq'))`),
    );

    const figures: Figure[] = [];
    const params: Record<string, unknown> = { configs, actor: ACTOR.id, prismaPool: 10 };
    const dbChained = createPrisma(chained.appUrl);
    const dbPlain = createPrisma(plain.appUrl);
    try {
      await warmUp(dbChained);
      await warmUp(dbPlain);
      for (const cfg of configs) {
        const label = `${cfg.txSize} event${cfg.txSize > 1 ? 's' : ''}/tx, ${cfg.writers} writer${cfg.writers > 1 ? 's' : ''}`;
        opts.log(`  ${label}: ${cfg.events} events, chained and without the chain trigger…`);
        // A B B A in halves, so a drift in machine load (it is shared) hits both sides alike.
        const half = { ...cfg, events: Math.ceil(cfg.events / 2) };
        const a1 = await append(dbChained, half);
        const b1 = await append(dbPlain, half);
        const b2 = await append(dbPlain, half);
        const a2 = await append(dbChained, half);
        const withChain = combine(a1, a2);
        const without = combine(b1, b2);
        const rate = (m: Measured) => m.events / (m.ms / 1000);
        const sorted = withChain.txMs.sort((a, b) => a - b);
        figures.push(
          { figure: `${label}: appended`, value: rate(withChain), unit: 'events/s', target: 'none' },
          { figure: `${label}: tx latency p50`, value: percentile(sorted, 50), unit: 'ms' },
          { figure: `${label}: tx latency p95`, value: percentile(sorted, 95), unit: 'ms' },
          { figure: `${label}: without chain trigger`, value: rate(without), unit: 'events/s' },
          { figure: `${label}: ratio chained/unchained rate`, value: rate(withChain) / rate(without), unit: 'x' },
        );
      }
    } finally {
      await dbChained.$disconnect();
      await dbPlain.$disconnect();
    }

    // A chain long enough for a steady verification rate: top it up with set-based INSERTs, which
    // go through the same chain trigger row by row.
    const verifyRows = Math.max(1_000, Math.round(VERIFY_ROWS * opts.scale));
    const topUp = await withClient(chained.adminUrl, async (c) => {
      const have = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM audit_event')).rows[0]!.n);
      const add = Math.max(0, verifyRows - have);
      opts.log(`  topping the chain up with ${add} rows for verification…`);
      await c.query(
        `INSERT INTO audit_event (actor, actor_role, action, entity_type, entity_id, account_id, before, after, reason)
         SELECT 'bench:audit-append', 'csr', 'account.update', 'account', 'B' || (100000 + g), 'B' || (100000 + g),
                jsonb_build_object('autopay', false, 'billCycle', 1),
                jsonb_build_object('autopay', true, 'billCycle', 2, 'n', g), 'bench'
         FROM generate_series(1, $1::int) g`,
        [add],
      );
      return add;
    });
    params.verifyTopUpRows = topUp;

    // Verification as `npm run audit:verify` does it: the application role, a pool of 2.
    const dbVerify = createPrisma(chained.appUrl, 2);
    try {
      opts.log('  verifyAuditChain…');
      const v = await timed(() => verifyAuditChain(dbVerify));
      if (!v.value.ok) throw new Error(`audit chain reported broken: ${v.value.firstBreak?.message}`);
      figures.push(
        { figure: 'verifyAuditChain: rows checked', value: v.value.rowsChecked, unit: 'rows' },
        { figure: 'verifyAuditChain: elapsed', value: v.ms / 1000, unit: 's' },
        { figure: 'verifyAuditChain: rate', value: v.value.rowsChecked / (v.ms / 1000), unit: 'rows/s', target: 'none' },
      );
    } finally {
      await dbVerify.$disconnect();
    }
    return {
      name,
      params,
      figures,
      notes: [
        'Each event is one recordChange (one audit_event INSERT, no timeline row) inside db.$transaction; "tx latency" is one whole transaction (BEGIN … COMMIT), chained database.',
        'Writers are concurrent async loops on one Prisma client (pool of 10) connected as opencis_app; the 4-writer runs split the same number of events.',
        '"without chain trigger" is a second database of the same server with audit_event_chain disabled (same code, same indexes, no advisory lock, no hash).',
        `verifyAuditChain runs over every chained row written above, the warm-up rows, and ${topUp.toLocaleString('en-US')} more appended with one set-based INSERT (through the same trigger) so the chain holds ${verifyRows.toLocaleString('en-US')} rows; connected as the CLI does (application role, pool of 2).`,
        'Each configuration runs in two halves, chained/unchained/unchained/chained, so drifting load on the shared machine affects both sides alike.',
      ],
    };
  });
}

function combine(a: Measured, b: Measured): Measured {
  return { events: a.events + b.events, ms: a.ms + b.ms, txMs: [...a.txMs, ...b.txMs] };
}

async function warmUp(db: Db): Promise<void> {
  for (let i = 0; i < 20; i++) await db.$transaction((tx) => recordChange(tx, ACTOR, event(-i)));
}

function event(n: number) {
  return {
    action: 'account.update',
    entityType: 'account',
    entityId: `B${100000 + Math.abs(n)}`,
    accountId: `B${100000 + Math.abs(n)}`,
    before: { autopay: false, billCycle: 1 },
    after: { autopay: true, billCycle: 2, n },
    reason: 'bench',
  };
}

async function append(db: Db, cfg: Config): Promise<Measured> {
  const txCount = Math.ceil(cfg.events / cfg.txSize);
  let next = 0;
  const txMs: number[] = [];
  const writer = async () => {
    for (;;) {
      const t = next++;
      if (t >= txCount) return;
      const t0 = performance.now();
      await db.$transaction(
        async (tx) => {
          for (let k = 0; k < cfg.txSize; k++) await recordChange(tx, ACTOR, event(t * cfg.txSize + k));
        },
        { timeout: 120_000, maxWait: 60_000 },
      );
      txMs.push(performance.now() - t0);
    }
  };
  const { ms } = await timed(() => Promise.all(Array.from({ length: cfg.writers }, writer)));
  return { events: txCount * cfg.txSize, ms, txMs };
}
