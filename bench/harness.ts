// Shared parts of the benchmarks (`npm run bench`): a throwaway embedded Postgres per benchmark,
// timing, percentiles, peak-RSS sampling, the console table and the result file. Benchmarks report
// figures; nothing here passes or fails.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../lib/db/migrate';
import { startEmbeddedPostgres, type EmbeddedPg } from '../lib/runtime/embedded-postgres';
import { freePort } from '../lib/runtime/ports';

export const RESULTS_DIR = path.resolve(__dirname, 'results');

export interface BenchOptions {
  /** Multiplies every default size (1 = the documented defaults). */
  scale: number;
  /** Progress lines (stderr), kept apart from the result tables (stdout). */
  log: (line: string) => void;
}

export interface Figure {
  figure: string;
  value: number;
  unit: string;
  /** The project's target for this figure, as text (e.g. "< 20"), where it has one. */
  target?: string;
}

export interface Result {
  name: string;
  params: Record<string, unknown>;
  figures: Figure[];
  /** What the figures mean and how they were obtained: printed under the table, kept in the file. */
  notes: string[];
  /** Set when the code under measurement failed (the figures then cover what could be measured). */
  failed?: string;
}

// ---- throwaway Postgres -------------------------------------------------------------------------

export const APP_ROLE = 'opencis_app';

/**
 * The benchmark servers' memory, as a utility's database server would be set up (Postgres's
 * guidance: shared_buffers about a quarter of RAM) rather than the 128 MB a fresh cluster starts
 * with: at 100,000 accounts the tables outgrow 128 MB, and the default would measure the kernel's
 * page cache copies instead of the application. Capped at 4 GB; recorded in each result.
 */
export const SERVER_SETTINGS: Record<string, string> = {
  shared_buffers: `${Math.min(4096, Math.floor(os.totalmem() / 4 / 1024 ** 2))}MB`,
  // BENCH_PG_STATEMENTS=1: which statements the server spent its time on (pg_stat_statements),
  // for finding where a run's database time goes; off by default, as it costs a little per query.
  ...(process.env.BENCH_PG_STATEMENTS ? { shared_preload_libraries: 'pg_stat_statements' } : {}),
};
const APP_PASSWORD = 'opencis_app';

export interface BenchServer {
  /** Creates and migrates a database; returns its owner and application-role URLs. */
  createDatabase(name: string): Promise<BenchDatabase>;
  /**
   * CPU time (user + system, ms) used so far by the server's live processes: the postmaster and
   * every backend and helper it started. Read from /proc (Linux); NaN elsewhere.
   */
  cpuMs(): number;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  name: string;
  /** The owner (superuser): for setup and bulk loading. */
  adminUrl: string;
  /** The application role, as the API and worker connect in production. */
  appUrl: string;
}

/** Every server started and not yet stopped, so the CLI can stop them whatever happened. */
const running = new Set<BenchServer>();

/**
 * Starts embedded Postgres on a free port with its data in a fresh temp dir (persistent: false, so
 * stopping it deletes the data). Stop it with `stop()` (idempotent) or `stopAllServers()`.
 */
export async function startServer(label: string, log: (l: string) => void): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `opencis-bench-${label}-`));
  let pg: EmbeddedPg | undefined;
  let stopping: Promise<void> | undefined;
  const server: BenchServer = {
    async createDatabase(name) {
      if (!pg) throw new Error('server not started');
      await pg.ensureDatabase(name);
      const adminUrl = pg.urlFor(name);
      await migrate(adminUrl);
      // The migration creates opencis_app without a login (production grants it to a login role);
      // give it one, as test/helpers/global-setup.ts does.
      await withClient(adminUrl, (c) => c.query(`ALTER ROLE ${APP_ROLE} LOGIN PASSWORD '${APP_PASSWORD}'`));
      const u = new URL(adminUrl);
      u.username = APP_ROLE;
      u.password = APP_PASSWORD;
      return { name, adminUrl, appUrl: u.toString() };
    },
    cpuMs() {
      return processTreeCpuMs(postmasterPid(dataDir));
    },
    stop() {
      stopping ??= (async () => {
        running.delete(server);
        try {
          await pg?.stop();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
  running.add(server);
  try {
    const port = await freePort();
    const t0 = performance.now();
    pg = await startEmbeddedPostgres({ dataDir, port, persistent: false, settings: SERVER_SETTINGS });
    log(`  postgres (${label}) on port ${port} started in ${fmt(performance.now() - t0, 0)} ms`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

function postmasterPid(dataDir: string): number {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return NaN;
  }
}

/** Linux clock ticks per second for /proc/<pid>/stat CPU times (USER_HZ, 100 on every current kernel). */
const CLOCK_TICKS = 100;

/** CPU time (ms) of a process and its children, live or exited, from /proc; NaN when it cannot be read. */
export function processTreeCpuMs(rootPid: number | undefined): number {
  if (rootPid === undefined) return NaN;
  if (!Number.isFinite(rootPid) || process.platform !== 'linux') return NaN;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command (which may hold spaces): state ppid … utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    // The root's own time plus its reaped children's (cutime, cstime), so a child that exited
    // (a Postgres backend whose connection closed) keeps counting; a live child's own time.
    if (pid === rootPid) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (Number(f[1]) === rootPid) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * CPU time (ms) the hypervisor has taken from this virtual machine since boot (steal, /proc/stat),
 * summed over its cores; NaN where it cannot be read. On a shared host this is time the run was
 * ready to use and did not get: runs with different steal are not comparable.
 */
export function machineStealMs(): number {
  if (process.platform !== 'linux') return NaN;
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    return (Number(f[8]) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/**
 * A fixed piece of CPU work on one core, timed (ms, the best of three): JSON, strings and SHA-256,
 * as the product's hot paths do. The same work takes longer when the host is busier in ways steal
 * does not show (shared caches, memory bandwidth, clock speed), so a run records it beside its
 * figures, and runs on a shared machine can be compared.
 */
export function referenceWorkMs(): number {
  const block = Buffer.alloc(4096, 7);
  const once = () => {
    const t0 = performance.now();
    let sink = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = JSON.stringify({
        i,
        name: `Customer ${i}`,
        lines: [i, i * 2, i * 3],
        pad: 'x'.repeat(i % 50),
      });
      sink += (JSON.parse(text) as { lines: number[] }).lines[1]!;
      sink += createHash('sha256').update(block).update(text).digest()[0]!;
    }
    if (sink < 0) throw new Error('unreachable'); // keeps the work from being optimised away
    return performance.now() - t0;
  };
  once(); // warm-up
  return Math.min(once(), once(), once());
}

export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
}

/** Starts a server, runs `fn`, and stops the server whatever `fn` did. */
export async function withServer<T>(
  label: string,
  log: (l: string) => void,
  fn: (server: BenchServer) => Promise<T>,
): Promise<T> {
  const server = await startServer(label, log);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ---- measuring ----------------------------------------------------------------------------------

/** Runs `fn` and returns its result and elapsed wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Samples this process's RSS every `everyMs` until stopped; returns the peak in bytes. */
export function sampleRss(everyMs = 20): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same data on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MiB = 1024 * 1024;

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Rounds for the result file: enough digits to be useful, no float noise. */
const round = (n: number) => (Number.isFinite(n) ? Number(n.toPrecision(6)) : n);

// ---- output -------------------------------------------------------------------------------------

export function formatTable(r: Result): string {
  const hasTarget = r.figures.some((f) => f.target !== undefined);
  const head = ['figure', 'value', 'unit', ...(hasTarget ? ['target'] : [])];
  const rows = r.figures.map((f) => [
    f.figure,
    fmt(f.value, Math.abs(f.value) >= 1000 || Number.isInteger(f.value) ? 0 : Math.abs(f.value) < 10 ? 2 : 1),
    f.unit,
    ...(hasTarget ? [f.target ?? ''] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [`== ${r.name}`, ...(r.failed ? [`!! ${r.failed}`] : []), line(head), rule, ...rows.map(line)];
  if (r.notes.length) out.push('', ...r.notes.map((n) => `  * ${n}`));
  return out.join('\n');
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemBytes: os.totalmem(),
    totalMemGiB: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    arch: process.arch,
    /** 1, 5 and 15 minute load averages when the result was written: the machine may be shared. */
    loadAvg: os.loadavg().map(round),
    postgresSettings: SERVER_SETTINGS,
  };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResult(r: Result, startedAt: Date, durationMs: number): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `${r.name}-${stamp}.json`);
  const body = {
    name: r.name,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(durationMs),
    machine: machineInfo(),
    ...(r.failed ? { failed: r.failed } : {}),
    params: r.params,
    figures: r.figures.map((f) => ({ ...f, value: round(f.value) })),
    notes: r.notes,
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}
